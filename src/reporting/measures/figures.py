"""How a figure is shown: its unit and its indicator's decimal places ('36.0%', '1,210'; an en dash when missing).

Measures use it too (SPC notes quote figures as the report shows them), so it lives with them.
"""

from __future__ import annotations

import math

import pandas as pd

import numpy as np

from .ratings.change import displayed_array


def format_value(value, unit: str, decimals: int) -> str:
    """A figure as the report shows it: '36.0%', '1,210', '23.9'; an en dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    shown = float(displayed_array(np.array([value], dtype=float), np.array([decimals], dtype=float))[0])
    text = f"{shown:,.{int(decimals)}f}"
    return f"{text}%" if unit == "percent" else text


def format_column(kpis: pd.DataFrame, column: str) -> pd.Series:
    """Format one numeric column of a KPI table with each row's unit and decimals."""
    return pd.Series(
        [format_value(v, u, d) for v, u, d in zip(kpis[column], kpis["unit"], kpis["decimals"])],
        index=kpis.index,
    )
