"""A dataset's benchmarks: every council's figures, so a report can rank the council among all of them.

A dataset may carry, beside its observations, a `benchmarks.yaml` naming the council the dataset is
about, its statistical neighbours (closest first) and a national table: one row per indicator, period
and council (`indicator_id`, `period_end`, `area_code`, `area`, `value`). `reporting import lait`
writes both; any national source in that shape will do. Several councils' datasets may share one
national table (`national: ../national.csv`), as `reporting import lait --all-councils` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..errors import DataValidationError, Problem
from . import limits
from ._problems import problems_from
from .input_files import Allowed, checked_file
from .observations import DATE_EXPECTED, as_dates, date_checks, number_checks
from .tables import read_table
from .yaml_files import read_yaml

FILE = "benchmarks.yaml"
NATIONAL_COLUMNS = ("indicator_id", "period_end", "area_code", "area", "value")
SHAPE = ("council: {code: ..., name: ...}, neighbours: a list of {code: ..., name: ...} (closest first), "
         "and national: the national table's file, relative to this folder (such as national.csv)")


@dataclass(frozen=True)
class Benchmarks:
    """The council (code, name), its neighbours' codes and names (closest first), the national table
    (one row per indicator, period and council) and the measures its source does not band in quartiles."""

    council: tuple[str, str]
    neighbours: tuple[tuple[str, str], ...]
    national: pd.DataFrame
    files: tuple[Path, ...]
    unbanded: frozenset[str] = frozenset()


def find_benchmarks(folder: str | Path) -> Path | None:
    """The dataset folder's benchmarks.yaml, or None when the dataset carries no benchmarks."""
    path = Path(folder) / FILE
    return path if path.exists() or path.is_symlink() else None


def load_benchmarks(folder: str | Path, allowed: Allowed, indicators=None) -> Benchmarks | None:
    """Read and check a dataset's benchmarks.yaml and its national table (only `indicators`' rows, when given)."""
    path = find_benchmarks(folder)
    if path is None:
        return None
    loaded = read_yaml(path, allowed, needs=SHAPE).data
    name = str(path)

    def area(value, where: str) -> tuple[str, str]:
        if not isinstance(value, dict) or not _text(value.get("code")) or not _text(value.get("name")):
            raise DataValidationError([Problem(name, None, where, value, "a council as {code: ..., name: ...}, both filled in")])
        return str(value["code"]).strip(), str(value["name"]).strip()

    if not isinstance(loaded, dict):
        raise DataValidationError([Problem(name, None, None, None, f"expected {SHAPE}")])
    council = area(loaded.get("council"), "council")
    listed = loaded.get("neighbours") or []
    if not isinstance(listed, list):
        raise DataValidationError([Problem(name, None, "neighbours", listed, "a list of councils, each {code: ..., name: ...}")])
    neighbours = tuple(area(n, f"neighbours, entry {i}") for i, n in enumerate(listed, start=1))
    unbanded = loaded.get("unbanded") or []
    if not isinstance(unbanded, list) or not all(_text(u) for u in unbanded):
        raise DataValidationError([Problem(name, None, "unbanded", unbanded, "a list of indicator ids")])
    table_name = loaded.get("national")
    if not _text(table_name) or Path(str(table_name)).suffix not in (".csv", ".xlsx", ".parquet"):
        raise DataValidationError([Problem(name, None, "national", table_name,
                                           "the national table's file name, relative to this folder: .csv, .xlsx or .parquet")])
    table = checked_file(path.parent / str(table_name).strip(), allowed, limits.DATA,
                         missing=f"not found: {name} names it as its national table")
    return Benchmarks(council, neighbours, read_national(table, indicators), (path, table), frozenset(map(str, unbanded)))


def read_national(path: Path, indicators=None) -> pd.DataFrame:
    """The national table, checked: a full date and an area code in every row, a number or nothing as value,
    one row per indicator, period and area. Problems name the file, row, column and value."""
    raw, offset = read_table(path)
    name = str(path)
    if indicators is not None and "indicator_id" in raw:
        raw = raw[raw["indicator_id"].isin(list(indicators))]
    text = pa.Check(lambda s: s.notna(), error="text; this cell must not be empty")
    schema = pa.DataFrameSchema({
        "indicator_id": pa.Column(None, text), "area_code": pa.Column(None, text), "area": pa.Column(None, text),
        "period_end": pa.Column(None, date_checks()),
        "value": pa.Column(None, number_checks("no figure"), nullable=True),
    })
    row_of = lambda index: index + offset  # noqa: E731
    try:
        schema.validate(raw, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = problems_from(errors, name, row_of, lambda c: f"required column is missing; the national table needs columns {', '.join(NATIONAL_COLUMNS)}",
                                 expected_when_empty={"period_end": f"{DATE_EXPECTED}; this cell must not be empty"})
        raise DataValidationError(sorted(problems, key=lambda p: (p.row or 0, p.column or ""))) from None
    table = pd.DataFrame({
        "indicator_id": raw["indicator_id"].astype(str), "period_end": as_dates(raw["period_end"]).dt.normalize(),
        "area_code": raw["area_code"].astype(str), "area": raw["area"].astype(str),
        "value": pd.to_numeric(raw["value"], errors="coerce").astype(float),
    })
    repeated = table[table.duplicated(["indicator_id", "period_end", "area_code"])]
    if len(repeated):
        index = repeated.index[0]
        raise DataValidationError([Problem(name, row_of(index), "indicator_id, period_end, area_code",
                                           f"{table.at[index, 'indicator_id']} {table.at[index, 'period_end']:%Y-%m-%d} {table.at[index, 'area_code']}",
                                           "a second row for this indicator, period and area; keep one")])
    return table.reset_index(drop=True)


def _text(value) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip() != ""
