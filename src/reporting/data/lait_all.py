"""LAIT for every council at once: a whole project, one committee a council, from one read of LAIT's files.

`reporting import lait --all-councils --project OUT` writes, for each of the councils in the DfE's
statistical-neighbour model (153 in May 2025; the predecessor councils it lists under "Old SNs" are
not current and get no report, though their figures stay in the national table):

    OUT/params/lait-<council>.yaml          the committee: its council, dataset and quarter
    OUT/data/lait/<council>/                its dataset: indicators.yaml, observations.csv, README.md,
                                            benchmarks.yaml (national: ../national.csv)
    OUT/data/lait/national.csv              every council's figures, written once and shared
    OUT/data/lait/README.md                 what the folder holds and why it is laid out so
    OUT/notebooks/                          the report and paper notebooks, copied from the project
                                            LAIT's files are in (unless OUT has its own)

so `reporting run --all --project OUT` publishes every council's report. LAIT's long parquet is read
once, and every council's observations are worked out together (`lait.observations_by_council`),
each exactly as `reporting import lait --council` writes it. Every file is written, or none
(`write_files`); files already there are replaced only with `force`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ParamsError
from ..quarters import Quarter
from . import lait
from .input_files import COMMITTEE_ID_RULE, check_committee_id, enclosing_project
from .lait import LICENCE, NEIGHBOUR_MODEL, Council, LaitImportError
from .writing import write_files

PREFIX = "lait-"  # committee ids: lait-leeds, lait-barnet; kept apart from a project's own committees
FOLDER = Path("data") / "lait"  # the councils' datasets and the national table, inside the project
NATIONAL = "national.csv"
NOTEBOOKS = ("committee_report.ipynb", "covering_paper.ipynb")  # what `reporting run` needs in notebooks/
DATASET_FILES = ("indicators.yaml", "observations.csv", "README.md", "benchmarks.yaml")
PLACEHOLDER = "lait-committee-placeholder"  # the committee tag in the catalogue written once for all councils


@dataclass(frozen=True)
class AllCouncils:
    """What `import_all_councils` wrote: the project, its committees (ids, in the model's order), the
    quarter each reports by default, every file written, and where the notebooks came from (None: the
    project had its own)."""

    project: Path
    committees: tuple[str, ...]
    quarter: str
    written: tuple[Path, ...]
    notebooks_from: Path | None


def slug(name: str) -> str:
    """A council's name as a folder name: lower case, words joined by hyphens (`Bristol, City of` is
    `bristol-city-of`, `St. Helens` is `st-helens`)."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold().replace("&", " and ").replace("'", "")).strip("-")


def current_councils(known: lait.Known) -> list[Council]:
    """The model's current councils, in its order, each with its name and region from LAIT's council list."""
    listed = known.councils.dropna(subset=["number"]).drop_duplicates("number").set_index("number")
    missing = [number for number in known.current if number not in listed.index]
    if missing:
        raise LaitImportError(f"{lait.COUNCILS} has no council numbered {', '.join(map(str, missing))}, "
                              f"which {lait.NEIGHBOURS} lists: the two files must come from the same LAIT release.")
    return [Council(number, str(listed.at[number, "name"]), str(listed.at[number, "region"]), known.neighbours[number])
            for number in known.current]


def committee_ids(councils: list[Council]) -> dict[int, str]:
    """Each council's committee id, `lait-<its name as a slug>`, checked to be allowed and distinct."""
    ids = {council.number: PREFIX + slug(council.name) for council in councils}
    for council in councils:
        try:
            check_committee_id(ids[council.number])
        except ParamsError:
            raise LaitImportError(f"{council.name} ({council.number}): its committee id {ids[council.number]!r} "
                                  f"is not allowed: {COMMITTEE_ID_RULE}.") from None
    seen: dict[str, Council] = {}
    for council in councils:
        other = seen.setdefault(ids[council.number], council)
        if other is not council:
            raise LaitImportError(f"{other.name} ({other.number}) and {council.name} ({council.number}) would both be "
                                  f"committee {ids[council.number]!r}.")
    return ids


def params_file(council: Council, committee: str, quarter: str, measures_file: Path) -> str:
    """params/lait-<council>.yaml: the council's report, from its dataset, for the latest quarter with figures."""
    settings = {
        "council": f"{council.name} (figures from the DfE's LAIT)",
        "committee_name": "Benchmarking from national data (LAIT)",
        "title": "Performance and Benchmarking Report",
        "dataset": f"{FOLDER.as_posix()}/{committee.removeprefix(PREFIX)}",
        "default_quarter": quarter,
        "region": lait.region_area(council.region),
        "scheme": {"name": "ragb"},
    }
    return (f"# {council.name} (LA number {council.number}): LAIT's measures in {measures_file.name}, written by\n"
            f"# `reporting import lait --all-councils` (do not edit: import again). {lait.OGL}\n"
            + yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, width=100))


def project_readme(councils: list[Council], ids: dict[int, str], measures, quarter: str, measures_file: Path,
                   national_rows: int) -> str:
    """data/lait/README.md of the project: what is here, how it was made, and why it is laid out so."""
    first = councils[0]
    return f"""# LAIT: every council

Written by `reporting import lait --all-councils` from the Department for Education's Local
Authority Interactive Tool (LAIT) files ({lait.SOURCE_LINK}). Do not edit by hand: import again
(with `--force` to replace what is here).

- **Councils:** {len(councils)}, every current council in {NEIGHBOUR_MODEL} (the councils it lists
  under "Old SNs", replaced since, get no report; their figures stay in `{NATIONAL}`).
- **Measures:** {len(measures)}, listed in `{measures_file.name}`: {", ".join(measures)}.
- **Quarter:** each committee's `default_quarter` is {quarter}, the quarter of the latest figure of any
  council, so every council's report is for the same quarter.

## What is where

| path | what it holds |
| --- | --- |
| `params/{PREFIX}<council>.yaml` | one committee a council, e.g. `params/{ids[first.number]}.yaml` for {first.name} |
| `data/lait/<council>/` | that council's dataset: `indicators.yaml`, `observations.csv` (its figures, England's, its region's and its ten statistical neighbours' mean), `README.md` (every choice the import made), `benchmarks.yaml` (the council, its neighbours, and `national: ../{NATIONAL}`) |
| `data/lait/{NATIONAL}` | every council's figure for each measure and year ({national_rows} rows), written once and shared by every dataset |
| `notebooks/` | the report and paper notebooks |

`reporting run --all --project <this project>` publishes every council's report and paper in
`outputs/<quarter>/{PREFIX}<council>/`. No commentary is needed: a report without it says so, and
the run warns.

## Why a dataset for each council, sharing one national table

The data contract is one row per indicator and period: a dataset is about one place, and its
`stat_neighbour_mean`, `england_mean` and `regional_mean` are that place's comparators (each
council has its own ten neighbours and its own region). One shared dataset for every council
would need an area column, and a filter on it in every report, that the contract does not have.
So each council is a committee of its own, with its own small dataset ({len(councils)} folders of
about 60 KB). Each report then reads, checks and hashes into its manifest only its own council's
figures; importing again changes only the datasets whose figures changed; and a council's folder,
with the national table beside it, can be copied into a project of its own and published alone.

What is the same for every council is not repeated: the national table ({national_rows} rows)
is one file, named by each `benchmarks.yaml` as `../{NATIONAL}`, rather than {len(councils)} copies of it.
Each report reads it, and keeps its own measures' rows, to rank the council among all councils.

## Licence

{LICENCE}
"""


def import_all_councils(source: str | Path, measures_file: str | Path, project: str | Path, force: bool = False) -> AllCouncils:
    """Write a project with every current council's committee, dataset and params (see the module's notes)."""
    source, measures_file, project = Path(source), Path(measures_file), Path(project)
    folder = project / FOLDER
    if folder.resolve() == source.resolve():
        raise LaitImportError(f"{project} is the project LAIT's files are in ({source}): its data/lait/ would mix the "
                              "councils' datasets with LAIT's files. Give --project a folder of its own, e.g. ../lait-all.")
    measures = lait.read_measures(measures_file)
    known = lait.read_councils(source)
    councils = current_councils(known)
    ids = committee_ids(councils)
    datasets = {number: folder / committee.removeprefix(PREFIX) for number, committee in ids.items()}
    targets = [folder / NATIONAL, folder / "README.md",
               *(project / "params" / f"{ids[c.number]}.yaml" for c in councils),
               *(datasets[c.number] / name for c in councils for name in DATASET_FILES)]
    existing = [path for path in targets if path.exists() or path.is_symlink()]
    if existing and not force:
        shown = ", ".join(str(path) for path in existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        raise LaitImportError(f"{project} already holds {shown}; use --force to replace them.")
    notebooks, notebooks_from = _notebooks(project, source)

    dictionary = lait.read_dictionary(source, measures)
    figures = lait.read_figures(source, measures)  # the long parquet, read once
    tables = lait.observations_by_council(figures, dictionary, measures, councils)
    found = {c.name: set(tables[c.number]["indicator_id"].unique()) for c in councils}
    empty = {name: [code for code in measures if code not in codes] for name, codes in found.items()}
    empty = {name: codes for name, codes in empty.items() if codes}
    if empty:
        listed = "; ".join(f"{name}: {', '.join(codes)}" for name, codes in list(empty.items())[:5])
        raise LaitImportError(f"LAIT has no figures for {len(empty)} councils for some measures ({listed}): "
                              f"leave those measures out of {measures_file}.")
    latest = max(table["period_end"].max() for table in tables.values())
    quarter = Quarter.containing(latest).id
    national = lait.national(figures, dictionary, known.councils)
    names = dict(zip(known.councils["number"].dropna().astype(int), known.councils["name"].astype(str)))
    # The catalogue is the same for every council but for its committee tag: written once, tagged for each.
    entries = yaml.safe_dump(lait.catalogue(dictionary, measures, PLACEHOLDER), sort_keys=False, allow_unicode=True, width=100)
    tag = f"\n  - {PLACEHOLDER}\n"
    if entries.count(tag) != len(measures):
        raise RuntimeError("the catalogue's committee tags are not where they were expected")  # a plain id never moves
    upstream = f"../{NATIONAL}"
    files: dict[Path, str] = {folder / NATIONAL: national.to_csv(index=False, lineterminator="\n"),
                              folder / "README.md": project_readme(councils, ids, measures, quarter, measures_file, len(national))}
    for council in councils:
        committee, dataset, table = ids[council.number], datasets[council.number], tables[council.number]
        header = (f"# {council.name}: LAIT measures, written by `reporting import lait` (do not edit: import again).\n"
                  f"# {LICENCE}\n")
        files[project / "params" / f"{committee}.yaml"] = params_file(council, committee, quarter, measures_file)
        files[dataset / "indicators.yaml"] = header + entries.replace(tag, f"\n  - {committee}\n")
        files[dataset / "observations.csv"] = table.to_csv(index=False, lineterminator="\n", float_format=None)
        files[dataset / "README.md"] = lait.readme(council, measures, dictionary, table, measures_file, upstream)
        files[dataset / "benchmarks.yaml"] = lait.benchmarks_file(council, names, dictionary, upstream)
    files.update(notebooks)
    written = write_files(files)
    return AllCouncils(project, tuple(ids[c.number] for c in councils), quarter, tuple(written), notebooks_from)


def _notebooks(project: Path, source: Path) -> tuple[dict[Path, str], Path | None]:
    """The notebooks to copy into the project: none when it has a notebooks/ folder of its own; else the
    report and paper notebooks of the project LAIT's files are in."""
    if (project / "notebooks").is_dir():
        return {}, None
    origin = enclosing_project(source)
    found = origin / "notebooks" if origin is not None else None
    if found is None or not all((found / name).is_file() for name in NOTEBOOKS):
        raise LaitImportError(f"{project} has no notebooks/ folder, and LAIT's folder {source} is not in a project that "
                              f"has one with {' and '.join(NOTEBOOKS)} to copy: copy the notebooks/ folder into {project} "
                              "first, then import again.")
    return {project / "notebooks" / path.name: path.read_text(encoding="utf-8") for path in sorted(found.glob("*.ipynb"))}, found


def summary(result: AllCouncils) -> str:
    """What the command prints: how many committees, where, and how to publish them."""
    copied = f"; copied the notebooks from {result.notebooks_from}" if result.notebooks_from else ""
    return (f"Wrote {len(result.committees)} committees ({result.committees[0]} to {result.committees[-1]}) into "
            f"{result.project}: params/{PREFIX}*.yaml, {FOLDER.as_posix()}/<council>/ and {FOLDER.as_posix()}/{NATIONAL}"
            f"{copied}. Each reports {result.quarter} by default; publish them all with "
            f"`reporting run --all --project {result.project}`.")

