"""Observations: one row per indicator and period, read from CSV, XLSX or Parquet and validated."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import DataValidationError, Problem
from ._problems import problems_from
from .committee_rows import read_rows
from .tables import format_dates, read_table

REQUIRED_COLUMNS = ("indicator_id", "period_end", "value")
NUMERIC_COLUMNS = (
    "value", "target", "stat_neighbour_mean", "england_mean", "regional_mean", "numerator", "denominator",
)
TEXT_COLUMNS = ("period_label", "note")
# Values compared with the percentage range 0..100 for indicators whose unit is percent.
PERCENT_COLUMNS = ("value", "target", "stat_neighbour_mean", "england_mean", "regional_mean")
SUFFIXES = (".csv", ".xlsx", ".parquet")
FULL_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
YEAR_OR_MONTH = r"[0-9]{4}(?:-[0-9]{1,2})?"
DATE_EXPECTED = "a date written YYYY-MM-DD, e.g. 2023-12-31"


def find_observations(folder: str | Path) -> Path:
    """The dataset's observations file: observations.csv, .xlsx or .parquet (exactly one)."""
    folder = Path(folder)
    found = [folder / f"observations{s}" for s in SUFFIXES if (folder / f"observations{s}").exists()]
    if not found:
        raise DataValidationError([Problem(str(folder), None, None, None, "no observations file: expected observations.csv, observations.xlsx or observations.parquet")])
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DataValidationError([Problem(str(folder), None, None, None, f"more than one observations file ({names}): keep exactly one")])
    return found[0]


def _is_number(column: pd.Series) -> pd.Series:
    """Empty, or text that reads as a number (infinities and NaN included: `_is_finite` refuses those)."""
    return column.isna() | pd.to_numeric(column, errors="coerce").notna() | _spells_nan(column)


def _is_finite(column: pd.Series) -> pd.Series:
    """Empty, not a number at all (reported by `_is_number`), or a finite number: not inf, -inf, 1e309 or NaN."""
    numbers = pd.to_numeric(column, errors="coerce")
    return column.isna() | np.isfinite(numbers) | (numbers.isna() & ~_spells_nan(column))


def _spells_nan(column: pd.Series) -> pd.Series:
    """Text that spells 'not a number' (nan, NaN, -nan), which pandas would silently read as empty."""
    return column.astype("string").str.lower().isin(("nan", "+nan", "-nan")).fillna(False).astype(bool)


def _is_full_date_text(column: pd.Series) -> pd.Series:
    """Written YYYY-MM-DD: four-digit year, two-digit month and day."""
    return column.astype("string").str.fullmatch(FULL_DATE).fillna(False).astype(bool)


def _is_year_or_month(column: pd.Series) -> pd.Series:
    """Only a year (2023) or a year and month (2023-12): not a date, and ambiguous about which day."""
    return column.astype("string").str.fullmatch(YEAR_OR_MONTH).fillna(False).astype(bool)


def as_dates(column: pd.Series) -> pd.Series:
    """YYYY-MM-DD text as dates; NaT for anything else, including days not in the calendar (2023-02-30)."""
    return pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")


def number_checks(empty_means: str) -> list[pa.Check]:
    """A cell that must be empty or a finite number; `empty_means` says what an empty cell stands for."""
    return [
        pa.Check(_is_number, error=f"a number; leave the cell empty for {empty_means}"),
        pa.Check(_is_finite, error=f"a finite number; leave the cell empty for {empty_means}"),
    ]


def date_checks() -> list[pa.Check]:
    """One check per way a period_end can be wrong, so each cell gets the one explanation that fits."""
    return [
        pa.Check(lambda s: ~_is_year_or_month(s), error=(
            "a full date written YYYY-MM-DD, e.g. 2023-12-31: a year or a month alone is not a date; "
            "give the last day of the period")),
        pa.Check(lambda s: _is_year_or_month(s) | _is_full_date_text(s), error=DATE_EXPECTED),
        pa.Check(lambda s: ~_is_full_date_text(s) | as_dates(s).notna(), error=(
            "a date that is in the calendar, written YYYY-MM-DD, e.g. 2023-12-31: this day does not exist")),
    ]


def load_observations(path: str | Path, catalogue: pd.DataFrame, indicators: Iterable[str] | None = None,
                      cache_folder: str | Path | None = None) -> pd.DataFrame:
    """Read observations and check them against the contract and the catalogue.

    With `indicators`, only those indicators' rows are read and checked (see `committee_rows`); a large
    CSV's cells are then kept in `cache_folder`, when given, for the next read. Raises
    DataValidationError listing every problem (file, row as numbered in the file, column, value, expected).
    """
    path = Path(path)
    name = str(path)
    if path.suffix not in SUFFIXES:
        raise DataValidationError([Problem(name, None, None, None, "observations must be .csv, .xlsx (sheet observations) or .parquet")])
    if indicators is None:
        raw, offset = read_table(path)
    else:
        raw, offset = read_rows(path, indicators, None if cache_folder is None else Path(cache_folder))
    known_ids = list(catalogue["id"])

    columns = {
        "indicator_id": pa.Column(None, pa.Check.isin(known_ids, error="an indicator id listed in indicators.yaml")),
        "period_end": pa.Column(None, date_checks()),
    }
    for column in NUMERIC_COLUMNS:
        columns[column] = pa.Column(None, number_checks("a missing value"), nullable=True, required=column == "value")
    row_of = lambda index: index + offset  # noqa: E731

    def missing(column: str) -> str:
        return f"required column is missing; the file needs columns {', '.join(REQUIRED_COLUMNS)}"

    when_empty = {
        "indicator_id": "an indicator id listed in indicators.yaml; this cell must not be empty",
        "period_end": f"{DATE_EXPECTED}; this cell must not be empty",
    }
    problems: list[Problem] = []
    try:
        pa.DataFrameSchema(columns).validate(raw, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems += problems_from(errors, name, row_of, missing, expected_when_empty=when_empty)

    if all(c in raw for c in REQUIRED_COLUMNS):
        typed = _typed(raw)
        problems += _check_typed(typed, catalogue, name, row_of)
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return typed.reset_index(drop=True)


def _typed(raw: pd.DataFrame) -> pd.DataFrame:
    """Parsed columns: dates as Timestamps, numbers as floats, text as strings, all contract columns present.
    Converts `raw` in place (it is not used again): a copy would double the memory a large file takes."""
    typed = raw
    typed["indicator_id"] = typed["indicator_id"].astype("string").astype(object)
    typed["period_end"] = as_dates(typed["period_end"]).dt.normalize()
    for column in NUMERIC_COLUMNS:
        typed[column] = pd.to_numeric(typed[column], errors="coerce") if column in typed else float("nan")
        # Refused by validation, but never let an infinity through to the percent check or a chart.
        typed[column] = typed[column].astype(float).where(lambda s: np.isfinite(s))
    for column in TEXT_COLUMNS:
        if column not in typed:
            typed[column] = None
    missing_label = typed["period_label"].isna() & typed["period_end"].notna()
    typed.loc[missing_label, "period_label"] = format_dates(typed.loc[missing_label, "period_end"], "%b %Y")
    return typed


def _check_typed(typed: pd.DataFrame, catalogue: pd.DataFrame, name: str, row_of) -> list[Problem]:
    """Checks that need parsed values: one row per indicator and period, percentages in 0..100."""
    is_percent = typed["indicator_id"].map(catalogue.set_index("id")["unit"].eq("percent")).fillna(False).astype(bool)
    columns = {
        c: pa.Column(
            float,
            pa.Check(lambda s: ~is_percent.reindex(s.index) | s.isna() | s.between(0, 100), error="a percentage between 0 and 100 (this indicator's unit is percent)"),
            nullable=True,
        )
        for c in PERCENT_COLUMNS
    }
    problems: list[Problem] = []
    try:
        pa.DataFrameSchema(columns).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems += problems_from(errors, name, row_of, lambda c: "required")
    return problems + _duplicates(typed, name, row_of)


def _duplicates(typed: pd.DataFrame, name: str, row_of) -> list[Problem]:
    """Each repeat of an indicator and period, naming them and the row that had them first."""
    keyed = typed.dropna(subset=["indicator_id", "period_end"])
    repeated = keyed[keyed.duplicated(["indicator_id", "period_end"], keep="first")]
    first = keyed.drop_duplicates(["indicator_id", "period_end"]).reset_index().set_index(["indicator_id", "period_end"])["index"]
    return [
        Problem(
            name,
            row_of(index),
            "indicator_id, period_end",
            f"{indicator} {period:%Y-%m-%d}",
            f"indicator {indicator} already has a value for this period in row {row_of(first.loc[(indicator, period)])}; "
            "keep one row per indicator and period",
        )
        for index, indicator, period in zip(repeated.index, repeated["indicator_id"], repeated["period_end"])
    ]
