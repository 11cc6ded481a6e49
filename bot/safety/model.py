"""The learned risk model: built from the project's labelled data, cached by hash.

What it is
----------
Two linear models over the same features of the normalised text (the detector's
``normalise``, after Unicode confusables are folded):
- a class-balanced logistic regression for *risk or not* (its probability is the
  decision score), and
- a multinomial logistic regression over the seven risk categories (which kind).
Features are TF-IDF word 1-2 grams plus character 2-5 grams inside word
boundaries, so paraphrases, typos and Norwegian compounds share evidence. The
families compared before this one was chosen are in ``benchmarks/risk_models.py``
(see the README, "Safety").

How it is built
---------------
``ensure_risk_model()`` (called by ``python -m bot train``, and on first use)
trains from ``bot.safety.corpus`` and writes ``models/risk-<hash>.pkl``, the hash
covering every labelled file, this module's version and scikit-learn's version.
The thresholds are chosen on out-of-fold scores from a split by writing batch
(``GroupKFold``): ``ask`` where recall of risk reaches ``ASK_RECALL``, ``crisis``
where the precision of a page reaches ``CRISIS_PRECISION``. The figures they
produced are stored with the model (``meta``) and printed by
``python -m bot risk model``.

A process loads the model once (``get_model``).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.safety.corpus import Example, corpus_hash, join_context, load_corpus

log = logging.getLogger(__name__)

MODEL_VERSION = "3"
ASK_RECALL = 0.985  # out-of-fold recall of risk at the ask threshold
CRISIS_PRECISION = 0.90  # out-of-fold precision of a page (rule hits included)
CHUNK_CHARS = 600  # long messages are scored in windows of sentences of about this size
MAX_MODEL_CHARS = 12_000  # beyond this, the model reads the first part (rules read more)
FOLDS = 3


# --------------------------------------------------------------------------- text

def model_text(text: str) -> str:
    from bot.safety.detector import normalise

    return normalise(text[:MAX_MODEL_CHARS])[0].strip()  # normalise folds look-alikes


_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")


def chunks(text: str) -> list[str]:
    """The message, and for a long one also windows of whole sentences: a risk
    sentence inside a long ordinary message is then read almost on its own."""
    text = text[:MAX_MODEL_CHARS]
    if len(text) <= CHUNK_CHARS:
        return [text]
    out, current = [], ""
    for sentence in _SENTENCE.split(text):
        while len(sentence) > CHUNK_CHARS:  # one enormous "sentence": hard windows
            out.append(sentence[:CHUNK_CHARS])
            sentence = sentence[CHUNK_CHARS // 2:]
        if current and len(current) + len(sentence) > CHUNK_CHARS:
            out.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        out.append(current)
    return out


# --------------------------------------------------------------------------- model

def _features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                 token_pattern=r"(?u)\b\w+\b", dtype=np.float32)),  # noqa: S106
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                 sublinear_tf=True, max_features=300_000, dtype=np.float32)),
    ])


def make_classifier(family: str = "logreg") -> Any:
    """The binary classifier of one model family (see benchmarks/risk_models.py)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.naive_bayes import ComplementNB
    from sklearn.svm import LinearSVC

    if family == "logreg":
        return LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000, solver="liblinear")
    if family == "svm":
        return CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), cv=3,
                                      method="sigmoid")
    if family == "ensemble":
        return VotingClassifier([
            ("lr", LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000,
                                      solver="liblinear")),
            ("nb", ComplementNB(alpha=0.3)),
            ("sgd", SGDClassifier(loss="modified_huber", alpha=2e-5, class_weight="balanced",
                                  random_state=0)),
        ], voting="soft")
    raise ValueError(f"unknown model family {family!r} (logreg, svm, ensemble)")


def example_text(e: Example) -> str:
    return join_context(e.context, e.text)


@dataclass
class RiskModel:
    """A fitted risk model with its thresholds and the figures that chose them."""

    features: Any
    binary: Any
    category_model: Any
    t_ask: float
    t_crisis: float
    meta: dict[str, Any] = field(default_factory=dict)
    _names: Any = None

    def vectors(self, texts: Sequence[str]) -> Any:
        """The features of each text (already joined with its context). The union's
        parts are called directly: FeatureUnion's joblib dispatch costs more than
        the work for one short message."""
        from scipy.sparse import hstack

        docs = [model_text(t) for t in texts]
        return hstack([vec.transform(docs) for _, vec in self.features.transformer_list],
                      format="csr")

    def scores(self, texts: Sequence[str], X: Any = None) -> np.ndarray:
        """Probability of risk for each text."""
        if not texts:
            return np.zeros(0)
        X = self.vectors(texts) if X is None else X
        return np.asarray(self.binary.predict_proba(X)[:, 1])

    def read(self, texts: Sequence[str]) -> tuple[int, float, Any]:
        """Scores several readings of one message at once (its chunks, and the message
        with its context); returns the best reading's index, score and features."""
        X = self.vectors(texts)
        s = self.scores(texts, X)
        i = int(np.argmax(s))
        return i, float(s[i]), X[i]

    def known_share(self, text: str) -> float:
        """The share of the message's words the model has seen in its labelled data:
        near zero for random letters, high for any real message in en or nb."""
        words = re.findall(r"\w+", model_text(text))
        if not words:
            return 1.0
        vocabulary = self.features.transformer_list[0][1].vocabulary_
        return sum(w in vocabulary for w in words) / len(words)

    def category(self, text: str, x: Any = None) -> str:
        x = self.vectors([text]) if x is None else x
        return str(self.category_model.predict(x)[0])

    def explain(self, text: str, n: int = 4, x: Any = None) -> list[str]:
        """The words and pieces of words that pushed the score up most."""
        coef = getattr(self.binary, "coef_", None)
        if coef is None:
            return []
        if self._names is None:
            self._names = np.asarray(self.features.get_feature_names_out())
        x = (self.vectors([text]) if x is None else x).tocoo()
        contrib = x.data * coef[0][x.col]
        order = np.argsort(-contrib)[: 4 * n]
        out: list[str] = []
        for j in order:
            if contrib[j] <= 0 or len(out) >= n:
                break
            name = str(self._names[x.col[j]]).split("__", 1)[-1].strip()
            if name and all(name not in o and o not in name for o in out):
                out.append(name)
        return out


def fit(examples: Sequence[Example], family: str = "logreg") -> tuple[Any, Any, Any]:
    from sklearn.linear_model import LogisticRegression

    texts = [model_text(example_text(e)) for e in examples]
    y = np.array([e.risk for e in examples], dtype=int)
    features = _features()
    X = features.fit_transform(texts)
    binary = make_classifier(family)
    binary.fit(X, y)
    risky = np.flatnonzero(y)
    category_model = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")
    category_model.fit(X[risky], [examples[i].category for i in risky])
    return features, binary, category_model


def out_of_fold(examples: Sequence[Example], family: str = "logreg",
                folds: int = FOLDS) -> np.ndarray:
    """Scores for every example from a model that never saw its writing batch."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([e.group for e in examples])
    texts = [example_text(e) for e in examples]
    y = np.array([e.risk for e in examples], dtype=int)
    oof = np.zeros(len(examples))
    for train, test in GroupKFold(n_splits=min(folds, len(set(groups)))).split(texts, y, groups):
        features, binary, _ = fit([examples[i] for i in train], family)
        X = features.transform([model_text(texts[i]) for i in test])
        oof[test] = binary.predict_proba(X)[:, 1]
    return oof


def choose_thresholds(scores: np.ndarray, y: np.ndarray,
                      floor: np.ndarray | None = None) -> tuple[float, float, dict[str, float]]:
    """``ask``: the highest threshold that keeps recall (a rule hit counts as
    noticed) at ``ASK_RECALL``; ``crisis``: the lowest that keeps a page, from the
    model or from a rule hit the model finds plausible (score >= ask), at
    ``CRISIS_PRECISION``. Returns both and the figures they gave."""
    floor = np.zeros_like(y, dtype=bool) if floor is None else floor
    pos = y == 1
    t_ask = 0.5
    for t in np.round(np.arange(0.95, 0.04, -0.01), 2):
        noticed = (scores >= t) | floor
        t_ask = float(t)
        if noticed[pos].mean() >= ASK_RECALL:
            break
    t_crisis = 0.99
    for t in np.round(np.arange(max(t_ask, 0.5), 0.995, 0.01), 2):
        paged = (scores >= t) | (floor & (scores >= t_ask))
        if paged.sum() and y[paged].mean() >= CRISIS_PRECISION:
            t_crisis = float(t)
            break
    noticed = (scores >= t_ask) | floor
    paged = (scores >= t_crisis) | (floor & (scores >= t_ask))
    figures = {
        "oof_recall_noticed": float(noticed[pos].mean()),
        "oof_ask_rate_on_negatives": float((noticed & ~paged)[~pos].mean()),
        "oof_crisis_precision": float(y[paged].mean()) if paged.any() else 1.0,
        "oof_crisis_share_of_risk": float(paged[pos].mean()),
        "rules_alone_precision": float(y[floor].mean()) if floor.any() else 1.0,
    }
    return t_ask, t_crisis, figures


def build(root: Path, family: str = "logreg") -> RiskModel:
    from bot.safety.detector import detect

    t0 = time.perf_counter()
    examples = load_corpus(root)
    y = np.array([e.risk for e in examples], dtype=int)
    oof = out_of_fold(examples, family)
    floor = np.array([detect(example_text(e)).risk for e in examples])
    t_ask, t_crisis, figures = choose_thresholds(oof, y, floor)
    features, binary, category_model = fit(examples, family)
    langs = {lang: sum(e.lang == lang for e in examples) for lang in ("en", "nb")}
    meta = {
        "family": family, "version": MODEL_VERSION, "examples": len(examples),
        "risk_examples": int(y.sum()), "per_language": langs,
        "groups": len({e.group for e in examples}), "folds": FOLDS,
        "t_ask": t_ask, "t_crisis": t_crisis, **figures,
        "build_seconds": round(time.perf_counter() - t0, 1),
    }
    return RiskModel(features, binary, category_model, t_ask, t_crisis, meta)


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def model_path(root: Path) -> Path:
    # The hash covers the data, this module's code (features, thresholds) and sklearn.
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    digest = corpus_hash(root, f"model={MODEL_VERSION};code={code};sklearn={_sklearn_version()}")
    return root / "models" / f"risk-{digest}.pkl"


def ensure_risk_model(root: Path, quiet: bool = False) -> Path:
    """The model file for the current data, built (in well under a minute) if missing."""
    path = model_path(root)
    if path.exists():
        if not quiet:
            print(f"==> risk model is up to date: {path.relative_to(root)}")
        return path
    print("==> risk data changed: building the risk model", file=sys.stderr, flush=True)
    model = build(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two first builds never share a file
    with tmp.open("wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    for old in path.parent.glob("risk-*.pkl"):
        if old != path:
            old.unlink()
    m = model.meta
    print(f"==> risk model built in {m['build_seconds']} s from {m['examples']} examples: "
          f"ask >= {m['t_ask']:.2f}, crisis >= {m['t_crisis']:.2f}", file=sys.stderr, flush=True)
    return path


@functools.lru_cache(maxsize=2)
def get_model(root: Path | None = None) -> RiskModel:
    """The process's risk model: loaded once (built first if the data changed)."""
    from bot.core.settings import REPO_ROOT

    path = ensure_risk_model(root or REPO_ROOT, quiet=True)
    with path.open("rb") as f:
        model = pickle.load(f)  # noqa: S301 - our own build artefact (ensure_risk_model)
    if not isinstance(model, RiskModel):
        raise RuntimeError(f"{path} is not a risk model; delete it and run `python -m bot train`")
    log.info("risk model loaded: %s (%s examples)", path.name, model.meta.get("examples"))
    return model
