"""NLU intent F1 by 5-fold cross-validation (`make nlu-cv`). Aim: weighted F1 >= 0.90."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(tempfile.mkdtemp(prefix="nlu-cv-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    subprocess.run([sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "nlu_data", "--config",
                    "config.yml", "--cross-validation", "--folds", "5", "--out", str(out),
                    "--no-plot", "--quiet"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    report = json.loads((out / "intent_report.json").read_text())
    print(f"{'intent':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and name not in (
                "accuracy", "macro avg", "weighted avg", "micro avg"):
            print(f"{name:<20} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1-score']:6.3f} "
                  f"{row['support']:4d}")
    w = report["weighted avg"]
    print(f"\nweighted avg F1 = {w['f1-score']:.3f} (precision {w['precision']:.3f}, "
          f"recall {w['recall']:.3f}); macro F1 = {report['macro avg']['f1-score']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
