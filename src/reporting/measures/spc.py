"""Statistical process control: XmR charts as NHS England's "Making Data Count" and the NHS-R
community's NHSRplotthedots draw them, computed for many indicators at once.

A rating compares one figure with a target; an XmR chart asks whether the figures vary only by
chance (common cause) or show a real change (special cause). For each indicator and each segment
between rebases:

- centre line = the mean; moving range = |x_t - x_(t-1)|;
- process limits = mean +/- 2.66 x the mean moving range, where moving ranges above 3.267 x their
  mean are left out first (the outlier screen, on by default as in NHSRplotthedots);
- the mean and limits come from the segment's first `baseline_points` points (all, by default).

Rules for special cause, each a setting: a point outside the limits; a shift of `shift_length`
points on one side of the mean; a trend of `trend_length` points all rising or all falling; two of
three points beyond two-thirds of the way to a limit (but not beyond it), all three on the same side
of the mean. A point is flagged when the rule is met counting back from it, never from points after
it, so adding next month's figure never changes an earlier flag while the limits are fixed.

Where rules that fired at a point disagree on its side (a falling trend inside a shift above the
mean, say), the first in `direction_precedence` decides: "trend_first" (the default, as
NHSRplotthedots 0.2: outside the limits, trend, two of three, shift) or "trend_last" (this
project's earlier order: outside the limits, two of three, shift, trend). docs/spc.md lists every place this
engine differs from NHSRplotthedots, and why.

Everything is vectorised over one long DataFrame: rows sorted once, group statistics by
`numpy.bincount`, runs by cumulative sums. There is no Python loop over indicators or points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

import numpy as np
import pandas as pd

from .ratings.registry import direction_sign

LIMIT_FACTOR = 2.66  # 3 / d2, with d2 = 1.128 for moving ranges of two points
SCREEN_FACTOR = 3.267  # D4 for n = 2: the upper limit of the moving-range chart
NEAR_LIMIT = 2 / 3  # "two of three beyond two-thirds of the way to a limit"

COMMON = "Common cause"
IMPROVING = "Special cause improving"
CONCERNING = "Special cause concerning"
NEITHER = "Special cause (no direction)"
NOT_ASSESSED = "Not assessed"
POINT_TYPES = (NOT_ASSESSED, COMMON, IMPROVING, CONCERNING, NEITHER)

PASSING = "Consistently passing"
FAILING = "Consistently failing"
HIT_AND_MISS = "Hit and miss"
NO_TARGET = "No target"
NO_DIRECTION = "Not applicable"

# The per-point columns a chart needs beside each observation (joined onto its history by `periods.history`).
POINT_COLUMNS = ["segment", "mean", "lower_limit", "upper_limit", "provisional", "limit_points", "special_cause", "side", "point_type",
                 "rule_outside_limits", "rule_two_of_three", "rule_shift", "rule_trend"]
RULES = ("outside_limits", "two_of_three", "shift", "trend")  # the rules' columns (PRECEDENCE orders their say on a side)
RULE_NAMES = {
    "outside_limits": "outside the process limits",
    "two_of_three": "two of three points near a limit",
    "shift": "a shift on one side of the mean",
    "trend": "a run of points all rising or all falling",
}


# The order in which rules that fired at a point decide its side, first to last.
PRECEDENCE = {
    "trend_first": ("outside_limits", "trend", "two_of_three", "shift"),  # NHSRplotthedots 0.2
    "trend_last": ("outside_limits", "two_of_three", "shift", "trend"),  # this project before
}
TARGET_ON_LIMIT = ("passing", "hit_and_miss")
CHART_RUNS = ("detected", "whole_run")


def marked_points(points: pd.DataFrame, settings: "SPCSettings | None" = None) -> pd.Series:
    """Each point's type as a chart marks it (one indicator's points in period order, with the rule
    columns): as flagged, or, with `chart_runs="whole_run"`, every point of a shift or trend run
    taking the type of the point that completed it (earlier flags win where runs overlap)."""
    settings = settings or SPCSettings()
    marked = points["point_type"].astype(object).to_numpy().copy()
    if settings.chart_runs != "whole_run" or points.empty:
        return pd.Series(marked, index=points.index)
    segment = points["segment"].to_numpy()
    for i in np.flatnonzero(points["special_cause"].fillna(False).to_numpy().astype(bool)):
        row = points.iloc[i]
        back = max(settings.shift_length if row["rule_shift"] != 0 else 0, settings.trend_length if row["rule_trend"] != 0 else 0)
        for j in range(max(0, i - back + 1), i):
            if segment[j] == segment[i] and marked[j] == COMMON:
                marked[j] = marked[i]
    return pd.Series(marked, index=points.index)


@dataclass(frozen=True)
class SPCSettings:
    """How limits are set and which special-cause rules apply (params: the `spc:` block)."""

    min_points: int = 6  # fewer points in a segment: no limits are drawn and no rule is tested
    provisional_below: int = 12  # limits from fewer points than this are called provisional
    baseline_points: int | None = None  # fix each segment's limits after this many points; None: all
    screen_outliers: bool = True  # leave moving ranges above 3.267 x their mean out of the limits
    outside_limits: bool = True
    two_of_three: bool = True
    shift_length: int = 7  # 0 switches the rule off
    trend_length: int = 7  # 0 switches the rule off
    rebase: Mapping[str, tuple[date, ...]] = field(default_factory=dict)  # indicator id -> dates limits restart
    # Which rule decides a special-cause point's side when rules disagree (see PRECEDENCE).
    direction_precedence: str = "trend_first"
    # A target exactly on a process limit: "passing" (this project: the whole range meets it) or
    # "hit_and_miss" (NHSRplotthedots, which passes or fails only a target strictly outside the limits).
    target_on_limit: str = "passing"
    # How charts mark a shift or trend: "detected" (from the point the rule is met, as the engine
    # flags it) or "whole_run" (back-colour every point of the run once it is detected, as Making
    # Data Count charts do). Only the chart changes; the flags, variation and paper do not.
    chart_runs: str = "detected"

    def __post_init__(self) -> None:
        if self.direction_precedence not in PRECEDENCE:
            raise ValueError(f"direction_precedence must be one of {', '.join(PRECEDENCE)}, not {self.direction_precedence!r}")
        if self.chart_runs not in CHART_RUNS:
            raise ValueError(f"chart_runs must be one of {', '.join(CHART_RUNS)}, not {self.chart_runs!r}")
        if self.target_on_limit not in TARGET_ON_LIMIT:
            raise ValueError(f"target_on_limit must be one of {', '.join(TARGET_ON_LIMIT)}, not {self.target_on_limit!r}")


def _run_length(key: np.ndarray, restart: np.ndarray) -> np.ndarray:
    """For each row, how many rows in a row (including it) share its key, counting back to a restart."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    begins = restart.copy()
    begins[1:] |= key[1:] != key[:-1]
    index = np.arange(n)
    first = np.maximum.accumulate(np.where(begins, index, 0))
    return index - first + 1


def _rebase_segments(points: pd.DataFrame, codes: np.ndarray, rebase) -> np.ndarray:
    """Each point's segment number: how many of its indicator's rebase dates fall on or before it.

    One sorted search over (indicator code, day) keys finds every count at once."""
    if rebase is None or len(rebase) == 0:
        return np.zeros(len(points), dtype=np.int64)
    if isinstance(rebase, Mapping):
        rebase = pd.DataFrame(
            [(str(i), pd.Timestamp(d)) for i, dates in rebase.items() for d in dates],
            columns=["indicator_id", "rebase_date"],
        )
    ids = pd.Index(points["indicator_id"].astype(object)).unique()
    rebase_codes = ids.get_indexer(rebase["indicator_id"].astype(object))
    known = rebase_codes >= 0  # rebase dates of indicators with no points change nothing
    day = lambda dates: pd.to_datetime(dates).to_numpy().astype("datetime64[D]").astype(np.int64) + (1 << 31)  # noqa: E731
    keys = np.unique((rebase_codes[known].astype(np.int64) << 32) + day(rebase["rebase_date"])[known])
    point_keys = (codes.astype(np.int64) << 32) + day(points["period_end"])
    segment = np.searchsorted(keys, point_keys, side="right") - np.searchsorted(keys, codes.astype(np.int64) << 32, side="left")
    # A rebase on or before an indicator's first point changes nothing: its first point is always segment 0.
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, dtype=np.int64)
    return segment - np.repeat(segment[first], np.diff(np.r_[first, len(codes)]))


def xmr(observations: pd.DataFrame, settings: SPCSettings | None = None, directions: Mapping[str, str] | pd.Series | None = None, rebase=None) -> pd.DataFrame:
    """XmR statistics and special-cause flags for every point of every indicator, in one call.

    `observations` is long: `indicator_id`, `period_end`, `value` (rows with no value are not
    points), and optionally `direction` (`higher`, `lower` or `none`), else `directions` maps ids
    to directions. `rebase` (a DataFrame of `indicator_id`, `rebase_date`, or a mapping of id to
    dates; default the settings' `rebase`) starts a new segment at the first point on or after
    each date. Returns one row per point, sorted by indicator and period.
    """
    settings = settings or SPCSettings()
    columns = ["indicator_id", "period_end", "value"] + (["direction"] if "direction" in observations else [])
    points = observations.loc[observations["value"].notna(), columns]
    points = points.sort_values(["indicator_id", "period_end"], kind="stable").reset_index(drop=True)
    if "direction" not in points:
        mapped = points["indicator_id"].map(directions) if directions is not None else None
        points["direction"] = mapped if mapped is not None else "none"
    n = len(points)
    x = points["value"].to_numpy(dtype=float)
    sign = _signs(points["direction"])
    codes = pd.factorize(points["indicator_id"], sort=False)[0]  # rows are sorted by id, so codes ascend
    segment = _rebase_segments(points, codes, settings.rebase if rebase is None else rebase)

    # Blocks of consecutive rows with the same indicator and segment (rows are sorted, so each block is contiguous).
    starts = np.ones(n, dtype=bool)
    if n:
        starts[1:] = (codes[1:] != codes[:-1]) | (segment[1:] != segment[:-1])
    block = np.cumsum(starts) - 1
    blocks = int(block[-1]) + 1 if n else 0
    position = _run_length(np.zeros(n, dtype=np.int8), starts) - 1  # 0 for a segment's first point

    previous = np.empty(n)
    previous[:1] = np.nan
    previous[1:] = x[:-1]
    moving_range = np.where(starts, np.nan, np.abs(x - previous))

    baseline = position < settings.baseline_points if settings.baseline_points else np.ones(n, dtype=bool)
    counted = np.bincount(block, weights=baseline, minlength=blocks)
    mean = (np.bincount(block, weights=np.where(baseline, x, 0.0), minlength=blocks) / np.maximum(counted, 1))[block]
    in_mr = baseline & ~starts
    mr_count = np.bincount(block, weights=in_mr, minlength=blocks)
    mr_values = np.where(in_mr, moving_range, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_mr = np.bincount(block, weights=mr_values, minlength=blocks) / mr_count
        if settings.screen_outliers:
            # Kept up to and including 3.267 x the mean (NHSRplotthedots keeps strictly below, so a constant
            # series there screens every range out and draws no limits; here its limits sit on the mean).
            kept = in_mr & (moving_range <= SCREEN_FACTOR * mean_mr[block])
            mean_mr = np.bincount(block, weights=np.where(kept, moving_range, 0.0), minlength=blocks) / np.bincount(block, weights=kept, minlength=blocks)
    limit_points = counted[block].astype(np.int64)
    has_limits = limit_points >= max(settings.min_points, 2)
    spread = np.where(has_limits, LIMIT_FACTOR * mean_mr[block], np.nan)
    mean = np.where(has_limits, mean, np.nan)
    lower, upper = mean - spread, mean + spread

    # Each rule gives +1 (high), -1 (low) or 0 at each point, looking only at that point and earlier ones.
    rules = {}
    zero = np.zeros(n, dtype=np.int8)
    if settings.outside_limits:
        rules["outside_limits"] = np.where(x > upper, 1, np.where(x < lower, -1, 0)).astype(np.int8)
    above = np.nan_to_num(np.sign(x - mean)).astype(np.int8)  # +1 above the mean, -1 below, 0 on it
    if settings.two_of_three:
        # Near a limit: beyond two-thirds of the way to it, but not beyond it (a point outside the
        # limits is its own signal). Flagged: a near point whose window of three (it and the two
        # before, in its segment) holds at least two near points on one side, all three on that side.
        near = NEAR_LIMIT * spread
        close = np.where((x > mean + near) & (x <= upper), 1, np.where((x < mean - near) & (x >= lower), -1, 0)).astype(np.int8)
        flag = zero.copy()
        full = position >= 2
        for side in (1, -1):
            hit = (close == side).astype(np.int8)
            same = (above == side).astype(np.int8)
            near_count = hit + np.roll(hit, 1) + np.roll(hit, 2)
            same_count = same + np.roll(same, 1) + np.roll(same, 2)
            flag[full & (hit == 1) & (near_count >= 2) & (same_count == 3)] = side
        rules["two_of_three"] = flag
    if settings.shift_length:
        run = _run_length(above, starts)  # a point on the mean breaks a shift
        rules["shift"] = np.where((above != 0) & (run >= settings.shift_length), above, 0).astype(np.int8)
    if settings.trend_length:
        step = np.where(starts, 0, np.sign(x - previous)).astype(np.int8)  # an unchanged figure breaks a trend
        run = _run_length(step, starts) + 1  # a run of k rises covers k + 1 points
        rules["trend"] = np.where(has_limits & (step != 0) & (run >= settings.trend_length), step, 0).astype(np.int8)
    for name in RULES:
        rules.setdefault(name, zero)
        rules[name] = np.where(has_limits, rules[name], 0).astype(np.int8)

    side = zero.copy()
    for name in reversed(PRECEDENCE[settings.direction_precedence]):  # the first rule that fired decides the side
        side = np.where(rules[name] != 0, rules[name], side).astype(np.int8)
    kind = np.where(
        ~has_limits, 0,
        np.where(side == 0, 1, np.where(sign == 0, 4, np.where(side * sign > 0, 2, 3))),
    )
    first_period = points["period_end"].to_numpy()[np.flatnonzero(starts)][block] if n else points["period_end"].to_numpy()
    return pd.DataFrame({
        "indicator_id": points["indicator_id"].array,
        "period_end": points["period_end"].to_numpy(),
        "value": x,
        "direction": points["direction"].array,
        "segment": segment,
        "segment_start": first_period,
        "point": position + 1,
        "moving_range": moving_range,
        "limit_points": limit_points,
        "mean": mean,
        "lower_limit": lower,
        "upper_limit": upper,
        "provisional": has_limits & (limit_points < settings.provisional_below),
        **{f"rule_{name}": rules[name] for name in RULES},
        "special_cause": side != 0,
        "side": pd.Categorical.from_codes(np.where(side == 0, 0, np.where(side > 0, 1, 2)), ["", "high", "low"]),
        "point_type": pd.Categorical.from_codes(kind, POINT_TYPES),
    })


def _signs(direction: pd.Series) -> np.ndarray:
    """+1 for higher is better, -1 for lower, 0 for none, per row."""
    return np.nan_to_num(direction_sign(direction)).astype(np.int8)


def assurance(lower: pd.Series, upper: pd.Series, target: pd.Series, direction: pd.Series,
              target_on_limit: str = "passing") -> pd.Series:
    """Whether the process meets its target: consistently passing (the whole range between the limits is
    on the good side), consistently failing (all on the bad side) or hit and miss (the target lies within).

    A target exactly on the limit at the good end passes (`target_on_limit="passing"`, this project's
    reading: every figure the process makes meets it) or is hit and miss ("hit_and_miss", NHSRplotthedots)."""
    sign = _signs(direction)
    good_low = np.where(sign > 0, lower, -upper)  # the worst edge of the range, made "higher is better"
    good_high = np.where(sign > 0, upper, -lower)
    aim = np.where(sign > 0, target, -target)
    passes = good_low >= aim if target_on_limit == "passing" else good_low > aim
    result = np.select(
        [lower.isna() | upper.isna(), sign == 0, target.isna(), passes, good_high < aim],
        [NOT_ASSESSED, NO_DIRECTION, NO_TARGET, PASSING, FAILING],
        default=HIT_AND_MISS,
    )
    return pd.Series(result, index=lower.index, dtype=object)


def spc_summary(points: pd.DataFrame, targets: pd.Series | None = None, settings: SPCSettings | None = None) -> pd.DataFrame:
    """Per indicator, as at its latest point: `variation` (that point's type), `assurance` against
    `targets` (indexed by indicator id), and the limits in force with the points behind them."""
    settings = settings or SPCSettings()
    latest = points.groupby("indicator_id", sort=False).tail(1).set_index("indicator_id")
    in_segment = points.groupby(["indicator_id", "segment"], sort=False)["point"].transform("size")
    summary = pd.DataFrame({
        "spc_points": in_segment.groupby(points["indicator_id"], sort=False).last().reindex(latest.index).astype("Int64"),
        "spc_limit_points": latest["limit_points"],
        "mean": latest["mean"],
        "lower_limit": latest["lower_limit"],
        "upper_limit": latest["upper_limit"],
        "spc_provisional": latest["provisional"].astype(bool),
        "spc_segment_start": latest["segment_start"],
        "spc_rebased": latest["segment"] > 0,
        "variation": latest["point_type"].astype(object),
        "spc_side": latest["side"].astype(object),
        "spc_latest_rules": _rules_fired(latest),
    }, index=latest.index)
    target = targets.reindex(latest.index) if targets is not None else pd.Series(np.nan, index=latest.index)
    summary["assurance"] = assurance(summary["lower_limit"], summary["upper_limit"], target.astype(float), latest["direction"],
                                     settings.target_on_limit)
    summary.index.name = "indicator_id"
    return summary.reset_index()


def _rules_fired(rows: pd.DataFrame) -> pd.Series:
    """The special-cause rules met at each row, named in words and joined with '; ' (empty for none)."""
    named = [np.where(rows[f"rule_{r}"].to_numpy() != 0, RULE_NAMES[r], "") for r in RULES]
    return pd.Series(["; ".join(n for n in names if n) for names in zip(*named)] if len(rows) else [], index=rows.index, dtype=object)
