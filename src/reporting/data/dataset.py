"""A dataset folder: its catalogue and its observations, loaded together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import cache, limits
from .input_files import checked_file, enclosing_project, for_data
from .benchmarks import Benchmarks, load_benchmarks
from .catalogue import load_catalogue
from .observations import find_observations, load_observations

# An observations file smaller than this is read and checked whole even for one committee: every row
# is checked in milliseconds, so bad data anywhere in it is refused as ever. A larger one (a national
# extract) is read and checked for the committee's indicators only.
COMMITTEE_ROWS_FROM = 4 * limits.MB


@dataclass(frozen=True)
class Dataset:
    """A validated dataset: `catalogue` (one row per KPI) and `observations` (one row per KPI and period).
    `indicators`: the indicators whose observations were read (and checked), or None for every row."""

    path: Path
    catalogue: pd.DataFrame
    observations: pd.DataFrame
    indicators: tuple[str, ...] | None = None
    benchmarks: Benchmarks | None = None  # every council's figures, where the dataset carries them

    @property
    def files(self) -> list[Path]:
        """The input files this dataset was read from."""
        return [self.path / "indicators.yaml", find_observations(self.path)] + list(self.benchmarks.files if self.benchmarks else ())


def load_dataset(path: str | Path, project: str | Path | None = None, indicators: Iterable[str] | None = None,
                 committee: str | None = None) -> Dataset:
    """Load and validate `indicators.yaml` and the observations file in a dataset folder.

    Each file must lie, after following symbolic links, inside the `project` folder (by default the
    project the folder is in, else the dataset folder) or a folder listed in REPORTING_DATA_ROOTS;
    others are not read.

    With `indicators` (ids, as a committee's params list them), or with `committee` alone (its
    indicators are then the catalogue entries tagged for it, as a report chooses them), an observations
    file of COMMITTEE_ROWS_FROM or more has only those indicators' observations read and checked, and a
    large CSV's cells are kept in the project's `.cache/observations/` so the next load does not parse
    it again. A smaller file is read and checked whole. The catalogue is always whole.
    """
    path = Path(path)
    allowed = for_data(project, path)
    catalogue = load_catalogue(path / "indicators.yaml", allowed)
    observations = find_observations(path)
    checked_file(observations, allowed, limits.DATA)  # inside the allowed folders, and not too big
    if (indicators is None and not committee) or observations.stat().st_size < COMMITTEE_ROWS_FROM:
        return Dataset(path, catalogue, load_observations(observations, catalogue), benchmarks=load_benchmarks(path, allowed))
    chosen = tuple(dict.fromkeys(str(i) for i in (indicators if indicators is not None else catalogue.loc[tagged_for(catalogue, committee), "id"])))
    folder = cache.folder_for(project if project is not None else enclosing_project(path))
    return Dataset(path, catalogue, load_observations(observations, catalogue, chosen, folder), chosen,
                   load_benchmarks(path, allowed, chosen))


def tagged_for(catalogue: pd.DataFrame, committee: str | None) -> pd.Series:
    """Which catalogue entries a committee reports when its params list none: those whose `committees`
    name it, and those that name no committee (every entry when `committee` is empty)."""
    return catalogue["committees"].map(lambda c: not committee or not c or committee in c).astype(bool)
