"""The document Quarto renders: a Markdown file assembled from an executed notebook's outputs.

Quarto is given the blocks' strict Markdown (`text/markdown`), top-level, never the notebook: no
code cell, parameter or path can reach a page, headings are the document's own (so the contents
list and the PDF's bookmarks find them), and each chart is placed by the workbook with its alt
text. Everything in this file was escaped when its block was built; what is added here (titles,
alt text, the chart's data table) is escaped here, for the format it lands in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from ...document import html_text, md_text
from ...document.blocks import Chart, chart_data_html
from .builtin import document_parts, report_metadata
from .typst_source import CHARTS, language, produced_day, typst_figure, write_typst_files


# The HTML's <title> until `publish.render.quarto` writes the document's own title in its place.
PAGE_TITLE = "reporting-page-title"


@dataclass
class QuartoSource:
    """A document for Quarto: its Markdown (front matter and body), the chart images it refers to,
    and the plain strings (title, running header) that reach the PDF without passing through Quarto."""

    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)  # file name under CHARTS -> PNG
    title: str = ""
    running_header: str = ""

    def write(self, folder: Path, stem: str) -> Path:
        """Write `<stem>.qmd`, its charts and its Typst inputs in `folder`; returns the .qmd."""
        write_typst_files(folder, stem, self.images, self.title, self.running_header)
        path = folder / f"{stem}.qmd"
        path.write_text(self.markdown, encoding="utf-8")
        return path


def front_matter(meta: dict) -> str:
    """The document's YAML header: settings only, no text from params or data.

    Quarto reads metadata strings as Markdown and then expands shortcodes in them, escaped or
    not, so a council named `{{< include ... >}}` would stop the render. The title and running
    header travel instead as plain strings: to Typst as sys.inputs (`typst_compile.py`), and into
    the HTML's <title> after Quarto has finished (`quarto.finish_page`).
    """
    header = {
        "pagetitle": PAGE_TITLE,
        "lang": language(meta),
    }
    day = produced_day(meta)
    if day:  # the PDF's date: the day the report says it was produced, so reruns are identical
        header["produced-date"] = {"year": day[0], "month": day[1], "day": day[2]}
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=10_000) + "---\n"


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`, so the text can never close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def raw_block(text: str, format_name: str) -> str:
    """Text passed through to one output format only (pandoc's raw attribute)."""
    fence = _fence(text)
    return f"{fence}{{={format_name}}}\n{text}\n{fence}"


def chart_markdown(chart: Chart, image_name: str) -> str:
    """A chart for both formats: for HTML the image with its alt text and data table (as the built-in
    page shows it; Quarto embeds the file as a data: URI); for Typst a figure of the image file with
    its alt text, tagged in the PDF."""
    path = f"{CHARTS}/{image_name}"
    html = f'<figure class="chart chart-{chart.role}"><img src="{path}" alt="{html_text(chart.alt)}"></figure>'
    if chart.table:
        html += chart_data_html(chart.table)
    typst = typst_figure(path, chart.alt, chart.role)
    return raw_block(html, "html") + "\n\n" + raw_block(typst, "typst")


def quarto_source(notebook: str | Path | nbformat.NotebookNode) -> QuartoSource:
    """The Markdown document for Quarto built from an executed notebook: front matter, then each
    output's Markdown and each chart in order; code, streams, errors and HTML outputs are left out."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    parts: list[str] = []
    images: dict[str, bytes] = {}
    for part in document_parts(nb):
        if isinstance(part, Chart):
            name = f"chart-{len(images) + 1:03d}.png"
            images[name] = part.png
            parts.append(chart_markdown(part, name))
        else:
            parts.append(part)
    meta = report_metadata(nb)
    if meta["footer"]:  # who produced it and when, at the end of the page and of the PDF's text
        footer = f'<footer class="report-footer"><p>{html_text(meta["footer"])}</p></footer>'
        parts.append(raw_block(footer, "html") + f"\n\n::: {{.content-visible when-format=\"typst\"}}\n{md_text(meta['footer'])}\n:::")
    body = "\n\n".join(p for p in parts if p)
    return QuartoSource(front_matter(meta) + "\n" + body + "\n", images, meta["title"], meta["running_header"])
