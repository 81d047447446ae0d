"""Observations files that cannot be read as meant are refused in our words, never Python's.

Each problem names the file, the row as the user sees it (a CSV's header is row 1), the column,
the value and what was expected, and says what to do. Dates must be full YYYY-MM-DD dates and
numbers finite; empty files, odd encodings, semicolons, ragged rows, damaged workbooks and
formulas with no saved result are each explained.
"""

from __future__ import annotations

import codecs
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import reporting
from reporting import DataValidationError, Problem
from reporting.data import tables

CATALOGUE = """\
- id: "116"
  title: Percentage of re-referrals to children's social care within 12 months
  direction: lower
  unit: percent
  status: target
- id: "117"
  title: Rate of children in care per 10,000 children
  direction: lower
  unit: rate
  rate_base: 10000
  status: target
"""
HEADER = "indicator_id,period_end,value,target,england_mean\n"
PYTHON_WORDS = ("EmptyDataError", "UnicodeDecodeError", "ParserError", "ParserWarning", "Traceback",
                "codec can't", "C error", "BadZipFile", "ArrowInvalid", "Exception")


def dataset(tmp_path: Path, name: str = "observations.csv", content: str | bytes | None = None) -> Path:
    """A dataset folder with indicators.yaml (two indicators) and, when given, an observations file."""
    folder = tmp_path / "sample"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "indicators.yaml").write_text(CATALOGUE, encoding="utf-8")
    if isinstance(content, str):
        (folder / name).write_text(content, encoding="utf-8")
    elif content is not None:
        (folder / name).write_bytes(content)
    return folder


def refused(folder: Path) -> DataValidationError:
    """The error from loading the dataset, checked to be in our words."""
    with pytest.raises(DataValidationError) as caught:
        reporting.load_dataset(folder)
    assert_in_our_words(caught.value)
    return caught.value


def assert_in_our_words(error: DataValidationError) -> None:
    """No Python exception name or traceback reaches the user, and nothing was published."""
    text = str(error)
    for word in PYTHON_WORDS:
        assert word not in text, f"{word!r} in {text}"
    assert error.__context__ is None or error.__suppress_context__  # no Python error shown behind ours
    assert "nothing was published" in text


def only_problem(error: DataValidationError) -> Problem:
    """The one problem reported, shown in the error's message."""
    assert len(error.problems) == 1, error.problems
    assert str(error.problems[0]) in str(error)
    return error.problems[0]


def problem_at(error: DataValidationError, row: int | None, column: str | None) -> Problem:
    """The one problem at this row and column."""
    found = [p for p in error.problems if p.row == row and p.column == column]
    assert len(found) == 1, f"expected one problem at row {row}, column {column}; got {error.problems}"
    assert str(found[0]) in str(error)
    return found[0]


def catalogue() -> pd.DataFrame:
    """The two indicators, as load_observations needs them (id and unit)."""
    return pd.DataFrame({"id": ["116", "117"], "unit": ["percent", "rate"]})


# Dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2023", "2023-12"])
def test_a_year_or_month_alone_is_not_a_period_end(tmp_path, written):
    folder = dataset(tmp_path, content=HEADER + f"117,2023-09-30,1,,\n117,{written},2,,\n")

    problem = only_problem(refused(folder))

    assert problem == Problem(str(folder / "observations.csv"), 3, "period_end", written, problem.expected)
    assert "a full date written YYYY-MM-DD, e.g. 2023-12-31" in problem.expected
    assert "last day of the period" in problem.expected


@pytest.mark.parametrize("written", ["2023-02-30", "2023-04-31", "2023-02-29"])
def test_a_day_not_in_the_calendar_is_refused(tmp_path, written):
    folder = dataset(tmp_path, content=HEADER + f"117,{written},2,,\n")

    problem = problem_at(refused(folder), 2, "period_end")

    assert problem.value == written
    assert "YYYY-MM-DD" in problem.expected
    assert "does not exist" in problem.expected


def test_a_leap_day_is_a_date(tmp_path):
    folder = dataset(tmp_path, content=HEADER + "117,2024-02-29,2,,\n")

    observations = reporting.load_dataset(folder).observations

    assert observations["period_end"].tolist() == [pd.Timestamp("2024-02-29")]


@pytest.mark.parametrize("written", ["2023-1-5", "2023-12-31T00:00", "20231231"])
def test_other_date_forms_are_refused_with_the_expected_form(tmp_path, written):
    folder = dataset(tmp_path, content=HEADER + f"117,{written},2,,\n")

    problem = problem_at(refused(folder), 2, "period_end")

    assert problem.value == written
    assert problem.expected == "a date written YYYY-MM-DD, e.g. 2023-12-31"


def test_excel_date_cells_are_dates_and_excel_text_follows_the_csv_rule(tmp_path):
    from datetime import datetime

    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "observations.xlsx", [
        ["indicator_id", "period_end", "value"],
        ["117", datetime(2023, 12, 31), 120],
        ["117", "2023-09-30", 110],
        ["117", "2023-06", 100],
    ])

    problem = only_problem(refused(folder))

    assert (problem.file, problem.row, problem.column, problem.value) == (str(folder / "observations.xlsx"), 4, "period_end", "2023-06")
    assert "YYYY-MM-DD" in problem.expected


def test_parquet_date_and_timestamp_columns_are_dates(tmp_path):
    from datetime import date

    frame = pd.DataFrame({"indicator_id": ["117", "117"], "period_end": [date(2023, 9, 30), date(2023, 12, 31)], "value": [1.0, 2.0]})
    folder = dataset(tmp_path / "dates", content=None)
    frame.to_parquet(folder / "observations.parquet", index=False)
    stamped = dataset(tmp_path / "timestamps", content=None)
    frame.assign(period_end=pd.to_datetime(frame["period_end"])).to_parquet(stamped / "observations.parquet", index=False)

    for each in (folder, stamped):
        observations = reporting.load_dataset(each).observations
        assert observations["period_end"].tolist() == [pd.Timestamp("2023-09-30"), pd.Timestamp("2023-12-31")]


# Finite numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["value", "target", "england_mean"])
@pytest.mark.parametrize("written", ["inf", "-inf", "Infinity", "1e309", "-1e309", "nan", "NaN"])
def test_infinities_and_nan_are_refused_in_every_numeric_column(tmp_path, written, column):
    cells = {"value": "2", "target": "", "england_mean": ""} | {column: written}
    folder = dataset(tmp_path, content=HEADER + f"117,2023-12-31,{cells['value']},{cells['target']},{cells['england_mean']}\n")

    problem = only_problem(refused(folder))

    assert problem == Problem(
        str(folder / "observations.csv"), 2, column, written, "a finite number; leave the cell empty for a missing value"
    )


def test_empty_cells_stay_missing_values_and_words_stay_not_numbers(tmp_path):
    folder = dataset(tmp_path, content=HEADER + "117,2023-09-30,,,\n117,2023-12-31,NA,,\n")

    problem = only_problem(refused(folder))

    assert (problem.row, problem.column, problem.value) == (3, "value", "NA")
    assert problem.expected == "a number; leave the cell empty for a missing value"
    folder = dataset(tmp_path / "ok", content=HEADER + "117,2023-09-30,,,\n")
    assert reporting.load_dataset(folder).observations["value"].isna().all()


def test_parquet_infinity_is_refused(tmp_path):
    folder = dataset(tmp_path, content=None)
    pd.DataFrame({"indicator_id": ["117"], "period_end": ["2023-12-31"], "value": [float("inf")]}).to_parquet(
        folder / "observations.parquet", index=False
    )

    problem = only_problem(refused(folder))

    assert (problem.row, problem.column, problem.value) == (1, "value", "inf")
    assert "a finite number" in problem.expected


# Empty files and files with no rows -------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\n  \r\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n \n"])
def test_an_empty_csv_is_refused(tmp_path, content):
    folder = dataset(tmp_path, content=content)

    problem = only_problem(refused(folder))

    assert problem.file == str(folder / "observations.csv")
    assert problem.expected.startswith("is empty")
    assert "export the observations again" in problem.expected


def test_a_header_with_no_rows_is_refused(tmp_path):
    folder = dataset(tmp_path, content=HEADER + "\n,,,,\n")

    problem = only_problem(refused(folder))

    assert problem.file == str(folder / "observations.csv")
    assert problem.expected.startswith("has no rows of data:")
    assert "nothing was published" in str(problem)


def test_an_xlsx_sheet_with_a_header_and_no_rows_is_refused(tmp_path):
    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "observations.xlsx", [["indicator_id", "period_end", "value"]])

    assert only_problem(refused(folder)).expected.startswith("has no rows of data:")


def test_a_parquet_file_with_no_rows_is_refused(tmp_path):
    folder = dataset(tmp_path, content=None)
    pd.DataFrame({"indicator_id": pd.Series([], dtype=str), "period_end": pd.Series([], dtype="datetime64[ns]"),
                  "value": pd.Series([], dtype=float)}).to_parquet(folder / "observations.parquet", index=False)

    assert only_problem(refused(folder)).expected.startswith("has no rows of data:")


@pytest.mark.parametrize("name", ["observations.xlsx", "observations.parquet"])
def test_an_empty_workbook_or_parquet_file_is_refused(tmp_path, name):
    folder = dataset(tmp_path, name, b"")

    assert only_problem(refused(folder)).expected.startswith("is empty (0 bytes)")


# Formulas in a workbook -------------------------------------------------------------------------


def write_workbook(path: Path, rows: list[list], sheet: str = "observations", formulas: dict[str, str] | None = None) -> None:
    """An xlsx written by a program (openpyxl): formulas have no saved result."""
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    for cell, formula in (formulas or {}).items():
        book.active[cell] = formula
    book.save(path)


def rewrite_sheet(path: Path, old: str, new: str) -> None:
    """Edit the first sheet's XML in place, as if Excel had saved a formula's result."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    assert old in xml
    parts["xl/worksheets/sheet1.xml"] = xml.replace(old, new).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


ROWS = [["indicator_id", "period_end", "value", "target"], ["117", "2023-09-30", 5, 100], ["117", "2023-12-31", None, 100]]


def test_a_formula_with_no_saved_result_is_refused_naming_sheet_and_cell(tmp_path):
    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "observations.xlsx", ROWS, formulas={"C3": "=C2*2"})

    problem = only_problem(refused(folder))

    assert (problem.file, problem.row, problem.column, problem.value) == (str(folder / "observations.xlsx"), 3, "value", "=C2*2")
    assert "sheet observations, cell C3: a formula with no saved result" in problem.expected
    assert "open the file in Excel and save it, or paste the values" in problem.expected


def test_many_formulas_with_no_saved_result_are_listed_then_counted(tmp_path):
    folder = dataset(tmp_path, content=None)
    rows = [ROWS[0]] + [["117", f"2023-{month:02d}-28", None, 100] for month in range(1, 13)] * 3
    formulas = {f"C{row}": f"=D{row}/2" for row in range(2, len(rows) + 1)}
    write_workbook(folder / "observations.xlsx", rows, formulas=formulas)

    error = refused(folder)

    assert [p.row for p in error.problems[:20]] == list(range(2, 22))
    assert error.problems[20].expected == "and 16 more formula cells have no saved result"
    assert len(error.problems) == 21


def test_a_formula_with_a_saved_result_uses_that_result(tmp_path):
    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "observations.xlsx", ROWS, formulas={"C3": "=C2*2"})
    rewrite_sheet(folder / "observations.xlsx", "<f>C2*2</f><v></v>", "<f>C2*2</f><v>10</v>")

    observations = reporting.load_dataset(folder).observations

    assert observations["value"].tolist() == [5.0, 10.0]


def test_a_formula_whose_saved_result_is_empty_text_is_a_missing_value(tmp_path):
    # Excel saves =IF(C2="","",C2*2) that gives "" as text (t="str") with an empty value.
    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "observations.xlsx", ROWS, formulas={"C3": '=IF(C2="","",C2*2)'})
    rewrite_sheet(folder / "observations.xlsx", '<c r="C3">', '<c r="C3" t="str">')

    observations = reporting.load_dataset(folder).observations

    assert observations["value"].isna().tolist() == [False, True]


def test_a_workbook_without_formulas_is_not_searched_for_them(tmp_path, monkeypatch):
    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "observations.xlsx", ROWS)
    monkeypatch.setattr(tables, "_formulas_without_results", lambda *a: pytest.fail("searched for formulas"))

    assert len(reporting.load_dataset(folder).observations) == 2


def test_a_workbook_without_an_observations_sheet_lists_its_sheets(tmp_path):
    folder = dataset(tmp_path, content=None)
    book = openpyxl.Workbook()
    book.active.title = "Data"
    book.create_sheet("Notes")
    book.save(folder / "observations.xlsx")

    problem = only_problem(refused(folder))

    assert problem.file == str(folder / "observations.xlsx")
    assert "needs a sheet named 'observations'" in problem.expected
    assert "'Data', 'Notes'" in problem.expected


def test_excel_error_values_are_reported_not_taken_as_missing(tmp_path):
    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "observations.xlsx", ROWS, formulas={"C3": "=C2/0"})
    rewrite_sheet(folder / "observations.xlsx", '<c r="C3"><f>C2/0</f><v></v>', '<c r="C3" t="e"><f>C2/0</f><v>#DIV/0!</v>')

    problem = only_problem(refused(folder))

    assert (problem.row, problem.column, problem.value) == (3, "value", "#DIV/0!")
    assert "a number" in problem.expected


# Files that are not what their name says ---------------------------------------------------------


def test_a_folder_named_like_the_observations_file_is_refused(tmp_path):
    folder = dataset(tmp_path, content=None)
    (folder / "observations.csv").mkdir()

    problem = only_problem(refused(folder))
    assert problem.file == str(folder / "observations.csv")
    assert "folder, not a file" in problem.expected

    with pytest.raises(DataValidationError) as caught:
        reporting.load_observations(folder / "observations.csv", catalogue())
    assert "folder, not a file" in str(caught.value)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    folder = dataset(tmp_path, content=HEADER + "117,2023-12-31,2,,\n" * 70_000)  # about 1.3 MB
    monkeypatch.setenv("REPORTING_MAX_DATA_MB", "1")
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("the file was read"))

    for error in (refused(folder), _direct(folder / "observations.csv")):
        problem = only_problem(error)
        assert problem.file == str(folder / "observations.csv")
        assert "1.3 MB" in problem.expected
        assert "1 MB" in problem.expected
        assert "REPORTING_MAX_DATA_MB" in problem.expected


def _direct(path: Path) -> DataValidationError:
    """The error from load_observations on its own (no dataset-level checks first)."""
    with pytest.raises(DataValidationError) as caught:
        reporting.load_observations(path, catalogue())
    assert_in_our_words(caught.value)
    return caught.value


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_is_refused_saying_how_to_save_utf8(tmp_path, encoding):
    folder = dataset(tmp_path, content=(HEADER + "117,2023-12-31,2,,\n").encode(encoding))

    problem = only_problem(refused(folder))

    assert problem.file == str(folder / "observations.csv")
    assert "saved as UTF-16" in problem.expected
    assert "in Excel choose File > Save As > 'CSV UTF-8 (Comma delimited)'" in problem.expected


def test_a_utf8_csv_with_a_byte_order_mark_is_fine(tmp_path):
    folder = dataset(tmp_path, content=codecs.BOM_UTF8 + (HEADER + "117,2023-12-31,2,,\n").encode())

    assert reporting.load_dataset(folder).observations["indicator_id"].tolist() == ["117"]


def test_a_latin1_pound_sign_is_refused_naming_line_byte_and_cell(tmp_path):
    csv = "indicator_id,period_end,value,note\n117,2023-09-30,1,\n117,2023-12-31,2,cost \xa35 per child\n"
    folder = dataset(tmp_path, content=csv.encode("latin-1"))

    problem = only_problem(refused(folder))

    assert problem.file == str(folder / "observations.csv")
    assert (problem.row_name, problem.row, problem.column, problem.value) == ("line", 3, "note", "cost £5 per child")
    assert "the byte 0xA3 (in Windows-1252, '£') is not UTF-8" in problem.expected
    assert "'CSV UTF-8 (Comma delimited)'" in problem.expected
    assert str(problem).startswith(f"{folder / 'observations.csv'}, line 3, column note: 'cost £5 per child': ")
    assert "per child" not in str(refused(folder)).replace(str(problem), "")  # no other file content


@pytest.mark.parametrize(("separator", "named"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_separated_by_semicolons_or_tabs_is_refused(tmp_path, separator, named):
    csv = (HEADER + "117;2023-12-31;2;;\n").replace(",", separator).replace(";", separator)
    folder = dataset(tmp_path, content=csv)

    problem = only_problem(refused(folder))

    assert (problem.file, problem.row, problem.column) == (str(folder / "observations.csv"), 1, None)
    assert problem.expected.startswith(f"the columns are separated by {named}; use commas")


@pytest.mark.parametrize("bad_row", [2, 4])
def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path, bad_row):
    rows = ["117,2023-06-30,1,,", "117,2023-09-30,2,,", "117,2023-12-31,3,,"]
    rows[bad_row - 2] += ",spilt"
    folder = dataset(tmp_path, content=HEADER + "\n".join(rows) + "\n")

    problem = only_problem(refused(folder))

    assert (problem.file, problem.row) == (str(folder / "observations.csv"), bad_row)
    assert problem.expected == (
        "has 6 cells but the header has 5; put double quotes around a value that contains a comma, or remove the extra cell"
    )
    assert "spilt" not in str(problem)


def test_many_ragged_rows_are_listed_then_counted(tmp_path):
    folder = dataset(tmp_path, content=HEADER + "117,2023-12-31,3,,,\n" * 25)

    error = refused(folder)

    assert [p.row for p in error.problems[:20]] == list(range(2, 22))
    assert error.problems[20].expected == "and 5 more rows have more cells than the header"
    assert "remove the comma at the end of the row" in error.problems[0].expected


def test_rows_with_fewer_cells_than_the_header_are_filled_with_empty_cells(tmp_path):
    folder = dataset(tmp_path, content=HEADER + "117,2023-12-31,3\n117,2023-09-30\n")

    observations = reporting.load_dataset(folder).observations

    assert observations["value"].tolist()[0] == 3.0
    assert observations["value"].isna().tolist() == [False, True]
    assert observations["target"].isna().all()


def test_rows_keep_the_numbers_the_spreadsheet_shows_after_a_blank_line(tmp_path):
    folder = dataset(tmp_path, content=HEADER + "117,2023-09-30,1,,\n\n117,2023-12-31,n/a,,\n")

    assert problem_at(refused(folder), 4, "value").value == "n/a"


def test_a_quote_that_is_never_closed_is_refused_at_its_row(tmp_path):
    folder = dataset(tmp_path, content=HEADER + '117,2023-09-30,1,,\n117,2023-12-31,"2,,\n117,2023-06-30,3,,\n')

    problem = only_problem(refused(folder))

    assert problem.row == 3
    assert "never closed" in problem.expected


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a workbook at all", "is text, not an Excel workbook"),
        (b"PK\x03\x04 but not really a zip", "cannot be opened as an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0" + bytes(60), "Excel 97-2003 (.xls) file or a password-protected workbook"),
        (bytes(range(256)), "is not an Excel workbook (.xlsx)"),
    ],
)
def test_a_damaged_or_foreign_xlsx_is_refused(tmp_path, content, says):
    folder = dataset(tmp_path, "observations.xlsx", content)

    problem = only_problem(refused(folder))

    assert problem.file == str(folder / "observations.xlsx")
    assert says in problem.expected
    assert "save it as 'Excel Workbook (.xlsx)'" in problem.expected or "rename it observations.csv" in problem.expected


def test_a_truncated_parquet_file_is_refused(tmp_path):
    folder = dataset(tmp_path, content=None)
    path = folder / "observations.parquet"
    pd.DataFrame({"indicator_id": ["117"] * 100, "period_end": ["2023-12-31"] * 100, "value": range(100)}).to_parquet(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    problem = only_problem(refused(folder))

    assert problem.file == str(path)
    assert "cannot be read as Parquet: the file is damaged or incomplete" in problem.expected


def test_a_csv_renamed_parquet_is_refused(tmp_path):
    folder = dataset(tmp_path, "observations.parquet", HEADER + "117,2023-12-31,2,,\n")

    assert "is not a Parquet file: it is text" in only_problem(refused(folder)).expected


def test_a_workbook_renamed_csv_is_refused(tmp_path):
    folder = dataset(tmp_path, content=None)
    write_workbook(folder / "book.xlsx", ROWS)
    shutil.move(folder / "book.xlsx", folder / "observations.csv")

    assert "is an Excel workbook (or another zip file), not CSV text" in only_problem(refused(folder)).expected


@pytest.mark.parametrize("name", ["observations.csv", "observations.xlsx", "observations.parquet"])
def test_a_file_we_may_not_read_is_refused(tmp_path, monkeypatch, name):
    folder = dataset(tmp_path, name, b"anything")
    real_open = Path.open

    def denied(self, *args, **kwargs):
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)

    problem = only_problem(_direct(folder / name))

    assert problem.file == str(folder / name)
    assert "cannot be read: permission denied" in problem.expected


def test_every_message_names_the_file_and_never_python(tmp_path):
    cases = {
        "empty": b"",
        "utf16": (HEADER + "117,2023-12-31,2,,\n").encode("utf-16"),
        "latin1": (HEADER + "117,2023-12-31,2,,\xa3\n").encode("latin-1"),
        "semicolon": HEADER.replace(",", ";").encode(),
        "ragged": (HEADER + "117,2023-12-31,2,,,,\n").encode(),
        "no rows": HEADER.encode(),
    }
    for case, content in cases.items():
        folder = dataset(tmp_path / case, content=content)
        error = refused(folder)
        assert all(p.file == str(folder / "observations.csv") for p in error.problems), case
