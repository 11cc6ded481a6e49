"""NLU intent F1 by 5-fold cross-validation (`make nlu-cv`), per language.

Aim: weighted F1 >= 0.90 in English and in bokmål. Each example's language: bokmål if
it is in nlu_data/nb/ or reads as bokmål (bot.core.language.guess_language, or æ/ø/å in it),
else English.

    python benchmarks/nlu_crossval.py                 # the model as shipped (both languages)
    python benchmarks/nlu_crossval.py --per-language  # also: one model per language, each
                                                      # cross-validated on its own examples,
                                                      # side by side with the joint model
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def language_of(text: str, path: Path) -> str:
    from bot.core.language import guess_language

    if "nb" in path.relative_to(ROOT / "nlu_data").parts[:-1]:
        return "nb"
    if guess_language(text) == "nb" or any(ch in text.lower() for ch in "æøå"):
        return "nb"
    return "en"


def examples() -> dict[str, str]:
    """text -> language, over every training example."""
    from rasa.shared.nlu.training_data.loading import load_data

    out: dict[str, str] = {}
    for path in sorted((ROOT / "nlu_data").rglob("*.yml")):
        for message in load_data(str(path)).intent_examples:
            text = message.get("text")
            out[text] = language_of(text, path)
    return out


def cross_validate(data: Path, out: Path) -> list[tuple[str, str, str]]:
    """(text, true intent, predicted intent) for every example, from Rasa's own
    cross-validation (its successes and errors files)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    subprocess.run([sys.executable, "-m", "rasa", "test", "nlu", "--nlu", str(data), "--config",
                    str(ROOT / "config.yml"), "--cross-validation", "--folds", "5", "--out",
                    str(out), "--no-plot", "--quiet", "--successes"], cwd=ROOT,
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows: list[tuple[str, str, str]] = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.exists():
            for item in json.loads(path.read_text()):
                rows.append((item["text"], item["intent"],
                             (item.get("intent_prediction") or {}).get("name") or ""))
    return rows


def scores(rows: list[tuple[str, str, str]]) -> tuple[float, float, int]:
    from sklearn.metrics import f1_score

    if not rows:
        return 0.0, 0.0, 0
    truth, pred = [r[1] for r in rows], [r[2] for r in rows]
    labels = sorted(set(truth))
    return (f1_score(truth, pred, labels=labels, average="weighted", zero_division=0),
            f1_score(truth, pred, labels=labels, average="macro", zero_division=0), len(rows))


def per_intent(rows: list[tuple[str, str, str]], langs: dict[str, str]) -> None:
    from sklearn.metrics import precision_recall_fscore_support

    truth, pred = [r[1] for r in rows], [r[2] for r in rows]
    labels = sorted(set(truth))
    p, r, f, n = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    per_lang: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for text, true, predicted in rows:
        per_lang[true][langs.get(text, "en")].append((true, predicted))
    print(f"{'intent':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4} {'n en':>5} {'n nb':>5} "
          f"{'recall en':>9} {'recall nb':>9}")
    for i, label in enumerate(labels):
        by = per_lang[label]

        def recall(lang: str, by: dict[str, list[tuple[str, str]]] = by) -> str:
            got = by.get(lang) or []
            return f"{sum(t == q for t, q in got) / len(got):9.3f}" if got else f"{'-':>9}"

        print(f"{label:<20} {p[i]:9.3f} {r[i]:7.3f} {f[i]:6.3f} {n[i]:4d} "
              f"{len(by.get('en', [])):5d} {len(by.get('nb', [])):5d} {recall('en')} {recall('nb')}")


def subset(langs: dict[str, str], lang: str, folder: Path) -> Path:
    """The training data with only ``lang``'s examples (lookup tables kept)."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    folder.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(sorted((ROOT / "nlu_data").rglob("*.yml"))):
        data = load_data(str(path))
        kept = [m for m in data.training_examples if langs.get(m.get("text")) == lang]
        part = TrainingData(training_examples=kept, lookup_tables=data.lookup_tables)
        (folder / f"{index:02d}_{path.stem}.yml").write_text(part.nlu_as_yaml(), encoding="utf-8")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-language", action="store_true",
                        help="also cross-validate one model per language")
    args = parser.parse_args()
    langs = examples()
    work = Path(tempfile.mkdtemp(prefix="nlu-cv-"))
    joint = cross_validate(ROOT / "nlu_data", work / "joint")
    per_intent(joint, langs)
    print(f"\n{'model':<28} {'test examples':<14} {'weighted F1':>11} {'macro F1':>9} {'n':>5}")
    for lang in ("all", "en", "nb"):
        rows = [r for r in joint if lang == "all" or langs.get(r[0], "en") == lang]
        w, m, n = scores(rows)
        print(f"{'one model, both languages':<28} {lang:<14} {w:11.3f} {m:9.3f} {n:5d}")
    if args.per_language:
        for lang in ("en", "nb"):
            rows = cross_validate(subset(langs, lang, work / f"data_{lang}"), work / f"only_{lang}")
            w, m, n = scores(rows)
            print(f"{'one model per language':<28} {lang:<14} {w:11.3f} {m:9.3f} {n:5d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
