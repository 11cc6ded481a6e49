"""Trains the Rasa model only when its inputs changed (cached by content hash)."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from bot.core.settings import REPO_ROOT

TRAINING_INPUTS = ("config.yml", "domain.yml", "nlu_data", "stories")
MODELS_DIR = REPO_ROOT / "models"


def training_hash(root: Path = REPO_ROOT) -> str:
    digest = hashlib.sha256()
    try:
        import rasa

        digest.update(f"rasa={rasa.__version__}".encode())
    except ImportError:  # pragma: no cover - rasa is installed in the venv
        pass
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = REPO_ROOT) -> Path:
    return root / "models" / f"model-{training_hash(root)}.tar.gz"


def ensure_model(root: Path = REPO_ROOT, quiet: bool = False) -> Path:
    """Returns the model for the current training data, training it if missing."""
    path = model_path(root)
    if path.exists():
        if not quiet:
            print(f"==> model is up to date: {path.relative_to(root)}")
        return path
    print("==> training data changed: training the Rasa model (about a minute)", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "rasa", "train", "--data", "nlu_data", "stories",
           "--config", "config.yml", "--domain", "domain.yml", "--out", str(path.parent),
           "--fixed-model-name", path.name.removesuffix(".tar.gz"), "--quiet"]
    subprocess.run(cmd, cwd=root, check=True)
    if not path.exists():
        raise RuntimeError(f"rasa train finished but {path} is missing")
    # Keep the directory small: old models are of no use once retrained.
    for old in path.parent.glob("model-*.tar.gz"):
        if old != path:
            old.unlink()
    return path
