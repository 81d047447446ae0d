"""The corpus of hostile and broken inputs that must be refused: each breaks one file of the small
committee in one way. A case names what it breaks, how, the exit status expected, words the message
must contain (file, row or key, value, what was expected) and words it must never contain.

`SECRET` stands in for the lines of a file an input should never have been able to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from .project import COMMITTEE, QUARTER, catalogue, observations, params, write_csv, write_yaml

SECRET = "SECRET-LINE-e91c"
PYTHON_WORDS = ("Traceback", "EmptyDataError", "UnicodeDecodeError", "ParserError", "KeyError", "TypeError",
                "AttributeError", "unexpected ", "field_uniqueness", "ScannerError", "ComposerError", SECRET)


@dataclass(frozen=True)
class Case:
    name: str
    breaks: Callable[[Path], None]
    says: tuple[str, ...]  # every one of these appears in what the command printed
    status: int = 1
    argv: tuple[str, ...] = ()  # extra arguments, or a whole command when it starts with a command name
    environment: dict = field(default_factory=dict)


def data(root: Path) -> Path:
    return root / "data" / COMMITTEE


def catalogue_text(root: Path, text: str | bytes) -> None:
    path = data(root) / "indicators.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def with_entry(change: Callable[[list[dict]], None]) -> Callable[[Path], None]:
    """Break the catalogue by changing its entries."""
    def breaks(root: Path) -> None:
        entries = catalogue()
        change(entries)
        write_yaml(data(root) / "indicators.yaml", entries)
    return breaks


def catalogue_line(old: str, new: str) -> Callable[[Path], None]:
    """Break the catalogue by rewriting its text (for YAML as a person would type it)."""
    def breaks(root: Path) -> None:
        path = data(root) / "indicators.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return breaks


def observations_text(text: str | bytes) -> Callable[[Path], None]:
    def breaks(root: Path) -> None:
        path = data(root) / "observations.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return breaks


def observation_cell(row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of observations.csv; `row` counts data rows from 0 (the user's row is row + 2)."""
    def breaks(root: Path) -> None:
        rows = observations()
        rows[row][column] = value
        write_csv(data(root) / "observations.csv", rows)
    return breaks


def params_change(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def breaks(root: Path) -> None:
        settings = params()
        change(settings)
        write_yaml(root / "params" / f"{COMMITTEE}.yaml", settings)
    return breaks


def params_text(text: str) -> Callable[[Path], None]:
    def breaks(root: Path) -> None:
        (root / "params" / f"{COMMITTEE}.yaml").write_text(text, encoding="utf-8")
    return breaks


def commentary_text(text: str | bytes) -> Callable[[Path], None]:
    def breaks(root: Path) -> None:
        path = root / "commentary" / COMMITTEE / f"{QUARTER}.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return breaks


def secret_outside(root: Path, name: str = "secret.txt", text: str | None = None) -> Path:
    """A file outside the project that no input may read."""
    path = root.parent / f"outside-{root.name}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else f"{SECRET}\npassword: hunter2\n", encoding="utf-8")
    return path


def symlink_outside(relative: str, content: str | None = None) -> Callable[[Path], None]:
    """Replace a project file by a symlink to a secret file outside the project."""
    def breaks(root: Path) -> None:
        target = root / relative
        secret = secret_outside(root, Path(relative).name, content)
        target.unlink()
        target.symlink_to(secret)
    return breaks


def replace_by_folder(relative: str) -> Callable[[Path], None]:
    def breaks(root: Path) -> None:
        path = root / relative
        path.unlink()
        path.mkdir()
    return breaks


def xlsx_observations(formula_without_value: bool = False, sheet: str = "observations") -> Callable[[Path], None]:
    def breaks(root: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        table = book.active
        table.title = sheet
        rows = observations()
        columns = ["indicator_id", "period_end", "value", "target"]
        table.append(columns)
        for row in rows:
            table.append([row.get(c) for c in columns])
        if formula_without_value:
            table["C4"] = "=C3*2"  # openpyxl writes formulas with no saved result
        book.save(data(root) / "observations.xlsx")
        (data(root) / "observations.csv").unlink()
    return breaks


BOMB = """- id: A1
  title: t
  direction: higher
  unit: percent
  status: target
  description: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  calculation: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  numerator: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  denominator: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  sources: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  links: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  committees: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""
HEADER = "indicator_id,period_end,period_label,value,target,stat_neighbour_mean,england_mean,regional_mean,note\n"
CSV_ROWS = "".join(f"A1,{m},,{80 + i},85,,,,\nB2,{m},,{50 - i},45,,,,\nC3,{m},,{1200 + i},,,,,\n"
                   for i, m in enumerate(["2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30", "2023-12-31"]))
OBS = "observations.csv"
CAT = "indicators.yaml"
PAR = f"{COMMITTEE}.yaml"
COM = f"{QUARTER}.yaml"


def _two_of_each(entries):
    import copy

    entries.append(copy.deepcopy(entries[0]))


CASES = [
    # --- the catalogue, indicators.yaml -------------------------------------------------------
    Case("catalogue alias bomb", lambda r: catalogue_text(r, BOMB), (CAT, "line", "anchors and aliases")),
    Case("catalogue too big", lambda r: catalogue_text(r, "# " + "x" * 300_000 + "\n" + yaml.safe_dump(catalogue())),
         (CAT, "MB", "REPORTING_MAX_YAML_MB"), environment={"REPORTING_MAX_YAML_MB": "0.1"}),
    Case("catalogue id 010 read as 8", catalogue_line("id: A1", "id: 010"), (CAT, "010", "8", "quotes")),
    Case("catalogue id yes read as true", catalogue_line("id: A1", "id: yes"), (CAT, "yes", "quotes")),
    Case("catalogue id 0x1A read as 26", catalogue_line("id: A1", "id: 0x1A"), (CAT, "0x1A", "26", "quotes")),
    Case("catalogue id 1.50 read as 1.5", catalogue_line("id: A1", "id: 1.50"), (CAT, "1.50", "1.5", "quotes")),
    Case("catalogue title is a list", with_entry(lambda e: e[0].update(title=["a", "b"])), (CAT, "entry 1", "title", "text")),
    Case("catalogue title is a mapping", with_entry(lambda e: e[1].update(title={"x": 1})), (CAT, "entry 2", "title", "text")),
    Case("catalogue description is a mapping", with_entry(lambda e: e[0].update(description={"a": "b"})), (CAT, "entry 1", "description")),
    Case("catalogue source is a mapping", with_entry(lambda e: e[0].update(sources=[{"a": "b"}])), (CAT, "entry 1", "sources")),
    Case("catalogue duplicate id", with_entry(_two_of_each), (CAT, "entry 4", "id", "A1", "entry 1")),
    Case("catalogue link to javascript", with_entry(lambda e: e[0].update(links=[{"title": "x", "url": "javascript:alert(1)"}])),
         (CAT, "entry 1", "javascript:alert(1)", "http")),
    Case("catalogue link to a local file", with_entry(lambda e: e[0].update(links=[{"title": "x", "url": "/etc/passwd"}])),
         (CAT, "entry 1", "/etc/passwd", "http")),
    Case("catalogue link to file:", with_entry(lambda e: e[0].update(links=[{"title": "x", "url": "file:///etc/passwd"}])),
         (CAT, "entry 1", "file:///etc/passwd", "http")),
    Case("catalogue python tag", catalogue_line("title: Percentage", "title: !!python/object/apply:os.system ['echo pwned'] #"),
         (CAT, "line")),
    Case("catalogue invalid YAML is not echoed", lambda r: catalogue_text(r, f"- id: A1\n  title: [{SECRET}\n  x: : :\n"),
         (CAT, "line")),
    Case("catalogue not UTF-8", lambda r: catalogue_text(r, yaml.safe_dump(catalogue()).encode("utf-8") + "# £5\n".encode("latin-1")),
         (CAT, "UTF-8")),
    Case("catalogue empty", lambda r: catalogue_text(r, ""), (CAT,)),
    Case("catalogue is a folder", replace_by_folder(f"data/{COMMITTEE}/{CAT}"), (CAT,)),
    Case("catalogue symlink outside the project", symlink_outside(f"data/{COMMITTEE}/{CAT}"), (CAT, "outside")),
    Case("catalogue unknown direction", with_entry(lambda e: e[0].update(direction="up")), (CAT, "entry 1", "direction", "up", "higher")),
    Case("catalogue decimals 7", with_entry(lambda e: e[0].update(decimals=7)), (CAT, "entry 1", "decimals", "0 to 4")),
    # --- observations.csv ------------------------------------------------------------------
    Case("period_end year only", observation_cell(3, "period_end", "2023"), (OBS, "row 5", "period_end", "2023", "YYYY-MM-DD")),
    Case("period_end year and month", observation_cell(4, "period_end", "2023-12"), (OBS, "row 6", "period_end", "2023-12", "YYYY-MM-DD")),
    Case("period_end impossible date", observation_cell(0, "period_end", "2023-02-30"), (OBS, "row 2", "period_end", "2023-02-30")),
    Case("value inf", observation_cell(2, "value", "inf"), (OBS, "row 4", "value", "inf", "finite")),
    Case("value -inf", observation_cell(2, "value", "-inf"), (OBS, "row 4", "value", "-inf", "finite")),
    Case("value 1e309 overflows", observation_cell(5, "value", "1e309"), (OBS, "row 7", "value", "1e309", "finite")),
    Case("value nan", observation_cell(1, "value", "nan"), (OBS, "row 3", "value", "nan")),
    Case("target Infinity", observation_cell(0, "target", "Infinity"), (OBS, "row 2", "target", "Infinity", "finite")),
    Case("comparator -inf", observation_cell(17, "england_mean", "-inf"), (OBS, "row 19", "england_mean", "finite")),
    Case("header and no rows", observations_text(HEADER), (OBS, "no rows")),
    Case("empty file", observations_text(b""), (OBS, "empty")),
    Case("only a byte-order mark", observations_text("\ufeff"), (OBS, "empty")),
    Case("UTF-16", observations_text((HEADER + CSV_ROWS).encode("utf-16")), (OBS, "UTF-16", "CSV UTF-8")),
    Case("Latin-1 pound sign", observations_text((HEADER + CSV_ROWS + "A1,2023-06-30,£ June,1,,,,,\n").encode("latin-1")),
         (OBS, "UTF-8", "0xa3")),
    Case("semicolons", observations_text((HEADER + CSV_ROWS).replace(",", ";")), (OBS, "semicolon")),
    Case("tabs", observations_text((HEADER + CSV_ROWS).replace(",", "\t")), (OBS, "tab")),
    Case("ragged row", observations_text(HEADER + CSV_ROWS + "A1,2023-06-30,Jun,1,2,3,4,5,note,extra,more\n"),
         (OBS, "row 20", "11 cells", "9")),
    Case("observations is a folder", replace_by_folder(f"data/{COMMITTEE}/{OBS}"), (OBS,)),
    Case("observations too big", observations_text(HEADER + CSV_ROWS * 2000), (OBS, "MB", "REPORTING_MAX_DATA_MB"),
         environment={"REPORTING_MAX_DATA_MB": "0.1"}),
    Case("unknown indicator", observation_cell(0, "indicator_id", "Z9"), (OBS, "row 2", "indicator_id", "Z9", "indicators.yaml")),
    Case("percentage of 150", observation_cell(0, "value", "150"), (OBS, "row 2", "value", "150", "between 0 and 100")),
    Case("two figures for one month", observation_cell(3, "period_end", "2023-07-31"), (OBS, "row 5", "already has a value", "row 2")),
    Case("n/a typed in a value", observation_cell(0, "value", "n/a"), (OBS, "row 2", "value", "n/a", "empty")),
    Case("xlsx formula with no saved result", xlsx_observations(formula_without_value=True), ("observations.xlsx", "C4", "formula")),
    Case("xlsx without an observations sheet", xlsx_observations(sheet="Sheet1"), ("observations.xlsx", "observations", "Sheet1")),
    Case("xlsx that is not a spreadsheet", lambda r: ((data(r) / OBS).unlink(), (data(r) / "observations.xlsx").write_text("hello")),
         ("observations.xlsx",)),
    Case("parquet that is not parquet", lambda r: ((data(r) / OBS).unlink(), (data(r) / "observations.parquet").write_text("hello")),
         ("observations.parquet",)),
    Case("two observations files", lambda r: (data(r) / "observations.parquet").write_text("x"), ("more than one observations file",)),
    Case("observations symlink outside the project", symlink_outside(f"data/{COMMITTEE}/{OBS}", HEADER + CSV_ROWS + f"A1,2023-06-30,{SECRET},1,,,,,\n"),
         (OBS, "outside")),
    # --- params -----------------------------------------------------------------------------
    Case("params alias bomb", params_text("council: &a [x,x,x,x,x,x,x,x]\ncommittee_name: &b [*a,*a,*a,*a,*a,*a,*a,*a]\n"
                                          "title: [*b,*b,*b,*b,*b,*b,*b,*b]\ndataset: data/hostile\n"), (PAR, "anchors and aliases")),
    Case("params council is a list", params_change(lambda p: p.update(council=["a", "b"])), (PAR, "council", "text")),
    Case("params background is a mapping", params_change(lambda p: p["paper"].update(background={"a": 1})), (PAR, "background")),
    Case("params contact is text", params_change(lambda p: p.update(contact="call us")), (PAR, "contact")),
    Case("params dataset outside the project", params_change(lambda p: p.update(dataset="../../..")), (PAR, "dataset", "../../..", "inside the project")),
    Case("params dataset absolute", params_change(lambda p: p.update(dataset="/etc")), (PAR, "dataset", "/etc", "inside the project")),
    Case("params notebook outside notebooks/", params_change(lambda p: p.update(notebook="/tmp/evil.ipynb")), (PAR, "notebook", "/tmp/evil.ipynb", "notebooks")),
    Case("params notebook climbing out", params_change(lambda p: p.update(notebook="notebooks/../../evil.ipynb")), (PAR, "notebook", "notebooks")),
    Case("params paper notebook elsewhere", params_change(lambda p: p["paper"].update(notebook="data/x.ipynb")), (PAR, "paper.notebook", "notebooks")),
    Case("params indicator 010 read as 8", params_text(yaml.safe_dump(params()).replace("- A1", "- 010")), (PAR, "010", "8", "quotes")),
    Case("params unknown setting", params_change(lambda p: p.update(colour="red")), (PAR, "colour", "not a known setting")),
    Case("params meeting date not a date", params_change(lambda p: p["paper"].update(meeting_date="31/12/2023")), (PAR, "meeting_date", "31/12/2023", "YYYY-MM-DD")),
    Case("params officer email a javascript: URL", params_change(lambda p: p["paper"].update(officer_contact={"name": "A", "email": "javascript:alert(1)"})),
         (PAR, "paper.officer_contact.email", "javascript:alert(1)", "not an email address")),
    Case("params officer email with a display name", params_change(lambda p: p["paper"].update(officer_contact={"name": "A", "email": "A <a@example.gov.uk>"})),
         (PAR, "paper.officer_contact.email", "A <a@example.gov.uk>", "not an email address")),
    Case("params officer contact is text", params_change(lambda p: p["paper"].update(officer_contact="ring Alex")), (PAR, "paper.officer_contact", "name:")),
    Case("params officer phone 01234567 read as a number", params_text(
        yaml.safe_dump({**params(), "paper": {**params()["paper"], "officer_contact": {"name": "A", "phone": "01234567"}}})
        .replace("'01234567'", "01234567")), (PAR, "paper.officer_contact.phone", "01234567", "quotes")),
    Case("params key decision neither yes nor no", params_change(lambda p: p["paper"].update(key_decision="maybe")), (PAR, "paper.key_decision", "maybe", "yes or no")),
    Case("params recommendation is a list", params_change(lambda p: p["paper"].update(recommendation=["note", "act"])), (PAR, "paper.recommendation", "text")),
    Case("params two ratings with one word", params_change(lambda p: p.update(scheme={"name": "ragb", "labels": {"Red": "Off track", "Amber": " off track"}})),
         (PAR, "scheme.labels.Amber", "Off track", "a word of its own")),
    Case("params unknown scheme", params_change(lambda p: p.update(scheme={"name": "traffic-lights"})), (PAR, "traffic-lights")),
    Case("params invalid YAML is not echoed", params_text(f"council: [{SECRET}\ncommittee_name: x: y\n"), (PAR, "line")),
    Case("params symlink outside the project", symlink_outside(f"params/{PAR}", f"council: {SECRET}\ncommittee_name: x\ndataset: data/hostile\n"),
         (PAR, "outside")),
    # --- commentary -------------------------------------------------------------------------
    Case("commentary alias bomb", commentary_text('A1: &a {commentary: "lol lol lol lol"}\nB2: *a\n'), (COM, "anchors and aliases")),
    Case("commentary symlink to a secret", symlink_outside(f"commentary/{COMMITTEE}/{COM}"), (COM, "outside")),
    Case("commentary key 010 read as 8", commentary_text("010:\n  commentary: text\n"), (COM, "010", "8", "quotes")),
    Case("commentary invalid YAML is not echoed", commentary_text(f"A1:\n  commentary: [{SECRET}\n  actions: : :\n"), (COM, "line")),
    Case("commentary not UTF-8", commentary_text("A1:\n  commentary: £5 spent\n".encode("latin-1")), (COM, "UTF-8")),
    Case("commentary entry is a list", commentary_text("A1: [a, b]\n"), (COM, "A1", "commentary")),
    # --- the command line -------------------------------------------------------------------
    Case("committee id climbing out", lambda r: None, ("../../x", "committee"), status=2, argv=("--committee-override", "../../x")),
    Case("committee id with capitals", lambda r: None, ("Hostile", "committee"), status=2, argv=("--committee-override", "Hostile")),
    Case("committee id with a slash", lambda r: None, ("a/b", "committee"), status=2, argv=("--committee-override", "a/b")),
    Case("quarter not a quarter", lambda r: None, ("2023-Q3",), status=2, argv=("--quarter-override", "2023-Q3")),
    Case("commentary new outside the project", lambda r: None, ("../../x", "committee"), status=2,
         argv=("commentary", "new", "--committee", "../../x", "--quarter", QUARTER)),
]
