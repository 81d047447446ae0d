"""As-at selection of KPI values for a quarter: current, previous, 12 months earlier, and a chart's history."""

from __future__ import annotations

import pandas as pd

from ..quarters import Quarter, produced_on, source_date_epoch  # noqa: F401  (the quarter and its dates)
from .spc import POINT_COLUMNS


def as_at(observations: pd.DataFrame, quarter: str | Quarter) -> pd.DataFrame:
    """Each indicator's current and previous observation as at the end of a quarter.

    Current is the latest observation on or before the quarter end; previous the one
    before it. Targets and comparators are carried forward from earlier periods when the
    current row leaves them empty (benchmarks are published less often than the data).
    An indicator is `updated_this_quarter` when its current period ends inside the quarter.
    """
    q = Quarter.parse(quarter)
    end = pd.Timestamp(q.end)
    upto = observations[observations["period_end"] <= end].sort_values(["indicator_id", "period_end"])
    carried = ["target", "stat_neighbour_mean", "england_mean", "regional_mean"]
    upto = upto.assign(**{c: upto.groupby("indicator_id", sort=False)[c].ffill() for c in carried})
    grouped = upto.groupby("indicator_id", sort=False)
    current = grouped.nth(-1).set_index("indicator_id")
    previous = grouped.nth(-2).set_index("indicator_id")
    result = current.rename(columns={"value": "current"})
    result["previous"] = previous["value"].reindex(result.index)
    result["previous_period_label"] = previous["period_label"].reindex(result.index)
    result["previous_period_end"] = previous["period_end"].reindex(result.index)
    result["updated_this_quarter"] = result["period_end"] >= pd.Timestamp(q.start)
    result = result.reset_index()
    return result.join(year_earlier(upto, result))


def latest_period_end(observations: pd.DataFrame, indicator_ids) -> pd.Timestamp | None:
    """The end of the latest period for which any of these indicators has a figure; None when none has one.

    A row whose value is empty is a missing figure, not an observation (a council may list next year's
    targets before the figures exist), so it never makes a later quarter the latest.
    """
    rows = observations[observations["indicator_id"].isin(list(indicator_ids)) & observations["value"].notna()]
    return None if rows.empty else rows["period_end"].max()


# How far from exactly twelve months before a period's end an observation may end and still
# count as "12 months earlier" (months differ in length; a census day moves a little).
YEAR_EARLIER_TOLERANCE = pd.Timedelta(days=16)


def year_earlier(observations: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """For each current row, the observation of the same indicator ending about 12 months earlier:
    its value, label and England mean (`year_earlier`, `year_earlier_period_label`,
    `england_mean_year_earlier`); empty where there is none."""
    wanted = current[["indicator_id", "period_end"]].astype({"indicator_id": object})
    wanted["_row"] = range(len(wanted))
    wanted["_when"] = wanted["period_end"] - pd.DateOffset(years=1)
    wanted = wanted.dropna(subset=["_when"]).sort_values("_when")
    earlier = observations[["indicator_id", "period_end", "value", "period_label", "england_mean"]].dropna(subset=["period_end"])
    earlier = earlier.astype({"indicator_id": object})
    earlier = earlier.rename(columns={"period_end": "_when", "value": "year_earlier", "period_label": "year_earlier_period_label", "england_mean": "england_mean_year_earlier"})
    matched = pd.merge_asof(
        wanted, earlier.sort_values("_when"), on="_when", by="indicator_id", direction="nearest", tolerance=YEAR_EARLIER_TOLERANCE
    )
    columns = ["year_earlier", "year_earlier_period_label", "england_mean_year_earlier"]
    return matched.set_index("_row")[columns].reindex(range(len(current))).set_axis(current.index)


def history(observations: pd.DataFrame, indicator_id: str, quarter: str | Quarter, periods: int = 24, spc: pd.DataFrame | None = None) -> pd.DataFrame:
    """One indicator's observations up to the quarter end, the most recent `periods` of them, oldest first;
    with `spc` (the points from `spc_points`), each row also carries its XmR mean, limits and flags."""
    end = pd.Timestamp(Quarter.parse(quarter).end)
    rows = observations[(observations["indicator_id"] == indicator_id) & (observations["period_end"] <= end)]
    rows = rows.sort_values("period_end").tail(periods).reset_index(drop=True)
    if spc is None:
        return rows
    mine = spc.loc[spc["indicator_id"] == indicator_id, ["period_end", *POINT_COLUMNS]]
    return rows.merge(mine, on="period_end", how="left", validate="one_to_one")
