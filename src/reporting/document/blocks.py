"""The blocks a report and a paper are made of, each rendering itself for every reader of the notebook.

A block is one part of a document (a title block, a key, a table, a KPI card, a commentary, a
chart). Displayed in a notebook, it leaves one output carrying several MIME types, and each reader
takes the one it renders best:

| reader                          | reads          | why                                                      |
|---------------------------------|----------------|----------------------------------------------------------|
| JupyterLab (and VS Code)        | `text/html`    | its Markdown renderer knows no pandoc attributes, so     |
|                                 |                | badges, ids and captions would show as `{.rating}` text  |
| Quarto, to HTML and Typst (PDF) | `text/markdown`| the workbook assembles one Markdown document from these  |
|                                 | and `image/png`| outputs (publish/render/quarto_source.py), so no code,   |
|                                 |                | parameter or path reaches Quarto, and pandoc reads the   |
|                                 |                | strict subset into both formats                          |
| the built-in renderer           | `text/markdown`| rendered by the same reader that made the `text/html`,   |
|                                 | and `image/png`| so the page is identical, and an HTML output that did    |
|                                 |                | not come from a block can never reach a published page   |

The Markdown is the source: every piece of text in it was escaped by `reporting.document.escape`
or reduced to the analysts' subset by `analyst_markdown` when the block was built, so there is one
place where text is made safe. The HTML is that Markdown read by `markdown_to_html` (which keeps
only the attributes the workbook writes), with the badges' colours written inline so that a
notebook, which has no report stylesheet, shows them as the report does.
"""

from __future__ import annotations

import base64
import re

from .escape import html_text
from .icons import ICONS, icon_style
from .markdown_html import markdown_to_html

# The report stylesheet's badge colours, inline for readers without it (JupyterLab, VS Code).
BADGE_STYLE = {
    "rating-red": "background:#d4351c;color:#fff",
    "rating-amber": "background:#ffbf47;color:#0b0c0c",
    "rating-green": "background:#00703c;color:#fff",
    "rating-blue": "background:#1d70b8;color:#fff",
    "rating-status": "background:#fff;color:#0b0c0c;border-color:#505a5f",
    "spc-neither": "background:#4c2c92;color:#fff",
}
def badge_css() -> str:
    """The badges' colour rules, for a stylesheet written from these colours (Quarto's theme)."""
    return "\n".join(f".{name} {{ {style}; }}" for name, style in BADGE_STYLE.items()) + "\n"


_BADGE = re.compile(r'<span class="rating ([a-z-]+)">')
_ICON = re.compile(r'<span class="spc-icon (spc-icon-[a-z-]+)">')
_CELL = re.compile(r"<(td|th)((?: scope=\"(?:col|row)\")?)>")
# Text for the printed document only (a file's name where the page has a link): plain text, no inner tags.
_PRINT_ONLY = re.compile(r'<span class="print-only">[^<]*</span>')
_BADGE_BASE = "display:inline-block;padding:0 .45em;border-radius:.2em;font-weight:bold;border:1px solid transparent;white-space:nowrap"


def notebook_html(markdown: str) -> str:
    """A block's Markdown as HTML for notebook readers: the report's own reader, badges coloured inline."""
    def badge(match: re.Match) -> str:
        colours = BADGE_STYLE.get(match[1], BADGE_STYLE["rating-status"])
        return f'<span class="rating {match[1]}" style="{_BADGE_BASE};{colours}">'

    html = _BADGE.sub(badge, markdown_to_html(markdown))
    html = _ICON.sub(lambda m: f'<span class="spc-icon {m[1]}" style="{icon_style(m[1].removeprefix("spc-icon-"))}">'
                     if m[1].removeprefix("spc-icon-") in ICONS else m[0], html)
    # Notebook stylesheets right-align table cells (for numbers); the report reads left to right.
    html = _CELL.sub(lambda m: f'<{m[1]} style="text-align:left"{m[2]}>', html)
    # A notebook is read on screen, with no print stylesheet to hide the printed document's wording.
    html = _PRINT_ONLY.sub("", html)
    return f'<div class="reporting-block">\n{html}</div>'


class Block(str):
    """One part of a document, as Markdown in the strict subset, with its `kind` (title, key, table, card, ...).

    A Block is the Markdown string itself, so it can be compared, searched and joined like one;
    displayed in a notebook it offers `text/markdown`, `text/html` and `text/plain` (see above).
    """

    kind: str

    def __new__(cls, markdown: str = "", kind: str = "text") -> "Block":
        block = super().__new__(cls, markdown)
        block.kind = kind
        return block

    @property
    def html(self) -> str:
        return notebook_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not self.strip():
            return {"text/plain": ""}
        return {"text/markdown": str(self), "text/html": self.html, "text/plain": str(self)}


# What a chart is for, which decides where print places it: a KPI card's chart sits beside the
# KPI's description; a KPI's benchmark chart below both; any other chart (the ratings summary) in
# the flow of the page.
CHART_ROLES = ("figure", "kpi", "benchmark")


class Chart:
    """A chart: its PNG, its alt text, and the table of the figures it plots.

    Displayed, it offers `image/png` with the alt text and table in the output's metadata (the
    built-in renderer and Quarto's Typst read these), and `text/html` with the image, its alt text
    and the data table (JupyterLab and Quarto's HTML read this).
    """

    kind = "chart"

    def __init__(self, png: bytes, alt: str, table: dict | None = None, role: str = "figure"):
        if role not in CHART_ROLES:
            raise ValueError(f"A chart's role is one of {', '.join(CHART_ROLES)}, not {role!r}.")
        self.png, self.alt, self.table, self.role = png, alt, table, role

    @property
    def html(self) -> str:
        encoded = base64.b64encode(self.png).decode("ascii")
        # Drawn to be read at most 32rem wide (see charts.py), in JupyterLab as in the report.
        image = (f'<figure class="chart chart-{self.role}"><img src="data:image/png;base64,{encoded}" '
                 f'alt="{html_text(self.alt)}" style="width:32rem;max-width:100%;height:auto"></figure>')
        return image + (chart_data_html(self.table) if self.table else "")

    def _repr_mimebundle_(self, include=None, exclude=None):
        metadata = {"alt": self.alt, "role": self.role}
        if self.table is not None:
            metadata["table"] = self.table
        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/html": self.html, "text/plain": self.alt}
        return data, {"image/png": metadata}


def chart_data_html(table: dict) -> str:
    """The figures a chart plots, as a collapsed table beside it, for readers who cannot see the chart.

    More than WIDE_TABLE_COLUMNS columns scroll sideways in a focusable region, as report tables do.
    """
    from .markdown_html import WIDE_TABLE_COLUMNS

    caption = html_text(table.get("caption", ""))
    wrap = (f'<div class="table-scroll" role="region" tabindex="0" aria-label="{caption}">'
            if len(table.get("columns", [])) > WIDE_TABLE_COLUMNS else '<div class="table-wrap">')
    head = "".join(f'<th scope="col">{html_text(c)}</th>' for c in table.get("columns", []))
    rows = "\n".join(
        "<tr>" + f'<th scope="row">{html_text(row[0])}</th>' + "".join(f"<td>{html_text(c)}</td>" for c in row[1:]) + "</tr>"
        for row in table.get("rows", [])
    )
    return (
        f'\n<details class="chart-data">\n<summary>{html_text(table.get("summary", "Chart data"))}: {html_text(table.get("title", ""))}</summary>\n{wrap}\n'
        f"<table>\n<caption>{caption}</caption>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n"
        "</div>\n</details>"
    )


def block(kind: str):
    """Make a function that writes a part of a document in Markdown return it as a Block of `kind`."""
    import functools

    def wrap(function):
        @functools.wraps(function)
        def built(*args, **kwargs) -> Block:
            return Block(function(*args, **kwargs), kind)

        return built

    return wrap
