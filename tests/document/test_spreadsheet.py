"""kpis.xlsx: the figures as an accessible spreadsheet (cover, contents, notes, one table), read back
with openpyxl as a reader's spreadsheet program would see them."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import reporting
from reporting.errors import ReportingError
from reporting.params import CommitteeParams
from reporting.measures.ratings import scheme_config
from reporting.document.spreadsheet import write_kpis_xlsx
from support import PROJECT

SHEETS = ["Cover", "Contents", "Notes", "KPIs"]


def small_kpis() -> pd.DataFrame:
    """Three KPIs: one rated (renamed Blue), one contextual and not updated, one with no data at all."""
    return pd.DataFrame({
        "indicator_id": ["A1", "A2", "A3"],
        "title": ["Share of plans on time", "Early help cases open", "Pupils meeting the new measure"],
        "period_label": ["Dec 2023", "Sep 2023", None],
        "period_end": pd.to_datetime(["2023-12-31", "2023-09-30", None]),
        "current": [36.04, 1210.0, np.nan],
        "previous": [32.3, np.nan, np.nan],
        "target": [20.0, np.nan, np.nan],
        "direction": ["higher", "lower", "higher"],
        "rating": ["Exceeding target", "Contextual", "Not rated"],
        "change": ["Improving", "", ""],
        "stat_neighbour_mean": [21.3, np.nan, np.nan],
        "england_mean": [np.nan, 1300.5, np.nan],
        "regional_mean": [19.0, np.nan, np.nan],
        "updated_this_quarter": [True, False, False],
        "unit": ["percent", "number", "percent"],
        "decimals": [1, 0, 1],
        "status": ["target", "contextual", "target"],
        "previous_period_label": ["Nov 2023", None, None],
        "deviation": [0.802, np.nan, np.nan],
        "note": [None, "Data due in May", None],
        "sources": [["Department for Education", "Council records"], None, None],
    })


@pytest.fixture
def params(tmp_path) -> CommitteeParams:
    return CommitteeParams(
        id="test-committee",
        council="Test County Council",
        committee_name="Test Committee",
        dataset=tmp_path,
        scheme=scheme_config({"name": "ragb", "labels": {"Blue": "Exceeding target"}}),
        source=tmp_path / "params" / "test-committee.yaml",
        contact={"team": "Performance Team", "email": "performance@example.gov.uk"},
        region="North East",
    )


@pytest.fixture
def workbook(tmp_path, params) -> openpyxl.Workbook:
    path = write_kpis_xlsx(small_kpis(), params, "2023-24-Q3", "2024-03-04", tmp_path / "kpis.xlsx")
    return openpyxl.load_workbook(path)


def table_rows(ws, name: str) -> list[dict]:
    """The rows of an Excel table on a sheet, as {header: cell}, found by the table's own range."""
    rows = list(ws[ws.tables[name].ref])
    header = [c.value for c in rows[0]]
    return [dict(zip(header, row)) for row in rows[1:]]


def sheet_text(ws) -> list[str]:
    """Every text cell on a sheet, top to bottom."""
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def kpi_sheet(wb) -> dict[str, dict]:
    return {row["Indicator ID"].value: row for row in table_rows(wb["KPIs"], "kpi_figures")}


def notes(wb) -> dict[str, str]:
    return {row["Term"].value: row["Note text"].value for row in table_rows(wb["Notes"], "notes_table")}


def test_sheets_come_in_order_cover_contents_notes_table(workbook):
    assert workbook.sheetnames == SHEETS


def test_no_merged_cells_anywhere(workbook):
    for ws in workbook.worksheets:
        assert not ws.merged_cells.ranges, ws.title


def test_each_table_has_a_title_and_the_figures_a_source(workbook):
    for ws in workbook.worksheets:
        assert isinstance(ws["A1"].value, str) and ws["A1"].value.strip(), f"{ws.title} has no title in A1"
    assert workbook["KPIs"]["A1"].value == "Key performance indicators: Test Committee, Quarter 3, 2023/24"
    assert "Source: Test County Council, performance data for the Test Committee." in sheet_text(workbook["KPIs"])
    # Each table is a real Excel table with one plain header row.
    assert set(workbook["Contents"].tables) == {"contents_table"}
    assert set(workbook["Notes"].tables) == {"notes_table"}
    assert set(workbook["KPIs"].tables) == {"kpi_figures"}


def test_figures_are_numbers_shown_to_each_indicators_decimal_places(workbook):
    rows = kpi_sheet(workbook)
    a1, a2 = rows["A1"], rows["A2"]
    for column, expected in (("Current value", 36.04), ("Previous value", 32.3), ("Target", 20.0),
                             ("Statistical neighbour mean", 21.3), ("North East mean", 19.0)):
        assert a1[column].data_type == "n" and a1[column].value == pytest.approx(expected), column
        assert a1[column].number_format == "#,##0.0", column
    assert a1["Difference from target (per cent of target)"].value == pytest.approx(80.2)
    assert a2["Current value"].value == 1210 and a2["Current value"].number_format == "#,##0"
    assert a1["Period end"].is_date and a1["Period end"].value.date().isoformat() == "2023-12-31"


def test_missing_values_are_gss_shorthand_never_blank(workbook):
    rows = kpi_sheet(workbook)
    for row in rows.values():
        for header, cell in row.items():
            assert cell.value is not None and cell.value != "", f"{header} is blank"
    a2, a3 = rows["A2"], rows["A3"]
    assert a2["Target"].value == "[z]"  # contextual: no target by design
    assert a3["Target"].value == "[x]"  # a target applies but none was given
    assert a2["Previous value"].value == "[x]"
    assert a3["Current value"].value == "[x]" and a3["Period"].value == "[x]" and a3["Period end"].value == "[x]"
    assert a2["Change in performance"].value == "[x]"
    assert a2["Data note"].value == "Data due in May" and rows["A1"]["Data note"].value == "[z]"
    terms = notes(workbook)
    assert terms["[x]"].startswith("Not available") and terms["[z]"].startswith("Not applicable")


def test_ratings_and_changes_are_words_in_the_councils_own_labels(workbook):
    rows = kpi_sheet(workbook)
    assert [r["Rating"].value for r in rows.values()] == ["Exceeding target", "Contextual", "Not rated"]
    assert rows["A1"]["Change in performance"].value == "Improving"
    assert rows["A2"]["Updated this quarter"].value == "No" and rows["A1"]["Updated this quarter"].value == "Yes"
    assert rows["A2"]["Direction for improvement"].value == "Lower is better"
    terms = notes(workbook)
    assert terms["Exceeding target"] == "Better than target by more than 5%."
    assert terms["Red"] == "Off target by more than 10%."
    assert "Blue" not in terms
    assert terms["Contextual"].startswith("Tracks activity") and terms["Not rated"].startswith("A target applies")
    assert "not updated this quarter" in terms["Updated this quarter"]
    assert {"Statistical neighbour mean", "England mean", "North East mean"} <= set(terms)


def test_every_note_is_referred_to_from_the_figures_sheet(workbook):
    numbers = [row["Note number"].value for row in table_rows(workbook["Notes"], "notes_table")]
    assert numbers == list(range(1, len(numbers) + 1))
    text = " ".join(sheet_text(workbook["KPIs"]))
    for number in numbers:
        assert f"[note {number}]" in text


def test_cover_says_what_whose_when_and_who_to_ask(workbook):
    text = "\n".join(sheet_text(workbook["Cover"]))
    for expected in ("Council: Test County Council", "Committee: Test Committee",
                     "Quarter: Quarter 3, 2023/24 (October to December 2023)", "Produced on: 4 March 2024",
                     "This workbook holds the figures", "Team: Performance Team",
                     "Email: performance@example.gov.uk"):
        assert expected in text
    email = next(c for row in workbook["Cover"].iter_rows() for c in row if c.value == "Email: performance@example.gov.uk")
    assert email.hyperlink.target == "mailto:performance@example.gov.uk"
    contents = table_rows(workbook["Contents"], "contents_table")
    assert [r["Sheet name"].value for r in contents] == ["KPIs"]


def test_writing_twice_gives_identical_bytes_dated_by_the_produced_on_date(tmp_path, params):
    first = write_kpis_xlsx(small_kpis(), params, "2023-24-Q3", "2024-03-04", tmp_path / "first.xlsx")
    second = write_kpis_xlsx(small_kpis(), params, "2023-24-Q3", "2024-03-04", tmp_path / "second.xlsx")
    assert first.read_bytes() == second.read_bytes()
    core = zipfile.ZipFile(first).read("docProps/core.xml").decode()
    assert "2024-03-04T00:00:00Z" in core
    other_day = write_kpis_xlsx(small_kpis(), params, "2023-24-Q3", "2024-03-05", tmp_path / "third.xlsx")
    assert other_day.read_bytes() != first.read_bytes()


def test_missing_columns_are_named(tmp_path, params):
    with pytest.raises(ReportingError, match="lacks the columns rating, change"):
        write_kpis_xlsx(small_kpis().drop(columns=["rating", "change"]), params, "2023-24-Q3", "2024-03-04", tmp_path / "k.xlsx")


def test_no_kpis_says_where_to_list_them(tmp_path, params):
    with pytest.raises(ReportingError, match="no KPIs"):
        write_kpis_xlsx(small_kpis().iloc[0:0], params, "2023-24-Q3", "2024-03-04", tmp_path / "k.xlsx")


def test_an_unwritable_path_says_what_to_check(tmp_path, params):
    with pytest.raises(ReportingError, match="Check that the folder exists"):
        write_kpis_xlsx(small_kpis(), params, "2023-24-Q3", "2024-03-04", tmp_path / "no-such-folder" / "kpis.xlsx")


def test_exported_from_the_package():
    assert reporting.write_kpis_xlsx is write_kpis_xlsx


# End to end: the samples through the notebook, read back beside kpis.csv.


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    destination = tmp_path_factory.mktemp("project")
    for folder in ("params", "data", "notebooks", "commentary"):
        shutil.copytree(PROJECT / folder, destination / folder)
    return destination


@pytest.mark.e2e
def test_cambridgeshire_spreadsheet_has_the_same_figures_as_kpis_csv(project):
    result = reporting.run_committee("cambridgeshire-cyp", None, project, renderer="builtin", produced="2024-03-04")
    csv = pd.read_csv(result.output_dir / "kpis.csv", dtype={"indicator_id": str})
    wb = openpyxl.load_workbook(result.output_dir / "kpis.xlsx")
    assert wb.sheetnames == SHEETS
    rows = kpi_sheet(wb)
    assert list(rows) == list(csv["indicator_id"])
    for kpi in csv.itertuples(index=False):
        row = rows[kpi.indicator_id]
        for column, value in (("Current value", kpi.current), ("Previous value", kpi.previous), ("Target", kpi.target)):
            if pd.isna(value):
                assert row[column].value in ("[x]", "[z]"), (kpi.indicator_id, column)
            else:
                assert row[column].data_type == "n", (kpi.indicator_id, column)
                assert row[column].value == pytest.approx(value), (kpi.indicator_id, column)
        assert row["Rating"].value == kpi.rating
        assert row["Updated this quarter"].value == ("Yes" if kpi.updated_this_quarter else "No")
    assert rows["118"]["Rating"].value == "Blue" and rows["6"]["Target"].value == "[z]"
    assert "Produced on: 4 March 2024" in sheet_text(wb["Cover"])


@pytest.mark.e2e
def test_durham_spreadsheet_explains_the_dtcg_key(project):
    result = reporting.run_committee("durham-cyp", None, project, renderer="builtin", produced="2024-01-08")
    wb = openpyxl.load_workbook(result.output_dir / "kpis.xlsx")
    assert wb.sheetnames == SHEETS
    assert "Quarter: Quarter 2, 2023/24 (July to September 2023)" in sheet_text(wb["Cover"])
    assert any("D, T, C and G" in line for line in sheet_text(wb["Cover"]))
    terms = notes(wb)
    assert terms["Green"].startswith("D: meeting or exceeding 12 months earlier.")
    assert terms["Amber"] == "D, T or C: worse, but within 2%."
    assert terms["Improving / Same / Deteriorating"].startswith("G: the gap")
    assert terms["Overall"].startswith("A key target indicator takes its T judgement.")
    assert "North East mean" in terms
    rows = kpi_sheet(wb)
    d06 = rows["D06"]
    assert d06["Rating"].value == "Amber" and d06["Current value"].value == pytest.approx(94.8)
    for header in ("D: direction of travel", "T: against target", "C: against England", "G: gap to England"):
        assert d06[header].value in ("Green", "Amber", "Red", "Improving", "Same", "Deteriorating", "Not assessed")
