"""A dataset folder: its catalogue and its observations, loaded together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import limits
from .input_files import checked_file, for_data
from .catalogue import load_catalogue
from .observations import find_observations, load_observations


@dataclass(frozen=True)
class Dataset:
    """A validated dataset: `catalogue` (one row per KPI) and `observations` (one row per KPI and period)."""

    path: Path
    catalogue: pd.DataFrame
    observations: pd.DataFrame

    @property
    def files(self) -> list[Path]:
        """The input files this dataset was read from."""
        return [self.path / "indicators.yaml", find_observations(self.path)]


def load_dataset(path: str | Path, project: str | Path | None = None) -> Dataset:
    """Load and validate `indicators.yaml` and the observations file in a dataset folder.

    Each file must lie, after following symbolic links, inside the `project` folder (by default the
    project the folder is in, else the dataset folder) or a folder listed in REPORTING_DATA_ROOTS;
    others are not read.
    """
    path = Path(path)
    allowed = for_data(project, path)
    catalogue = load_catalogue(path / "indicators.yaml", allowed)
    observations = find_observations(path)
    checked_file(observations, allowed, limits.DATA)  # inside the allowed folders, and not too big
    return Dataset(path, catalogue, load_observations(observations, catalogue))
