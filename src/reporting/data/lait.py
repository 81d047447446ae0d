"""The DfE's Local Authority Interactive Tool (LAIT) as a dataset in the data contract, for one council.

LAIT publishes, for every English council, hundreds of children's-services measures over about ten
years, with England and regional figures and a model of each council's ten statistical neighbours.
`import_lait` reads its files (the long parquet once, filtered to the chosen measures), and writes
a council's `indicators.yaml` (from LAIT's data dictionary), `observations.csv` (the council's value,
England, its region and the unweighted mean of its ten neighbours, each year) and a README that
records every choice made. Suppression codes become missing values with the code kept in `note`.
`observations_by_council` works out many councils' rows at once, as `lait_all` does for every council.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml

from ..errors import ReportingError
from . import limits
from .input_files import checked_file, for_data, in_own_project
from .catalogue import is_address
from .writing import FORMULA_TRIGGERS, csv_cell, write_files
from .yaml_files import read_yaml

DATA = "bds_long_0.parquet"
DICTIONARY = "lait_data_dictionary.csv"
NEIGHBOURS = "sn_may_2025.xlsx"
COUNCILS = "la_code_list.xlsx"
NEIGHBOUR_MODEL = "the DfE's statistical-neighbour model of May 2025"
LICENCE = ("© Crown copyright, Department for Education (and ONS, OHID, YJB and Cafcass for some measures). "
           "Contains public sector information licensed under the Open Government Licence v3.0.")
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
SOURCE_LINK = "https://github.com/dfe-analytical-services/local-authority-interactive-tool"
# A single-year label is the year *ending*: Financial Year 2025 is April 2024 to March 2025.
# LAIT's five "Annual" measures (CIN, CPP_rate, CPP_Num, LAC, LACnum) are counts at 31 March, so
# Annual 2025 ends on 31 March 2025 as Financial Year 2025 does.
YEAR_ENDS = {"Financial Year": (3, 31), "Academic Year": (8, 31), "Calendar Year": (12, 31), "Annual": (3, 31)}
FREQUENCIES = {"Financial Year": "annual", "Academic Year": "academic_year", "Calendar Year": "annual", "Annual": "annual"}
# LAIT's England series that are not England's figure (checked against the DfE's own releases).
WRONG_ENGLAND = {"FirstYJS": "LAIT's England figure for this measure is the sum of the nine regional rates, not England's rate"}
YEAR = re.compile(r"\d{4}")
MEASURES_FILE = "`measures:`, a list of LAIT measure codes such as ReReferral"


class LaitImportError(ReportingError):
    """The LAIT files, the measures file or the council asked for cannot be used as they are."""


@dataclass(frozen=True)
class Council:
    """A council as LAIT numbers it, with its region and its ten statistical neighbours (by LA number)."""

    number: int
    name: str
    region: str
    neighbours: tuple[int, ...]


def _file(source: Path, name: str) -> Path:
    """One of LAIT's files, checked as any data file is (inside the project or a data root, a regular file, in size)."""
    return checked_file(Path(source) / name, for_data(None, source), limits.DATA,
                        missing=f"not found: the LAIT folder must hold {DATA}, {DICTIONARY}, {NEIGHBOURS} and {COUNCILS}")


def read_measures(path: str | Path) -> dict[str, float | None]:
    """The measures file: `measures:`, a list of LAIT measure codes, each a code or `{code: ..., target: ...}`."""
    path = Path(path)
    loaded = read_yaml(path, in_own_project(path), needs=MEASURES_FILE).data
    entries = loaded.get("measures") if isinstance(loaded, dict) else None
    if not isinstance(entries, list) or not entries:
        raise LaitImportError(f"{path}: expected {MEASURES_FILE}.")
    measures: dict[str, float | None] = {}
    for number, entry in enumerate(entries, start=1):
        code, target = (entry, None) if isinstance(entry, str) else (
            (entry.get("code"), entry.get("target")) if isinstance(entry, dict) else (None, None))
        if not isinstance(code, str) or not code.strip():
            raise LaitImportError(f"{path}, measure {number}: {entry!r}: expected a measure code, or code: and target:.")
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float))):
            raise LaitImportError(f"{path}, measure {number}, target: {target!r}: expected a number.")
        if code.strip().startswith(FORMULA_TRIGGERS):
            raise LaitImportError(f"{path}, measure {number}: {code!r}: a measure code cannot start with = + - @, "
                                  "which a spreadsheet would read as a formula in observations.csv.")
        if code.strip() in measures:
            raise LaitImportError(f"{path}, measure {number}: {code!r} is listed twice.")
        measures[code.strip()] = None if target is None else float(target)
    return measures


def read_dictionary(source: Path, measures) -> pd.DataFrame:
    """The data dictionary's rows for the measures, one each, indexed by measure code (LAIT's `Short Desc`)."""
    dictionary = pd.read_csv(_file(source, DICTIONARY), dtype=str, keep_default_na=False)
    dictionary = dictionary.drop_duplicates("Measure_short").set_index("Measure_short")
    missing = [code for code in measures if code not in dictionary.index]
    if missing:
        raise LaitImportError(f"{source / DICTIONARY}: no measure {', '.join(map(repr, missing))}. "
                              f"Use the codes in its Measure_short column, such as ReReferral.")
    found = dictionary.loc[list(measures)]
    unknown = found[~found["Year_Type"].isin(list(YEAR_ENDS))]
    if len(unknown):
        raise LaitImportError("; ".join(f"{code}: year type {kind!r} is not imported yet (only {', '.join(YEAR_ENDS)})"
                                        for code, kind in unknown["Year_Type"].items()))
    return found


def read_figures(source: Path, measures) -> pd.DataFrame:
    """LAIT's long table for the measures (read once, only those rows): measure, year, area, number, value, code."""
    path = _file(source, DATA)
    table = pd.read_parquet(path, columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number"],
                            filters=[("Short Desc", "in", list(measures))])
    table.columns = ["measure", "year", "area", "text", "number"]
    text = table["text"].astype("string").str.strip()
    table["value"] = pd.to_numeric(text, errors="coerce")
    table["code"] = text.where(table["value"].isna())
    bad = table[~table["year"].astype(str).str.fullmatch(YEAR)]
    if len(bad):
        row = bad.iloc[0]
        raise LaitImportError(f"{path}: measure {row['measure']}, year label {row['year']!r}: expected a single year "
                              "such as 2024 (spans such as 2014-16 are not imported yet)")
    return table


class Known(NamedTuple):
    """LAIT's council list (number, name, region, type), each council's ten statistical neighbours
    (closest first), and the current councils: the model's own list, in its order."""

    councils: pd.DataFrame
    neighbours: dict[int, tuple[int, ...]]
    current: tuple[int, ...]


def read_councils(source: Path) -> Known:
    """LAIT's council list and neighbour model. The model lists the current councils first, then, after a
    blank row and "Old SNs:", councils since replaced (Bournemouth, Poole and Dorset in 2019, Northamptonshire
    in 2021, Cumbria in 2023): those have neighbours but are not current."""
    councils = pd.read_excel(_file(source, COUNCILS), dtype={"LA Number": "Int64"})
    councils = councils.rename(columns={"LA Number": "number", "LA Name": "name", "Region": "region"})
    model = pd.read_excel(_file(source, NEIGHBOURS), header=None, skiprows=3)
    # Column A: the council's LA number; then SN1..SN10 from column F, each followed by how close it is.
    numbers = model.apply(lambda column: pd.to_numeric(column, errors="coerce"))
    neighbour_columns = [5 + 2 * i for i in range(10)]
    neighbours = {int(row[0]): tuple(int(row[c]) for c in neighbour_columns if pd.notna(row[c]))
                  for row in numbers.itertuples(index=False) if pd.notna(row[0])}
    first = numbers[0]
    ends = first.isna().to_numpy().nonzero()[0]  # the first row without an LA number ends the current list
    current = tuple(int(n) for n in first.iloc[: ends[0] if len(ends) else len(first)].dropna())
    return Known(councils, neighbours, current)


def find_council(source: Path, wanted: str, known=None) -> Council:
    """The council named `wanted` (its LAIT name or LA number), with its region and neighbours
    (`known`: what `read_councils` returned, when it has been read already)."""
    councils, neighbours, _ = known or read_councils(source)
    text = str(wanted).strip()
    match = councils[(councils["name"].str.casefold() == text.casefold()) | (councils["number"].astype(str) == text)]
    if match.empty:
        close = difflib.get_close_matches(text, councils["name"].tolist(), n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise LaitImportError(f"No council {text!r} in {source / COUNCILS}.{hint} Give its name as LAIT spells it, or its LA number.")
    row = match.iloc[0]
    number = int(row["number"])
    if number not in neighbours:
        raise LaitImportError(f"{row['name']} ({number}) has no statistical neighbours in {source / NEIGHBOURS}.")
    return Council(number, str(row["name"]), str(row["region"]), neighbours[number])


def region_area(region: str) -> str:
    """LAIT's area for a council's region: the nine English regions; London for Inner and Outer London boroughs."""
    return "London" if "london" in region.casefold() else region


def period(year_type: str, year: str) -> tuple[dt.date, str]:
    """(period_end, period_label) of a LAIT year: Financial Year 2025 ends 31 March 2025 and reads 2024/25."""
    month, day = YEAR_ENDS[year_type]
    end = int(year)
    label = str(end) if year_type == "Calendar Year" else f"{end - 1}/{end % 100:02d}"
    return dt.date(end, month, day), label


def unit_of(axis: str) -> tuple[str, int | None]:
    """The contract's unit (and a rate's base) from LAIT's y-axis name: `% of referrals`, `Rate per 10,000`."""
    text = axis.casefold()
    if "%" in text or "percent" in text:
        return "percent", None
    rate = re.search(r"rate per ([\d,]+)", text)
    if rate:
        return "rate", int(rate[1].replace(",", ""))
    if "score" in text:
        return "score", None
    return "number", None


def catalogue(dictionary: pd.DataFrame, measures: dict[str, float | None], committee: str | None) -> list[dict]:
    """indicators.yaml entries from the data dictionary, in the measures file's order."""
    entries = []
    for code, target in measures.items():
        row = dictionary.loc[code]
        unit, base = unit_of(row["y_axis_name"])
        direction = {"High": "higher", "Low": "lower"}.get(row["Polarity"].strip(), "none")
        status = "target" if target is not None else ("baseline" if direction != "none" else "contextual")
        entry = {"id": code, "title": " ".join(row["Chart_title"].split()), "direction": direction, "unit": unit,
                 "status": status, "decimals": int(row["dps"].strip()[0]) if row["dps"].strip()[:1].isdigit() else 1,
                 "frequency": FREQUENCIES[row["Year_Type"]]}
        if base:
            entry["rate_base"] = base
        if committee:
            entry["committees"] = [committee]
        description = " ".join(row["Description"].split())
        if description:
            entry["description"] = description
        entry["sources"] = [f"Department for Education, Local Authority Interactive Tool (LAIT), measure {code}",
                            " ".join(row["Data Owner (DO) /Supplier and Contact Details"].split()) or "Department for Education",
                            OGL]  # on every card, so a published report always carries the licence line
        links = [{"title": "Local Authority Interactive Tool (LAIT)",
                  "url": "https://www.gov.uk/government/publications/local-authority-interactive-tool-lait"}]
        # The dictionary's first web address that the catalogue accepts as a link (none is better than a bad one).
        addresses = [found.rstrip(".,;)") for found in re.findall(r"https://\S+", row["Hyperlink(s)"])]
        first_link = next((address for address in addresses if is_address(address)), None)
        if first_link:
            links.append({"title": f"Where LAIT takes {code} from", "url": first_link})
        entry["links"] = links
        entries.append(entry)
    return entries


OBSERVATION_COLUMNS = ["indicator_id", "period_end", "period_label", "value", "target", "stat_neighbour_mean",
                       "england_mean", "regional_mean", "note"]


def observations(figures: pd.DataFrame, dictionary: pd.DataFrame, measures: dict[str, float | None], council: Council) -> pd.DataFrame:
    """The council's rows: value, England, region and statistical-neighbour mean for every measure and year."""
    return observations_by_council(figures, dictionary, measures, [council])[council.number]


def observations_by_council(figures: pd.DataFrame, dictionary: pd.DataFrame, measures: dict[str, float | None],
                            councils: list[Council]) -> dict[int, pd.DataFrame]:
    """`observations` for every council in `councils` at once, by LA number: the same table for each, worked
    out for all their rows together (a grid of every area's figure, a measure and year a row, read once)."""
    keyed = figures.dropna(subset=["number"]).drop_duplicates(["measure", "year", "number"])
    areas = keyed.set_index(["measure", "year", "number"])["value"].unstack("number")  # a row a measure and year
    grid = areas.to_numpy(dtype=float, na_value=np.nan)
    column = {number: i for i, number in enumerate(areas.columns)}
    areas_named = figures.drop_duplicates("area")
    by_area = areas_named.set_index(areas_named["area"].str.casefold())["number"]  # LA number by area name
    which = {council.number: i for i, council in enumerate(councils)}
    own = figures[figures["number"].isin(list(which))]
    who = own["number"].map(which).to_numpy(dtype=int)  # each row's council, as its place in `councils`
    at = areas.index.get_indexer(pd.MultiIndex.from_arrays([own["measure"], own["year"]]))  # its row of the grid

    def area_values(numbers: list) -> np.ndarray:
        """Each row's figure for its council's area (England, or its region): NaN where there is none."""
        columns = np.array([column.get(n, -1) if n is not None else -1 for n in numbers], dtype=int)[who]
        return np.where(columns >= 0, grid[at, np.maximum(columns, 0)], np.nan)

    england = area_values([by_area.get("england")] * len(councils))
    region = area_values([by_area.get(region_area(council.region).casefold()) for council in councils])
    # Each row's neighbours' figures, closest first: those with a figure moved to the front, in order.
    listed = np.full((len(councils), max([len(c.neighbours) for c in councils] + [1])), -1)
    for i, council in enumerate(councils):
        found = [column[n] for n in council.neighbours if n in column]
        listed[i, : len(found)] = found
    picked = listed[who]
    values = np.where(picked >= 0, grid[at[:, None], np.maximum(picked, 0)], np.nan)
    present = ~np.isnan(values)
    counts = present.sum(axis=1)
    values = np.take_along_axis(values, np.argsort(~present, axis=1, kind="stable"), axis=1)
    means = np.full(len(own), np.nan)
    # pandas's mean of n figures is numpy's sum of those n (pairwise from 8 on) divided by n: rows with n
    # figures are summed as one n-wide block, so each mean, and its rounding, is the one-council loop's.
    for count in np.unique(counts[counts > 0]):
        rows = counts == count
        block = np.ascontiguousarray(values[rows, :count])
        means[rows] = np.mean(block, axis=1, where=np.ones(block.shape, dtype=bool))
    wanted = np.array([len(c.neighbours) for c in councils], dtype=int)[who]
    codes = own["code"].to_numpy(dtype=object, na_value=None)
    missing = own["value"].isna().to_numpy()
    measure = own["measure"].to_numpy(dtype=object)
    wrong = {code: "England figure left out: " + why for code, why in WRONG_ENGLAND.items()}
    notes = []
    for code, has, want, figure_missing, published in zip(measure, counts.tolist(), wanted.tolist(), missing, codes):
        note = []
        if figure_missing and published is not None:
            note.append(f"no figure published (LAIT code {published})")
        if has < want:
            note.append(f"statistical-neighbour mean of {has} of {want} neighbours")
        if code in wrong:
            note.append(wrong[code])
        notes.append("; ".join(note) if note else None)
    england[np.isin(measure, list(WRONG_ENGLAND))] = np.nan
    # Each row's period and target, worked out once for each row of the grid (a measure and year).
    by_row = [(period(dictionary.at[code, "Year_Type"], year), measures[code]) for code, year in areas.index]
    ends = np.empty(len(by_row), dtype=object)
    ends[:] = [end for (end, _), _ in by_row]
    labels = np.array([label for (_, label), _ in by_row], dtype=object)
    targets = np.array([target for _, target in by_row], dtype=object)
    table = pd.DataFrame({
        "indicator_id": measure, "period_end": ends[at], "period_label": labels[at],
        "value": own["value"].to_numpy(dtype=float, na_value=np.nan), "target": targets[at],
        "stat_neighbour_mean": [round(mean, 4) if has else None for mean, has in zip(means.tolist(), counts.tolist())],
        "england_mean": england, "regional_mean": region, "note": notes,
    }, columns=OBSERVATION_COLUMNS)
    place = {code: i for i, code in enumerate(measures)}
    order = np.array([place[code] for code, _ in areas.index] or [0])[at]
    days = np.array([end.toordinal() for end in ends] or [0])[at]
    sorted_rows = np.lexsort((days, order, who))  # by council, then measure (as listed), then period
    table, who = table.iloc[sorted_rows].reset_index(drop=True), who[sorted_rows]
    bounds = np.searchsorted(who, np.arange(len(councils) + 1))
    return {council.number: table.iloc[bounds[i]: bounds[i + 1]].reset_index(drop=True) for i, council in enumerate(councils)}


def national(figures: pd.DataFrame, dictionary: pd.DataFrame, councils: pd.DataFrame) -> pd.DataFrame:
    """Every council's figure for every measure and year (England and the regions left out): the table
    a report ranks the council in. Columns as `reporting.data.benchmarks` reads them."""
    numbers = set(councils.loc[councils["Type"].notna(), "number"].dropna().astype(int))
    rows = figures[figures["number"].isin(numbers)].drop_duplicates(["measure", "year", "number"])
    kinds = rows["measure"].map(dictionary["Year_Type"])
    ends = kinds.map({kind: f"-{month:02d}-{day:02d}" for kind, (month, day) in YEAR_ENDS.items()})
    table = pd.DataFrame({"indicator_id": rows["measure"], "period_end": rows["year"].astype(str) + ends,
                          "area_code": rows["number"].astype(int).astype(str), "area": rows["area"].map(csv_cell), "value": rows["value"]})
    order = {code: i for i, code in enumerate(dictionary.index)}
    return table.sort_values(["indicator_id", "period_end", "area_code"], key=lambda s: s.map(order) if s.name == "indicator_id" else s,
                             ignore_index=True)


def benchmarks_file(council: Council, names: dict[int, str], dictionary: pd.DataFrame, table_name: str = "national.csv") -> str:
    """benchmarks.yaml: the council, its ten neighbours (closest first), the national table, the measures LAIT does not band."""
    entry = lambda number: {"code": str(number), "name": names.get(number, str(number))}  # noqa: E731
    content = {"council": entry(council.number), "neighbours": [entry(n) for n in council.neighbours],
               "national": table_name, "unbanded": list(dictionary.index[dictionary["No_Quartile"].str.strip() == "N"])}
    return (f"# {council.name}'s place among all councils, written by `reporting import lait` (do not edit: import again).\n"
            f"# neighbours: {NEIGHBOUR_MODEL}, closest first. unbanded: measures LAIT shows no quartile band for.\n"
            f"# {LICENCE}\n" + yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100))


def england_series(source: str | Path, codes) -> pd.DataFrame:
    """England's published figures for the LAIT measures `codes`, one row a measure and year with a number:
    `measure`, `year` (LAIT's label), `period_end`, `period_label` and `value`. Years where LAIT publishes
    no figure (`-` and other codes) are left out. A measure whose England series LAIT gets wrong
    (WRONG_ENGLAND, such as FirstYJS) is refused, as is one whose year type has no period end yet."""
    source, codes = Path(source), list(dict.fromkeys(codes))
    wrong = [code for code in codes if code in WRONG_ENGLAND]
    if wrong:
        raise LaitImportError("; ".join(f"{code}: {WRONG_ENGLAND[code]}, so it is never used" for code in wrong))
    dictionary = read_dictionary(source, codes)
    figures = read_figures(source, codes)
    england = figures[figures["area"].astype(str).str.casefold().eq("england") & figures["value"].notna()]
    rows = []
    for line in england.drop_duplicates(["measure", "year"]).itertuples(index=False):
        end, label = period(dictionary.at[line.measure, "Year_Type"], str(line.year))
        rows.append({"measure": line.measure, "year": str(line.year), "period_end": end, "period_label": label,
                     "value": float(line.value)})
    table = pd.DataFrame(rows, columns=["measure", "year", "period_end", "period_label", "value"])
    return table.sort_values(["measure", "period_end"], ignore_index=True)


def readme(council: Council, measures, dictionary: pd.DataFrame, table: pd.DataFrame, measures_file: Path,
           table_name: str = "national.csv") -> str:
    """The dataset's README: where the figures come from, every choice the import made, and the licence line
    (`table_name`: the national table, as benchmarks.yaml names it)."""
    kinds = sorted(set(dictionary["Year_Type"]))
    ends = "; ".join(f"{kind}: {period(kind, '2025')[0]:%d %B} (so {kind} 2025 is {period(kind, '2025')[1]})" for kind in kinds)
    neighbours = ", ".join(str(n) for n in council.neighbours)
    return f"""# LAIT: {council.name}

Written by `reporting import lait` from the Department for Education's Local Authority Interactive
Tool (LAIT) files ({SOURCE_LINK}, folder `01_data/02_prod/`). Do not edit by hand: import again.

- **Council:** {council.name} (LA number {council.number}), region {council.region}.
- **Measures:** {len(measures)}, listed in `{measures_file.name}`: {", ".join(measures)}.
- **Rows:** {len(table)} (one a measure and year), {table["period_end"].min()} to {table["period_end"].max()}.

## Choices the import made

- **Period end.** A LAIT year label is the year *ending*. {ends}.
- **Statistical neighbours.** The council's ten neighbours in {NEIGHBOUR_MODEL} (LA numbers {neighbours}),
  used for every year. `stat_neighbour_mean` is the unweighted mean of the neighbours that have a figure,
  as LAIT computes it; a year where some neighbours have none says how many were used in `note`.
- **England and region.** LAIT's `England` row, and its row for {region_area(council.region)}, as published
  (a London borough's region is London, not Inner or Outer London).
  {"".join(f"For {code}, the England figure is left out: {why}." for code, why in WRONG_ENGLAND.items() if code in measures)}
- **Benchmarks.** `{table_name}` holds every council's figure for each measure and year (England and the
  regions left out; councils that have since been replaced keep their figures for the years they
  published), and `benchmarks.yaml` names {council.name} and its neighbours in it. A report ranks the
  council among every council with a figure (1 is the best, by the measure's polarity; ties share the
  better rank) and among its neighbours, and gives its quartile band as LAIT does: the quartiles of all
  councils' figures, band A the best quarter and D the worst; measures LAIT does not band (its
  dictionary's `No_Quartile` is `N`) have no band.
- **Suppression.** A value that is not a number (LAIT's codes such as `c`, `x`, `z`, `low`, `..`, `-`)
  is a missing value, with the code in `note`.
- **Direction, unit and decimals.** From the dictionary's `Polarity` (High: higher is better; Low: lower),
  `y_axis_name` (`%`: percent; `Rate per N`: a rate per N; `Score`: score) and `dps` (1 where blank).
- **Status.** LAIT has no targets: a measure with a target in the measures file is rated against it;
  the others are `baseline` (shown with their trend and benchmarks, not rated), or `contextual` where
  LAIT gives no direction of improvement.

## Licence

{LICENCE}
"""


def import_lait(source: str | Path, measures_file: str | Path, council: str, dataset: str | Path,
                committee: str | None = None, force: bool = False) -> list[Path]:
    """Write a council's LAIT dataset (indicators.yaml, observations.csv, README.md) into `dataset`."""
    source, dataset, measures_file = Path(source), Path(dataset), Path(measures_file)
    measures = read_measures(measures_file)
    known = read_councils(source)
    found = find_council(source, council, known)
    dictionary = read_dictionary(source, measures)
    figures = read_figures(source, measures)
    table = observations(figures, dictionary, measures, found)
    empty = [code for code in measures if code not in set(table["indicator_id"])]
    if empty:
        raise LaitImportError(f"LAIT has no figures for {found.name} for {', '.join(empty)}: leave them out of {measures_file}.")
    dataset.mkdir(parents=True, exist_ok=True)
    paths = {dataset / name: None for name in ("indicators.yaml", "observations.csv", "README.md", "benchmarks.yaml", "national.csv")}
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise LaitImportError(f"{dataset} already holds {', '.join(p.name for p in existing)}; use --force to replace them.")
    header = (f"# {found.name}: LAIT measures, written by `reporting import lait` (do not edit: import again).\n"
              f"# {LICENCE}\n")
    entries = yaml.safe_dump(catalogue(dictionary, measures, committee), sort_keys=False, allow_unicode=True, width=100)
    csv = table.to_csv(index=False, lineterminator="\n", float_format=None)
    names = dict(zip(known.councils["number"].dropna().astype(int), known.councils["name"].astype(str)))
    write_files({dataset / "indicators.yaml": header + entries, dataset / "observations.csv": csv,
                 dataset / "README.md": readme(found, measures, dictionary, table, measures_file),
                 dataset / "benchmarks.yaml": benchmarks_file(found, names, dictionary),
                 dataset / "national.csv": national(figures, dictionary, known.councils).to_csv(index=False, lineterminator="\n")})
    return list(paths)
