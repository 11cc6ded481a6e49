"""Measure the risk decision (``bot.safety.decision.decide``) exactly as the bot uses it.

Usage (from the repo root, with the venv):
    python benchmarks/risk_eval.py                      # every scored blind batch, latest model
    python benchmarks/risk_eval.py --data FILE.jsonl    # any labelled file
    python benchmarks/risk_eval.py --first-sight risk_data/incoming/blind-en-3.jsonl [...]

``--first-sight`` is the honest protocol for a new blind batch (written by someone
who saw only docs/risk-labelling.md): each batch is scored once, by the production
model family and by the other families compared (built from the same data), its
figures are appended to benchmarks/risk_history.md, and only then is the file moved
to risk_data/train/, where the next model build learns from it. A batch that is
already in the history is refused.

Prints, per language: noticed recall (crisis or ask), per-category recall, crisis
precision (a GP paged only when it matters), the share of non-risk messages that get
the direct question, and the same share on the NLU's ordinary examples; then the
decision time (median, p95) and the model build time, against the targets.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety.corpus import Example, load_corpus, read_jsonl, read_nlu  # noqa: E402
from bot.safety.decision import ASK, CRISIS, decide  # noqa: E402
from bot.safety.model import RiskModel, build, get_model  # noqa: E402
from bot.safety.rules_common import CATEGORIES  # noqa: E402

HISTORY = ROOT / "benchmarks" / "risk_history.md"
TRAIN = ROOT / "risk_data" / "train"
TARGETS = {"recall": 0.97, "category_recall": 0.95, "crisis_precision": 0.90,
           "ask_on_negatives": 0.08, "ask_on_nlu": 0.02, "p95_ms": 5.0, "build_s": 60.0}
KEY_CATEGORIES = ("plan_or_intent", "self_harm", "abuse")


def _r(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  n/a"


def _short(text: str, n: int = 90) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 3] + "..."


def score_rows(rows: list[Example], model: RiskModel) -> dict[str, Any]:
    """Counts per language and per category for the decision on these rows."""
    lang: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cat: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses, false_pages, asks = [], [], []
    for e in rows:
        d = decide(e.text, e.lang, e.context, model=model)
        s = lang[e.lang]
        s["n"] += 1
        if e.risk:
            s["pos"] += 1
            s["noticed"] += d.risk
            s["crisis_tp"] += d.action == CRISIS
            c = cat[(e.lang, e.category or "?")]
            c["n"] += 1
            c["noticed"] += d.risk
            if not d.risk:
                misses.append((e.lang, e.category, d.score, e.text))
        else:
            s["neg"] += 1
            s["crisis_fp"] += d.action == CRISIS
            s["ask_fp"] += d.action == ASK
            if d.action == CRISIS:
                false_pages.append((e.lang, d.category, d.score, e.text))
            elif d.action == ASK:
                asks.append((e.lang, d.score, e.text))
    return {"lang": lang, "cat": cat, "misses": misses, "false_pages": false_pages, "asks": asks}


def figures(ev: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for lang, s in sorted(ev["lang"].items()):
        pages = s["crisis_tp"] + s["crisis_fp"]
        out[lang] = {
            "n": s["n"], "risk": s["pos"],
            "recall": s["noticed"] / s["pos"] if s["pos"] else None,
            "crisis_precision": s["crisis_tp"] / pages if pages else None,
            "ask_on_negatives": s["ask_fp"] / s["neg"] if s["neg"] else None,
            "categories": {c: v["noticed"] / v["n"] for (lg, c), v in ev["cat"].items() if lg == lang},
        }
    return out


def nlu_ask_rate(model: RiskModel) -> tuple[float, int, list[str]]:
    rows = [e for p in sorted((ROOT / "nlu_data").glob("*.yml")) for e in read_nlu(p) if not e.risk]
    flagged = [e.text for e in rows if decide(e.text, e.lang, model=model).risk]
    return len(flagged) / max(1, len(rows)), len(rows), flagged


def timing(rows: list[Example], model: RiskModel, reps: int = 3) -> tuple[float, float]:
    times = []
    for e in rows:
        t0 = time.perf_counter()
        for _ in range(reps):
            decide(e.text, e.lang, e.context, model=model)
        times.append((time.perf_counter() - t0) / reps * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def print_report(title: str, ev: dict[str, Any], show: bool = True) -> dict[str, dict[str, Any]]:
    figs = figures(ev)
    print(f"\n== {title}")
    print(f"{'lang':<6}{'n':>5}{'risk':>6}{'noticed recall':>16}{'crisis precision':>18}"
          f"{'ask on non-risk':>17}")
    for lang, f in figs.items():
        print(f"{lang:<6}{f['n']:>5}{f['risk']:>6}{_fmt(f['recall']):>16}"
              f"{_fmt(f['crisis_precision']):>18}{_fmt(f['ask_on_negatives']):>17}")
    print(f"{'category':<18}" + "".join(f"{lang:>8}" for lang in figs))
    for c in CATEGORIES:
        print(f"{c:<18}" + "".join(
            f"{_fmt(figs[lang]['categories'].get(c)):>8}" for lang in figs))
    if show:
        print(f"misses ({len(ev['misses'])}):")
        for lang, c, score, text in ev["misses"]:
            print(f"  [{lang}] {c:<17} {score:.2f} {_short(text)}")
        print(f"false pages ({len(ev['false_pages'])}):")
        for lang, c, score, text in ev["false_pages"]:
            print(f"  [{lang}] {c:<17} {score:.2f} {_short(text)}")
        print(f"asked on non-risk ({len(ev['asks'])}):")
        for lang, score, text in ev["asks"]:
            print(f"  [{lang}] {score:.2f} {_short(text)}")
    return figs


def history_entry(batch: str, family_figs: dict[str, dict[str, dict[str, Any]]],
                  model: RiskModel) -> str:
    today = dt.date.today().isoformat()
    lines = [f"\n## {today} · {batch} (first sight)\n",
             f"Model: {model.meta.get('family')} v{model.meta.get('version')}, "
             f"{model.meta.get('examples')} training examples, ask >= {model.t_ask:.2f}, "
             f"crisis >= {model.t_crisis:.2f}.\n",
             "| family | lang | n | risk | noticed recall | crisis precision | ask on non-risk | "
             + " | ".join(CATEGORIES) + " |",
             "|---|---|---|---|---|---|---|" + "---|" * len(CATEGORIES)]
    for family, figs in family_figs.items():
        for lang, f in figs.items():
            cats = " | ".join(_fmt(f["categories"].get(c)) for c in CATEGORIES)
            lines.append(f"| {family} | {lang} | {f['n']} | {f['risk']} | {_fmt(f['recall'])} | "
                         f"{_fmt(f['crisis_precision'])} | {_fmt(f['ask_on_negatives'])} | {cats} |")
    return "\n".join(lines) + "\n"


def first_sight(paths: list[Path], families: list[str]) -> int:
    history = HISTORY.read_text(encoding="utf-8") if HISTORY.exists() else ""
    for path in paths:
        if f"· {path.stem} (first sight)" in history or (TRAIN / path.name).exists():
            raise SystemExit(f"{path.name} has been scored already: a batch is scored once")
    model = get_model(ROOT)
    others = {f: build(ROOT, family=f) for f in families if f != model.meta.get("family")}
    for path in paths:
        rows = read_jsonl(path)
        family_figs = {str(model.meta.get("family")): print_report(
            f"{path.name}: {model.meta.get('family')} (production)", score_rows(rows, model))}
        for family, other in others.items():
            family_figs[family] = print_report(f"{path.name}: {family}", score_rows(rows, other),
                                               show=False)
        entry = history_entry(path.stem, family_figs, model)
        with HISTORY.open("a", encoding="utf-8") as f:
            f.write(entry)
        shutil.move(str(path), TRAIN / path.name)
        print(f"\nrecorded in {HISTORY.relative_to(ROOT)}; {path.name} moved to "
              f"{TRAIN.relative_to(ROOT)}/ (the next build learns from it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", action="append", help="labelled JSONL file(s) to score")
    ap.add_argument("--first-sight", nargs="+", type=Path, metavar="BATCH",
                    help="score new blind batches once, record them, move them to training")
    ap.add_argument("--families", default="logreg,svm,ensemble",
                    help="model families compared at first sight")
    ap.add_argument("--quiet", action="store_true", help="no lists of misses")
    args = ap.parse_args(argv)
    if args.first_sight:
        return first_sight(args.first_sight, args.families.split(","))

    t0 = time.perf_counter()
    model = build(ROOT)
    build_s = time.perf_counter() - t0
    paths = [Path(p) for p in args.data] if args.data else sorted(TRAIN.glob("blind-*.jsonl"))
    if not args.data:
        print("Scored blind batches with the latest model. The model has LEARNED these batches "
              "since their first sight, so these are not generalisation figures: those are in "
              f"{HISTORY.relative_to(ROOT)}.")
    rows = [e for p in paths for e in read_jsonl(p)]
    print_report(f"{len(paths)} file(s), {len(rows)} messages", score_rows(rows, model),
                 show=not args.quiet)
    rate, n_nlu, flagged = nlu_ask_rate(model)
    print(f"\nflagged among the NLU's {n_nlu} ordinary examples: {rate:.3f} "
          f"(target <= {TARGETS['ask_on_nlu']})")
    for text in flagged[:20]:
        print(f"  {_short(text)}")
    med, p95 = timing(rows or load_corpus(ROOT)[:500], model)
    print(f"decision time: median {med:.2f} ms, p95 {p95:.2f} ms per message "
          f"(target p95 < {TARGETS['p95_ms']} ms)")
    print(f"model build: {build_s:.1f} s from {model.meta['examples']} examples "
          f"(target < {TARGETS['build_s']:.0f} s); thresholds ask >= {model.t_ask:.2f}, "
          f"crisis >= {model.t_crisis:.2f}")
    print("out-of-fold figures that chose them: " + json.dumps(
        {k: round(v, 3) for k, v in model.meta.items() if k.startswith("oof_")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
