"""Commentary and actions: written by analysts per KPI and quarter, harvested, checked and sanitised.

Analysts write in a commentary notebook per committee and quarter (`reporting commentary new`),
beside each KPI's figures and chart; a YAML file is also accepted. The run reads the text by
cell tag, never by running the notebook.
"""

from .checks import Finding, check_commentary
from .notebook import commentary_context, harvest_notebook, new_commentary_notebook, show_kpi_figures
from .text import (
    FIELDS,
    attach_commentary,
    commentary_path,
    find_commentary,
    load_commentary,
    sanitise,
)

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
