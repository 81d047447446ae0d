"""The indicator catalogue, `indicators.yaml`: one entry per KPI, validated against the contract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from ..errors import DataValidationError, Problem
from ._problems import problems_from

DIRECTIONS = ("higher", "lower", "none")
UNITS = ("percent", "rate", "number", "score")
STATUSES = ("target", "contextual", "baseline", "in_development", "suspended")
FREQUENCIES = ("monthly", "quarterly", "termly", "annual", "academic_year")
KINDS = ("key_target", "key_tracker")
REQUIRED = ("id", "title", "direction", "unit", "status")
OPTIONAL = (
    "decimals", "frequency", "rate_base", "committees", "description", "calculation",
    "numerator", "denominator", "sources", "links", "kind", "target_note", "target_against", "target_by",
    "spc_rebase",
)
COMPARATORS = ("england_mean", "regional_mean", "stat_neighbour_mean")
# Decimal places shown when an entry does not set `decimals`.
DEFAULT_DECIMALS = {"percent": 1, "rate": 1, "number": 0, "score": 1}


def _one_of(options) -> str:
    return "one of " + ", ".join(options)


_SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(str, pa.Check(lambda s: s.str.strip() != "", error="a non-empty id such as \"116\""), unique=True, report_duplicates="exclude_first"),
        "title": pa.Column(str, pa.Check(lambda s: s.str.strip() != "", error="a non-empty title")),
        "direction": pa.Column(str, pa.Check.isin(DIRECTIONS, error=_one_of(DIRECTIONS))),
        "unit": pa.Column(str, pa.Check.isin(UNITS, error=_one_of(UNITS))),
        "status": pa.Column(str, pa.Check.isin(STATUSES, error=_one_of(STATUSES))),
        "frequency": pa.Column(str, pa.Check.isin(FREQUENCIES, error=_one_of(FREQUENCIES)), nullable=True, required=False),
        "kind": pa.Column(str, pa.Check.isin(KINDS, error=_one_of(KINDS)), nullable=True, required=False),
        "decimals": pa.Column(object, pa.Check(lambda s: s.map(lambda v: v is None or (isinstance(v, int) and 0 <= v <= 4)), error="a whole number of decimal places from 0 to 4"), nullable=True, required=False),
        "rate_base": pa.Column(object, pa.Check(lambda s: s.map(lambda v: v is None or (isinstance(v, (int, float)) and v > 0)), error="a positive number such as 10000"), nullable=True, required=False),
    },
    strict=False,
)


def _is_iso_date(value) -> bool:
    if isinstance(value, date):
        return True
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def load_catalogue(path: str | Path) -> pd.DataFrame:
    """Read and validate `indicators.yaml`; one row per indicator, in file order."""
    path = Path(path)
    name = str(path)
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError([Problem(name, None, None, None, "file not found: every dataset needs an indicators.yaml catalogue")]) from None
    except yaml.YAMLError as error:
        raise DataValidationError([Problem(name, None, None, None, f"is not valid YAML ({error})")]) from None
    if isinstance(entries, dict) and "indicators" in entries:
        entries = entries["indicators"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DataValidationError([Problem(name, None, None, None, "expected a list of indicator entries, each with id, title, direction, unit and status")])

    problems: list[Problem] = []
    for number, entry in enumerate(entries, start=1):
        for key in entry:
            if key not in REQUIRED + OPTIONAL:
                problems.append(Problem(name, number, str(key), None, f"unknown field; expected {_one_of(REQUIRED + OPTIONAL)}", "entry"))
        for key in REQUIRED:
            if entry.get(key) in (None, ""):
                problems.append(Problem(name, number, key, None, "is required but missing", "entry"))
        against = entry.get("target_against")
        if against is not None and (not isinstance(against, list) or not against or set(against) - set(COMPARATORS)):
            problems.append(Problem(name, number, "target_against", against, f"a list of comparators to beat, from {', '.join(COMPARATORS)}", "entry"))
        by = entry.get("target_by")
        if by is not None and not (
            isinstance(by, dict) and set(by) == {"value", "year"}
            and isinstance(by["value"], (int, float)) and isinstance(by["year"], int)
        ):
            problems.append(Problem(name, number, "target_by", by, "a long-term target such as {value: 5, year: 2030}", "entry"))
        rebase = entry.get("spc_rebase")
        if rebase is not None and not (isinstance(rebase, list) and rebase and all(_is_iso_date(d) for d in rebase)):
            problems.append(Problem(name, number, "spc_rebase", rebase, "a list of dates written YYYY-MM-DD at which the SPC limits restart, e.g. [2022-10-01]", "entry"))

    frame = pd.DataFrame(entries, dtype=object)
    for key in REQUIRED:
        if key not in frame:
            frame[key] = None
    frame = frame.astype({k: object for k in frame.columns})
    frame = frame.where(frame.notna(), None)
    # Ids may be written as numbers in YAML (116); the contract makes them strings.
    frame["id"] = frame["id"].map(lambda v: None if v is None else str(v).strip())
    present = frame.dropna(subset=list(REQUIRED))
    try:
        _SCHEMA.validate(present, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems += problems_from(errors, name, lambda i: i + 1, lambda c: "is required", "entry")
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: (p.row or 0)))

    if "decimals" not in frame:
        frame["decimals"] = None
    frame["decimals"] = [
        int(d) if d is not None else DEFAULT_DECIMALS[u] for d, u in zip(frame["decimals"], frame["unit"])
    ]
    for column in OPTIONAL:
        if column not in frame:
            frame[column] = None
    frame["spc_rebase"] = frame["spc_rebase"].map(lambda v: tuple(date.fromisoformat(str(d)) for d in v) if isinstance(v, list) else ())
    for column in ("committees", "sources", "links"):
        frame[column] = frame[column].map(lambda v: list(v) if isinstance(v, list) else ([] if v is None else [v]))
    return frame.reset_index(drop=True)
