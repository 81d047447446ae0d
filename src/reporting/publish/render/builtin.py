"""The built-in renderer: nbconvert with the workbook's own template for HTML, WeasyPrint for PDF."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from traitlets.config import Config

from ...document import css_string
from ...document.blocks import chart_data_html
from ...document.icons import icon_css
from ...document.markdown_html import markdown_to_html, notebook_sections
from ...errors import RenderError
from ...gcpause import no_cycle_collection
from ...quarters import source_date_epoch

TEMPLATES = Path(__file__).parent / "templates"


class ReportExporter(HTMLExporter):
    """HTMLExporter using the `report` template: outputs only, our Markdown parser, no prompts."""

    def __init__(self, **kwargs):
        kwargs.setdefault("extra_template_basedirs", [str(TEMPLATES)])
        kwargs.setdefault("template_name", "report")
        super().__init__(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, **kwargs)

    @property
    def default_config(self):
        """Blocks offer text/html too (for notebook readers); this renderer reads their Markdown and
        PNG instead, through its own Markdown reader, so no HTML output reaches the page as it is."""
        config = super().default_config.copy()
        config.merge(Config({"NbConvertBase": {"display_data_priority": ["text/markdown", "image/png", "text/plain"]}}))
        return config

    def default_filters(self):
        """nbconvert's filters, with our Markdown parser in place of its markdown2html, and the page's sections."""
        for name, function in super().default_filters():
            yield (name, markdown_to_html if name == "markdown2html" else function)
        yield ("report_sections", notebook_sections)  # the contents navigation in the page header
        yield ("css_string", css_string)  # text from params inside the stylesheet (the running header)
        yield ("chart_data_html", chart_data_html)  # a chart's figures, as a table beside it

    def from_notebook_node(self, nb, resources=None, **kw):
        """HTMLExporter's conversion without its closing BeautifulSoup pass, which gives alt text to images
        that lack it and focus to code cells: this template writes alt on every image and shows no code, so
        that pass would only parse and rewrite the page (about 0.3 s for a 20-chart report)."""
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


def report_metadata(nb: nbformat.NotebookNode) -> dict:
    """The title, running header and footer the notebook recorded for its renderings."""
    meta = dict(nb.metadata.get("reporting", {}))
    meta.setdefault("title", "Performance report")
    meta.setdefault("running_header", meta["title"])
    meta.setdefault("footer", "")
    meta.setdefault("language", "en-GB")
    meta.setdefault("version", "")
    return meta


def render_html(notebook: str | Path, html_path: str | Path) -> Path:
    """Render an executed notebook to one self-contained HTML file (charts inline, no code)."""
    nb = nbformat.read(str(notebook), as_version=4)
    try:
        # The SPC icons' rules: the workbook's own SVGs as data: URIs (no text from data or params).
        body, _ = ReportExporter().from_notebook_node(nb, resources={"report": report_metadata(nb), "icon_css": icon_css()})
    except Exception as error:  # nbconvert and Jinja raise many kinds
        raise RenderError(f"Could not render {notebook} to HTML: {error}") from error
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


# The HTML loads nothing (charts are data: URIs, the stylesheet is inline), so the PDF needs nothing
# fetched either: WeasyPrint may decode data: URIs and must refuse every other URL (a local file,
# a web address, an attachment), and a refusal stops the render, so nothing half-made is published.
def _refuse_all_but_data():
    """A WeasyPrint URL fetcher that serves data: URIs and stops the render at any other URL."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class DataOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                raise FatalURLFetchingError(
                    f"the report asked for {url[:200]!r}; a published report may only use its own embedded resources"
                )
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=True)


# A tagged PDF/UA-1 PDF: structure tree (headings, tables with TH, figures with the charts' alt
# text), /Lang from <html lang>, the <title> shown as the window title, bookmarks from the headings.
# The file identifier is the MD5 of the content (not random), so reruns stay byte-identical.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_identifier": True}


# The tables of chart figures beside each chart (blocks.chart_data_html) are hidden in print
# (report.css: `details.chart-data { display: none }`). WeasyPrint would still parse them and compute
# a style for every cell (two thirds of the elements of a report of monthly KPIs), so the page it
# prints is a copy without them: the PDF is byte-identical, made about 15% sooner. Everything inside
# is escaped text from html_text, so no `</details>` can occur before the block's own end.
PRINT_HIDDEN = re.compile(r'<details class="chart-data">.*?</details>', re.DOTALL)


def print_copy(html: str) -> str:
    """The page as WeasyPrint prints it: without the blocks print hides (the chart data tables)."""
    return PRINT_HIDDEN.sub("", html)


def render_pdf(html_path: str | Path, pdf_path: str | Path, produced_on: str | None = None) -> Path:
    """Print the HTML report to an accessible (tagged, PDF/UA-1) PDF with WeasyPrint; page header and numbers come from the CSS.

    `produced_on` (YYYY-MM-DD) fixes the timestamps inside embedded fonts, so reruns are byte-identical.
    """
    from weasyprint import HTML  # imported here: it is the slowest import and only PDF needs it

    from .png_rows import use_png_rows

    use_png_rows()

    html_path, pdf_path = Path(html_path), Path(pdf_path)
    try:
        with source_date_epoch(produced_on), no_cycle_collection():  # WeasyPrint's boxes: see gcpause
            page = print_copy(html_path.read_text(encoding="utf-8"))
            document = HTML(string=page, base_url=str(html_path.parent), url_fetcher=_refuse_all_but_data())
            document.write_pdf(str(pdf_path), **PDF_OPTIONS)
    except BaseException as error:  # FatalURLFetchingError is a BaseException, so that WeasyPrint stops
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise RenderError(f"Could not render {html_path} to PDF: {error}") from error
    return pdf_path


def render_builtin(notebook: str | Path, folder: str | Path, stem: str = "report") -> list[Path]:
    """report.html and report.pdf beside each other in `folder`."""
    folder = Path(folder)
    html = render_html(notebook, folder / f"{stem}.html")
    produced = nbformat.read(str(notebook), as_version=4).metadata.get("reporting", {}).get("produced_on")
    pdf = render_pdf(html, folder / f"{stem}.pdf", produced)
    return [html, pdf]
