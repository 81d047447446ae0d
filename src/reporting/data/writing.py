"""Files the workbook writes into a dataset (an import's catalogue, observations and README): whole or not at all.

Also the one rule for a CSV text cell a spreadsheet program could take for a formula; the published
kpis.csv (`document.escape.csv_cell`) and an import's observations.csv both use it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Spreadsheet programs read a cell that starts with one of these as a formula (or DDE command).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV text cell that spreadsheet programs read as text: a leading ' before = + - @, tab or
    carriage return (the OWASP advice). Numbers and empty cells pass through unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    return "'" + value


def write_files(files: dict[Path, str]) -> list[Path]:
    """Write each text (UTF-8) to a temporary file beside its path, then move them all into place: a
    failure while writing leaves every earlier file as it was, and no temporary file behind."""
    written: list[tuple[str, Path]] = []
    mode = new_file_mode()
    try:
        for path, text in files.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            written.append((temporary, path))
            os.chmod(temporary, mode)  # as any new file, not mkstemp's owner-only 0o600
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.write(text)
        for temporary, path in written:
            os.replace(temporary, path)
    finally:
        for temporary, _ in written:
            Path(temporary).unlink(missing_ok=True)
    return [Path(p) for p in files]


def new_file_mode() -> int:
    """The permissions a file created now gets (0o666 less the umask), so a dataset written through a
    temporary file can be read by whoever may read the folder: a Dask worker, a colleague."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
