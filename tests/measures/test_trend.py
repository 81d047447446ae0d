"""The projected linear trend: a least-squares line over each indicator's last N observations
on or before the quarter end, projected one period ahead. No projection from fewer than 3 points.

The line is fitted against the observation's position, x = 0, 1, ..., n-1 (oldest first), and
projected to x = n, the next period.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reporting

QUARTER = "2023-24-Q3"  # October to December 2023, ends 2023-12-31
QUARTER_ENDS = ["2022-12-31", "2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31", "2024-03-31"]


def observations(series: dict[str, list[tuple[str, float]]]) -> pd.DataFrame:
    """Long observations from {indicator_id: [(period_end, value), ...]}."""
    rows = [(i, pd.Timestamp(end), value) for i, points in series.items() for end, value in points]
    return pd.DataFrame(rows, columns=["indicator_id", "period_end", "value"]).astype({"value": float})


def quarterly(values: list[float], ends: list[str] = QUARTER_ENDS) -> list[tuple[str, float]]:
    return list(zip(ends, values))


def trend_of(frame: pd.DataFrame, indicator_id: str) -> pd.Series:
    rows = frame[frame["indicator_id"] == indicator_id]
    assert len(rows) == 1, f"expected one trend row for {indicator_id}, got {len(rows)}"
    return rows.iloc[0]


# The least-squares line, worked by hand ------------------------------------------------------


def test_slope_and_projection_are_the_least_squares_line_worked_by_hand():
    # Values 10, 12, 14, 15 at x = 0, 1, 2, 3 (n = 4):
    #   sum x = 6, sum y = 51, sum xy = 0 + 12 + 28 + 45 = 85, sum x^2 = 0 + 1 + 4 + 9 = 14
    #   slope = (n sum xy - sum x sum y) / (n sum x^2 - (sum x)^2) = (340 - 306) / (56 - 36) = 34 / 20 = 1.7
    #   intercept = (sum y - slope sum x) / n = (51 - 10.2) / 4 = 10.2
    #   projected next, at x = n = 4: 10.2 + 1.7 * 4 = 17.0
    obs = observations({"A": quarterly([10, 12, 14, 15], QUARTER_ENDS[1:5])})

    trend = trend_of(reporting.linear_trend(obs, QUARTER, points=6), "A")

    assert trend["trend_points"] == 4
    assert trend["trend_slope"] == pytest.approx(1.7, rel=1e-12)
    assert trend["projected_next"] == pytest.approx(17.0, rel=1e-12)


def test_a_falling_series_with_three_points():
    # Values 9, 5, 4 at x = 0, 1, 2: sum x = 3, sum y = 18, sum xy = 0 + 5 + 8 = 13, sum x^2 = 5
    #   slope = (3 * 13 - 3 * 18) / (3 * 5 - 9) = (39 - 54) / 6 = -2.5
    #   intercept = (18 + 2.5 * 3) / 3 = 8.5;  projected at x = 3: 8.5 - 7.5 = 1.0
    obs = observations({"A": quarterly([9, 5, 4], QUARTER_ENDS[2:5])})

    trend = trend_of(reporting.linear_trend(obs, QUARTER, points=6), "A")

    assert trend["trend_points"] == 3
    assert trend["trend_slope"] == pytest.approx(-2.5, rel=1e-12)
    assert trend["projected_next"] == pytest.approx(1.0, rel=1e-12)


def test_a_flat_series_projects_its_own_value():
    obs = observations({"A": quarterly([42.5] * 5)})

    trend = trend_of(reporting.linear_trend(obs, QUARTER), "A")

    assert trend["trend_slope"] == 0
    assert trend["projected_next"] == pytest.approx(42.5, rel=1e-12)


def test_a_perfect_line_is_continued_exactly():
    obs = observations({"A": quarterly([3, 5, 7, 9, 11])})  # +2 a period

    trend = trend_of(reporting.linear_trend(obs, QUARTER), "A")

    assert trend["trend_slope"] == pytest.approx(2.0, rel=1e-12)
    assert trend["projected_next"] == pytest.approx(13.0, rel=1e-12)


# Which observations count ---------------------------------------------------------------------


def test_only_the_last_n_points_are_used():
    # 100 and 0 are the oldest; with points=4 only 10, 12, 14, 15 count (the worked example).
    ends = [f"{year}-12-31" for year in range(2017, 2023)]
    obs = observations({"A": list(zip(ends, [100, 0, 10, 12, 14, 15]))})

    trend = trend_of(reporting.linear_trend(obs, QUARTER, points=4), "A")

    assert trend["trend_points"] == 4
    assert trend["trend_slope"] == pytest.approx(1.7, rel=1e-12)
    assert trend["projected_next"] == pytest.approx(17.0, rel=1e-12)


def test_observations_after_the_quarter_end_are_ignored():
    # 2024-03-31 is after the quarter end: the wild 1000 must not pull the line.
    obs = observations({"A": quarterly([10, 12, 14, 15], QUARTER_ENDS[1:5]) + [("2024-03-31", 1000.0)]})

    trend = trend_of(reporting.linear_trend(obs, QUARTER, points=6), "A")

    assert trend["trend_points"] == 4
    assert trend["projected_next"] == pytest.approx(17.0, rel=1e-12)


def test_an_observation_ending_on_the_quarter_end_counts():
    obs = observations({"A": quarterly([10, 12, 14, 15], QUARTER_ENDS[1:5])})

    assert trend_of(reporting.linear_trend(obs, "2023-24-Q3"), "A")["trend_points"] == 4
    assert trend_of(reporting.linear_trend(obs, "2023-24-Q2"), "A")["trend_points"] == 3


def test_missing_values_are_skipped_as_if_absent():
    with_gaps = observations({"A": quarterly([10, np.nan, 12, 14, 15, np.nan], QUARTER_ENDS)})
    without = observations({"A": quarterly([10, 12, 14, 15], QUARTER_ENDS[1:5])})

    gappy = trend_of(reporting.linear_trend(with_gaps, QUARTER), "A")
    plain = trend_of(reporting.linear_trend(without, QUARTER), "A")

    assert gappy["trend_points"] == 4
    assert gappy["trend_slope"] == pytest.approx(plain["trend_slope"], rel=1e-12)
    assert gappy["projected_next"] == pytest.approx(17.0, rel=1e-12)


def test_missing_values_do_not_use_up_the_last_n():
    # The latest observation is missing: the last 4 values are still 10, 12, 14, 15, not 12, 14, 15.
    ends = ["2022-09-30", *QUARTER_ENDS[:5]]
    obs = observations({"A": list(zip(ends, [99, 10, 12, 14, 15, np.nan]))})

    trend = trend_of(reporting.linear_trend(obs, QUARTER, points=4), "A")

    assert trend["trend_points"] == 4
    assert trend["projected_next"] == pytest.approx(17.0, rel=1e-12)


def test_input_order_does_not_matter():
    obs = observations({"A": quarterly([10, 12, 14, 15], QUARTER_ENDS[1:5])})

    shuffled = obs.iloc[[2, 0, 3, 1]].reset_index(drop=True)

    assert trend_of(reporting.linear_trend(shuffled, QUARTER), "A")["projected_next"] == pytest.approx(17.0, rel=1e-12)


# Too few points -------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [[10.0], [10.0, 12.0], [10.0, 12.0, np.nan]], ids=["one", "two", "two-and-a-gap"])
def test_fewer_than_three_points_gives_no_projection_but_says_how_many(values):
    obs = observations({"A": quarterly(values, QUARTER_ENDS[2:])})

    trend = trend_of(reporting.linear_trend(obs, QUARTER), "A")

    assert trend["trend_points"] == len([v for v in values if not math.isnan(v)])
    assert math.isnan(trend["trend_slope"])
    assert math.isnan(trend["projected_next"])


def test_too_few_points_does_not_warn():
    obs = observations({"A": quarterly([10.0], QUARTER_ENDS[4:5]), "B": quarterly([1.0, 2.0], QUARTER_ENDS[3:5])})

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reporting.linear_trend(obs, QUARTER)


# Indicators are separate ----------------------------------------------------------------------


def test_each_indicator_gets_its_own_line():
    obs = observations(
        {
            "A": quarterly([10, 12, 14, 15], QUARTER_ENDS[1:5]),
            "B": quarterly([9, 5, 4], QUARTER_ENDS[2:5]),
            "C": quarterly([7, 8], QUARTER_ENDS[3:5]),
        }
    )
    interleaved = obs.sample(frac=1, random_state=3).reset_index(drop=True)

    trend = reporting.linear_trend(interleaved, QUARTER).set_index("indicator_id")

    assert sorted(trend.index) == ["A", "B", "C"]
    assert trend.loc["A", "projected_next"] == pytest.approx(17.0, rel=1e-12)
    assert trend.loc["B", "projected_next"] == pytest.approx(1.0, rel=1e-12)
    assert trend.loc["B", "trend_slope"] == pytest.approx(-2.5, rel=1e-12)
    assert trend.loc["C", "trend_points"] == 2
    assert math.isnan(trend.loc["C", "projected_next"])


def test_an_indicator_does_not_borrow_points_from_another():
    # B has only 2 points; A's many points must not make B's line possible.
    obs = observations({"A": quarterly([1, 2, 3, 4, 5]), "B": quarterly([100, 50], QUARTER_ENDS[3:5])})

    trend = reporting.linear_trend(obs, QUARTER, points=3).set_index("indicator_id")

    assert trend.loc["A", "trend_points"] == 3
    assert trend.loc["B", "trend_points"] == 2
    assert math.isnan(trend.loc["B", "trend_slope"])


def test_quarter_may_be_given_as_a_quarter():
    obs = observations({"A": quarterly([10, 12, 14, 15], QUARTER_ENDS[1:5])})

    by_id = reporting.linear_trend(obs, QUARTER)
    by_quarter = reporting.linear_trend(obs, reporting.Quarter.parse(QUARTER))

    pd.testing.assert_frame_equal(by_id, by_quarter)


# In the committee's KPI table -----------------------------------------------------------------

CATALOGUE = """\
- id: "A"
  title: Percentage of assessments completed in time
  direction: higher
  unit: percent
  status: target
- id: "B"
  title: Rate of referrals per 10,000 children
  direction: lower
  unit: rate
  status: target
- id: "C"
  title: Number of contacts to the front door
  direction: none
  unit: number
  status: contextual
"""

OBSERVATIONS = """\
indicator_id,period_end,value,target
A,2023-03-31,10,20
A,2023-06-30,12,20
A,2023-09-30,14,20
A,2023-12-31,15,20
A,2024-03-31,90,20
B,2023-06-30,9,3
B,2023-09-30,5,3
B,2023-12-31,4,3
C,2023-12-31,296,
"""


def make_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "sample"
    folder.mkdir(parents=True)
    (folder / "indicators.yaml").write_text(CATALOGUE, encoding="utf-8")
    (folder / "observations.csv").write_text(OBSERVATIONS, encoding="utf-8")
    return folder


def test_kpi_table_carries_each_indicators_trend(tmp_path):
    dataset = reporting.load_dataset(make_dataset(tmp_path))

    kpis = reporting.build_kpis(dataset, QUARTER).set_index("indicator_id")

    for column in ("trend_points", "trend_slope", "projected_next"):
        assert column in kpis
    assert kpis.loc["A", "trend_points"] == 4  # the March 2024 figure is after the quarter
    assert kpis.loc["A", "trend_slope"] == pytest.approx(1.7, rel=1e-12)
    assert kpis.loc["A", "projected_next"] == pytest.approx(17.0, rel=1e-12)
    assert kpis.loc["B", "projected_next"] == pytest.approx(1.0, rel=1e-12)
    assert kpis.loc["C", "trend_points"] == 1
    assert math.isnan(kpis.loc["C", "projected_next"])


def test_kpi_table_trend_uses_the_trend_points_asked_for(tmp_path):
    dataset = reporting.load_dataset(make_dataset(tmp_path))

    kpis = reporting.build_kpis(dataset, QUARTER, trend_points=3).set_index("indicator_id")

    # A's last 3 are 12, 14, 15: slope (3 * 44 - 3 * 41) / 6 = 1.5, projected 12.1667 + 4.5 = 16.6667
    assert kpis.loc["A", "trend_points"] == 3
    assert kpis.loc["A", "trend_slope"] == pytest.approx(1.5, rel=1e-12)
    assert kpis.loc["A", "projected_next"] == pytest.approx(50 / 3, rel=1e-12)


def test_kpis_csv_has_the_trend_columns(tmp_path):
    dataset = reporting.load_dataset(make_dataset(tmp_path))
    kpis = reporting.build_kpis(dataset, QUARTER)

    path = reporting.write_kpis(kpis, tmp_path / "kpis.csv")

    written = pd.read_csv(path, dtype={"indicator_id": str}).set_index("indicator_id")
    assert written.loc["A", "projected_next"] == pytest.approx(17.0, rel=1e-9)
    assert written.loc["A", "trend_points"] == 4
