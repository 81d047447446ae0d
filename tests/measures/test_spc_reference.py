"""The XmR engine against NHSRplotthedots, the NHS-R community's implementation of Making Data Count.

`nhsr()` below is a line-by-line transcription, in plain Python loops, of NHSRplotthedots 0.2's
published R code: `ptd_spc_standard` (mean, moving ranges, outlier screen, limits, near-limit zone),
`ptd_special_cause_type` and `ptd_point_type` (the rules, each point's flag and direction, trend
first) and `ptd_calculate_assurance_type`. It is written from that code, not from this engine, so
the two can disagree. Every series is compared point by point:

- mean and process limits: equal wherever both draw limits;
- each point's special-cause flag and its direction: equal to NHSRplotthedots evaluated counting
  back only (the engine never looks ahead: next month's figure must not change this month's flag);
- the latest point's variation: equal to NHSRplotthedots as published (for the latest point there is
  nothing ahead, so the two readings agree);
- assurance: equal to NHSRplotthedots with `target_on_limit="hit_and_miss"`.

Where this project differs on purpose, a test says so and asserts the project's value: no
look-ahead, no limits for fewer than `min_points` figures, a target exactly on a limit passing, and
a constant series' limits on its mean. The three cases named in the issue, and a few series small
enough to work out by hand, have their expected values written in as numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from reporting.measures.spc import (
    COMMON,
    CONCERNING,
    FAILING,
    HIT_AND_MISS,
    IMPROVING,
    NEITHER,
    NO_DIRECTION,
    NOT_ASSESSED,
    PASSING,
    SPCSettings,
    assurance,
    xmr,
)

NAN = math.nan
DIRECTIONS = {"higher": 1, "lower": -1, "none": 0}


# NHSRplotthedots 0.2, transcribed ----------------------------------------------------------------


def _sign(v: float) -> int:
    return (v > 0) - (v < 0)


@dataclass
class Point:
    mean: float
    lower: float
    upper: float
    flag: bool
    side: int  # +1 high, -1 low, 0 common cause
    point_type: str  # ours: COMMON, IMPROVING, CONCERNING, NEITHER


def nhsr(y: list[float], direction: str = "higher", fix_after: int | None = None, screen: bool = True,
         rebase_at: tuple[int, ...] = (), look_ahead: bool = True) -> list[Point]:
    """NHSRplotthedots' per-point output for one series (rebase_at: indexes where a new group starts)."""
    groups, start = [], 0
    for cut in sorted(rebase_at):
        groups.append(y[start:cut])
        start = cut
    groups.append(y[start:])
    out: list[Point] = []
    for g in groups:
        out += _nhsr_group(g, DIRECTIONS[direction], fix_after, screen, look_ahead)
    return out


def _nhsr_group(y, improvement, fix_after, screen, look_ahead) -> list[Point]:
    n = len(y)
    fix_y = [v if (fix_after is None or i < fix_after) else NAN for i, v in enumerate(y)]
    fixed = [v for v in fix_y if not math.isnan(v)]
    mean = sum(fixed) / len(fixed)
    mr = [NAN] + [abs(fix_y[i] - fix_y[i - 1]) for i in range(1, n)]
    usable = [m for m in mr if not math.isnan(m)]
    amr = sum(usable) / len(usable) if usable else NAN
    if screen:
        mr = [m if (not math.isnan(m) and m < 3.267 * amr) else NAN for m in mr]
        usable = [m for m in mr if not math.isnan(m)]
        amr = sum(usable) / len(usable) if usable else NAN
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr
    nlpl, nupl = mean - 2 * (2.66 / 3) * amr, mean + 2 * (2.66 / 3) * amr
    outside = [(v > upl or v < lpl) for v in y]
    rtm = [_sign(v - mean) for v in y]
    close = [int(not outside[i] and (y[i] < nlpl or y[i] > nupl)) for i in range(n)]

    ahead = 6 if look_ahead else 0
    # ptd_seven_point_one_side_mean, then ptd_part_of_seven_trend
    vp = [0] * 6 + rtm
    seven_side = [int(all(vp[i + 6] == vp[i + 6 - k] for k in range(1, 7)) and vp[i + 6] != 0) for i in range(n)]
    # ptd_seven_point_trend: +1 rising, -1 falling over the 7 points ending at i
    trend = [0] * n
    for i in range(6, n):
        d = [_sign(y[i - k] - y[i - k - 1]) for k in range(6)]
        trend[i] = 1 if all(x == 1 for x in d) else -1 if all(x == -1 for x in d) else 0

    def part_of(v):
        padded = v + [0] * 6
        return [int(any(abs(padded[i + k]) == 1 for k in range(ahead + 1))) for i in range(n)]

    part_trend, part_side = part_of(trend), part_of(seven_side)
    # ptd_two_in_three: windows of three containing i (only the one ending at i without look-ahead)
    cp, rp = [0, 0] + close + [0, 0], [0, 0] + rtm + [0, 0]
    windows = (0, 1, 2) if look_ahead else (0,)
    two = [int(any(sum(cp[i + w:i + w + 3]) >= 2 and abs(sum(rp[i + w:i + w + 3])) == 3 for w in windows)) for i in range(n)]
    part_two = [int(two[i] == 1 and close[i] == 1) for i in range(n)]
    # ptd_special_cause_type: a trend point takes the direction of the change into it, or, when the
    # trend continues past it, of the change out of it (looking ahead only where NHSRplotthedots does).
    sdy = [_sign(y[i + 1] - y[i]) for i in range(n - 1)]
    direction_of_trend = []
    for i in range(n):
        continues = look_ahead and i + 1 < n and part_trend[i + 1] and part_trend[i]
        direction_of_trend.append((sdy + sdy[-1:])[i] if continues else ([0] + sdy)[i])
    out = []
    for i in range(n):
        if outside[i]:
            v = 1 if rtm[i] == 1 else -1
        elif part_trend[i]:
            v = 1 if direction_of_trend[i] == 1 else -1
        elif part_two[i]:
            v = 1 if rtm[i] > 0 else -1
        elif part_side[i]:
            v = 1 if rtm[i] > 0 else -1
        else:
            v = 0
        kind = COMMON if v == 0 else NEITHER if improvement == 0 else IMPROVING if v * improvement > 0 else CONCERNING
        out.append(Point(mean, lpl, upl, v != 0, v, kind))
    return out


def nhsr_assurance(lower: float, upper: float, target: float | None, direction: str) -> str:
    """ptd_calculate_assurance_type, in this project's words."""
    if target is None or direction == "none":
        return "none"
    if target > upper:
        return FAILING if direction == "higher" else PASSING
    if target < lower:
        return PASSING if direction == "higher" else FAILING
    return HIT_AND_MISS


# The series ----------------------------------------------------------------------------------------

STEADY = [10, 12, 9, 11, 10, 13, 8, 11, 10, 12, 9, 11]
NOISE = [52.1, 49.8, 50.6, 51.9, 48.7, 50.3, 49.1, 51.4, 50.9, 48.8, 50.2, 51.1, 49.5, 50.7, 49.9, 50.4]


@dataclass
class Case:
    values: list[float]
    direction: str = "higher"
    fix_after: int | None = None
    screen: bool = True
    rebase_at: tuple[int, ...] = ()
    target: float | None = None


CASES = {
    "steady, higher is better": Case(STEADY, target=8.0),
    "steady, lower is better": Case(STEADY, "lower", target=14.0),
    "steady, no direction": Case(STEADY, "none"),
    "noise about 50, target inside": Case(NOISE, target=50.0),
    "shift up, the last seven above": Case(STEADY[:8] + [12.5, 12.2, 12.8, 12.1, 12.6, 12.3, 12.9]),
    "shift down, lower is better": Case(STEADY[:8] + [8.9, 8.6, 9.2, 8.8, 9.1, 8.7, 9.3], "lower"),
    "trend up over seven": Case([10, 11, 9, 10, 11, 9, 10, 9.2, 9.6, 10.1, 10.5, 10.9, 11.4, 11.8]),
    "trend down over seven, lower is better": Case([10, 9, 11, 10, 9, 11, 10, 10.8, 10.4, 10.0, 9.6, 9.1, 8.8, 8.3], "lower"),
    "six rising points: no trend (two of three fires)": Case([10, 11, 9, 10, 11, 9, 9.2, 9.6, 10.1, 10.5, 10.9, 11.4]),
    "ties break a trend": Case([10, 11, 9, 10, 11, 9, 9.2, 9.6, 9.6, 10.1, 10.5, 10.9, 11.4, 11.8]),
    "a point on the mean breaks a shift": Case([9, 11, 9, 11, 9, 11, 11.5, 11.2, 10.0, 11.4, 11.1, 11.3, 11.6, 11.2, 11.5]),
    "outlier, screened": Case([20, 21, 19, 20, 22, 19, 21, 20, 35, 20, 21, 19, 20]),
    "outlier, not screened": Case([20, 21, 19, 20, 22, 19, 21, 20, 35, 20, 21, 19, 20], screen=False),
    "outside both limits": Case([20, 21, 19, 20, 22, 19, 21, 20, 29, 20, 12, 20, 21], fix_after=8),
    "limits fixed after 8 points": Case(STEADY[:8] + [13, 14, 12, 15, 13, 14, 16], fix_after=8),
    "rebase after a change": Case([10, 11, 9, 10, 11, 9, 10, 11, 20, 21, 19, 20, 22, 19, 21, 20], rebase_at=(8,)),
    "short: 6 points": Case([10, 12, 9, 11, 10, 13]),
    "short: 7 points": Case([10, 12, 9, 11, 10, 13, 8]),
    "short: 9 points, last outside": Case([10, 12, 9, 11, 10, 13, 8, 11, 19], fix_after=8),
    "short: 12 points": Case(STEADY),
    "negative values": Case([-5, -3, -6, -4, -5, -2, -6, -4, -5, -3, 1, -4], "lower", target=-2.0),
    "percentages near 0": Case([0.4, 0.6, 0.3, 0.5, 0.2, 0.6, 0.4, 0.5, 0.3, 0.7, 1.9, 0.5], "lower", target=1.0),
    "percentages near 100, one low outside": Case([98.2, 98.9, 97.6, 99.1, 98.4, 98.8, 97.9, 99.3, 98.5, 98.1, 95.0, 98.6], target=97.0,
                                                   fix_after=10),
    "two of three, same side, high": Case([9, 11, 9, 11, 9, 11, 14, 12, 14], fix_after=6),
    "two of three, same side, low": Case([11, 9, 11, 9, 11, 9, 6, 8, 6], "lower", fix_after=6),
    "issue case 1: two of three, third on the other side": Case([11, 9, 11, 9, 11, 9, 14, 8, 14], fix_after=6),
    "issue case 2: the point beyond the limit is not one of the two": Case([9, 11, 9, 11, 9, 11, 17, 12, 14], fix_after=6),
    "issue case 3: falling trend inside a shift above the mean": Case(
        [10, 9, 11, 10, 9, 11, 10, 9, 10, 11, 10, 9, 11, 10, 16.5, 16.0, 15.0, 14.0, 13.0, 12.5, 12.0], fix_after=14),
    "two in a row near the limit after a point above": Case([9, 11, 9, 11, 9, 11, 14, 14], fix_after=6),
    "long series with a shift and a trend": Case(NOISE + [51.2, 51.6, 52.0, 52.3, 52.9, 53.2, 53.8], target=51.0),
    "target far above the limits (failing)": Case(NOISE, target=60.0),
    "target far below the limits (passing)": Case(NOISE, target=40.0),
}


def engine(case: Case, settings: SPCSettings | None = None) -> pd.DataFrame:
    dates = pd.date_range("2022-01-31", periods=len(case.values), freq="ME")
    obs = pd.DataFrame({"indicator_id": "A", "period_end": dates, "value": np.asarray(case.values, dtype=float),
                        "direction": case.direction})
    rebase = {"A": tuple(dates[i].date() for i in case.rebase_at)}
    settings = settings or SPCSettings(min_points=2, baseline_points=case.fix_after, screen_outliers=case.screen)
    return xmr(obs, settings, rebase=rebase)


def side_of(row) -> int:
    return {"": 0, "high": 1, "low": -1}[row["side"]]


@pytest.mark.parametrize("name", list(CASES))
def test_limits_flags_variation_and_assurance_agree_with_nhsrplotthedots(name):
    case = CASES[name]
    assert len(CASES) >= 30
    points = engine(case)
    counting_back = nhsr(case.values, case.direction, case.fix_after, case.screen, case.rebase_at, look_ahead=False)
    published = nhsr(case.values, case.direction, case.fix_after, case.screen, case.rebase_at, look_ahead=True)
    for i, ((_, got), want) in enumerate(zip(points.iterrows(), counting_back)):
        assert got["mean"] == pytest.approx(want.mean, abs=1e-9), (name, i)
        assert got["lower_limit"] == pytest.approx(want.lower, abs=1e-9), (name, i)
        assert got["upper_limit"] == pytest.approx(want.upper, abs=1e-9), (name, i)
        assert bool(got["special_cause"]) == want.flag, (name, i, case.values[i])
        assert side_of(got) == want.side, (name, i)
        assert got["point_type"] == want.point_type, (name, i)
    # The latest point: nothing is ahead of it, so the published reading and the engine agree.
    assert points["point_type"].iloc[-1] == published[-1].point_type
    # Every point the engine flags, NHSRplotthedots flags too (it also flags earlier points of a run).
    assert {i for i, p in enumerate(published) if p.flag} >= set(np.flatnonzero(points["special_cause"].to_numpy()))
    if case.target is not None:
        last = points.iloc[-1]
        ours = assurance(points["lower_limit"].tail(1), points["upper_limit"].tail(1), pd.Series([case.target], index=[last.name]),
                         points["direction"].tail(1), target_on_limit="hit_and_miss").iloc[0]
        assert ours == nhsr_assurance(published[-1].lower, published[-1].upper, case.target, case.direction)


# Worked out by hand ---------------------------------------------------------------------------------


def test_issue_case_1_two_near_the_upper_limit_with_the_third_below_the_mean_is_not_special():
    # Mean 10, mean moving range 2 (limits from the six alternating points): limits 10 -/+ 5.32 =
    # 4.68 and 15.32; the zone starts at 10 + 3.5467 = 13.5467. 14, 8, 14: 8 is below the mean.
    points = engine(Case([11, 9, 11, 9, 11, 9, 14, 8, 14], fix_after=6))
    assert points["lower_limit"].iloc[-1] == pytest.approx(4.68) and points["upper_limit"].iloc[-1] == pytest.approx(15.32)
    assert not points["rule_two_of_three"].any()
    assert not points["special_cause"].any()


def test_issue_case_2_a_point_beyond_the_limit_is_its_own_signal_only():
    # 17 > 15.32: outside (row 7). 12 is not near; 14 is near but alone among near points: no two of three.
    points = engine(Case([9, 11, 9, 11, 9, 11, 17, 12, 14], fix_after=6))
    assert points["rule_outside_limits"].tolist() == [0] * 6 + [1, 0, 0]
    assert not points["rule_two_of_three"].any()
    assert points["point_type"].tolist() == [COMMON] * 6 + [IMPROVING, COMMON, COMMON]


def test_issue_case_3_a_falling_trend_above_the_mean_is_concerning_when_higher_is_better():
    # Limits from the first 14 points: mean 140 / 14 = 10; the 13 moving ranges add to 16, so the
    # limits are 10 -/+ 2.66 x 16/13 = 6.7262 and 13.2738. Then 16.5, 16, 15, 14 (all outside), 13,
    # 12.5, 12: the last seven fall, all above the mean. At the last point the trend says low and the
    # shift high. Trend first (NHSRplotthedots 0.2): low, so concerning where higher is better; the
    # project's former order (shift before trend) said high, improving.
    case = CASES["issue case 3: falling trend inside a shift above the mean"]
    points = engine(case)
    assert points["mean"].iloc[-1] == pytest.approx(10.0)
    assert points["upper_limit"].iloc[-1] == pytest.approx(13.2738, abs=1e-4)
    assert points["lower_limit"].iloc[-1] == pytest.approx(6.7262, abs=1e-4)
    last = points.iloc[-1]
    assert last["rule_trend"] == -1 and last["rule_shift"] == 1
    assert last["side"] == "low" and last["point_type"] == CONCERNING
    before = engine(case, SPCSettings(min_points=2, baseline_points=14, direction_precedence="trend_last")).iloc[-1]
    assert before["side"] == "high" and before["point_type"] == IMPROVING


# Where the project differs on purpose ----------------------------------------------------------------


def test_difference_no_look_ahead_flags_a_run_from_the_point_that_completes_it():
    # NHSRplotthedots marks all seven points of a shift once the seventh arrives; the engine marks the
    # seventh and later, so a published month's flag never changes when next month's figure comes in.
    case = CASES["shift up, the last seven above"]
    points = engine(case)
    published = nhsr(case.values, case.direction, look_ahead=True)
    assert [p.flag for p in published][-7:] == [True] * 7
    assert points["special_cause"].tolist()[-7:] == [False] * 6 + [True]


def test_difference_no_limits_below_min_points():
    # NHSRplotthedots draws limits from any number of points (warning below 12); the engine draws
    # none below `min_points` (6 by default) and says "Not assessed".
    points = engine(Case([10, 12, 9, 11, 10]), SPCSettings())
    assert points["point_type"].eq(NOT_ASSESSED).all() and points["mean"].isna().all()


def test_difference_a_target_on_the_limit_passes():
    # Limits 4.68 to 15.32, higher is better, target 4.68: every figure the process makes meets it.
    lower, upper = pd.Series([4.68]), pd.Series([15.32])
    target, direction = pd.Series([4.68]), pd.Series(["higher"])
    assert assurance(lower, upper, target, direction).iloc[0] == PASSING
    assert assurance(lower, upper, target, direction, target_on_limit="hit_and_miss").iloc[0] == HIT_AND_MISS
    assert nhsr_assurance(4.68, 15.32, 4.68, "higher") == HIT_AND_MISS
    assert assurance(lower, upper, target, pd.Series(["none"])).iloc[0] == NO_DIRECTION


def test_difference_a_constant_series_has_its_limits_on_the_mean():
    # Every moving range is 0. NHSRplotthedots keeps ranges strictly below 3.267 x their mean, so it
    # screens all of them out and draws no limits; the engine keeps them (<=): limits on the mean.
    points = engine(Case([5.0] * 8))
    assert points["lower_limit"].tolist() == [5.0] * 8 and points["upper_limit"].tolist() == [5.0] * 8
    assert points["point_type"].eq(COMMON).all()
    assert math.isnan(nhsr([5.0] * 8)[0].upper)
