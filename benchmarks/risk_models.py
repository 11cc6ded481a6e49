"""Compare risk model families on the training data, split by writing batch.

Usage: python benchmarks/risk_models.py [--families logreg,svm,ensemble]

For each family: out-of-fold scores from GroupKFold over the source files (a
batch is never scored by a model that learned it), the thresholds the build would
choose from them, and what those thresholds give, per language. This is how the
production family was chosen before any blind batch was seen; first-sight figures
on blind batches for every family are in benchmarks/risk_history.md.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety.corpus import load_corpus  # noqa: E402
from bot.safety.detector import detect  # noqa: E402
from bot.safety.model import choose_thresholds, example_text, out_of_fold  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--families", default="logreg,svm,ensemble")
    args = ap.parse_args(argv)
    examples = load_corpus(ROOT)
    y = np.array([e.risk for e in examples], dtype=int)
    langs = np.array([e.lang for e in examples])
    floor = np.array([detect(example_text(e)).risk for e in examples])
    print(f"{len(examples)} examples, {int(y.sum())} risk, "
          f"{len({e.group for e in examples})} writing batches")
    print(f"{'family':<10}{'lang':<6}{'recall':>8}{'crisis prec':>13}{'ask on neg':>12}"
          f"{'t_ask':>7}{'t_crisis':>10}{'seconds':>9}")
    for family in args.families.split(","):
        t0 = time.perf_counter()
        oof = out_of_fold(examples, family)
        secs = time.perf_counter() - t0
        t_ask, t_crisis, _ = choose_thresholds(oof, y, floor)
        for lang in ("en", "nb"):
            m = langs == lang
            pos, neg = m & (y == 1), m & (y == 0)
            noticed = (oof >= t_ask) | floor
            paged = (oof >= t_crisis) | floor
            prec = y[m & paged].mean() if (m & paged).any() else float("nan")
            print(f"{family:<10}{lang:<6}{noticed[pos].mean():>8.3f}{prec:>13.3f}"
                  f"{((oof >= t_ask) & ~floor)[neg].mean():>12.3f}{t_ask:>7.2f}{t_crisis:>10.2f}"
                  f"{secs:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
