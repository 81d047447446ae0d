"""How figures are written in a report: units, precision, direction and ratings as words."""

from __future__ import annotations

import math

import pandas as pd

from .document import Markdown, md_text
from .ratings.change import displayed

DIRECTION_WORDS = {
    "higher": "Higher is better",
    "lower": "Lower is better",
    "none": "No preferred direction",
}
# In the report an arrow goes with the words (the spreadsheet keeps the words alone).
DIRECTION_TEXT = {"higher": "↑ " + DIRECTION_WORDS["higher"], "lower": "↓ " + DIRECTION_WORDS["lower"], "none": DIRECTION_WORDS["none"]}
# Badge classes for ratings; the word is always shown, the colour only reinforces it.
RATING_CLASS = {
    "Red": "rating-red",
    "Amber": "rating-amber",
    "Green": "rating-green",
    "Blue": "rating-blue",
}


def format_value(value, unit: str, decimals: int) -> str:
    """A figure as the report shows it: '36.0%', '1,210', '23.9'; an en dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    shown = float(displayed(pd.Series([value]), pd.Series([decimals])).iloc[0])
    text = f"{shown:,.{int(decimals)}f}"
    return f"{text}%" if unit == "percent" else text


def format_column(kpis: pd.DataFrame, column: str) -> pd.Series:
    """Format one numeric column of a KPI table with each row's unit and decimals."""
    return pd.Series(
        [format_value(v, u, d) for v, u, d in zip(kpis[column], kpis["unit"], kpis["decimals"])],
        index=kpis.index,
    )


def rating_badge(rating: str, css_of: str | None = None) -> Markdown:
    """The rating as a Markdown span: its word (escaped: councils name their own ratings), styled as
    a badge where the renderer supports it. `css_of` names the scheme's own rating when a council
    has renamed it (its colour is kept)."""
    css = RATING_CLASS.get(css_of or rating, "rating-status")
    return Markdown(f"[{md_text(rating)}]{{.rating .{css}}}")
