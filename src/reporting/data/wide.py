"""Wide KPI extracts (one KPI a row, one period a column) turned into the data contract.

Councils' own extracts mostly come as spreadsheets: an `id` column (and optionally `title`, `unit`,
`direction`), then one column per period headed `Apr 2023`, `2023/24`, `Q1 2024/25`, `AY 2023/24`,
`2023` or a date. `read_wide` reads one into observations (one row per KPI and period);
`draft_catalogue` drafts the `indicators.yaml` entries for its KPIs; `write_observations` and
`write_new_file` write them without leaving a half-written file. Every problem in the extract is
collected and raised at once as a DataValidationError, by row and column as Excel shows them.
"""

from __future__ import annotations

import calendar
import io
import math
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import yaml
from openpyxl.utils import get_column_letter

from ..errors import DataValidationError, Problem, ReportingError
from . import limits
from .catalogue import DIRECTIONS, UNITS
from .input_files import checked_file, in_own_project, read_text
from .tables import _XLSX_ERRORS, _formula_text, _is_formula
from .writing import FORMULA_TRIGGERS, write_files
from .writing import csv_cell as csv_text  # the name this module's callers and tests use

ID_COLUMNS = ("id", "indicator_id")
KPI_COLUMNS = (*ID_COLUMNS, "title", "unit", "direction")
# Cells that say a figure exists but is not published (ONS, DfE and GSS conventions): a row with an empty value.
SUPPRESSION_CODES = ("c", "x", "z", "low", "..", ":", "-", "*")
PERIOD_FORMS = ("a month (Apr 2023 or April 2023), a financial year (2023/24 or 2023-24), a financial quarter "
                "(Q1 2024/25 or 2024/25 Q1), an academic year (AY 2023/24), a calendar year (2023) or a date "
                "(2023-12-31, or a date cell in Excel)")
CELL_EXPECTED = "a number, an empty cell, or a suppression code such as c or x"
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9

_MONTH = re.compile(r"([a-z]+)\.?\s+(\d{4})")
_YEAR_PAIR = r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})"
_FINANCIAL_YEAR = re.compile(_YEAR_PAIR)
_QUARTER_FIRST = re.compile(r"q([1-4])\s+" + _YEAR_PAIR)
_QUARTER_LAST = re.compile(_YEAR_PAIR + r"\s+q([1-4])")
_ACADEMIC_YEAR = re.compile(r"ay\s+" + _YEAR_PAIR)
_CALENDAR_YEAR = re.compile(r"\d{4}")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


@dataclass(frozen=True)
class Period:
    """What a column header means: the period's last day, how it is shown, and how often such periods come."""

    end: date
    label: str
    frequency: str | None  # monthly, quarterly, annual, academic_year; None for a date (inferred from the gaps)


@dataclass
class Wide:
    """An extract as read: its KPI rows (id, title, unit, direction, row number) and its observations."""

    kpis: pd.DataFrame
    observations: pd.DataFrame
    periods: list[Period]
    percent_written: set[str]  # ids of KPIs with a value written with a trailing %


# Period headers ---------------------------------------------------------------------------------


def parse_period(header) -> Period | None:
    """The period a column header names (see PERIOD_FORMS), or None when it names none."""
    if isinstance(header, (datetime, date, pd.Timestamp)):
        return _date_period(pd.Timestamp(header).date())
    text = re.sub(r"\s+", " ", str(header).strip().lower())
    for parse in (_month, _quarter, _academic_year, _financial_year, _calendar_year, _iso_date):
        found = parse(text)
        if found is not None:
            return found
    return None


def _following(start: str, end: str) -> int | None:
    """The year a pair such as 2023/24 or 2023/2024 ends in, or None unless it is the year after `start`."""
    first = int(start)
    second = int(end) if len(end) == 4 else first // 100 * 100 + int(end)
    if len(end) == 2 and second <= first:
        second += 100  # 1999/00
    return first + 1 if second == first + 1 else None


def _month(text: str) -> Period | None:
    """Apr 2023 or April 2023: the last day of that month."""
    found = _MONTH.fullmatch(text)
    if not found or found[1] not in MONTHS:
        return None
    year, month = int(found[2]), MONTHS[found[1]]
    end = date(year, month, calendar.monthrange(year, month)[1])
    return Period(end, f"{end:%b %Y}", "monthly")


def _quarter(text: str) -> Period | None:
    """Q1 2024/25 or 2024/25 Q1: financial quarters, Q1 April to June."""
    first, last = _QUARTER_FIRST.fullmatch(text), _QUARTER_LAST.fullmatch(text)
    if first:
        number, start, end = first[1], first[2], first[3]
    elif last:
        start, end, number = last[1], last[2], last[3]
    else:
        return None
    if _following(start, end) is None:
        return None
    year = int(start)
    ends = {"1": date(year, 6, 30), "2": date(year, 9, 30), "3": date(year, 12, 31), "4": date(year + 1, 3, 31)}
    return Period(ends[number], f"Q{number} {year}/{(year + 1) % 100:02d}", "quarterly")


def _academic_year(text: str) -> Period | None:
    """AY 2023/24: September to August, ending 31 August 2024."""
    found = _ACADEMIC_YEAR.fullmatch(text)
    if not found or _following(found[1], found[2]) is None:
        return None
    year = int(found[1])
    return Period(date(year + 1, 8, 31), f"{year}/{(year + 1) % 100:02d} (academic)", "academic_year")


def _financial_year(text: str) -> Period | None:
    """2023/24 or 2023-24: April to March, ending 31 March 2024."""
    found = _FINANCIAL_YEAR.fullmatch(text)
    if not found or _following(found[1], found[2]) is None:
        return None
    year = int(found[1])
    return Period(date(year + 1, 3, 31), f"{year}/{(year + 1) % 100:02d}", "annual")


def _calendar_year(text: str) -> Period | None:
    """2023: the calendar year, ending 31 December."""
    if not _CALENDAR_YEAR.fullmatch(text):
        return None
    return Period(date(int(text), 12, 31), text, "annual")


def _iso_date(text: str) -> Period | None:
    """2023-12-31 written as text: that day."""
    found = _ISO_DATE.fullmatch(text)
    if not found:
        return None
    try:
        return _date_period(date(int(found[1]), int(found[2]), int(found[3])))
    except ValueError:
        return None


def _date_period(day: date) -> Period:
    """A period ending on `day`: shown as Dec 2023 for a month's last day, else as 15 Dec 2023."""
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return Period(day, f"{day:%b %Y}" if month_end else f"{day.day} {day:%b %Y}", None)


def _frequency(periods: list[Period]) -> str | None:
    """How often the columns' periods come: the one frequency their headers say, or from the gaps between dates."""
    named = {p.frequency for p in periods}
    if len(named) == 1 and None not in named:
        return named.pop()
    if named != {None} or len(periods) < 2:
        return None
    ends = sorted(p.end for p in periods)
    months = {(b.year - a.year) * 12 + b.month - a.month for a, b in zip(ends, ends[1:])}
    return {frozenset({1}): "monthly", frozenset({3}): "quarterly", frozenset({12}): "annual"}.get(frozenset(months))


# Reading the grid -------------------------------------------------------------------------------


def _grid(path: Path, sheet: str | None) -> pd.DataFrame:
    """Every cell of the file from row 1, as written (text, numbers, dates), index 0 = row 1; formulas checked."""
    allowed = in_own_project(path)
    if path.suffix.lower() == ".csv":
        text = read_text(path, allowed, limits.DATA, "CSV file")
        try:
            grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False)
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        except pd.errors.ParserError:
            raise DataValidationError([Problem(str(path), None, None, None,
                "cannot be read as CSV: a row has more cells than the header (or a quote is never closed); "
                "save it from Excel as 'CSV UTF-8 (Comma delimited)'")]) from None
        return grid
    if path.suffix.lower() == ".xlsx":
        return _xlsx_grid(checked_file(path, allowed, limits.DATA), path, sheet)
    raise DataValidationError([Problem(str(path), None, None, None, "a wide extract must be a .csv or .xlsx file")])


def _xlsx_grid(real: Path, path: Path, sheet: str | None) -> pd.DataFrame:
    """The sheet's saved values (pandas with openpyxl); a formula with no saved result is refused by its cell."""
    name = str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(real, read_only=True, data_only=False)
    except _XLSX_ERRORS:
        raise DataValidationError([Problem(name, None, None, None, "cannot be opened as an Excel workbook (.xlsx): "
                                           "the file is damaged, password-protected or another kind of file; "
                                           "open it in Excel and save it as 'Excel Workbook (.xlsx)'")]) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            names = ", ".join(repr(n) for n in book.sheetnames)
            raise DataValidationError([Problem(name, None, None, sheet, f"no such sheet; the workbook has {names}")])
        chosen = sheet if sheet is not None else book.sheetnames[0]
        formulas = [tuple(row) for row in book[chosen].iter_rows(values_only=True)]
    finally:
        book.close()
    grid = pd.read_excel(real, sheet_name=chosen, header=None, engine="openpyxl", dtype=object)
    grid = grid.reindex(index=range(max(len(grid), len(formulas))), columns=range(max([grid.shape[1], *map(len, formulas)], default=0)))
    problems = [
        Problem(name, row, _header_name(grid, column), _formula_text(cell),
                f"sheet {chosen}, cell {get_column_letter(column + 1)}{row}: a formula with no saved result (the file was "
                "written by a program and never saved in Excel); open the file in Excel and save it, or paste the "
                "values in place of the formulas")
        for row, cells in enumerate(formulas, start=1)
        for column, cell in enumerate(cells)
        if _is_formula(cell) and _missing(grid.iat[row - 1, column])
    ]
    if problems:
        raise DataValidationError(problems)
    return grid


def _missing(value) -> bool:
    """An empty cell: None, NaN or NaT, or text of spaces only."""
    return value is None or (not isinstance(value, str) and pd.isna(value)) or (isinstance(value, str) and not value.strip())


def _header_name(grid: pd.DataFrame, column: int) -> str:
    """A column as the user knows it: its header text, or its letter when the header is empty."""
    header = grid.iat[0, column] if len(grid) else None
    return f"column {get_column_letter(column + 1)}" if _missing(header) else _header_text(header)


def _header_text(header) -> str:
    """A header cell as text: dates as YYYY-MM-DD."""
    if isinstance(header, (datetime, date, pd.Timestamp)):
        return f"{pd.Timestamp(header):%Y-%m-%d}"
    return str(header).strip()


# Reading the extract ----------------------------------------------------------------------------


def read_wide(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Observations (indicator_id, period_end, period_label, value, note) from a wide CSV or .xlsx extract.

    A cell with a suppression code (c, x, z, low, .., :, -, *) gives a row with an empty value and the
    note `suppressed: <code>`; an empty cell gives no row. Raises DataValidationError listing every problem.
    """
    return _read(Path(path), sheet).observations


def _read(path: Path, sheet: str | None) -> Wide:
    """The extract's KPI rows and observations, every problem in it collected and raised together."""
    name = str(path)
    grid = _grid(path, sheet)
    grid = grid.loc[:, [not grid[c].map(_missing).all() for c in grid.columns]] if len(grid.columns) else grid
    if grid.empty or grid.iloc[1:].map(_missing).all().all():
        raise DataValidationError([Problem(name, None, None, None,
            "is empty: row 1 must be the header (id, then one column per period such as Apr 2023) and each row "
            "under it one KPI")])
    headers = grid.iloc[0]
    body = grid.iloc[1:].loc[lambda g: ~g.map(_missing).all(axis=1)]
    problems, kpi_columns, period_columns = _headers(name, headers)
    id_column = next((c for c, role in kpi_columns.items() if role in ID_COLUMNS), None)
    if id_column is None:
        problems.append(Problem(name, 1, None, None, "no id column: the first column must be headed id (or "
                                "indicator_id) and give each KPI's id"))
    if id_column is None or not period_columns:
        raise DataValidationError(problems)
    ids = body[id_column].map(_id_text)
    problems += _id_problems(name, ids, _header_text(headers[id_column]))
    observations, cell_problems, percent_rows = _observations(name, body, ids, headers, period_columns)
    problems += cell_problems
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    kpis = pd.DataFrame({"id": ids, "row": body.index + 1})
    for column, role in kpi_columns.items():
        if role not in ID_COLUMNS:
            text = body[column].map(lambda v: None if _missing(v) else str(v).strip()).astype(object)
            kpis[role] = text.where(text.notna(), None)
    return Wide(kpis.reset_index(drop=True), observations, list(period_columns.values()),
                set(ids[percent_rows]))


def _headers(name: str, headers: pd.Series) -> tuple[list[Problem], dict, dict]:
    """Each column's role: a KPI column (id, title, unit, direction) or a period; problems with headers."""
    problems: list[Problem] = []
    kpi_columns: dict[int, str] = {}
    periods: dict[int, Period] = {}
    first_of: dict[date, int] = {}
    for column, header in headers.items():
        letter = get_column_letter(column + 1)
        role = None if isinstance(header, (datetime, date)) else str(header).strip().lower()
        if role in KPI_COLUMNS:
            if any(r == role or (r in ID_COLUMNS and role in ID_COLUMNS) for r in kpi_columns.values()):
                problems.append(Problem(name, 1, letter, _header_text(header), "a second id, title, unit or direction column; keep one of each"))
            kpi_columns[column] = role
            continue
        if _missing(header):
            problems.append(Problem(name, 1, letter, None, f"this column has figures but no header: give it a period, {PERIOD_FORMS}"))
            continue
        period = parse_period(header)
        if period is None:
            problems.append(Problem(name, 1, letter, _header_text(header),
                                    f"not a period this import can read; write {PERIOD_FORMS}; or head the KPI columns id, title, unit, direction"))
        elif period.end in first_of:
            other = first_of[period.end]
            problems.append(Problem(name, 1, letter, _header_text(header),
                                    f"the same period ({period.label}, ending {period.end:%Y-%m-%d}) as column "
                                    f"{get_column_letter(other + 1)} ({_header_text(headers[other])}); keep one column per period"))
        else:
            first_of[period.end] = column
            periods[column] = period
    if not periods and not problems:
        problems.append(Problem(name, 1, None, None, f"no period columns: after the id column, head one column per period: {PERIOD_FORMS}"))
    return problems, kpi_columns, periods


def _id_text(value) -> str | None:
    """An id cell as text (116.0 from Excel as 116), None when empty."""
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _id_problems(name: str, ids: pd.Series, header: str) -> list[Problem]:
    """An empty id, and each id repeated on a later row (naming the row that has it first)."""
    problems = [Problem(name, index + 1, header, None, "a KPI id: this row has figures but no id") for index in ids[ids.isna()].index]
    present = ids.dropna()
    problems += [
        Problem(name, index + 1, header, value, "an id that does not start with = + - or @ (spreadsheet programs "
                "would read it as a formula); use letters and digits, e.g. 116 or NI_62")
        for index, value in present[present.str.startswith(FORMULA_TRIGGERS)].items()
    ]
    first = present.drop_duplicates()
    first_row = pd.Series(first.index + 1, index=first.values)
    problems += [
        Problem(name, index + 1, header, value, f"the id {value!r} is already used in row {first_row[value]}; keep one row per KPI")
        for index, value in present[present.duplicated()].items()
    ]
    return problems


def _observations(name: str, body: pd.DataFrame, ids: pd.Series, headers: pd.Series,
                  periods: dict[int, Period]) -> tuple[pd.DataFrame, list[Problem], pd.Series]:
    """The long table of the period cells that hold something, the cells that are neither a number nor a code,
    and which rows had a value written with %."""
    long = body[list(periods)].stack(future_stack=True).rename("cell").rename_axis(["index", "column"]).reset_index()
    long = long[~long["cell"].map(_missing)]
    text = long["cell"].map(lambda v: v.strip() if isinstance(v, str) else None)
    is_code = text.str.lower().isin(SUPPRESSION_CODES).fillna(False).astype(bool)
    numbers = long["cell"].map(_number)
    bad = numbers.isna() & ~is_code
    problems = [
        Problem(name, index + 1, _header_text(headers[column]), cell, CELL_EXPECTED)
        for index, column, cell in zip(long.loc[bad, "index"], long.loc[bad, "column"], long.loc[bad, "cell"])
    ]
    percent_rows = pd.Series(False, index=ids.index)
    written_percent = long.loc[text.str.endswith("%").fillna(False).astype(bool), "index"]
    percent_rows[percent_rows.index.isin(written_percent)] = True
    ends = {c: pd.Timestamp(p.end) for c, p in periods.items()}
    labels = {c: p.label for c, p in periods.items()}
    observations = pd.DataFrame({
        "indicator_id": long["index"].map(ids).astype(object).values,
        "period_end": pd.to_datetime(long["column"].map(ends)).values,
        "period_label": long["column"].map(labels).astype(object).values,
        "value": numbers.astype(float).values,
        "note": ("suppressed: " + text.fillna("")).where(is_code, None).astype(object).values,
    })
    observations = observations[(~bad).values].sort_values(["period_end"], kind="stable")
    order = {kpi: position for position, kpi in enumerate(ids)}
    observations = observations.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")
    return observations.reset_index(drop=True), problems, percent_rows


def _number(value) -> float | None:
    """A cell as a finite number: 12, 12.5, 1,234, 45.2% (as 45.2); None when it is not one."""
    if isinstance(value, bool) or isinstance(value, (datetime, date)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().removesuffix("%").strip()
    if "," in text:
        if not _THOUSANDS.fullmatch(text):
            return None
        text = text.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


# Writing ---------------------------------------------------------------------------------------


def observations_csv(frame: pd.DataFrame) -> str:
    """Observations as the text of observations.csv: the contract's columns, dates YYYY-MM-DD, text cells inert."""
    table = frame[["indicator_id", "period_end", "period_label", "value", "note"]].copy()
    for column in ("indicator_id", "period_label", "note"):
        table[column] = table[column].map(csv_text)
    table["period_end"] = pd.to_datetime(table["period_end"]).dt.strftime("%Y-%m-%d")
    return table.to_csv(index=False, lineterminator="\n", float_format="%.10g")


def write_observations(frame: pd.DataFrame, path: str | Path, force: bool = False) -> Path:
    """Write observations.csv (UTF-8) through a temporary file, so a failure leaves any earlier file as it was."""
    return write_new_file(path, observations_csv(frame), force)


def write_new_file(path: str | Path, text: str, force: bool = False) -> Path:
    """Write `text` to `path` via a temporary file in the same folder, then rename; refuses to replace an
    existing file unless `force`."""
    path = Path(path)
    if (path.exists() or path.is_symlink()) and not force:
        raise ReportingError(f"{path} already exists, so it was left as it is; add --force to replace it.")
    return write_files({path: text})[0]


# The catalogue draft ----------------------------------------------------------------------------

DRAFT_HEADER = """\
# Drafted by `reporting import catalogue`: check every entry, and each line marked TODO,
# before the first report. See docs/reference.md, "indicators.yaml", for every field.
"""
TODO = {
    "title": "# TODO: the KPI's title as it is published",
    "direction": "# TODO: direction guessed as none; write higher or lower if a higher or lower figure is better",
    "unit": "# TODO: unit guessed from the figures; check it (percent, rate, number or score)",
    "frequency": "# TODO: frequency could not be told from the column headers; add it (monthly, quarterly, annual, academic_year)",
}


class _Quoted(str):
    """Text always written in double quotes (ids, so 010 stays text)."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe emitter, with _Quoted text in double quotes."""


_Dumper.add_representer(_Quoted, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style='"'))


def draft_catalogue(path: str | Path, sheet: str | None = None) -> str:
    """YAML text for indicators.yaml: one entry per KPI row of the extract, with TODO comments where a
    field was guessed (title, direction, unit, frequency) for the analyst to check."""
    wide = _read(Path(path), sheet)
    frequency = _frequency(wide.periods)
    values = wide.observations.groupby("indicator_id", sort=False)["value"]
    within_percent = values.agg(lambda v: v.dropna().between(0, 100).all() and v.notna().any())
    entries = [
        _entry(kpi, frequency, bool(within_percent.get(kpi["id"], False)), kpi["id"] in wide.percent_written)
        for kpi in wide.kpis.to_dict("records")
    ]
    return DRAFT_HEADER + "\n" + "".join(entries)


def _entry(kpi: dict, frequency: str | None, within_percent: bool, written_percent: bool) -> str:
    """One catalogue entry as YAML lines, each field emitted by PyYAML, with the TODO comments of guessed fields."""
    title = kpi.get("title")
    direction = (kpi.get("direction") or "").strip().lower()
    unit = (kpi.get("unit") or "").strip().lower()
    unit = "percent" if unit in ("%", "percentage") else unit
    says_percent = bool(title) and bool(re.search(r"%|per ?cent", title, re.IGNORECASE))
    fields = [
        ("id", _Quoted(kpi["id"]), None),
        ("title", title or f"TODO: title of KPI {kpi['id']}", None if title else TODO["title"]),
        ("direction", direction if direction in DIRECTIONS else "none", None if direction in DIRECTIONS else TODO["direction"]),
        ("unit", unit if unit in UNITS else ("percent" if within_percent and (says_percent or written_percent) else "number"),
         None if unit in UNITS else TODO["unit"]),
        ("status", "baseline", None),
        ("frequency", frequency, None) if frequency else (None, None, TODO["frequency"]),
    ]
    lines = []
    for key, value, comment in fields:
        if comment:
            lines.append(comment)
        if key is not None:
            lines += yaml.dump({key: value}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000).splitlines()
    return _as_list_item(lines)


def _as_list_item(lines: list[str]) -> str:
    """Lines of one mapping as an item of a YAML list: `- ` before the first key, two spaces before the rest."""
    out, started = [], False
    for line in lines:
        if line.startswith("#"):
            out.append(("  " if started else "") + line)
            continue
        out.append(("  " if started else "- ") + line)
        started = True
    return "\n".join(out) + "\n"
