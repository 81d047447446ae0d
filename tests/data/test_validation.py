"""The data contract: a dataset that breaks it is refused with every problem named.

Each problem must let an analyst fix the file without reading code: the file, the row as
the spreadsheet shows it (the CSV header is row 1, so the first data row is row 2), the
column, what was found and what was expected.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import reporting
from reporting import DataValidationError, Problem

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
- id: "129"
  title: Number of contacts to the front door
  direction: none
  unit: number
  status: contextual
"""

VALID_CSV = """\
indicator_id,period_end,value,target,period_label,note
116,2023-09-30,24.5,25,Sep 2023,
116,2023-12-31,,25,,awaiting data
117,2023-12-31,120,100,Dec 2023,
129,2023-12-31,296,,Dec 2023,
"""


def make_dataset(tmp_path: Path, csv: str | None = VALID_CSV, catalogue: str = CATALOGUE) -> Path:
    """A dataset folder with indicators.yaml and, when given, observations.csv."""
    folder = tmp_path / "data" / "sample"
    folder.mkdir(parents=True)
    (folder / "indicators.yaml").write_text(catalogue, encoding="utf-8")
    if csv is not None:
        (folder / "observations.csv").write_text(csv, encoding="utf-8")
    return folder


def refused(folder: Path) -> DataValidationError:
    """The error raised when loading the dataset; fails the test if it loads."""
    with pytest.raises(DataValidationError) as caught:
        reporting.load_dataset(folder)
    return caught.value


def problem_at(error: DataValidationError, row: int | None, column: str) -> Problem:
    """The one problem reported at this row and column."""
    found = [p for p in error.problems if p.row == row and p.column == column]
    assert len(found) == 1, f"expected one problem at row {row}, column {column}; got {error.problems}"
    return found[0]


def assert_reported(error: DataValidationError, problem: Problem) -> None:
    """The problem is in the error's list and in its message, so the analyst sees it."""
    assert problem in error.problems
    assert str(problem) in str(error)


# A valid dataset ------------------------------------------------------------------------------


def test_valid_dataset_loads_with_dates_and_numbers_typed(tmp_path):
    dataset = reporting.load_dataset(make_dataset(tmp_path))

    observations = dataset.observations
    assert list(dataset.catalogue["id"]) == ["116", "117", "129"]
    assert pd.api.types.is_datetime64_any_dtype(observations["period_end"])
    assert observations["value"].dtype == float
    assert observations["target"].dtype == float
    assert list(observations["indicator_id"]) == ["116", "116", "117", "129"]
    assert observations["period_end"].iloc[0] == pd.Timestamp("2023-09-30")


def test_empty_value_cell_is_a_missing_value_not_zero(tmp_path):
    observations = reporting.load_dataset(make_dataset(tmp_path)).observations

    december = observations[(observations["indicator_id"] == "116") & (observations["period_end"] == "2023-12-31")]
    assert december["value"].isna().all()


def test_every_contract_column_is_present_even_when_the_file_leaves_it_out(tmp_path):
    csv = "indicator_id,period_end,value\n116,2023-12-31,20\n"
    observations = reporting.load_dataset(make_dataset(tmp_path, csv)).observations

    for column in ("target", "stat_neighbour_mean", "england_mean", "regional_mean", "numerator", "denominator"):
        assert observations[column].isna().all()
        assert observations[column].dtype == float
    assert observations["period_label"].tolist() == ["Dec 2023"]


# Problems in observations -------------------------------------------------------------------


def test_missing_value_column_is_reported_by_name(tmp_path):
    folder = make_dataset(tmp_path, "indicator_id,period_end,target\n116,2023-12-31,25\n")

    error = refused(folder)

    problem = problem_at(error, None, "value")
    assert problem.file == str(folder / "observations.csv")
    assert "required column is missing" in problem.expected
    assert "indicator_id, period_end, value" in problem.expected
    assert_reported(error, problem)


def test_unknown_indicator_id_is_reported_with_its_row(tmp_path):
    csv = "indicator_id,period_end,value\n116,2023-12-31,20\n999,2023-12-31,5\n"
    folder = make_dataset(tmp_path, csv)

    error = refused(folder)

    assert error.problems == [
        Problem(str(folder / "observations.csv"), 3, "indicator_id", "999", "an indicator id listed in indicators.yaml")
    ]
    assert_reported(error, error.problems[0])


def test_same_indicator_and_period_twice_is_reported_at_the_repeated_row(tmp_path):
    csv = "indicator_id,period_end,value\n117,2023-12-31,120\n116,2023-12-31,20\n117,2023-12-31,121\n"
    folder = make_dataset(tmp_path, csv)

    error = refused(folder)

    problem = problem_at(error, 4, "indicator_id, period_end")
    assert problem.file == str(folder / "observations.csv")
    assert "already has a value for this period in row 2" in problem.expected
    assert "one row per indicator and period" in problem.expected
    assert len(error.problems) == 1
    assert_reported(error, problem)


def test_duplicate_problem_names_the_repeated_indicator_and_period(tmp_path):
    csv = "indicator_id,period_end,value\n117,2023-12-31,120\n117,2023-12-31,121\n"
    error = refused(make_dataset(tmp_path, csv))

    problem = problem_at(error, 3, "indicator_id, period_end")
    assert "117" in str(problem)
    assert "2023-12-31" in str(problem)


@pytest.mark.parametrize("text", ["n/a", "NA", "twelve", "1,234"])
def test_non_numeric_value_is_reported_not_treated_as_missing(tmp_path, text):
    csv = f'indicator_id,period_end,value\n116,2023-09-30,20\n116,2023-12-31,"{text}"\n'
    folder = make_dataset(tmp_path, csv)

    error = refused(folder)

    problem = problem_at(error, 3, "value")
    assert problem == Problem(
        str(folder / "observations.csv"), 3, "value", text, "a number; leave the cell empty for a missing value"
    )
    assert_reported(error, problem)


def test_non_numeric_target_is_reported_too(tmp_path):
    folder = make_dataset(tmp_path, "indicator_id,period_end,value,target\n117,2023-12-31,120,tbc\n")

    problem = problem_at(refused(folder), 2, "target")

    assert problem.value == "tbc"
    assert "a number" in problem.expected


def test_problem_reads_as_file_row_column_value_and_what_was_expected(tmp_path):
    csv = "indicator_id,period_end,value\n116,2023-09-30,20\n116,2023-12-31,n/a\n"
    folder = make_dataset(tmp_path, csv)

    problem = problem_at(refused(folder), 3, "value")

    path = folder / "observations.csv"
    assert str(problem) == f"{path}, row 3, column value: 'n/a': a number; leave the cell empty for a missing value"


@pytest.mark.parametrize("written", ["2023-13-45", "31/12/2023", "December 2023"])
def test_unparseable_date_is_reported_with_the_expected_form(tmp_path, written):
    csv = f"indicator_id,period_end,value\n117,{written},120\n"
    folder = make_dataset(tmp_path, csv)

    error = refused(folder)

    problem = problem_at(error, 2, "period_end")
    assert problem.file == str(folder / "observations.csv")
    assert problem.value == written
    assert "YYYY-MM-DD" in problem.expected
    assert_reported(error, problem)


def test_empty_period_end_is_explained_in_words(tmp_path):
    folder = make_dataset(tmp_path, "indicator_id,period_end,value\n117,,120\n")

    problem = problem_at(refused(folder), 2, "period_end")

    assert "not_nullable" not in problem.expected
    assert "YYYY-MM-DD" in problem.expected


def test_percentage_above_100_is_reported_for_a_percent_indicator(tmp_path):
    folder = make_dataset(tmp_path, "indicator_id,period_end,value\n116,2023-12-31,120\n")

    error = refused(folder)

    problem = problem_at(error, 2, "value")
    assert problem.file == str(folder / "observations.csv")
    assert problem.value == 120
    assert "120" in str(problem)
    assert "between 0 and 100" in problem.expected
    assert "percent" in problem.expected
    assert_reported(error, problem)


def test_negative_percentage_is_reported(tmp_path):
    folder = make_dataset(tmp_path, "indicator_id,period_end,value\n116,2023-12-31,-1\n")

    problem = problem_at(refused(folder), 2, "value")

    assert problem.value == -1
    assert "between 0 and 100" in problem.expected


def test_percent_target_above_100_is_reported(tmp_path):
    folder = make_dataset(tmp_path, "indicator_id,period_end,value,target\n116,2023-12-31,20,150\n")

    problem = problem_at(refused(folder), 2, "target")

    assert problem.value == 150
    assert "between 0 and 100" in problem.expected


def test_same_120_is_fine_for_a_rate_indicator(tmp_path):
    folder = make_dataset(tmp_path, "indicator_id,period_end,value\n117,2023-12-31,120\n")

    observations = reporting.load_dataset(folder).observations

    assert observations["value"].tolist() == [120.0]


def test_percentages_of_exactly_0_and_100_are_allowed(tmp_path):
    csv = "indicator_id,period_end,value\n116,2023-09-30,0\n116,2023-12-31,100\n"

    observations = reporting.load_dataset(make_dataset(tmp_path, csv)).observations

    assert observations["value"].tolist() == [0.0, 100.0]


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    csv = (
        "indicator_id,period_end,value\n"
        "116,2023-09-30,n/a\n"  # row 2: not a number
        "999,2023-12-31,5\n"  # row 3: unknown indicator
        "117,31/12/2023,120\n"  # row 4: not an ISO date
        "116,2023-12-31,120\n"  # row 5: percentage over 100
        "117,2023-09-30,1\n"
        "117,2023-09-30,2\n"  # row 7: duplicate of row 6
    )
    folder = make_dataset(tmp_path, csv)

    error = refused(folder)

    assert len(error.problems) >= 5
    expected_at = {
        (2, "value"): "n/a",
        (3, "indicator_id"): "999",
        (4, "period_end"): "31/12/2023",
        (5, "value"): 120,
    }
    for (row, column), value in expected_at.items():
        problem = problem_at(error, row, column)
        assert problem.value == value
        assert_reported(error, problem)
    assert_reported(error, problem_at(error, 7, "indicator_id, period_end"))
    assert f"{len(error.problems)} problems" in str(error)
    assert "nothing was published" in str(error)


# Problems in the catalogue ------------------------------------------------------------------


def test_direction_outside_the_allowed_set_is_reported_in_the_catalogue(tmp_path):
    folder = make_dataset(tmp_path, catalogue=CATALOGUE.replace("direction: none", "direction: up"))

    error = refused(folder)

    problem = problem_at(error, 3, "direction")
    assert problem == Problem(str(folder / "indicators.yaml"), 3, "direction", "up", "one of higher, lower, none", "entry")
    assert "entry 3, column direction: 'up': one of higher, lower, none" in str(problem)
    assert_reported(error, problem)


def test_status_outside_the_allowed_set_is_reported_in_the_catalogue(tmp_path):
    folder = make_dataset(tmp_path, catalogue=CATALOGUE.replace("status: contextual", "status: live"))

    error = refused(folder)

    problem = problem_at(error, 3, "status")
    assert problem.file == str(folder / "indicators.yaml")
    assert problem.row_name == "entry"
    assert problem.value == "live"
    for status in ("target", "contextual", "baseline", "in_development", "suspended"):
        assert status in problem.expected
    assert_reported(error, problem)


def test_several_catalogue_problems_are_reported_together(tmp_path):
    catalogue = CATALOGUE.replace("direction: none", "direction: up").replace("status: contextual", "status: live")
    catalogue = catalogue.replace("unit: rate", "unit: ratio")

    error = refused(make_dataset(tmp_path, catalogue=catalogue))

    assert len(error.problems) >= 3
    assert problem_at(error, 2, "unit").value == "ratio"
    assert problem_at(error, 3, "direction").value == "up"
    assert problem_at(error, 3, "status").value == "live"


# Other formats ------------------------------------------------------------------------------


def _as_written_by_a_spreadsheet() -> pd.DataFrame:
    """VALID_CSV as a spreadsheet or data tool would hold it: real dates and numbers."""
    frame = pd.read_csv(io.StringIO(VALID_CSV), dtype={"indicator_id": str})
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame


def test_xlsx_observations_sheet_loads_to_the_same_frame_as_csv(tmp_path):
    from_csv = reporting.load_dataset(make_dataset(tmp_path / "csv")).observations
    folder = make_dataset(tmp_path / "xlsx", csv=None)
    _as_written_by_a_spreadsheet().to_excel(
        folder / "observations.xlsx", sheet_name="observations", index=False, engine="openpyxl"
    )

    from_xlsx = reporting.load_dataset(folder).observations

    pd.testing.assert_frame_equal(from_xlsx, from_csv)


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path):
    folder = make_dataset(tmp_path, csv=None)
    frame = pd.DataFrame({"indicator_id": ["117", "116"], "period_end": ["2023-12-31", "2023-12-31"], "value": [5, "twelve"]})
    frame.to_excel(folder / "observations.xlsx", sheet_name="observations", index=False, engine="openpyxl")

    problem = problem_at(refused(folder), 3, "value")

    assert problem.file == str(folder / "observations.xlsx")
    assert problem.value == "twelve"


@pytest.mark.parametrize("text", ["n/a", "NA"])
def test_xlsx_text_n_a_is_reported_not_treated_as_missing(tmp_path, text):
    folder = make_dataset(tmp_path, csv=None)
    frame = pd.DataFrame({"indicator_id": ["117", "116"], "period_end": ["2023-12-31", "2023-12-31"], "value": [5, text]})
    frame.to_excel(folder / "observations.xlsx", sheet_name="observations", index=False, engine="openpyxl")

    problem = problem_at(refused(folder), 3, "value")

    assert problem.file == str(folder / "observations.xlsx")
    assert problem.value == text


def test_xlsx_without_an_observations_sheet_is_a_clear_error(tmp_path):
    folder = make_dataset(tmp_path, csv=None)
    _as_written_by_a_spreadsheet().to_excel(folder / "observations.xlsx", sheet_name="Sheet1", index=False, engine="openpyxl")

    error = refused(folder)

    assert len(error.problems) == 1
    problem = error.problems[0]
    assert problem.file == str(folder / "observations.xlsx")
    assert "sheet named 'observations'" in problem.expected
    assert "observations.xlsx" in str(error)


def test_parquet_observations_load_to_the_same_frame_as_csv(tmp_path):
    from_csv = reporting.load_dataset(make_dataset(tmp_path / "csv")).observations
    folder = make_dataset(tmp_path / "parquet", csv=None)
    _as_written_by_a_spreadsheet().to_parquet(folder / "observations.parquet", index=False)

    from_parquet = reporting.load_dataset(folder).observations

    pd.testing.assert_frame_equal(from_parquet, from_csv)


def test_dataset_without_an_observations_file_is_refused(tmp_path):
    folder = make_dataset(tmp_path, csv=None)

    error = refused(folder)

    assert "no observations file" in str(error)
    assert str(folder) in str(error)


def test_two_observations_files_are_refused(tmp_path):
    folder = make_dataset(tmp_path)
    _as_written_by_a_spreadsheet().to_parquet(folder / "observations.parquet", index=False)

    error = refused(folder)

    assert "more than one observations file" in str(error)
