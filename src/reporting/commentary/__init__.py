"""Commentary and actions: written by analysts per KPI and quarter, harvested, checked and sanitised.

Reading commentary is an input step (`reporting.data.commentary`); this package is the analyst's
room: the commentary notebook (made, refreshed, shown) and the checks. Analysts write in a commentary notebook per committee and quarter (`reporting commentary new`),
beside each KPI's figures and chart; a YAML file is also accepted. The run reads the text by
cell tag, never by running the notebook.
"""

from ..data.commentary import FIELDS, attach_commentary, commentary_path, find_commentary, harvest_notebook, load_commentary
from ..document import analyst_markdown
from .checks import Finding, check_commentary
from .notebook import commentary_context, new_commentary_notebook, show_kpi_figures


def sanitise(text: str | None) -> str:
    """Markdown safe to publish: the analysts' subset (paragraphs, emphasis, lists, headings, links to
    http, https and mailto) kept; raw HTML, attributes, images and other links shown as text."""
    return analyst_markdown(text)

__all__ = [
    "FIELDS",
    "Finding",
    "attach_commentary",
    "check_commentary",
    "commentary_context",
    "commentary_path",
    "find_commentary",
    "harvest_notebook",
    "load_commentary",
    "new_commentary_notebook",
    "sanitise",
    "show_kpi_figures",
]
