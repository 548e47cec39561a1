"""The command line's logging: this project's warnings and every library's errors on stderr, nothing else.

Configured before Beam is imported, so no library sets up logging of its own
(Beam's BigQuery client logs a warning at import when `apitools` is missing,
which would otherwise install a stderr handler for every INFO line to come).
`CURATE_LOG=INFO` (or DEBUG, WARNING) shows every library's records from that level.
"""

from __future__ import annotations

import logging
import os

_OWN = ("curation", "pipelines", "filters", "pretrain", "__main__")


class _OwnWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or record.name.split(".")[0] in _OWN


def configure() -> None:
    """Idempotent: `curate` called twice in one process (tests, `curate demo`) keeps one handler."""
    root = logging.getLogger()
    if any(getattr(h, "curate", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.curate = True
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level = os.environ.get("CURATE_LOG", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR"):
        root.setLevel(level)
    else:
        root.setLevel(logging.WARNING)
        handler.addFilter(_OwnWarnings())
    root.addHandler(handler)
