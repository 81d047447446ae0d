"""A dataset folder: its catalogue and its observations, loaded together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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


def load_dataset(path: str | Path) -> Dataset:
    """Load and validate `indicators.yaml` and the observations file in a dataset folder."""
    path = Path(path)
    catalogue = load_catalogue(path / "indicators.yaml")
    observations = load_observations(find_observations(path), catalogue)
    return Dataset(path, catalogue, observations)
