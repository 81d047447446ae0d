"""What readers see: text escaped for each place it lands, and analysts' Markdown kept to a safe subset.

The one sanitising boundary of the workbook. Text from data, the catalogue, params and commentary
reaches a document only through these functions, each for its context: `md_text` (plain text in
Markdown), `analyst_markdown` (Markdown written by analysts), `html_text`, `css_string`,
`latex_text`, `chart_text` and `csv_cell`; links only through `md_link` / `safe_url`.
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
]
