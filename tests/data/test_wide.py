"""`reporting import wide` and `reporting import catalogue`: a council's wide extract into a dataset."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from reporting import DataValidationError, draft_catalogue, read_wide
from reporting.cli import main
from reporting.data import load_dataset
from reporting.data.catalogue import load_catalogue
from reporting.data.wide import csv_text, observations_csv, parse_period
from reporting.document.escape import csv_cell

from support import copy_project


def wide_csv(folder: Path, text: str, name: str = "extract.csv", bom: bool = False) -> Path:
    """A wide extract written as UTF-8 (with a byte-order mark when `bom`)."""
    path = folder / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def problems(error: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in error.value.problems]


# Period headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("header, end, label, frequency", [
    ("Apr 2023", date(2023, 4, 30), "Apr 2023", "monthly"),
    ("  april 2023 ", date(2023, 4, 30), "Apr 2023", "monthly"),
    ("FEB 2024", date(2024, 2, 29), "Feb 2024", "monthly"),
    ("Sept 2023", date(2023, 9, 30), "Sep 2023", "monthly"),
    ("2023/24", date(2024, 3, 31), "2023/24", "annual"),
    ("2023-24", date(2024, 3, 31), "2023/24", "annual"),
    ("1999/00", date(2000, 3, 31), "1999/00", "annual"),
    ("Q1 2024/25", date(2024, 6, 30), "Q1 2024/25", "quarterly"),
    ("q2 2024/25", date(2024, 9, 30), "Q2 2024/25", "quarterly"),
    ("2024/25 Q3", date(2024, 12, 31), "Q3 2024/25", "quarterly"),
    ("2024-25 Q4", date(2025, 3, 31), "Q4 2024/25", "quarterly"),
    ("AY 2023/24", date(2024, 8, 31), "2023/24 (academic)", "academic_year"),
    ("2023", date(2023, 12, 31), "2023", "annual"),
    ("2023-12-31", date(2023, 12, 31), "Dec 2023", None),
    ("2023-12-15", date(2023, 12, 15), "15 Dec 2023", None),
    (datetime(2024, 1, 31), date(2024, 1, 31), "Jan 2024", None),
])
def test_each_accepted_header_form(header, end, label, frequency):
    period = parse_period(header)
    assert (period.end, period.label, period.frequency) == (end, label, frequency)


@pytest.mark.parametrize("header", ["Foo 2023", "2023/25", "2023-12", "Q5 2024/25", "2023-02-30", "AY 2023", "Apr 23", "title2"])
def test_headers_that_name_no_period(header):
    assert parse_period(header) is None


def test_a_wide_csv_becomes_observations_in_the_contract(tmp_path):
    path = wide_csv(tmp_path, 'id,title,Apr 2024,May 2024,Jun 2024\n116,Referrals,12.5,"1,234",45%\nK2,Other,,7,\n', bom=True)
    frame = read_wide(path)
    assert list(frame.columns) == ["indicator_id", "period_end", "period_label", "value", "note"]
    assert frame["indicator_id"].tolist() == ["116", "116", "116", "K2"]
    assert frame["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2024-04-30", "2024-05-31", "2024-06-30", "2024-05-31"]
    assert frame["period_label"].tolist() == ["Apr 2024", "May 2024", "Jun 2024", "May 2024"]
    assert frame["value"].tolist() == [12.5, 1234.0, 45.0, 7.0]  # an empty cell gives no row
    assert frame["note"].isna().all()


def test_suppression_codes_give_an_empty_value_and_a_note(tmp_path):
    codes = ["c", "x", "z", "low", "..", ":", "-", "*", "C"]
    header = ",".join(f"{2000 + i}" for i in range(len(codes)))
    path = wide_csv(tmp_path, f"id,{header}\nA,{','.join(codes)}\n")
    frame = read_wide(path)
    assert frame["value"].isna().all()
    assert frame["note"].tolist() == [f"suppressed: {c}" for c in codes]
    # The contract allows an empty value: the written file loads as a dataset.
    written = tmp_path / "ds"
    written.mkdir()
    (written / "observations.csv").write_text(observations_csv(frame), encoding="utf-8")
    (written / "indicators.yaml").write_text(draft_catalogue(path), encoding="utf-8")
    loaded = load_dataset(written).observations
    assert loaded["value"].isna().all() and loaded["note"].tolist() == [f"suppressed: {c}" for c in codes]


# Errors -----------------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once_with_file_row_column_and_value(tmp_path):
    path = wide_csv(tmp_path, (
        "id,title,Apr 2024,April 2024,Foo 2024,\n"
        "116,A,1,2,3,\n"
        "116,B,n/a,,,\n"
        ",C,1,,,\n"
        "K4,D,,,,\n"
        "K5,E,12..5,,,oops\n"
    ))
    with pytest.raises(DataValidationError) as error:
        read_wide(path)
    found = problems(error)
    name = str(path)
    assert f"{name}, row 1, column D: 'April 2024': the same period (Apr 2024, ending 2024-04-30) as column C (Apr 2024)" in found[0]
    assert found[1].startswith(f"{name}, row 1, column E: 'Foo 2024': not a period this import can read; write a month (Apr 2023")
    assert f"{name}, row 1, column F: this column has figures but no header" in found[2]
    assert f"{name}, row 3, column Apr 2024: 'n/a': a number, an empty cell, or a suppression code such as c or x" in found
    assert f"{name}, row 3, column id: '116': the id '116' is already used in row 2; keep one row per KPI" in found
    assert f"{name}, row 4, column id: a KPI id: this row has figures but no id" in found
    assert f"{name}, row 6, column Apr 2024: '12..5': a number, an empty cell, or a suppression code such as c or x" in found
    assert len(found) == 7


@pytest.mark.parametrize("text, expected", [
    ("", "is empty"),
    ("id,Apr 2024\n", "is empty"),
    ("\n\n", "is empty"),
    ("title,Apr 2024\nA,1\n", "no id column"),
    ("id,title\nA,B\n", "no period columns"),
    ("id,indicator_id,Apr 2024\nA,B,1\n", "a second id, title, unit or direction column"),
])
def test_file_level_problems(tmp_path, text, expected):
    with pytest.raises(DataValidationError, match=expected):
        read_wide(wide_csv(tmp_path, text))


def test_a_file_that_is_not_utf8_or_not_a_table_is_refused_by_name(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,Apr 2024\nCaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match="not UTF-8 text"):
        read_wide(latin)
    with pytest.raises(DataValidationError, match=r"must be a \.csv or \.xlsx"):
        read_wide(wide_csv(tmp_path, "id,2023\nA,1\n", name="extract.txt"))
    with pytest.raises(DataValidationError, match="more cells than the header"):
        read_wide(wide_csv(tmp_path, "id,2023\nA,1,2,3\n", name="ragged.csv"))


# Workbooks --------------------------------------------------------------------------------------


def workbook(path: Path, rows: list[list], sheet: str = "KPIs", first: str | None = None) -> Path:
    """An .xlsx written by openpyxl (so its formulas have no saved result), with `rows` on sheet `sheet`."""
    book = openpyxl.Workbook()
    if first:
        book.active.title = first
        book.active.append(["Cover note", None])
        book.active.append(["Prepared by", "the performance team"])
        target = book.create_sheet(sheet)
    else:
        target = book.active
        target.title = sheet
    for row in rows:
        target.append(row)
    book.save(path)
    return path


def test_an_xlsx_with_a_date_header_cell_and_a_named_sheet(tmp_path):
    path = workbook(tmp_path / "extract.xlsx", [
        ["id", "title", datetime(2024, 1, 31), "Feb 2024", "Q4 2023/24"],
        [116, "Referrals", 10, 11.5, "c"],
        ["K2", "Other", None, 3, 4],
    ], first="Cover")
    frame = read_wide(path, sheet="KPIs")
    assert frame["indicator_id"].tolist() == ["116", "116", "116", "K2", "K2"]
    assert frame["period_label"].tolist() == ["Jan 2024", "Feb 2024", "Q4 2023/24", "Feb 2024", "Q4 2023/24"]
    assert frame["period_end"].dt.strftime("%Y-%m-%d").tolist()[:3] == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert frame["note"].tolist()[2] == "suppressed: c"
    with pytest.raises(DataValidationError, match=r"row 1, column A: 'Cover note': not a period"):
        read_wide(path)  # the first sheet, the cover, by default
    with pytest.raises(DataValidationError, match=r"'Missing': no such sheet; the workbook has 'Cover', 'KPIs'"):
        read_wide(path, sheet="Missing")


def test_a_formula_with_no_saved_result_is_a_clear_error_naming_its_cell(tmp_path):
    path = workbook(tmp_path / "extract.xlsx", [["id", "Apr 2024", "May 2024"], ["A", 1, "=B2*2"]])
    with pytest.raises(DataValidationError) as error:
        read_wide(path)
    assert problems(error) == [
        f"{path}, row 2, column May 2024: '=B2*2': sheet KPIs, cell C2: a formula with no saved result (the file was "
        "written by a program and never saved in Excel); open the file in Excel and save it, or paste the values in "
        "place of the formulas"
    ]


def test_a_damaged_workbook_is_refused_in_words(tmp_path):
    path = tmp_path / "extract.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataValidationError, match="cannot be opened as an Excel workbook"):
        read_wide(path)


# Hostile text -----------------------------------------------------------------------------------

HOSTILE_TITLES = [
    'Quote " and \' and: colon # hash',
    "Two\nlines: - item",
    "{{< shortcode >}} and {{ jinja }}",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"https://example.org\",\"click\")",
    "- not a list",
    "&anchor *alias !!python/object:os.system",
]


def test_hostile_titles_round_trip_through_the_drafted_yaml(tmp_path):
    rows = "".join(f'K{i},"{t.replace(chr(34), chr(34) * 2)}",{i}\n' for i, t in enumerate(HOSTILE_TITLES))
    path = wide_csv(tmp_path, f"id,title,2023\n{rows}")
    text = draft_catalogue(path)
    entries = yaml.safe_load(text)
    assert [e["title"] for e in entries] == HOSTILE_TITLES
    assert [e["id"] for e in entries] == [f"K{i}" for i in range(len(HOSTILE_TITLES))]
    # The project's own reader (no anchors, aliases or tags) reads it too, each title as written.
    (tmp_path / "indicators.yaml").write_text(text, encoding="utf-8")
    assert load_catalogue(tmp_path / "indicators.yaml")["title"].tolist() == HOSTILE_TITLES


def test_ids_that_a_spreadsheet_would_run_as_formulas_are_refused(tmp_path):
    path = wide_csv(tmp_path, 'id,2023\n"=HYPERLINK(""x"")",1\n+1,2\n@SUM(A1),3\n')
    with pytest.raises(DataValidationError) as error:
        read_wide(path)
    assert [p.row for p in error.value.problems] == [2, 3, 4]
    assert all("does not start with = + - or @" in p.expected for p in error.value.problems)


def test_text_cells_written_to_csv_are_never_live_formulas():
    frame = pd.DataFrame({
        "indicator_id": ["=cmd|' /C calc'!A0", "A"], "period_end": pd.to_datetime(["2024-03-31", "2024-03-31"]),
        "period_label": ["+1", "@x"], "value": [1.0, None], "note": ["-2+3", "suppressed: c"],
    })
    rows = list(csv.reader(io.StringIO(observations_csv(frame))))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "2024-03-31", "'+1", "1", "'-2+3"]
    assert rows[2] == ["A", "2024-03-31", "'@x", "", "suppressed: c"]
    for text in ("=1", "+1", "-1", "@1", "\t1", "\r1", "ok", 1.5, None):
        assert csv_text(text) == csv_cell(text)  # the same rule as the published kpis.csv


# The catalogue draft ----------------------------------------------------------------------------


def test_the_draft_takes_title_unit_and_direction_from_columns_and_marks_guesses(tmp_path):
    path = wide_csv(tmp_path, (
        "id,title,unit,direction,Q1 2024/25,Q2 2024/25\n"
        '010,Given,rate,Lower,5,6\n'
        'P1,% on time,,sideways,45,50\n'
        'N1,,,,200,300\n'
    ))
    text = draft_catalogue(path)
    entries = yaml.safe_load(text)
    assert entries[0] == {"id": "010", "title": "Given", "direction": "lower", "unit": "rate", "status": "baseline", "frequency": "quarterly"}
    assert entries[1]["unit"] == "percent" and entries[1]["direction"] == "none"
    assert entries[2]["title"] == "TODO: title of KPI N1" and entries[2]["unit"] == "number"
    assert '- id: "010"' in text
    assert text.count("# TODO: direction") == 2 and text.count("# TODO: unit") == 2 and text.count("# TODO: the KPI's title") == 1


@pytest.mark.parametrize("headers, frequency", [
    ("Apr 2024,May 2024", "monthly"),
    ("2022/23,2023/24", "annual"),
    ("2022,2023", "annual"),
    ("AY 2022/23,AY 2023/24", "academic_year"),
    ("2024-03-31,2024-06-30", "quarterly"),
    ("Apr 2024,2023/24", None),
])
def test_the_draft_infers_frequency_from_the_headers(tmp_path, headers, frequency):
    text = draft_catalogue(wide_csv(tmp_path, f"id,{headers}\nA,1,2\n"))
    assert yaml.safe_load(text)[0].get("frequency") == frequency
    assert ("# TODO: frequency" in text) == (frequency is None)


# The command line -------------------------------------------------------------------------------


def test_import_commands_write_the_dataset_and_refuse_to_overwrite(tmp_path, capsys):
    path = wide_csv(tmp_path, "id,title,Apr 2024,May 2024\nA,First,1,2\n")
    dataset = tmp_path / "data" / "new"
    assert main(["import", "wide", str(path), "--dataset", str(dataset)]) == 0
    assert main(["import", "catalogue", str(path), "--dataset", str(dataset)]) == 0
    assert "Wrote" in capsys.readouterr().out
    observations = (dataset / "observations.csv").read_text(encoding="utf-8")
    assert observations.splitlines()[:2] == ["indicator_id,period_end,period_label,value,note", "A,2024-04-30,Apr 2024,1,"]
    catalogue = (dataset / "indicators.yaml").read_bytes()
    for kind in ("wide", "catalogue"):
        assert main(["import", kind, str(path), "--dataset", str(dataset)]) == 1
        assert "already exists, so it was left as it is; add --force to replace it" in capsys.readouterr().err
    path.write_text("id,title,Apr 2024,May 2024\nA,Renamed,3,4\n", encoding="utf-8")
    assert main(["import", "wide", str(path), "--dataset", str(dataset), "--force"]) == 0
    assert main(["import", "catalogue", str(path), "--dataset", str(dataset), "--force"]) == 0
    assert "A,2024-04-30,Apr 2024,3," in (dataset / "observations.csv").read_text(encoding="utf-8")
    assert (dataset / "indicators.yaml").read_bytes() != catalogue
    assert sorted(p.name for p in dataset.iterdir()) == ["indicators.yaml", "observations.csv"]  # no temporary files left


def test_a_failed_import_leaves_the_earlier_file_as_it_was(tmp_path, capsys):
    dataset = tmp_path / "ds"
    dataset.mkdir()
    earlier = "indicator_id,period_end,value\nA,2024-03-31,1\n"
    (dataset / "observations.csv").write_text(earlier, encoding="utf-8")
    bad = wide_csv(tmp_path, "id,Apr 2024\nA,lots\n")
    assert main(["import", "wide", str(bad), "--dataset", str(dataset), "--force"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("FAILED: The data has 1 problem") and f"{bad}, row 2, column Apr 2024: 'lots'" in err
    assert "Traceback" not in err
    assert (dataset / "observations.csv").read_text(encoding="utf-8") == earlier
    assert [p.name for p in dataset.iterdir()] == ["observations.csv"]


def test_a_missing_extract_is_an_error_not_a_traceback(tmp_path, capsys):
    assert main(["import", "wide", str(tmp_path / "nowhere.csv"), "--dataset", str(tmp_path / "ds")]) == 1
    assert "nowhere.csv: no such file" in capsys.readouterr().err


# The round trip ---------------------------------------------------------------------------------

ROUND_TRIP = (
    "id,title,Apr 2024,May 2024,Jun 2024,Jul 2024,Aug 2024,Sep 2024\n"
    "RT1,Percentage of round-trip assessments on time (%),71.5,72.25,73.5,74.75,76.125,77.375\n"
    "RT2,Number of round-trip referrals,1201,1187,c,1213,1222,1239\n"
    "RT3,Round-trip rate per 10000,31.5,32.5,33.5,,35.5,36.5\n"
)


@pytest.mark.e2e
def test_round_trip_import_then_publish(tmp_path, capsys):
    project = copy_project(tmp_path / "project")
    extract = wide_csv(tmp_path, ROUND_TRIP)
    dataset = project / "data" / "round-trip"
    assert main(["import", "wide", str(extract), "--dataset", str(dataset)]) == 0
    assert main(["import", "catalogue", str(extract), "--dataset", str(dataset)]) == 0
    # The analyst completes the draft: a direction for each KPI, the units checked, the TODO lines gone.
    entries = yaml.safe_load((dataset / "indicators.yaml").read_text(encoding="utf-8"))
    assert [e["unit"] for e in entries] == ["percent", "number", "number"]
    completed = {"RT1": ("higher", "percent"), "RT2": ("none", "number"), "RT3": ("lower", "rate")}
    for entry in entries:
        entry["direction"], entry["unit"] = completed[entry["id"]]
    (dataset / "indicators.yaml").write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True), encoding="utf-8")
    params = yaml.safe_load((project / "params" / "synthetic-demo.yaml").read_text(encoding="utf-8"))
    params |= {"committee_name": "Round Trip Committee", "dataset": "data/round-trip", "default_quarter": "2024-25-Q2"}
    (project / "params" / "round-trip.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")

    assert main(["run", "--committee", "round-trip", "--project", str(project), "--renderer", "builtin",
                 "--produced-on", "2024-10-15", "--jobs", "1"]) == 0, capsys.readouterr().err
    published = project / "outputs" / "2024-25-Q2" / "round-trip"
    kpis = pd.read_csv(published / "kpis.csv", dtype={"indicator_id": str})
    assert kpis["indicator_id"].tolist() == ["RT1", "RT2", "RT3"]
    assert kpis["current"].tolist() == [77.375, 1239, 36.5]
    assert kpis["previous"].tolist() == [76.125, 1222, 35.5]
    assert kpis["period_label"].tolist() == ["Sep 2024"] * 3
    report = (published / "report.html").read_text(encoding="utf-8")
    for shown in ("Percentage of round-trip assessments on time (%)", "Number of round-trip referrals", "1,239", "36.5", "77.4"):
        assert shown in report, shown
