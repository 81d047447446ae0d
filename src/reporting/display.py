"""Notebook outputs that survive both renderers: Markdown, and PNG charts carrying their alt text."""

from __future__ import annotations

import base64

from IPython.display import display


def show_markdown(text: str) -> None:
    """Display Markdown as a notebook output (Quarto and the built-in renderer both read it)."""
    display({"text/markdown": text, "text/plain": text}, raw=True)


def show_chart(png: bytes, alt: str, table: dict | None = None) -> None:
    """Display a PNG chart whose alt text travels with it in the output's metadata and plain text.

    `table` (from `kpi_chart_table`: title, caption, columns, rows) is the figures plotted; it
    travels in the metadata too, and the built-in renderer shows it beside the chart, collapsed.
    """
    metadata = {"alt": alt} if table is None else {"alt": alt, "table": table}
    display(
        {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": alt},
        metadata={"image/png": metadata},
        raw=True,
    )
