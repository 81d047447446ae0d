"""Showing blocks in a notebook: each output carries Markdown, HTML and, for charts, a PNG with its alt text.

See `reporting.document.blocks` for which reader (JupyterLab, Quarto, the built-in renderer) takes which.
"""

from __future__ import annotations

from IPython.display import display

from .blocks import Block, Chart


def show(*blocks) -> None:
    """Display blocks (or Markdown strings the workbook built) one after the other; empty ones leave no output."""
    for block in blocks:
        if isinstance(block, Chart):
            display(block)
        elif str(block).strip():
            display(block if isinstance(block, Block) else Block(block))


def show_markdown(text: str) -> None:
    """Display Markdown the workbook built (a block's text) as a notebook output."""
    show(text)


def show_chart(png: bytes, alt: str, table: dict | None = None, role: str = "figure") -> None:
    """Display a PNG chart whose alt text and data table travel with it (see `Chart`).

    `role` "kpi" marks a KPI card's chart, which print places beside the KPI's description."""
    display(Chart(png, alt, table, role))
