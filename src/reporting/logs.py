"""The run's log: every line starts with the time (ISO 8601, UTC) and a level, so the runs a scheduler appends
to one file can be searched by time (`grep ^2026-12-06T03 logs/reports.log`) and by level (`grep ' WARNING '`).

The package writes its progress, warnings and failures to the `reporting` logger; the command line decides where
they go (`log_to`). Other libraries' warnings get the same prefix; their chatter below WARNING is left out.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from datetime import datetime, timezone

LOG = logging.getLogger("reporting")
_quiet = [False]  # once a run is stopping, only the workbook's own lines are written
# asyncio reports a killed kernel's unfinished task when the process exits, after our handler has gone.
_NOISY_WHEN_STOPPING = ("asyncio",)


def timestamp(seconds: float) -> str:
    """A moment as ISO 8601 in UTC to the second, e.g. 2026-12-06T03:01:02+00:00 (UTC, so it never jumps at BST)."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


class TimestampFormatter(logging.Formatter):
    """Each line of a record, a traceback's included, starts with the record's time and level."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"{timestamp(record.created)} {record.levelname}"
        return "\n".join(f"{prefix} {line}" for line in (super().format(record).splitlines() or [""]))


class _Chosen(logging.Filter):
    """The workbook's lines from INFO up; another library's from WARNING up where it has not sent them elsewhere
    itself (WeasyPrint, say, silences its own); only the workbook's once the run is stopping."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == LOG.name or record.name.startswith(LOG.name + "."):
            return True
        return not _quiet[0] and record.levelno >= logging.WARNING and not _handled_elsewhere(record.name)


def _handled_elsewhere(name: str) -> bool:
    """True when the logger or one above it (below the root) has its own handler or stops propagating: without
    us those lines would not have reached standard error either."""
    logger = logging.getLogger(name)
    while logger is not None and logger is not logging.getLogger():
        if logger.handlers or not logger.propagate:
            return True
        logger = logger.parent
    return False


class _Handler(logging.StreamHandler):
    """Writes to a stream; on a terminal through tqdm, so a line never breaks the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        if not _is_terminal(self.stream):
            super().emit(record)
            return
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=self.stream)
        except Exception:
            self.handleError(record)


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def start_logging(stream=None) -> logging.Handler:
    """Send the log to `stream` (default: standard error) from now on; returns the handler, for `stop_logging`."""
    _quiet[0] = False
    for name in _NOISY_WHEN_STOPPING:
        logging.getLogger(name).setLevel(logging.NOTSET)
    handler = _Handler(stream if stream is not None else sys.stderr)
    handler.setFormatter(TimestampFormatter("%(message)s"))
    handler.addFilter(_Chosen())
    logging.getLogger().addHandler(handler)
    LOG.setLevel(logging.INFO)
    return handler


def stop_logging(handler: logging.Handler) -> None:
    """Stop sending the log where `start_logging` sent it."""
    logging.getLogger().removeHandler(handler)
    handler.flush()


@contextmanager
def log_to(stream=None):
    """The log goes to `stream` (default: standard error) inside the block, Python's warnings with it."""
    handler = start_logging(stream)
    logging.captureWarnings(True)
    try:
        yield LOG
    finally:
        logging.captureWarnings(False)
        stop_logging(handler)


def quiet_libraries() -> None:
    """Leave out other libraries' lines from now on: once a run is stopping, their notices (a kernel that died,
    a task never finished) describe the clean-up, not a fault."""
    _quiet[0] = True
    for name in _NOISY_WHEN_STOPPING:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
