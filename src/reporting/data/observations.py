"""Observations: one row per indicator and period, read from CSV, XLSX or Parquet and validated."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..errors import DataValidationError, Problem
from ._problems import problems_from

REQUIRED_COLUMNS = ("indicator_id", "period_end", "value")
NUMERIC_COLUMNS = (
    "value", "target", "stat_neighbour_mean", "england_mean", "regional_mean", "numerator", "denominator",
)
TEXT_COLUMNS = ("period_label", "note")
# Values compared with the percentage range 0..100 for indicators whose unit is percent.
PERCENT_COLUMNS = ("value", "target", "stat_neighbour_mean", "england_mean", "regional_mean")
SUFFIXES = (".csv", ".xlsx", ".parquet")


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


def _read_raw(path: Path) -> tuple[pd.DataFrame, int]:
    """Every cell as text (None when empty) and the offset from frame index to the row a user sees."""
    if path.suffix == ".csv":
        # Only an empty cell is missing: "n/a" or "NA" must be reported, not silently dropped.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        offset = 2  # the header is row 1
    elif path.suffix == ".xlsx":
        try:
            # As for CSV, only an empty cell is missing: "n/a" typed in a cell must be reported.
            frame = pd.read_excel(path, sheet_name="observations", dtype=object, keep_default_na=False, na_values=[""])
        except ValueError as error:
            raise DataValidationError([Problem(str(path), None, None, None, f"needs a sheet named 'observations' ({error})")]) from None
        offset = 2
    else:
        frame = pd.read_parquet(path)
        offset = 1
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype(object).where(frame.notna(), None)
    text = frame.map(_as_text).astype(object)
    text = text.where(text.notna(), None)
    return text, offset


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    text = str(value).strip()
    return text or None


def _is_number(column: pd.Series) -> pd.Series:
    return column.isna() | pd.to_numeric(column, errors="coerce").notna()


def _is_date(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, format="ISO8601", errors="coerce").notna()


def load_observations(path: str | Path, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Read observations and check them against the contract and the catalogue.

    Raises DataValidationError listing every problem (file, row, column, value, expected).
    """
    path = Path(path)
    name = str(path)
    if path.suffix not in SUFFIXES:
        raise DataValidationError([Problem(name, None, None, None, "observations must be .csv, .xlsx (sheet observations) or .parquet")])
    raw, offset = _read_raw(path)
    known_ids = list(catalogue["id"])

    columns = {
        "indicator_id": pa.Column(None, pa.Check.isin(known_ids, error="an indicator id listed in indicators.yaml")),
        "period_end": pa.Column(None, pa.Check(_is_date, error="a date written YYYY-MM-DD, e.g. 2023-12-31")),
    }
    for column in NUMERIC_COLUMNS:
        columns[column] = pa.Column(
            None,
            pa.Check(_is_number, error="a number; leave the cell empty for a missing value"),
            nullable=True,
            required=column == "value",
        )
    row_of = lambda index: index + offset  # noqa: E731

    def missing(column: str) -> str:
        return f"required column is missing; the file needs columns {', '.join(REQUIRED_COLUMNS)}"

    when_empty = {
        "indicator_id": "an indicator id listed in indicators.yaml; this cell must not be empty",
        "period_end": "a date written YYYY-MM-DD, e.g. 2023-12-31; this cell must not be empty",
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
    return _typed(raw)


def _typed(raw: pd.DataFrame) -> pd.DataFrame:
    """Parsed columns: dates as Timestamps, numbers as floats, text as strings, all contract columns present."""
    typed = raw.copy()
    typed["indicator_id"] = typed["indicator_id"].astype("string").astype(object)
    typed["period_end"] = pd.to_datetime(typed["period_end"], format="ISO8601", errors="coerce").dt.normalize()
    for column in NUMERIC_COLUMNS:
        typed[column] = pd.to_numeric(typed[column], errors="coerce") if column in typed else float("nan")
        typed[column] = typed[column].astype(float)
    for column in TEXT_COLUMNS:
        if column not in typed:
            typed[column] = None
    missing_label = typed["period_label"].isna() & typed["period_end"].notna()
    typed.loc[missing_label, "period_label"] = typed.loc[missing_label, "period_end"].dt.strftime("%b %Y")
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
