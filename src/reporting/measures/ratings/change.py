"""Change in performance: current against previous at the indicator's displayed precision."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .registry import direction_sign

IMPROVING, DECLINING, UNCHANGED = "Improving", "Declining", "Unchanged"


def displayed(values: pd.Series, decimals: pd.Series) -> pd.Series:
    """Values rounded half away from zero to each row's decimal places, as the report shows them."""
    return pd.Series(displayed_array(values.to_numpy(dtype=float), decimals.to_numpy(dtype=float)), index=values.index)


def displayed_array(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """`displayed` on plain arrays: the same arithmetic, without a Series per call (a figure formatted alone)."""
    scale = np.power(10.0, decimals)
    v = values * scale
    # Round the scaled value to 9 places first so 5.185 * 100 = 518.4999999 still rounds up.
    rounded = np.sign(v) * np.floor(np.abs(np.round(v, 9)) + 0.5)
    return rounded / scale


def change_in_performance(kpis: pd.DataFrame) -> pd.Series:
    """Improving, Declining or Unchanged using the direction; empty where there is nothing to compare.

    Indicators whose direction is `none` are Unchanged when equal and otherwise empty: a rise is
    neither better nor worse.
    """
    current = displayed(kpis["current"], kpis["decimals"])
    previous = displayed(kpis["previous"], kpis["decimals"])
    better = direction_sign(kpis["direction"]) * (current - previous).to_numpy()
    comparable = current.notna().to_numpy() & previous.notna().to_numpy()
    change = np.select(
        [~comparable, current.to_numpy() == previous.to_numpy(), better > 0, better < 0],
        ["", UNCHANGED, IMPROVING, DECLINING],
        "",
    )
    return pd.Series(change, index=kpis.index, name="change")
