"""Line-oriented JSON interface to the risk decision (exactly what the bot does).

``risk_check(stdin, stdout)`` reads one JSON object per line
(``{"text": "...", "lang": "en"|"nb", "context": ["earlier message", ...]}``;
``context`` is optional, other fields are ignored) and writes one JSON object per
input line, in order, flushed per line:
``{"risk": bool, "action": "crisis"|"ask"|"none", "category": ..., "score": float,
"evidence": [...]}``.  Any bad line (blank,
invalid JSON, no string "text") gives ``{"error": "..."}`` so output stays aligned
with input.  Wired elsewhere as ``python -m bot risk check``.
"""

from __future__ import annotations

import json
from typing import TextIO

from bot.safety.decision import decide


def _check_line(line: str) -> dict:
    if not line.strip():
        return {"error": "blank line"}
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"invalid JSON: {exc.msg} (column {exc.colno})"}
    if not isinstance(obj, dict):
        return {"error": "expected a JSON object"}
    text = obj.get("text")
    if not isinstance(text, str):
        return {"error": "missing or non-string 'text'"}
    lang = obj.get("lang")
    context = obj.get("context") or []
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        return {"error": "'context' must be a list of strings"}
    try:
        return decide(text, lang if isinstance(lang, str) else None, context).to_dict()
    except Exception as exc:  # never stop the stream
        return {"error": f"detector failed: {type(exc).__name__}"}


def risk_check(stdin: TextIO, stdout: TextIO) -> int:
    """Stream JSON lines from ``stdin`` to risk results on ``stdout``. Returns 0."""
    for line in stdin:
        stdout.write(json.dumps(_check_line(line.rstrip("\r\n")), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
