"""England's figure 12 months earlier for Durham's KPIs, from the DfE's LAIT, so the Durham key can judge G.

Usage: .venv/bin/python scripts/durham_england_from_lait.py [--check]

Durham's published tables print England's latest figure for the latest period only, so G (the gap
to England against 12 months earlier) cannot be judged. data/durham-cyp/lait-england.yaml maps a KPI
to a LAIT measure where the England figure printed on its current row (its latest row with a value)
is LAIT's England figure for that measure in a year Y (`england_year`). This fills `england_mean` on
the KPI's row 12 months before its current row ("12 months before" as measures/periods.py's
year_earlier matches it) with LAIT's England figure for Y-1, the same national figure published a
year before the one Durham printed, and says so in the row's `note`. It fills a cell only where:

- the printed figure is LAIT's figure for Y (rounded half up to the printed decimals) and Y ends no
  later than the current row (the mapping is checked against the data, every run),
- the row 12 months earlier exists (Durham's own figure is never invented),
- its `england_mean` is empty (a published figure is never overwritten),
- no later row of the KPI has an empty `england_mean` (as_at carries a comparator forward, so the
  filled figure would be shown as a later period's England average), and
- LAIT has a number for England for Y-1.

Every other KPI is left, with the reason printed. Only the filled cells change: the columns, row
order, quoting and line endings of observations.csv are kept, so running it again changes nothing.
`--check` writes nothing and exits 1 if a run would change the file.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from reporting.data.input_files import in_own_project
from reporting.data.lait import england_series
from reporting.data.writing import write_files
from reporting.data.yaml_files import read_yaml
from reporting.measures.periods import YEAR_EARLIER_TOLERANCE

PROJECT = Path(__file__).resolve().parents[1]
DATASET = PROJECT / "data" / "durham-cyp"
NOTE = ("England figure from the DfE's LAIT (measure {code}, year {year}, ending {end}): the national figure a year "
        "before the one Durham printed for {printed}. Contains public sector information licensed under the Open "
        "Government Licence v3.0.")
OURS = "England figure from the DfE's LAIT (measure {code},"  # how a filled row's note starts


def read_csv_text(path: Path) -> str:
    """The file's text exactly, line endings included."""
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()


@dataclass(frozen=True)
class Outcome:
    """What became of one mapped KPI: `filled` (this run), `done` (an earlier run filled it) or `left`."""

    indicator: str
    code: str
    status: str
    detail: str


@dataclass(frozen=True)
class Mapping:
    """A mapped KPI: its LAIT measure and the LAIT year (label) of the England figure Durham printed."""

    code: str
    england_year: str


def read_mapping(path: Path) -> dict[str, Mapping]:
    """The mapped KPIs, id to Mapping, from the mapping file (`mapped:` a list of id, code, england_year,
    evidence; `unmapped:` a list of id, reason). Every KPI is in one list or the other, once."""
    data = read_yaml(path, in_own_project(path), needs="mapped: and unmapped:").data
    if not isinstance(data, dict) or not isinstance(data.get("mapped"), list) or not isinstance(data.get("unmapped"), list):
        raise SystemExit(f"{path}: expected `mapped:` and `unmapped:`, each a list.")
    mapping, seen = {}, set()
    for entry in data["mapped"] + data["unmapped"]:
        ident = entry.get("id") if isinstance(entry, dict) else None
        mapped = isinstance(entry, dict) and "code" in entry
        said = entry.get("evidence" if mapped else "reason") if isinstance(entry, dict) else None
        year = str(entry.get("england_year", "")) if mapped else ""
        if (not isinstance(ident, str) or not isinstance(said, str) or not said.strip() or ident in seen
                or (mapped and (not isinstance(entry["code"], str) or not re.fullmatch(r"\d{4}", year)))):
            raise SystemExit(f"{path}: {entry!r}: expected id, code, england_year (such as 2023) and evidence, "
                             "or id and reason, once per KPI.")
        seen.add(ident)
        if mapped:
            mapping[ident] = Mapping(entry["code"], year)
    return mapping


def printed_as(value: float, printed: str) -> bool:
    """Whether LAIT's `value`, rounded half up to the decimals of the `printed` text, is the printed figure."""
    try:
        shown = Decimal(printed.strip())
    except ArithmeticError:
        return False
    if not shown.is_finite():
        return False
    places = Decimal(1).scaleb(shown.as_tuple().exponent)
    return Decimal(repr(round(float(value), 9))).quantize(places, rounding=ROUND_HALF_UP) == shown


def split_rows(text: str) -> tuple[list[str], str, list[list[str]]]:
    """The file's lines (each with its own ending), the line ending to write, and its cells."""
    lines = io.StringIO(text, newline="").readlines()  # split where the csv module splits, endings kept
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    cells = list(csv.reader(io.StringIO(text, newline="")))
    if len(cells) != len(lines):
        raise SystemExit("observations.csv has a cell across lines; edit it by hand instead.")
    return lines, ending, cells


def number_text(value: float) -> str:
    """A figure as observations.csv writes one: 65.2, 538 (the shortest text that reads back the same)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def fill(observations: Path, mapping: dict[str, Mapping], source: Path) -> tuple[str, list[Outcome]]:
    """The new text of observations.csv and what became of each mapped KPI."""
    text = read_csv_text(observations)
    lines, ending, cells = split_rows(text)
    header = cells[0]
    column = {name: header.index(name) for name in ("indicator_id", "period_end", "period_label", "value", "england_mean", "note")}
    england = england_series(source, sorted({m.code for m in mapping.values()})) if mapping else None
    outcomes = []
    for indicator, (code, year) in ((i, (m.code, m.england_year)) for i, m in mapping.items()):
        left = lambda why: outcomes.append(Outcome(indicator, code, "left", why))  # noqa: E731
        figures = england[england["measure"] == code].set_index("year") if england is not None else pd.DataFrame()
        rows = sorted((pd.Timestamp(row[column["period_end"]]), number) for number, row in enumerate(cells[1:], start=1)
                      if row[column["indicator_id"]] == indicator)
        valued = [(end, number) for end, number in rows if cells[number][column["value"]].strip()]
        if not valued:
            left("no row with a value")
            continue
        current_end, current = valued[-1]
        current_label, printed = cells[current][column["period_label"]], cells[current][column["england_mean"]].strip()
        if not printed:
            left(f"{current_label} has no printed England figure to find in LAIT")
            continue
        if year not in figures.index or not printed_as(figures.at[year, "value"], printed):
            found = f"{figures.at[year, 'value']:g}" if year in figures.index else "none"
            left(f"the England figure printed for {current_label} ({printed}) is not LAIT's {year} figure ({found})")
            continue
        if pd.Timestamp(figures.at[year, "period_end"]) > current_end:
            left(f"LAIT's {year} ends after {current_label}, so Durham cannot have printed it")
            continue
        before = str(int(year) - 1)
        wanted = current_end - pd.DateOffset(years=1)
        earlier = [(abs(end - wanted), end, number) for end, number in rows if abs(end - wanted) <= YEAR_EARLIER_TOLERANCE]
        if not earlier:
            left(f"no row 12 months before {current_label}: Durham's figure is not invented")
            continue
        _, earlier_end, row_number = min(earlier)
        row = cells[row_number]
        label = row[column["period_label"]]
        there = row[column["england_mean"]].strip()
        if there:
            ours = OURS.format(code=code) in row[column["note"]]
            stale = ours and (before not in figures.index or there != number_text(figures.at[before, "value"]))
            outcomes.append(Outcome(indicator, code, "left" if not ours or stale else "done",
                                    f"{label} already has an England figure ({there})"
                                    + ("" if ours else ", as published: not overwritten")
                                    + (f", filled earlier but not LAIT's {before} figure: clear the cell and its note, "
                                       "and run again" if stale else "")))
            continue
        gaps = [cells[n][column["period_label"]] for end, n in rows if end > earlier_end and not cells[n][column["england_mean"]].strip()]
        if gaps:
            left(f"{', '.join(gaps)} has no England figure, so a figure for {label} would be carried forward as its England average")
            continue
        if before not in figures.index:
            left(f"LAIT has no England figure for {before}, the year before {year} ({label})")
            continue
        figure = figures.loc[before]
        row = list(row)
        row[column["england_mean"]] = number_text(figure["value"])
        end = pd.Timestamp(figure["period_end"])
        ours = NOTE.format(code=code, year=before, end=f"{end.day} {end:%B %Y}", printed=current_label)
        row[column["note"]] = f"{row[column['note']]}; {ours}" if row[column["note"]].strip() else ours
        written = io.StringIO()
        csv.writer(written, lineterminator=ending).writerow(row)
        line_ending = lines[row_number][len(lines[row_number].rstrip("\r\n")):]
        lines[row_number] = written.getvalue().rstrip("\r\n") + line_ending  # the line keeps its own ending (or none)
        cells[row_number] = row
        outcomes.append(Outcome(indicator, code, "filled", f"{label}: England {row[column['england_mean']]} "
                                                           f"(LAIT {before}; printed {printed} is LAIT {year})"))
    return "".join(lines), outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET, help="the dataset folder (default data/durham-cyp)")
    parser.add_argument("--mapping", type=Path, help="the mapping file (default: lait-england.yaml in the dataset)")
    parser.add_argument("--source", type=Path, default=PROJECT / "data" / "lait", help="the LAIT files (default data/lait)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a run would change observations.csv")
    args = parser.parse_args(argv)
    observations = args.dataset / "observations.csv"
    mapping = read_mapping(args.mapping or args.dataset / "lait-england.yaml")
    text, outcomes = fill(observations, mapping, args.source)
    for outcome in outcomes:
        print(f"{outcome.indicator} ({outcome.code}): {outcome.status}: {outcome.detail}")
    changed = text != read_csv_text(observations)
    if changed and not args.check:
        mode = observations.stat().st_mode
        write_files({observations: text})  # whole or not at all
        observations.chmod(mode)  # keeps the file's permissions (the temporary file it replaces is private)
    print(f"{sum(o.status == 'filled' for o in outcomes)} filled, {sum(o.status == 'done' for o in outcomes)} already filled, "
          f"{sum(o.status == 'left' for o in outcomes)} left; observations.csv "
          f"{('would change' if args.check else 'updated') if changed else 'unchanged'}.")
    return 1 if changed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
