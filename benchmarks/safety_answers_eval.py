"""How well typed answers to "are you safe right now?" are read (bot/safety/answers.py).

    python benchmarks/safety_answers_eval.py                  # every scored batch, now
    python benchmarks/safety_answers_eval.py --first-sight risk_data/incoming/safety-answers-blind-N.jsonl

A batch is written blind (by someone who saw only the question, the labels and the
rule "when in doubt, not safe"), one JSON object per line with ``text``, ``lang`` and
``label`` (safe | not_safe | unclear). ``--first-sight`` scores it once, appends the
figures to benchmarks/safety_answers_history.md and moves it to tests/data/, where
the regression test keeps its one hard rule (never "safe" for a message that is not)
and the rules may then be improved on it. A batch already in the history is refused.

The figure that matters most is **false safe**: a reply read as "safe" closes the risk
conversation. Reading "not safe" as "unclear" costs a second question; "unclear" as
"not safe" costs an extra urgent page. Both are shown.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety.answers import read_typed_safety  # noqa: E402

HISTORY = ROOT / "benchmarks" / "safety_answers_history.md"
SCORED = ROOT / "tests" / "data"
LABELS = ("safe", "not_safe", "unclear")


def load(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if row.get("label") not in LABELS:
                raise SystemExit(f"{path}:{n}: label must be one of {LABELS}")
            rows.append(row)
    return rows


def score(rows: list[dict]) -> dict[str, object]:
    """The bot reads a typed answer without trusting the classifier (no NLU intent)."""
    confusion: Counter[tuple[str, str]] = Counter()
    wrong: list[str] = []
    for row in rows:
        got = read_typed_safety(row["text"], None)
        confusion[(row["label"], got)] += 1
        if got != row["label"]:
            wrong.append(f"    {row['label']:>8} read as {got:<8} {row['text']}")
    total = len(rows)
    not_safe_total = sum(v for (lab, _), v in confusion.items() if lab != "safe")
    false_safe = sum(v for (lab, got), v in confusion.items() if lab != "safe" and got == "safe")
    return {"n": total, "accuracy": sum(v for (a, b), v in confusion.items() if a == b) / total,
            "false_safe": false_safe, "not_safe_or_unclear": not_safe_total,
            "confusion": confusion, "wrong": wrong}


def report(name: str, rows: list[dict]) -> str:
    lines = [f"{name}: {len(rows)} answers"]
    for lang in sorted({r["lang"] for r in rows}) + ["all"]:
        part = [r for r in rows if lang == "all" or r["lang"] == lang]
        s = score(part)
        lines.append(f"  {lang:>3}: accuracy {s['accuracy']:.3f}; false safe {s['false_safe']} of "
                     f"{s['not_safe_or_unclear']} that were not safe or unclear")
    s = score(rows)
    lines.append("  labelled -> read as: " + ", ".join(
        f"{a}->{b} {v}" for (a, b), v in sorted(s["confusion"].items())))  # type: ignore[union-attr]
    lines += s["wrong"]  # type: ignore[arg-type]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--first-sight", nargs="*", type=Path, default=[])
    args = ap.parse_args()
    if args.first_sight:
        history = HISTORY.read_text(encoding="utf-8") if HISTORY.exists() else (
            "# Typed answers to \"are you safe right now?\": first-sight figures\n\n"
            "Each blind batch is scored once, here, before the rules see it.\n")
        for path in args.first_sight:
            if f"`{path.name}`" in history:
                raise SystemExit(f"{path.name} was scored already (see {HISTORY.name})")
            text = report(path.name, load(path))
            print(text)
            history += (f"\n## `{path.name}`, {dt.date.today().isoformat()}\n\n```\n{text}\n```\n")
            shutil.move(str(path), SCORED / path.name)
        HISTORY.write_text(history, encoding="utf-8")
        return 0
    for path in sorted(SCORED.glob("safety-answers-*.jsonl")):
        print(report(path.name, load(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
