"""What the SYNTHETIC dataset generators share: period labels, the ragb check of a design, and writing
a dataset folder (indicators.yaml, observations.csv) the same way byte for byte.

Used by make_synthetic_data.py and make_synthetic_spc_data.py, which sit beside it (Python puts a
script's own folder on the import path). Standard library and pyyaml only.
"""

from __future__ import annotations

import calendar
import csv
import io
from datetime import date
from pathlib import Path

import yaml

COLUMNS = [
    "indicator_id", "period_end", "period_label", "value", "target",
    "stat_neighbour_mean", "england_mean", "regional_mean", "note",
]

# The ragb key (DESIGN.md, "Rating schemes"), used only to check the designs.
RED_AMBER, AMBER_GREEN, GREEN_BLUE = -0.10, 0.0, 0.05
MARGIN = 0.01  # every designed d stays at least this far from a boundary


def month_ends(first: date, last: date) -> list[date]:
    """Every month end from `first` to `last` inclusive."""
    ends, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def month_label(end: date) -> str:
    """'Mar 2024'."""
    return f"{calendar.month_abbr[end.month]} {end.year}"


def quarter_label(end: date) -> str:
    """'Jan-Mar 2024' for the quarter ending 31 March 2024."""
    start = calendar.month_abbr[end.month - 2]
    return f"{start}-{calendar.month_abbr[end.month]} {end.year}"


def d_of(value: float, target: float, direction: str) -> float:
    """Relative deviation from target, positive is better (the ragb `d`)."""
    return ((value - target) if direction == "higher" else (target - value)) / abs(target)


def band(d: float) -> str:
    if d < RED_AMBER:
        return "Red"
    if d < AMBER_GREEN:
        return "Amber"
    return "Green" if d <= GREEN_BLUE else "Blue"


def check_rating(spec_id: str, value: float, target: float, direction: str, expected: str) -> None:
    """Fail loudly unless the value gets the designed ragb rating, at least MARGIN from any boundary."""
    d = d_of(value, target, direction)
    assert band(d) == expected, (spec_id, value, d, expected)
    assert min(abs(d - b) for b in (RED_AMBER, AMBER_GREEN, GREEN_BLUE)) >= MARGIN - 1e-9, (spec_id, d)


def fmt(value: float | None, places: int) -> str:
    """A number at the indicator's precision; empty for missing (never zero)."""
    if value is None:
        return ""
    return f"{round(float(value), places) + 0.0:.{places}f}"  # + 0.0 turns -0.0 into 0.0


def observation_rows(spec, rows: list[tuple[date, str, float]]) -> list[list[str]]:
    """The observations.csv rows of one indicator: its values and target on every row, comparators on the latest."""
    table = []
    for i, (end, label, value) in enumerate(rows):
        latest = i == len(rows) - 1
        table.append([
            spec.id,
            end.isoformat(),
            label,
            fmt(value, spec.places),
            fmt(spec.target, spec.places),
            fmt(spec.stat_neighbour if latest else None, spec.places),
            fmt(spec.england if latest else None, spec.places),
            "",
            spec.notes.get(label, ""),
        ])
    return table


def write_dataset(out: Path, header: str, entries: list[dict], table: list[list[str]]) -> None:
    """Write indicators.yaml (after `header`) and observations.csv into `out`, and say so."""
    out.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    (out / "indicators.yaml").write_text(header + body, encoding="utf-8", newline="\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(table)
    (out / "observations.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="\n")
    print(f"wrote {out / 'indicators.yaml'} ({len(entries)} indicators)")
    print(f"wrote {out / 'observations.csv'} ({len(table)} rows)")
