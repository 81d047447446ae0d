"""How figures are written in a report: units, precision, direction and ratings as words."""

from __future__ import annotations

import pandas as pd

from . import Markdown, md_text
from ..measures.figures import format_column, format_value  # noqa: F401  (shown here too)

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


def rating_badge(rating: str, css_of: str | None = None) -> Markdown:
    """The rating as a Markdown span: its word (escaped: councils name their own ratings), styled as
    a badge where the renderer supports it. `css_of` names the scheme's own rating when a council
    has renamed it (its colour is kept)."""
    css = RATING_CLASS.get(css_of or rating, "rating-status")
    return Markdown(f"[{md_text(rating)}]{{.rating .{css}}}")
