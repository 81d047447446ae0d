"""What readers see: the report and paper as typed blocks, each rendering itself for every reader.

A document is a sequence of blocks (`blocks.py`: title, key, table, KPI card, commentary, section,
chart), written by `report.py` (the committee report) and `paper.py` (the covering paper). Displayed
in a notebook, each block leaves one output with several MIME types, and each reader takes its own:

- JupyterLab and VS Code read `text/html`: their Markdown renderers know no pandoc attributes,
  so badges, ids and captions would otherwise show as `{.rating}` text;
- Quarto renders a Markdown document the workbook assembles from the `text/markdown` outputs and
  the charts' `image/png` with their alt text (`publish/render/quarto_source.py`): no code, parameter
  or path reaches it, and pandoc reads the one strict subset into both HTML and Typst;
- the built-in renderer reads `text/markdown` and `image/png`, through the same Markdown reader
  (`markdown_html.py`) that made the `text/html`, so its page is the same, and an HTML output
  that did not come from a block can never reach a published page.

This package is also the one sanitising boundary: text from data, params and commentary reaches a
document only through `escape.py` (plain text for Markdown, HTML, CSS, LaTeX, charts and CSV) and
`analyst_markdown.py` (analysts' Markdown reduced to a safe subset). The rest: `charts.py` and
`alt_text.py` (seaborn charts and their alt text and data), `formatting.py` (words and badges),
`spreadsheet.py` (kpis.xlsx), `results.py` (kpis.csv) and `display.py` (showing blocks).
"""

from .analyst_markdown import analyst_markdown
from .escape import (
    LINK_SCHEMES,
    Markdown,
    as_text,
    attribute_text,
    chart_text,
    css_string,
    csv_cell,
    html_id,
    html_text,
    latex_text,
    md,
    md_link,
    md_text,
    one_line,
    safe_url,
    typst_string,
    typst_text,
)

__all__ = [
    "LINK_SCHEMES",
    "Markdown",
    "analyst_markdown",
    "as_text",
    "attribute_text",
    "chart_text",
    "css_string",
    "csv_cell",
    "html_id",
    "html_text",
    "latex_text",
    "md",
    "md_link",
    "md_text",
    "one_line",
    "safe_url",
    "typst_string",
    "typst_text",
]
