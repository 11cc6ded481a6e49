"""Evaluate the risk detector on a labelled JSONL file.

Usage (from the repo root):
    python benchmarks/risk_eval.py [--data tests/data/risk_heldout.jsonl] [--reps 20]

Each line: {"text": ..., "lang": "en"|"nb", "risk": bool, "category": str|null}.
Prints recall/precision per language and per category, category agreement,
misses and false positives, and timing (median/p95 ms per message). Exit 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety.detector import CATEGORIES, detect  # noqa: E402


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  n/a"


def _short(text: str, n: int = 90) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 3] + "..."


def load(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{i}: invalid JSON ({exc})") from exc
    return rows


def evaluate(rows: list[dict]) -> dict:
    per_lang: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_cat: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses, fps, disagree = [], [], []
    for r in rows:
        res = detect(r["text"], r.get("lang"))
        lang = r.get("lang", "?")
        gold, pred = bool(r["risk"]), res.risk
        s = per_lang[lang]
        s["n"] += 1
        s["tp"] += gold and pred
        s["fn"] += gold and not pred
        s["fp"] += (not gold) and pred
        s["tn"] += (not gold) and not pred
        if gold:
            c = per_cat[r.get("category") or "?"]
            c["n"] += 1
            c["detected"] += pred
            c["agree"] += res.category == r.get("category")
            if pred and res.category != r.get("category"):
                disagree.append((lang, r.get("category"), res.category, r["text"]))
        if gold and not pred:
            misses.append((lang, r.get("category"), r["text"]))
        if pred and not gold:
            fps.append((lang, res.category, res.evidence[0] if res.evidence else "", r["text"]))
    return {"lang": per_lang, "cat": per_cat, "misses": misses, "fps": fps, "disagree": disagree}


def timing(rows: list[dict], reps: int) -> tuple[float, float]:
    times = []
    for r in rows:
        t0 = time.perf_counter()
        for _ in range(reps):
            detect(r["text"], r.get("lang"))
        times.append((time.perf_counter() - t0) / reps * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "tests" / "data" / "risk_heldout.jsonl"))
    ap.add_argument("--reps", type=int, default=20, help="timing repetitions per message")
    ap.add_argument("--show-disagreements", action="store_true")
    args = ap.parse_args(argv)
    path = Path(args.data)
    rows = load(path)
    ev = evaluate(rows)

    print(f"data: {path}  ({len(rows)} messages)\n")
    print(f"{'language':<10}{'n':>5}{'pos':>5}{'TP':>5}{'FN':>5}{'FP':>5}{'recall':>9}"
          f"{'precision':>11}")
    tot = defaultdict(int)
    for lang in sorted(ev["lang"]):
        s = ev["lang"][lang]
        for k, v in s.items():
            tot[k] += v
        print(f"{lang:<10}{s['n']:>5}{s['tp'] + s['fn']:>5}{s['tp']:>5}{s['fn']:>5}{s['fp']:>5}"
              f"{_ratio(s['tp'], s['tp'] + s['fn']):>9}{_ratio(s['tp'], s['tp'] + s['fp']):>11}")
    print(f"{'all':<10}{tot['n']:>5}{tot['tp'] + tot['fn']:>5}{tot['tp']:>5}{tot['fn']:>5}"
          f"{tot['fp']:>5}{_ratio(tot['tp'], tot['tp'] + tot['fn']):>9}"
          f"{_ratio(tot['tp'], tot['tp'] + tot['fp']):>11}")

    print(f"\n{'category':<18}{'n':>5}{'recall(risk)':>14}{'category agreement':>20}")
    for cat in [*CATEGORIES, *sorted(set(ev["cat"]) - set(CATEGORIES))]:
        c = ev["cat"].get(cat)
        if c:
            print(f"{cat:<18}{c['n']:>5}{_ratio(c['detected'], c['n']):>14}"
                  f"{_ratio(c['agree'], c['n']):>20}")

    print(f"\nmisses ({len(ev['misses'])}):")
    for lang, cat, text in ev["misses"]:
        print(f"  [{lang}] {cat:<17} {_short(text)}")
    print(f"\nfalse positives ({len(ev['fps'])}):")
    for lang, cat, evid, text in ev["fps"]:
        print(f"  [{lang}] {cat:<17} {_short(text, 70)}  <- {evid}")
    if args.show_disagreements:
        print(f"\ncategory disagreements ({len(ev['disagree'])}):")
        for lang, gold, pred, text in ev["disagree"]:
            print(f"  [{lang}] gold={gold} pred={pred}  {_short(text, 70)}")

    med, p95 = timing(rows, max(1, args.reps))
    print(f"\ntiming: median {med:.3f} ms, p95 {p95:.3f} ms per message ({args.reps} reps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
