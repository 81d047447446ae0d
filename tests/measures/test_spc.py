"""XmR charts (statistical process control): the centre line, process limits and special-cause
rules that reporting.measures.spc computes for every indicator at once.

For each indicator and each segment between rebases, the mean is the centre line and the limits
are mean +/- 2.66 x the mean moving range, moving ranges above 3.267 x their mean being left out
first. A point is special cause when, counting back from it (never forward), it is outside the
limits, completes a shift of 7 on one side of the mean, completes a trend of 7 rising or falling
points, or is the second of three points beyond two-thirds of the way to a limit on one side.

Most rule tests start from BASE, six points that fix known limits with `baseline_points=6`:

    BASE = 11, 9, 11, 9, 11, 9        mean = 60 / 6 = 10
    moving ranges 2, 2, 2, 2, 2       mean moving range = 2 (screen 3.267 x 2 = 6.534 drops none)
    limits = 10 -/+ 2.66 x 2 = 4.68 and 15.32
    two-thirds of the way to a limit: 10 -/+ (2/3) x 5.32 = 6.4533... and 13.5466...

BASE alternates about the mean and has no point near a limit, so on its own it breaks no rule.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.measures.spc import (
    COMMON,
    CONCERNING,
    FAILING,
    HIT_AND_MISS,
    IMPROVING,
    NEITHER,
    NO_DIRECTION,
    NO_TARGET,
    NOT_ASSESSED,
    PASSING,
    RULES,
    SPCSettings,
    assurance,
    spc_summary,
    xmr,
)

NAN = math.nan
START = "2023-01-31"
RULE_COLUMNS = [f"rule_{r}" for r in RULES]

BASE = [11, 9, 11, 9, 11, 9]  # ends below the mean
BASE_HIGH_LAST = [9, 11, 9, 11, 9, 11]  # the same limits, ends above the mean
FIXED = SPCSettings(baseline_points=6)
BASE_MEAN, BASE_LOWER, BASE_UPPER = 10.0, 4.68, 15.32
NEAR_HIGH, NEAR_LOW = 10 + (2 / 3) * 5.32, 10 - (2 / 3) * 5.32  # 13.5466..., 6.4533...


def month_ends(n: int, start: str = START) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="ME")


def observations(series: dict[str, list[float]], directions: dict[str, str] | None = None, start: str = START) -> pd.DataFrame:
    """Long observations from {indicator_id: [value, ...]}, one a month from `start`."""
    frames = []
    for indicator, values in series.items():
        frame = pd.DataFrame({"indicator_id": indicator, "period_end": month_ends(len(values), start), "value": np.asarray(values, dtype=float)})
        if directions is not None:
            frame["direction"] = directions.get(indicator, "none")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def chart(values: list[float], spc: SPCSettings | None = None, direction: str = "none", rebase=None) -> pd.DataFrame:
    """The XmR points of one indicator, "A"."""
    return xmr(observations({"A": values}, {"A": direction}), spc, rebase=rebase)


def fired(points: pd.DataFrame, rule: str) -> dict[int, int]:
    """{row number (1-based): +1 high / -1 low} where the rule fired."""
    flags = points[f"rule_{rule}"].to_numpy()
    return {i + 1: int(f) for i, f in enumerate(flags) if f != 0}


def special_rows(points: pd.DataFrame) -> list[int]:
    return [i + 1 for i, s in enumerate(points["special_cause"]) if s]


# Limits on small series, worked by hand ---------------------------------------------------------


def test_limits_of_a_series_with_no_outlying_moving_range():
    # Values 5, 7, 6, 9, 8, 7, 10, 8 (8 points):
    #   mean = 60 / 8 = 7.5
    #   moving ranges 2, 1, 3, 1, 1, 3, 2: sum 13, mean 13 / 7 = 1.857...
    #   screen: 3.267 x 13 / 7 = 6.067..., no moving range above it, all kept
    #   limits = 7.5 -/+ 2.66 x 13 / 7 = 7.5 -/+ 4.94 = 2.56 and 12.44
    points = chart([5, 7, 6, 9, 8, 7, 10, 8])

    assert points["moving_range"].tolist()[1:] == [2, 1, 3, 1, 1, 3, 2]
    assert math.isnan(points["moving_range"].iloc[0])
    assert points["mean"].tolist() == pytest.approx([7.5] * 8)
    assert points["lower_limit"].tolist() == pytest.approx([2.56] * 8)
    assert points["upper_limit"].tolist() == pytest.approx([12.44] * 8)
    assert (points["limit_points"] == 8).all()
    assert (points["point_type"] == COMMON).all()

    unscreened = chart([5, 7, 6, 9, 8, 7, 10, 8], SPCSettings(screen_outliers=False))
    assert unscreened["lower_limit"].tolist() == pytest.approx([2.56] * 8)
    assert unscreened["upper_limit"].tolist() == pytest.approx([12.44] * 8)


def test_the_screen_leaves_out_moving_ranges_above_3_267_times_their_mean():
    # Values 10, 11, 10, 12, 11, 10, 30, 11, 10, 11 (10 points):
    #   mean = 126 / 10 = 12.6
    #   moving ranges 1, 1, 2, 1, 1, 20, 19, 1, 1: sum 47, mean 47 / 9 = 5.222...
    #   screen: 3.267 x 47 / 9 = 17.06..., so 20 and 19 are dropped
    #   kept 1, 1, 2, 1, 1, 1, 1: mean 8 / 7 = 1.142857...
    #   limits = 12.6 -/+ 2.66 x 8 / 7 = 12.6 -/+ 3.04 = 9.56 and 15.64
    values = [10, 11, 10, 12, 11, 10, 30, 11, 10, 11]
    points = chart(values)

    assert points["moving_range"].tolist()[1:] == [1, 1, 2, 1, 1, 20, 19, 1, 1]
    assert points["mean"].iloc[0] == pytest.approx(12.6)
    assert points["lower_limit"].iloc[0] == pytest.approx(9.56)
    assert points["upper_limit"].iloc[0] == pytest.approx(15.64)
    assert fired(points, "outside_limits")[7] == 1  # the 30

    # Unscreened: limits = 12.6 -/+ 2.66 x 47 / 9 = 12.6 -/+ 13.8911... = -1.2911... and 26.4911...
    unscreened = chart(values, SPCSettings(screen_outliers=False))
    assert unscreened["mean"].iloc[0] == pytest.approx(12.6)
    assert unscreened["lower_limit"].iloc[0] == pytest.approx(12.6 - 2.66 * 47 / 9)
    assert unscreened["upper_limit"].iloc[0] == pytest.approx(12.6 + 2.66 * 47 / 9)
    assert unscreened["upper_limit"].iloc[0] == pytest.approx(26.491111, abs=1e-6)


def test_the_screen_can_drop_a_single_moving_range():
    # Values 10, 11, 10, 12, 11, 10, 11, 10, 30 (9 points):
    #   mean = 115 / 9 = 12.777...
    #   moving ranges 1, 1, 2, 1, 1, 1, 1, 20: sum 28, mean 3.5; screen 3.267 x 3.5 = 11.43, drops the 20
    #   kept mean 8 / 7; limits = 115 / 9 -/+ 2.66 x 8 / 7 = 115 / 9 -/+ 3.04
    points = chart([10, 11, 10, 12, 11, 10, 11, 10, 30])

    assert points["mean"].iloc[-1] == pytest.approx(115 / 9)
    assert points["lower_limit"].iloc[-1] == pytest.approx(115 / 9 - 3.04)
    assert points["upper_limit"].iloc[-1] == pytest.approx(115 / 9 + 3.04)


def test_base_gives_the_limits_the_rule_tests_rely_on():
    points = chart(BASE + [10], FIXED)

    assert points["mean"].tolist() == pytest.approx([BASE_MEAN] * 7)
    assert points["lower_limit"].tolist() == pytest.approx([BASE_LOWER] * 7)
    assert points["upper_limit"].tolist() == pytest.approx([BASE_UPPER] * 7)
    assert special_rows(points) == []


# Each rule at its exact length, and one short ---------------------------------------------------


def test_a_shift_of_seven_above_the_mean_fires_on_the_seventh_point_only():
    # BASE ends below the mean; then seven 12s (above 10, short of the 13.55 zone): rows 7-13.
    points = chart(BASE + [12] * 7, FIXED)

    assert fired(points, "shift") == {13: 1}
    assert special_rows(points) == [13]
    assert points["side"].iloc[12] == "high"


def test_a_shift_of_seven_below_the_mean_counts_the_baseline_point_before_it():
    # BASE_HIGH_LAST ends above the mean; seven 8s below it: rows 7-13.
    points = chart(BASE_HIGH_LAST + [8] * 7, FIXED)
    assert fired(points, "shift") == {13: -1}
    assert points["side"].iloc[12] == "low"

    # BASE ends with 9, below the mean: 9 and six 8s are already seven below.
    points = chart(BASE + [8] * 6, FIXED)
    assert fired(points, "shift") == {12: -1}


def test_a_run_of_six_on_one_side_is_not_a_shift():
    points = chart(BASE + [12] * 6, FIXED)

    assert fired(points, "shift") == {}
    assert special_rows(points) == []
    assert (points["point_type"] == COMMON).all()


def test_shift_length_six_makes_a_run_of_six_a_shift():
    points = chart(BASE + [12] * 6, SPCSettings(baseline_points=6, shift_length=6))

    assert fired(points, "shift") == {12: 1}


def test_a_point_exactly_on_the_mean_breaks_a_shift():
    # 12, 12, 12, 10 (on the mean), 12, 12, 12: runs of 3 and 3, no shift.
    points = chart(BASE + [12, 12, 12, 10, 12, 12, 12], FIXED)
    assert points["mean"].iloc[9] == 10.0 and points["value"].iloc[9] == 10.0
    assert fired(points, "shift") == {}

    # After the point on the mean it takes seven more: rows 11-17.
    points = chart(BASE + [12, 12, 12, 10] + [12] * 7, FIXED)
    assert fired(points, "shift") == {17: 1}


def test_a_trend_of_seven_rising_points_fires_on_the_seventh():
    # BASE_HIGH_LAST ends with 11; then 7 (a fall), 7.5, 8, 8.5, 9, 10.5, 11 rise: 7 points, rows 7-13.
    # Five of them are below the mean and two above, and none is near a limit.
    points = chart(BASE_HIGH_LAST + [7, 7.5, 8, 8.5, 9, 10.5, 11], FIXED)

    assert fired(points, "trend") == {13: 1}
    assert special_rows(points) == [13]
    assert points["side"].iloc[12] == "high"


def test_six_rising_points_are_not_a_trend():
    points = chart(BASE_HIGH_LAST + [7, 7.5, 8, 8.5, 9, 10.5], FIXED)

    assert fired(points, "trend") == {}
    assert special_rows(points) == []


def test_a_trend_of_seven_falling_points_fires_on_the_seventh():
    # BASE ends with 9; 13 (a rise), then 12.5, 12, 11.5, 11, 9.5, 9 fall: 7 points, rows 7-13.
    points = chart(BASE + [13, 12.5, 12, 11.5, 11, 9.5, 9], FIXED)

    assert fired(points, "trend") == {13: -1}
    assert special_rows(points) == [13]
    assert points["side"].iloc[12] == "low"


def test_trend_length_six_makes_six_rising_points_a_trend():
    points = chart(BASE_HIGH_LAST + [7, 7.5, 8, 8.5, 9, 10.5], SPCSettings(baseline_points=6, trend_length=6))

    assert fired(points, "trend") == {12: 1}


def test_an_unchanged_figure_breaks_a_trend():
    # 7, 7.5, 8, 8, 8.5, 9, 10.5, 11: eight points rising or level, but the repeated 8 splits them
    # into 7, 7.5, 8 and 8, 8.5, 9, 10.5, 11 (five), so no trend.
    points = chart(BASE_HIGH_LAST + [7, 7.5, 8, 8, 8.5, 9, 10.5, 11], FIXED)

    assert fired(points, "trend") == {}
    assert special_rows(points) == []


def test_two_of_three_beyond_two_thirds_on_the_same_side_fires_on_the_second():
    # 14 (beyond 13.55, inside 15.32), 12 (above the mean, not near), 14: all three above the mean,
    # two of them near the upper limit: fires at row 9, not at the first 14.
    points = chart(BASE_HIGH_LAST + [14, 12, 14], FIXED)
    assert fired(points, "two_of_three") == {9: 1}
    assert special_rows(points) == [9]

    # Two in a row, after a point above the mean.
    points = chart(BASE_HIGH_LAST + [14, 14], FIXED)
    assert fired(points, "two_of_three") == {8: 1}

    # Low side: 6 is below 6.45 and above 4.68; 8 is below the mean.
    points = chart(BASE + [6, 8, 6], FIXED)
    assert fired(points, "two_of_three") == {9: -1}
    assert special_rows(points) == [9]


def test_two_of_three_needs_all_three_points_on_one_side_of_the_mean():
    # The case (as NHSRplotthedots and NHS England's Single Chart tool): 14, 8, 14 around a
    # mean of 10 has two points near the upper limit, but 8 is below the mean, so no signal.
    assert fired(chart(BASE + [14, 8, 14], FIXED), "two_of_three") == {}
    # 9 (below the mean), 14, 14: the window ending at the second 14 holds a point below the mean.
    assert fired(chart(BASE + [14, 14], FIXED), "two_of_three") == {}


def test_a_point_beyond_the_limit_is_not_one_of_the_two():
    # 17 is outside the limits (its own signal); 12 is not near; 14 is near: one near point, no signal.
    points = chart(BASE_HIGH_LAST + [17, 12, 14], FIXED)
    assert fired(points, "outside_limits") == {7: 1}
    assert fired(points, "two_of_three") == {}
    assert special_rows(points) == [7]
    # A point exactly on the limit is inside it, so near: 15.32 and 14 after 11 fire at the 14.
    assert fired(chart(BASE_HIGH_LAST + [BASE_UPPER, 14], FIXED), "two_of_three") == {8: 1}


def test_two_thirds_of_the_way_is_the_boundary_of_the_zone():
    # The zone starts at 13.5466... above and 6.4533... below: 13 and 6.5 are short of it, 13.6 and 6.4 in it.
    assert fired(chart(BASE_HIGH_LAST + [13, 13], FIXED), "two_of_three") == {}
    assert fired(chart(BASE_HIGH_LAST + [13.6, 13.6], FIXED), "two_of_three") == {8: 1}
    assert fired(chart(BASE + [6.5, 6.5], FIXED), "two_of_three") == {}
    assert fired(chart(BASE + [6.4, 6.4], FIXED), "two_of_three") == {8: -1}


def test_a_single_point_beyond_two_thirds_is_not_special():
    points = chart(BASE + [14], FIXED)

    assert fired(points, "two_of_three") == {}
    assert special_rows(points) == []


def test_two_beyond_two_thirds_on_opposite_sides_do_not_fire():
    for tail in ([14, 6, 8], [6, 14], [6, 8, 14]):
        points = chart(BASE + tail, FIXED)
        assert fired(points, "two_of_three") == {}, tail
        assert special_rows(points) == [], tail


def test_two_beyond_two_thirds_with_two_points_between_do_not_fire():
    points = chart(BASE + [14, 8, 11, 14], FIXED)

    assert fired(points, "two_of_three") == {}
    assert special_rows(points) == []


def test_points_outside_the_limits_above_and_below():
    points = chart(BASE + [16, 10, 4, 10, 15.3, 10, 4.7], FIXED)

    assert fired(points, "outside_limits") == {7: 1, 9: -1}
    assert special_rows(points) == [7, 9]
    assert points["side"].iloc[6] == "high" and points["side"].iloc[8] == "low"


def test_outside_the_limits_decides_the_side_when_rules_disagree():
    # BASE ends with 9; 30, 28, ..., 18 all above 15.32 and falling: row 13 completes a falling trend
    # (low) while it is outside the limits, two of three and a shift of seven above (all high).
    points = chart(BASE + [30, 28, 26, 24, 22, 20, 18], FIXED, direction="higher")

    assert int(points["rule_trend"].iloc[12]) == -1
    assert int(points["rule_outside_limits"].iloc[12]) == 1
    assert int(points["rule_shift"].iloc[12]) == 1
    assert points["side"].iloc[12] == "high"
    assert points["point_type"].iloc[12] == IMPROVING


# Direction ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "high", "low"),
    [("higher", IMPROVING, CONCERNING), ("lower", CONCERNING, IMPROVING), ("none", NEITHER, NEITHER)],
)
def test_the_direction_says_whether_special_cause_is_improving_or_concerning(direction, high, low):
    points = chart(BASE + [16, 10, 4], FIXED, direction=direction)

    assert points["point_type"].iloc[6] == high
    assert points["point_type"].iloc[8] == low
    assert set(points["point_type"].iloc[[0, 1, 2, 3, 4, 5, 7]]) == {COMMON}


def test_directions_can_be_given_as_a_mapping():
    obs = observations({"A": BASE + [16], "B": BASE + [16]})

    points = xmr(obs, FIXED, directions={"A": "higher", "B": "lower"})

    assert points.loc[points["indicator_id"] == "A", "point_type"].iloc[-1] == IMPROVING
    assert points.loc[points["indicator_id"] == "B", "point_type"].iloc[-1] == CONCERNING
    assert points.loc[points["indicator_id"] == "A", "direction"].iloc[-1] == "higher"


# Rebasing ----------------------------------------------------------------------------------------

SEG0 = [5, 7, 6, 9, 8, 7]  # mean 42 / 6 = 7; moving ranges 2, 1, 3, 1, 1: mean 1.6; limits 7 -/+ 4.256
SEG1 = [20, 24, 22, 26, 24, 22]  # mean 138 / 6 = 23; moving ranges 4, 2, 4, 2, 2: mean 2.8; limits 23 -/+ 7.448


def test_a_rebase_gives_each_segment_its_own_mean_and_limits():
    # Monthly from January 2023; the rebase is July's month end, the seventh point.
    rebase = pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-31"]})
    points = chart(SEG0 + SEG1, rebase=rebase)

    assert points["segment"].tolist() == [0] * 6 + [1] * 6
    assert points["point"].tolist() == [1, 2, 3, 4, 5, 6] * 2
    assert points["segment_start"].tolist() == [pd.Timestamp("2023-01-31")] * 6 + [pd.Timestamp("2023-07-31")] * 6
    assert points["mean"].tolist() == pytest.approx([7] * 6 + [23] * 6)
    assert points["lower_limit"].tolist() == pytest.approx([7 - 4.256] * 6 + [23 - 7.448] * 6)
    assert points["upper_limit"].tolist() == pytest.approx([7 + 4.256] * 6 + [23 + 7.448] * 6)
    assert points["limit_points"].tolist() == [6] * 12
    assert math.isnan(points["moving_range"].iloc[6])  # no moving range across the rebase
    assert (points["point_type"] == COMMON).all()

    # Without the rebase, one mean over all twelve: (42 + 138) / 12 = 15.
    assert chart(SEG0 + SEG1)["mean"].iloc[0] == pytest.approx(15)


def test_a_rebase_date_between_two_points_starts_the_segment_at_the_next_point():
    on_the_point = chart(SEG0 + SEG1, rebase=pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-31"]}))
    between = chart(SEG0 + SEG1, rebase=pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-15"]}))
    just_after_june = chart(SEG0 + SEG1, rebase=pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-01"]}))

    pd.testing.assert_frame_equal(between, on_the_point)
    pd.testing.assert_frame_equal(just_after_june, on_the_point)
    assert between["segment"].tolist() == [0] * 6 + [1] * 6


def test_two_rebases_make_three_segments():
    rebase = pd.DataFrame({"indicator_id": ["A", "A"], "rebase_date": ["2023-07-31", "2024-01-31"]})
    points = chart(SEG0 + SEG1 + SEG0, rebase=rebase)

    assert points["segment"].tolist() == [0] * 6 + [1] * 6 + [2] * 6
    assert points["mean"].tolist() == pytest.approx([7] * 6 + [23] * 6 + [7] * 6)


def test_a_trend_does_not_carry_across_a_rebase():
    # 1, 2, ..., 13 all rising. Unbroken, the trend is complete at the 7th point and every point after.
    values = list(range(1, 14))
    assert fired(chart(values), "trend") == {i: 1 for i in range(7, 14)}

    # Rebased at the 7th point: 1-6 (six rising) and 7-13 (seven rising, complete at the 13th).
    points = chart(values, rebase=pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-31"]}))
    assert fired(points, "trend") == {13: 1}


def test_a_shift_does_not_carry_across_a_rebase():
    # 1, 1, 1, 5, 5, 5 | 5, 5, 5, 5, 1, 1, 1, 1: each segment's mean is 3 (18 / 6, 24 / 8), as is the whole's (42 / 14).
    # Unbroken, 5 x 7 (rows 4-10) is a shift; rebased at row 7 the runs are 3 and 4.
    values = [1, 1, 1, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 1]
    assert fired(chart(values), "shift") == {10: 1}

    points = chart(values, rebase=pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-31"]}))
    assert points["mean"].tolist() == pytest.approx([3.0] * 14)
    assert fired(points, "shift") == {}


def test_rebasing_one_indicator_leaves_another_alone():
    obs = observations({"A": SEG0 + SEG1, "B": SEG0 + SEG1})
    rebase = pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-31"]})

    points = xmr(obs, rebase=rebase)
    b = points[points["indicator_id"] == "B"].reset_index(drop=True)

    pd.testing.assert_frame_equal(b, xmr(observations({"B": SEG0 + SEG1})))
    assert (b["segment"] == 0).all()
    assert points.loc[points["indicator_id"] == "A", "segment"].tolist() == [0] * 6 + [1] * 6


def test_rebase_as_a_mapping_gives_the_same_as_a_dataframe():
    """The mapping form and the settings' rebase, here with period ends at second resolution."""
    obs = observations({"A": SEG0 + SEG1, "B": SEG0 + SEG1})
    obs["period_end"] = obs["period_end"].astype("datetime64[s]")

    as_mapping = xmr(obs, rebase={"A": (date(2023, 7, 31),)})
    as_frame = xmr(obs, rebase=pd.DataFrame({"indicator_id": ["A"], "rebase_date": [date(2023, 7, 31)]}))
    from_settings = xmr(obs, SPCSettings(rebase={"A": (date(2023, 7, 31),)}))

    assert as_mapping["segment"].tolist() == [0] * 6 + [1] * 6 + [0] * 12
    pd.testing.assert_frame_equal(as_mapping, as_frame)
    pd.testing.assert_frame_equal(from_settings, as_frame)


@pytest.mark.parametrize(
    "how",
    ["mapping of dates", "settings.rebase", "dataframe of dates", "period_end in nanoseconds"],
)
def test_rebase_works_whatever_the_datetime_resolution(how):
    """As the pipeline runs it: period ends parsed from 'YYYY-MM-DD' (datetime64[us] in pandas 3),
    rebase dates as datetime.date from params' spc.rebase or the catalogue's spc_rebase. (An earlier
    version raised MergeError here: merge_asof refused to compare seconds with microseconds.)"""
    obs = observations({"A": SEG0 + SEG1})
    obs["period_end"] = pd.to_datetime(obs["period_end"].dt.strftime("%Y-%m-%d"), format="ISO8601")
    spc, rebase = None, None
    if how == "mapping of dates":
        rebase = {"A": (date(2023, 7, 31),)}
    elif how == "settings.rebase":
        spc = SPCSettings(rebase={"A": (date(2023, 7, 31),)})
    elif how == "dataframe of dates":
        rebase = pd.DataFrame({"indicator_id": ["A"], "rebase_date": [date(2023, 7, 31)]})
    else:
        obs["period_end"] = obs["period_end"].astype("datetime64[ns]")
        rebase = pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-07-31"]})

    points = xmr(obs, spc, rebase=rebase)

    assert points["segment"].tolist() == [0] * 6 + [1] * 6
    assert points["mean"].tolist() == pytest.approx([7] * 6 + [23] * 6)


# Short series and missing values ---------------------------------------------------------------


def test_fewer_than_six_points_have_no_limits_and_are_not_assessed():
    # 1-5 rising, all on their own side: with limits, shift_length=2 and trend_length=2 would fire.
    points = chart([1, 2, 3, 4, 100], SPCSettings(shift_length=2, trend_length=2))

    assert len(points) == 5
    assert points["mean"].isna().all()
    assert points["lower_limit"].isna().all() and points["upper_limit"].isna().all()
    assert (points["point_type"] == NOT_ASSESSED).all()
    assert not points["special_cause"].any()
    assert not points["provisional"].any()
    for column in RULE_COLUMNS:
        assert (points[column] == 0).all(), column


def test_six_points_give_provisional_limits_and_twelve_firm_ones():
    six = chart([5, 7, 6, 9, 8, 7])
    assert six["mean"].tolist() == pytest.approx([7] * 6)
    assert six["upper_limit"].tolist() == pytest.approx([7 + 2.66 * 1.6] * 6)
    assert six["provisional"].all()
    assert (six["point_type"] == COMMON).all()

    assert chart(SEG0 + [6, 8, 7, 6, 8])["provisional"].all()  # 11 points
    assert not chart(SEG0 + [6, 8, 7, 6, 8, 7])["provisional"].any()  # 12 points


def test_min_points_is_respected():
    assert chart([5, 7, 6, 9, 8, 7, 6], SPCSettings(min_points=8))["mean"].isna().all()
    assert (chart([5, 7, 6, 9, 8, 7, 6], SPCSettings(min_points=8))["point_type"] == NOT_ASSESSED).all()
    assert chart([5, 7, 6, 9, 8, 7, 6, 8], SPCSettings(min_points=8))["mean"].notna().all()

    three = chart([5, 7, 6], SPCSettings(min_points=3))
    # mean 6; moving ranges 2, 1: mean 1.5; limits 6 -/+ 3.99
    assert three["mean"].tolist() == pytest.approx([6] * 3)
    assert three["lower_limit"].tolist() == pytest.approx([2.01] * 3)
    assert three["provisional"].all()


def test_missing_values_are_not_points():
    # 5, 7, -, 6, 9, 8, 7: six points, as SEG0; the moving range bridges the gap (|6 - 7| = 1).
    points = chart([5, 7, NAN, 6, 9, 8, 7])

    assert len(points) == 6
    assert points["value"].tolist() == [5, 7, 6, 9, 8, 7]
    assert points["point"].tolist() == [1, 2, 3, 4, 5, 6]
    assert points["moving_range"].tolist()[1:] == [2, 1, 3, 1, 1]
    assert pd.Timestamp("2023-03-31") not in set(points["period_end"])
    assert points["mean"].tolist() == pytest.approx([7] * 6)
    assert points["upper_limit"].tolist() == pytest.approx([7 + 4.256] * 6)

    # Five figures and a gap are five points: too few.
    assert (chart([5, NAN, 7, 6, 9, 8])["point_type"] == NOT_ASSESSED).all()


def test_no_observations_give_no_points():
    points = xmr(observations({"A": [NAN, NAN]}))

    assert len(points) == 0
    assert "point_type" in points


# Baseline fixing ---------------------------------------------------------------------------------


def test_baseline_points_fix_the_limits_on_the_first_points():
    # The first six, SEG0, set mean 7 and limits 7 -/+ 4.256; 30, 1 and 50 after them change nothing.
    points = chart(SEG0 + [30, 1, 50], SPCSettings(baseline_points=6))

    assert points["mean"].tolist() == pytest.approx([7] * 9)
    assert points["lower_limit"].tolist() == pytest.approx([7 - 4.256] * 9)
    assert points["upper_limit"].tolist() == pytest.approx([7 + 4.256] * 9)
    assert points["limit_points"].tolist() == [6] * 9
    assert points["provisional"].all()  # limits from six points
    assert fired(points, "outside_limits") == {7: 1, 8: -1, 9: 1}

    # Unfixed, the same series has quite different limits: mean (42 + 81) / 9.
    assert chart(SEG0 + [30, 1, 50])["mean"].iloc[0] == pytest.approx(123 / 9)


def test_fixed_limits_are_firm_once_they_rest_on_twelve_points():
    values = [5, 7, 6, 9, 8, 7] * 3
    assert not chart(values, SPCSettings(baseline_points=12))["provisional"].any()
    assert (chart(values, SPCSettings(baseline_points=12))["limit_points"] == 12).all()


def test_a_baseline_longer_than_the_series_uses_every_point():
    points = chart(SEG0, SPCSettings(baseline_points=12))

    assert points["mean"].tolist() == pytest.approx([7] * 6)
    assert points["limit_points"].tolist() == [6] * 6


def test_baseline_points_apply_to_each_segment():
    # Segment 0: SEG0 + 100 (fixed on SEG0); segment 1: SEG1 + 0 (fixed on SEG1).
    rebase = pd.DataFrame({"indicator_id": ["A"], "rebase_date": ["2023-08-31"]})
    points = chart(SEG0 + [100] + SEG1 + [0], SPCSettings(baseline_points=6), rebase=rebase)

    assert points["segment"].tolist() == [0] * 7 + [1] * 7
    assert points["mean"].tolist() == pytest.approx([7] * 7 + [23] * 7)
    assert points["upper_limit"].tolist() == pytest.approx([7 + 4.256] * 7 + [23 + 7.448] * 7)


# Settings switch rules off -----------------------------------------------------------------------

RULE_CASES = {
    # rule: (series, row where it fires with the defaults, the setting that switches it off)
    "outside_limits": (BASE + [16], 7, {"outside_limits": False}),
    "two_of_three": (BASE_HIGH_LAST + [14, 14], 8, {"two_of_three": False}),
    "shift": (BASE + [12] * 7, 13, {"shift_length": 0}),
    "trend": (BASE_HIGH_LAST + [7, 7.5, 8, 8.5, 9, 10.5, 11], 13, {"trend_length": 0}),
}


@pytest.mark.parametrize("rule", list(RULE_CASES))
def test_a_setting_switches_a_rule_off(rule):
    values, row, off = RULE_CASES[rule]

    on = chart(values, FIXED, direction="higher")
    assert fired(on, rule) == {row: 1}
    assert on["point_type"].iloc[row - 1] == IMPROVING

    switched = chart(values, SPCSettings(baseline_points=6, **off), direction="higher")
    assert (switched[f"rule_{rule}"] == 0).all()
    assert not switched["special_cause"].any()
    assert (switched["point_type"] == COMMON).all()


# Assurance and the summary -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        ("higher", 5, PASSING),  # the whole range 10-20 is above the target
        ("higher", 10, PASSING),  # the lower limit reaches the target
        ("higher", 15, HIT_AND_MISS),
        ("higher", 20, HIT_AND_MISS),  # only the upper limit reaches it
        ("higher", 25, FAILING),
        ("lower", 25, PASSING),
        ("lower", 20, PASSING),  # the upper limit is at the target
        ("lower", 15, HIT_AND_MISS),
        ("lower", 10, HIT_AND_MISS),
        ("lower", 5, FAILING),
        ("higher", NAN, NO_TARGET),
        ("lower", NAN, NO_TARGET),
        ("none", 15, NO_DIRECTION),
        ("none", NAN, NO_DIRECTION),
    ],
)
def test_assurance_compares_the_limits_10_to_20_with_the_target(direction, target, expected):
    result = assurance(pd.Series([10.0]), pd.Series([20.0]), pd.Series([float(target)]), pd.Series([direction]))

    assert result.tolist() == [expected]


def test_assurance_without_limits_is_not_assessed():
    result = assurance(
        pd.Series([NAN, NAN, 10.0]), pd.Series([NAN, NAN, NAN]),
        pd.Series([5.0, NAN, 5.0]), pd.Series(["higher", "none", "lower"]),
    )

    assert result.tolist() == [NOT_ASSESSED] * 3


def test_assurance_is_vectorised_and_keeps_the_index():
    index = pd.Index(["x", "y", "z"])
    result = assurance(
        pd.Series([10.0, 10.0, 10.0], index=index), pd.Series([20.0, 20.0, 20.0], index=index),
        pd.Series([5.0, 25.0, 15.0], index=index), pd.Series(["higher", "higher", "lower"], index=index),
    )

    assert result.to_dict() == {"x": PASSING, "y": FAILING, "z": HIT_AND_MISS}


def test_spc_summary_reports_each_indicators_latest_point():
    obs = observations(
        {"A": BASE + [16], "B": [1, 2, 3], "C": SEG0 + SEG1 + [24]},
        {"A": "higher", "B": "higher", "C": "lower"},
    )
    rebase = pd.DataFrame({"indicator_id": ["C"], "rebase_date": ["2023-07-31"]})
    points = xmr(obs, FIXED, rebase=rebase)

    summary = spc_summary(points, pd.Series({"A": 3.0, "C": 35.0}), FIXED).set_index("indicator_id")

    a = summary.loc["A"]
    assert a["variation"] == IMPROVING
    assert a["spc_points"] == 7 and a["spc_limit_points"] == 6
    assert a["mean"] == pytest.approx(BASE_MEAN)
    assert a["lower_limit"] == pytest.approx(BASE_LOWER) and a["upper_limit"] == pytest.approx(BASE_UPPER)
    assert bool(a["spc_provisional"]) is True
    assert bool(a["spc_rebased"]) is False
    assert a["spc_latest_rules"] == "outside the process limits"
    assert a["assurance"] == PASSING  # 4.68 to 15.32, all above 3

    b = summary.loc["B"]
    assert b["variation"] == NOT_ASSESSED and b["assurance"] == NOT_ASSESSED
    assert b["spc_points"] == 3
    assert math.isnan(b["mean"]) and math.isnan(b["upper_limit"])

    c = summary.loc["C"]  # SEG1 + 24 after the rebase, fixed on SEG1: mean 23, limits 15.552 to 30.448
    assert c["variation"] == COMMON
    assert c["spc_points"] == 7 and c["spc_limit_points"] == 6
    assert c["mean"] == pytest.approx(23) and c["upper_limit"] == pytest.approx(30.448)
    assert bool(c["spc_rebased"]) is True
    assert c["spc_segment_start"] == pd.Timestamp("2023-07-31")
    assert c["assurance"] == PASSING  # lower is better, upper limit 30.448 below the target 35
    assert c["spc_latest_rules"] == ""


def test_spc_summary_without_targets_says_no_target():
    points = xmr(observations({"A": SEG0 + [6, 8, 7, 6, 8, 7]}, {"A": "higher"}))

    summary = spc_summary(points)

    assert summary["assurance"].tolist() == [NO_TARGET]
    assert summary["variation"].tolist() == [COMMON]
    assert summary["spc_provisional"].tolist() == [False]
    assert summary["spc_points"].tolist() == [12]


# Properties --------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None)
# Small whole numbers (ties, points on the mean, level steps) and figures to two places.
figure = st.one_of(st.integers(-6, 6).map(float), st.integers(-3000, 3000).map(lambda i: i / 100))
direction = st.sampled_from(["higher", "lower", "none"])


@st.composite
def spc_settings(draw, baseline=None) -> SPCSettings:
    return SPCSettings(
        min_points=draw(st.integers(1, 8)),
        provisional_below=draw(st.integers(1, 14)),
        baseline_points=baseline if baseline is not None else draw(st.one_of(st.none(), st.integers(1, 12))),
        screen_outliers=draw(st.booleans()),
        outside_limits=draw(st.booleans()),
        two_of_three=draw(st.booleans()),
        shift_length=draw(st.sampled_from([0, 2, 3, 5, 6, 7, 8])),
        trend_length=draw(st.sampled_from([0, 2, 3, 5, 6, 7, 8])),
        direction_precedence=draw(st.sampled_from(["trend_first", "trend_last"])),
    )


def frame_of(rows: list[tuple[str, pd.Timestamp, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator_id", "period_end", "value", "direction"])
    return frame.astype({"indicator_id": object, "value": float, "direction": object})


@st.composite
def many_indicators(draw):
    """Up to five indicators' series (some figures missing), directions and rebase dates."""
    rows, rebases = [], []
    for indicator in draw(st.lists(st.sampled_from("ABCDE"), min_size=1, max_size=5, unique=True)):
        ends = month_ends(draw(st.integers(0, 24)), f"202{draw(st.integers(0, 2))}-01-31")
        values = [draw(st.one_of(figure, figure, figure, st.just(NAN))) for _ in ends]
        way = draw(direction)
        rows += [(indicator, end, v, way) for end, v in zip(ends, values)]
        for _ in range(draw(st.integers(0, 2))):
            if len(ends):
                end = ends[draw(st.integers(0, len(ends) - 1))] - pd.Timedelta(days=draw(st.sampled_from([0, 0, 10])))
                rebases.append((indicator, end.strftime("%Y-%m-%d")))
    rebase = pd.DataFrame(rebases, columns=["indicator_id", "rebase_date"])
    return frame_of(rows), rebase


@PROPERTY
@given(case=many_indicators(), spc=spc_settings())
def test_all_indicators_at_once_agree_with_one_at_a_time(case, spc):
    obs, rebase = case

    together = xmr(obs, spc, rebase=rebase)

    parts = [xmr(obs[obs["indicator_id"] == i], spc, rebase=rebase) for i in sorted(obs["indicator_id"].unique())]
    parts = [p for p in parts if len(p)]
    if parts:
        pd.testing.assert_frame_equal(together, pd.concat(parts, ignore_index=True))
    else:
        assert len(together) == 0


@PROPERTY
@given(case=many_indicators(), spc=spc_settings(), seed=st.randoms(use_true_random=False))
def test_row_order_does_not_matter(case, spc, seed):
    obs, rebase = case
    order = list(range(len(obs)))
    seed.shuffle(order)

    pd.testing.assert_frame_equal(xmr(obs.iloc[order], spc, rebase=rebase), xmr(obs, spc, rebase=rebase))


@st.composite
def series_past_its_baseline(draw):
    """Indicator A: optionally an earlier segment, then a rebase, then at least `baseline_points`
    figures; indicator B alongside; and A's next figure."""
    baseline = draw(st.integers(1, 12))
    spc = draw(spc_settings(baseline=baseline))
    earlier = draw(st.lists(figure, max_size=10))
    current = draw(st.lists(figure, min_size=baseline, max_size=baseline + 15))
    ends = month_ends(len(earlier) + len(current) + 1)
    a = draw(direction)
    rows = [("A", end, v, a) for end, v in zip(ends, earlier + current)]
    b = draw(direction)
    rows += [("B", end, v, b) for end, v in zip(ends, draw(st.lists(figure, min_size=len(ends), max_size=len(ends))))]
    rebase = pd.DataFrame(
        [("A", ends[len(earlier)].strftime("%Y-%m-%d"))] if earlier else [], columns=["indicator_id", "rebase_date"],
    )
    following = ("A", ends[-1], draw(st.one_of(figure, st.just(NAN))), a)
    return frame_of(rows), frame_of([following]), rebase, spc


@PROPERTY
@given(series_past_its_baseline())
def test_the_next_figure_never_changes_an_earlier_point_once_limits_are_fixed(case):
    """A chart published last month must not change when this month's figure arrives."""
    obs, following, rebase, spc = case

    before = xmr(obs, spc, rebase=rebase)
    after = xmr(pd.concat([obs, following], ignore_index=True), spc, rebase=rebase)

    is_new = (after["indicator_id"] == "A") & (after["period_end"] == following["period_end"].iloc[0])
    assert is_new.sum() == (0 if math.isnan(following["value"].iloc[0]) else 1)
    pd.testing.assert_frame_equal(after[~is_new].reset_index(drop=True), before)


# A plain per-point reference, written from the rules as stated ---------------------------------


def reference_chart(values: list[float], spc: SPCSettings) -> list[dict]:
    """One indicator, one segment, no missing values: the rules counted back point by point."""
    n = len(values)
    base = values[: spc.baseline_points] if spc.baseline_points else values
    if len(base) < max(spc.min_points, 2):
        return [dict(mean=NAN, rules=(0, 0, 0, 0), point_type=NOT_ASSESSED) for _ in values]
    mean = sum(base) / len(base)
    ranges = [abs(base[i] - base[i - 1]) for i in range(1, len(base))]
    mean_range = sum(ranges) / len(ranges)
    if spc.screen_outliers:
        kept = [r for r in ranges if r <= 3.267 * mean_range]
        mean_range = sum(kept) / len(kept)
    spread = 2.66 * mean_range
    lower, upper = mean - spread, mean + spread
    sign = lambda v: (v > 0) - (v < 0)  # noqa: E731

    def close(t):
        """Beyond two-thirds of the way to a limit, but not beyond the limit."""
        near = (2 / 3) * spread
        return 1 if mean + near < values[t] <= upper else -1 if lower <= values[t] < mean - near else 0

    out = []
    for t, x in enumerate(values):
        outside = (1 if x > upper else -1 if x < lower else 0) if spc.outside_limits else 0
        two = 0
        if spc.two_of_three and close(t) != 0 and t >= 2:
            window = range(t - 2, t + 1)
            if sum(close(s) == close(t) for s in window) >= 2 and all(sign(values[s] - mean) == close(t) for s in window):
                two = close(t)
        shift = 0
        side = sign(x - mean)
        if spc.shift_length and side != 0:
            run = 1
            while t - run >= 0 and sign(values[t - run] - mean) == side:
                run += 1
            shift = side if run >= spc.shift_length else 0
        trend = 0
        step = sign(x - values[t - 1]) if t > 0 else 0
        if spc.trend_length and step != 0:
            rises = 1
            while t - rises >= 1 and sign(values[t - rises] - values[t - rises - 1]) == step:
                rises += 1
            trend = step if rises + 1 >= spc.trend_length else 0
        rules = (outside, two, shift, trend)
        order = (outside, trend, two, shift) if spc.direction_precedence == "trend_first" else rules
        first = next((r for r in order if r != 0), 0)
        out.append(dict(mean=mean, lower=lower, upper=upper, rules=rules, side=first))
    return out


@PROPERTY
@given(values=st.lists(figure, max_size=30), spc=spc_settings(), way=direction)
def test_xmr_agrees_with_a_plain_reference(values, spc, way):
    points = chart(values, spc, direction=way)
    expected = reference_chart(values, spc)

    assert len(points) == len(values)
    for (_, got), want in zip(points.iterrows(), expected):
        rules = tuple(int(got[c]) for c in RULE_COLUMNS)
        assert rules == want["rules"]
        if math.isnan(want["mean"]):
            assert got["point_type"] == NOT_ASSESSED and math.isnan(got["mean"])
            continue
        assert got["mean"] == pytest.approx(want["mean"], abs=1e-9)
        assert got["lower_limit"] == pytest.approx(want["lower"], abs=1e-9)
        assert got["upper_limit"] == pytest.approx(want["upper"], abs=1e-9)
        s, d = want["side"], {"higher": 1, "lower": -1, "none": 0}[way]
        expected_type = COMMON if s == 0 else NEITHER if d == 0 else IMPROVING if s == d else CONCERNING
        assert got["point_type"] == expected_type
        assert got["side"] == ("" if s == 0 else "high" if s > 0 else "low")


def test_a_rebase_on_or_before_the_first_point_changes_nothing():
    """A rebase date before an indicator's first figure starts no new segment: the limits are not 'rebased'."""
    values = [10.0, 12.0, 11.0, 13.0, 12.0, 11.0, 12.0, 13.0]
    plain = chart(values)
    early = chart(values, rebase={"A": (date(2020, 1, 1),)})
    assert list(early["segment"]) == [0] * len(values)
    pd.testing.assert_frame_equal(early, plain)
    assert not bool(spc_summary(early)["spc_rebased"].iloc[0])
