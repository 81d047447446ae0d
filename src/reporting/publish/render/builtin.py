"""The built-in renderer: nbconvert with the workbook's own template for HTML, Typst for PDF (typst_source.py)."""

from __future__ import annotations

import base64

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from traitlets.config import Config

from ...document import analyst_markdown, css_string
from ...document.blocks import CHART_ROLES, Chart, chart_data_html
from ...document.icons import icon_css
from ...document.markdown_html import markdown_to_html, notebook_sections
from ...errors import RenderError

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


def document_parts(nb: nbformat.NotebookNode) -> list:
    """What a notebook gives its PDF, in order: Markdown (a block's, or the notebook's own narrative reduced
    to the analysts' safe subset) and Charts. Code, streams, errors and HTML outputs are left out."""
    parts: list = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(analyst_markdown(cell.source))  # narrative written in the notebook: the safe subset
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = output.get("data", {})
            if "image/png" in data:
                meta = output.get("metadata", {}).get("image/png", {})
                role = meta.get("role") if meta.get("role") in CHART_ROLES else "figure"
                parts.append(Chart(base64.b64decode("".join(data["image/png"])), str(meta.get("alt", "")), meta.get("table"), role))
            elif "text/markdown" in data:
                parts.append("".join(data["text/markdown"]).strip())
    return parts


def render_html(notebook: str | Path | nbformat.NotebookNode, html_path: str | Path) -> Path:
    """Render an executed notebook to one self-contained HTML file (charts inline, no code)."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    try:
        # The SPC icons' rules: the workbook's own SVGs as data: URIs (no text from data or params).
        body, _ = ReportExporter().from_notebook_node(nb, resources={"report": report_metadata(nb), "icon_css": icon_css()})
    except Exception as error:  # nbconvert and Jinja raise many kinds
        raise RenderError(f"Could not render {notebook} to HTML: {error}") from error
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def render_pdf(notebook: str | Path | nbformat.NotebookNode, pdf_path: str | Path) -> Path:
    """Typeset an executed notebook as an accessible (tagged, PDF/UA-1) PDF with Typst (typst_source.py):
    the same blocks as the HTML, with the running header and page numbers of the Typst template.

    The PDF's dates are the day the notebook says it was produced, so reruns are byte-identical.
    """
    from .typst_source import compile_pdf, typst_source  # imported here: typst_source reads this module

    pdf_path = Path(pdf_path)
    try:
        source = typst_source(notebook)
    except Exception as error:  # a notebook that cannot be read, or Markdown the writer cannot take
        raise RenderError(f"Could not write {pdf_path.name} as Typst: {error}") from error
    return compile_pdf(source, pdf_path, pdf_path.stem)


def render_builtin(notebook: str | Path, folder: str | Path, stem: str = "report") -> list[Path]:
    """report.html and report.pdf beside each other in `folder`."""
    folder = Path(folder)
    nb = nbformat.read(str(notebook), as_version=4)
    html = render_html(nb, folder / f"{stem}.html")
    pdf = render_pdf(nb, folder / f"{stem}.pdf")
    return [html, pdf]
