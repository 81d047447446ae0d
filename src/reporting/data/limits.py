"""Size limits on input files, checked before a file is read, so a mistaken or hostile file cannot
exhaust memory. Each limit is in megabytes and can be changed by its environment variable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError, Problem, SettingsError

MB = 1024 * 1024


@dataclass(frozen=True)
class SizeLimit:
    """The largest file of one kind we read: `default_mb` unless the environment variable says otherwise."""

    variable: str
    default_mb: float
    kind: str  # "a YAML file", for messages

    def megabytes(self) -> float:
        """The limit in force now (the environment is read each time, so a change applies at once)."""
        text = os.environ.get(self.variable, "").strip()
        if not text:
            return self.default_mb
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not value > 0 or value == float("inf"):
            raise SettingsError(
                f"The environment variable {self.variable} is {text!r}; set it to a number of megabytes "
                f"greater than 0 (the default is {self.default_mb:g}), or unset it."
            )
        return value

    def check(self, path: Path, size: int) -> None:
        """Raise InputFileError when `size` bytes is more than the limit, naming the setting to change."""
        limit = self.megabytes()
        if size > limit * MB:
            raise InputFileError(Problem(
                str(path), None, None, None,
                f"the file is {_size(size)}, more than the {limit:g} MB allowed for {self.kind}; "
                f"check it is the right file, or set the environment variable {self.variable} "
                "to a larger number of megabytes",
            ))


def _size(size: int) -> str:
    """A file size in words: megabytes, or bytes for a small file."""
    return f"{size / MB:.1f} MB" if size >= MB / 10 else f"{size:,} bytes"


# Every YAML file we read: params, the catalogue (indicators.yaml) and commentary YAML.
YAML = SizeLimit("REPORTING_MAX_YAML_MB", 2, "a YAML file")
# A dataset's observations file (observations.csv, .xlsx or .parquet).
DATA = SizeLimit("REPORTING_MAX_DATA_MB", 512, "an observations file")
# A commentary notebook (commentary/<committee>/<quarter>.ipynb), read to harvest its text.
NOTEBOOK = SizeLimit("REPORTING_MAX_NOTEBOOK_MB", 50, "a commentary notebook")
