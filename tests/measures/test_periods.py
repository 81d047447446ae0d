"""Financial-year quarters (April to March) and each indicator's values as at a quarter."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

import reporting
from reporting import Quarter, QuarterError

# Quarters ------------------------------------------------------------------------------------


def test_quarter_3_is_october_to_december():
    q = Quarter.parse("2023-24-Q3")

    assert q.start == date(2023, 10, 1)
    assert q.end == date(2023, 12, 31)
    assert q.label == "Quarter 3, 2023/24"
    assert q.months == "October to December 2023"
    assert q.id == str(q) == "2023-24-Q3"


def test_quarter_4_is_january_to_march_of_the_next_calendar_year():
    q = Quarter.parse("2023-24-Q4")

    assert q.start == date(2024, 1, 1)
    assert q.end == date(2024, 3, 31)
    assert q.months == "January to March 2024"
    assert q.label == "Quarter 4, 2023/24"


def test_quarter_1_starts_in_april():
    q = Quarter.parse("2023-24-Q1")

    assert q.start == date(2023, 4, 1)
    assert q.end == date(2023, 6, 30)
    assert q.months == "April to June 2023"


def test_quarter_2_is_july_to_september():
    q = Quarter.parse("2023-24-Q2")

    assert (q.start, q.end) == (date(2023, 7, 1), date(2023, 9, 30))


def test_financial_year_across_the_century_is_written_with_two_digits():
    q = Quarter.parse("1999-00-Q4")

    assert q.end == date(2000, 3, 31)
    assert q.label == "Quarter 4, 1999/00"


def test_quarter_4_end_in_a_leap_year_is_31_march():
    assert Quarter.parse("2023-24-Q4").end == date(2024, 3, 31)
    assert Quarter.parse("2019-20-Q4").end == date(2020, 3, 31)


@pytest.mark.parametrize("bad", ["2023-Q3", "2023-24-Q5", "2023-24-Q0", "2023/24 Q3", "Q3 2023-24", ""])
def test_badly_written_quarter_id_is_an_error_with_an_example(bad):
    with pytest.raises(QuarterError) as caught:
        Quarter.parse(bad)

    message = str(caught.value)
    assert repr(bad) in message
    assert "YYYY-YY-QN" in message
    assert "2023-24-Q3" in message


def test_financial_year_that_does_not_run_over_consecutive_years_is_an_error_suggesting_a_fix():
    with pytest.raises(QuarterError) as caught:
        Quarter.parse("2023-25-Q1")

    message = str(caught.value)
    assert "'2023-25-Q1'" in message
    assert "consecutive years" in message
    assert "2023-24-Q1" in message  # the id it probably should be


def test_quarter_error_is_also_a_value_error():
    with pytest.raises(ValueError):
        Quarter.parse("2023-Q3")


@pytest.mark.parametrize(
    "quarter, previous",
    [("2023-24-Q1", "2022-23-Q4"), ("2023-24-Q2", "2023-24-Q1"), ("2023-24-Q4", "2023-24-Q3")],
)
def test_previous_quarter(quarter, previous):
    assert Quarter.parse(quarter).previous() == Quarter.parse(previous)


def test_previous_of_quarter_1_is_quarter_4_of_the_year_before():
    previous = Quarter.parse("2023-24-Q1").previous()

    assert previous.id == "2022-23-Q4"
    assert previous.end == date(2023, 3, 31)


def test_quarters_sort_in_time_order():
    ids = ["2023-24-Q1", "2022-23-Q4", "2023-24-Q3", "2022-23-Q1"]

    assert [q.id for q in sorted(Quarter.parse(i) for i in ids)] == ["2022-23-Q1", "2022-23-Q4", "2023-24-Q1", "2023-24-Q3"]


# As at a quarter ----------------------------------------------------------------------------


def observations(rows) -> pd.DataFrame:
    """Typed observations, as load_dataset gives them, from (indicator_id, period_end, value, target)."""
    frame = pd.DataFrame(rows, columns=["indicator_id", "period_end", "value", "target"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame = frame.astype({"value": float, "target": float})
    frame["period_label"] = frame["period_end"].dt.strftime("%b %Y")
    for column in ("stat_neighbour_mean", "england_mean", "regional_mean"):
        frame[column] = np.nan
    return frame


def row_for(result: pd.DataFrame, indicator_id: str) -> pd.Series:
    rows = result[result["indicator_id"] == indicator_id]
    assert len(rows) == 1
    return rows.iloc[0]


MONTHLY = [
    ("1", "2023-09-30", 30.0, 25.0),
    ("1", "2023-10-31", 31.0, 25.0),
    ("1", "2023-11-30", 32.0, 25.0),
    ("1", "2023-12-31", 33.0, 25.0),
    ("1", "2024-01-31", 99.0, 25.0),  # after the quarter: ignored
]


def test_current_is_the_latest_observation_on_or_before_the_quarter_end():
    result = reporting.as_at(observations(MONTHLY), "2023-24-Q3")

    row = row_for(result, "1")
    assert row["current"] == 33.0
    assert row["period_end"] == pd.Timestamp("2023-12-31")


def test_previous_is_the_observation_before_current():
    row = row_for(reporting.as_at(observations(MONTHLY), "2023-24-Q3"), "1")

    assert row["previous"] == 32.0
    assert row["previous_period_end"] == pd.Timestamp("2023-11-30")
    assert row["previous_period_label"] == "Nov 2023"


def test_observations_after_the_quarter_end_are_ignored():
    row = row_for(reporting.as_at(observations(MONTHLY), "2023-24-Q2"), "1")

    assert row["current"] == 30.0
    assert np.isnan(row["previous"])


def test_as_at_does_not_depend_on_the_order_of_rows():
    shuffled = observations(MONTHLY).sample(frac=1, random_state=3)

    row = row_for(reporting.as_at(shuffled, "2023-24-Q3"), "1")

    assert (row["current"], row["previous"]) == (33.0, 32.0)


def test_annual_indicator_compares_with_the_year_before():
    annual = [("2", "2022-03-31", 10.0, 20.0), ("2", "2023-03-31", 11.0, 20.0)]

    row = row_for(reporting.as_at(observations(annual), "2023-24-Q3"), "2")

    assert (row["current"], row["previous"]) == (11.0, 10.0)


def test_updated_this_quarter_only_when_current_period_ends_inside_the_quarter():
    rows = [
        ("in", "2023-12-31", 1.0, None),
        ("first-day", "2023-10-01", 1.0, None),
        ("last-quarter", "2023-09-30", 1.0, None),
        ("last-year", "2023-03-31", 1.0, None),
    ]

    result = reporting.as_at(observations(rows), "2023-24-Q3")

    updated = dict(zip(result["indicator_id"], result["updated_this_quarter"]))
    assert updated == {"in": True, "first-day": True, "last-quarter": False, "last-year": False}


def test_indicator_not_updated_this_quarter_still_reports_its_latest_value():
    rows = [("2", "2022-03-31", 10.0, 20.0), ("2", "2023-03-31", 11.0, 20.0)]

    row = row_for(reporting.as_at(observations(rows), "2023-24-Q3"), "2")

    assert row["current"] == 11.0
    assert not row["updated_this_quarter"]


def test_target_is_carried_forward_when_the_current_row_leaves_it_empty():
    rows = [
        ("1", "2023-06-30", 30.0, 25.0),
        ("1", "2023-09-30", 31.0, None),
        ("1", "2023-12-31", 32.0, None),
    ]

    row = row_for(reporting.as_at(observations(rows), "2023-24-Q3"), "1")

    assert row["target"] == 25.0


def test_current_row_target_wins_over_an_earlier_one():
    rows = [("1", "2023-09-30", 31.0, 25.0), ("1", "2023-12-31", 32.0, 20.0)]

    row = row_for(reporting.as_at(observations(rows), "2023-24-Q3"), "1")

    assert row["target"] == 20.0


def test_target_is_not_carried_from_one_indicator_to_another():
    rows = [("1", "2023-12-31", 31.0, 25.0), ("2", "2023-12-31", 5.0, None)]

    row = row_for(reporting.as_at(observations(rows), "2023-24-Q3"), "2")

    assert np.isnan(row["target"])


def test_target_set_after_the_quarter_is_not_carried_back():
    rows = [("1", "2023-12-31", 31.0, None), ("1", "2024-03-31", 32.0, 25.0)]

    row = row_for(reporting.as_at(observations(rows), "2023-24-Q3"), "1")

    assert np.isnan(row["target"])


def test_comparators_are_carried_forward_like_targets():
    frame = observations([("1", "2023-03-31", 30.0, None), ("1", "2023-12-31", 31.0, None)])
    frame.loc[0, "england_mean"] = 40.0

    row = row_for(reporting.as_at(frame, "2023-24-Q3"), "1")

    assert row["england_mean"] == 40.0


def test_indicator_with_only_later_observations_is_left_out():
    rows = [("1", "2023-12-31", 31.0, None), ("2", "2024-01-31", 5.0, None)]

    result = reporting.as_at(observations(rows), "2023-24-Q3")

    assert list(result["indicator_id"]) == ["1"]


def test_as_at_accepts_a_quarter_object():
    frame = observations(MONTHLY)

    pd.testing.assert_frame_equal(reporting.as_at(frame, Quarter.parse("2023-24-Q3")), reporting.as_at(frame, "2023-24-Q3"))
