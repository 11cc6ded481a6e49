"""How long things are kept that need not be kept: the e-mails written to var/mail/
when no SMTP server is configured (they hold what a GP was told) are deleted after
MAIL_RETENTION_DAYS (default 30). The escalation worker runs this with its sweeps;
`python -m bot retention` runs it once and prints what it removed.

(Conversations and patient rows are removed on request, by `patients erase`; an
automatic retention period for them is a decision for the practice's data controller
and is not built.)
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)


def purge_mail(folder: Path, now: datetime, days: int) -> int:
    """Deletes the .eml files in ``folder`` last written more than ``days`` ago."""
    if not folder.is_dir():
        return 0
    cutoff = (now - timedelta(days=days)).timestamp()
    removed = 0
    for path in folder.glob("*.eml"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    if removed:
        log.info("retention: removed %d e-mail file(s) older than %d days", removed, days)
    return removed
