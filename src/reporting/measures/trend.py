"""The projected linear trend: a least-squares line over each indicator's last N observations,
projected one period ahead (Cambridgeshire's dashboard promises one). Vectorised over all
indicators at once with the closed-form sums; no projection from fewer than 3 points."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .periods import Quarter

MIN_POINTS = 3


def linear_trend(observations: pd.DataFrame, quarter: str | Quarter, points: int = 6) -> pd.DataFrame:
    """Per indicator: `trend_points` used, `trend_slope` per period and `projected_next`, the line's
    value one period after the latest observation on or before the quarter end."""
    end = pd.Timestamp(Quarter.parse(quarter).end)
    recent = (
        observations[(observations["period_end"] <= end) & observations["value"].notna()]
        .sort_values(["indicator_id", "period_end"])
        .groupby("indicator_id", sort=False)
        .tail(points)
    )
    x = recent.groupby("indicator_id", sort=False).cumcount().astype(float)
    frame = pd.DataFrame({"indicator_id": recent["indicator_id"], "x": x, "y": recent["value"]})
    frame["xy"], frame["xx"] = frame["x"] * frame["y"], frame["x"] ** 2
    sums = frame.groupby("indicator_id", sort=False).agg(n=("x", "size"), sx=("x", "sum"), sy=("y", "sum"), sxy=("xy", "sum"), sxx=("xx", "sum"))
    n = sums["n"].astype(float)
    denominator = n * sums["sxx"] - sums["sx"] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (n * sums["sxy"] - sums["sx"] * sums["sy"]) / denominator
    intercept = (sums["sy"] - slope * sums["sx"]) / n
    enough = n >= MIN_POINTS
    return pd.DataFrame({
        "indicator_id": sums.index,
        "trend_points": sums["n"].to_numpy(),
        "trend_slope": slope.where(enough).to_numpy(),
        "projected_next": (intercept + slope * n).where(enough).to_numpy(),
    })
