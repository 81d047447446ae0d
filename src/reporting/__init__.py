"""reporting: reproducible quarterly performance reports for council committees.

The data moves one way: load → validate → as at a quarter → rate → summarise → chart →
display → render → publish. Each step is a plain function here; the report notebook calls them.
"""

__version__ = "0.1.0"

import sys as _sys

# jsonschema, which nbformat (so papermill and nbconvert) imports, loads the optional rfc3987_syntax
# if it is installed (JupyterLab's dependencies install it), and that builds about 35 Lark parsers
# as it loads: a second of every process that reads a notebook, for the `iri` formats, which no
# notebook schema uses (jsonschema issue #1428). Marked missing unless already loaded, so
# jsonschema leaves out those two format checks and nothing else changes.
_sys.modules.setdefault("rfc3987_syntax", None)

from .errors import (
    CommentaryError,
    DataValidationError,
    DateError,
    InputFileError,
    NoNewDataError,
    NotebookExecutionError,
    ParamsError,
    Problem,
    QuarterError,
    RenderError,
    ReportingError,
    SchemeError,
    SettingsError,
    UsageError,
)

# Every other name loads its module on first use, so `import reporting` costs next to nothing: a run
# launches its notebooks' kernels before this process imports pandas, papermill or nbconvert, and
# they boot meanwhile (reporting.early). The workbook's modules: what a notebook's `rp.` names use;
# the kernel loads them all as it boots (publish/kernel_launcher.py).
_WORKBOOK = {
    ".commentary": (
        "Finding", "attach_commentary", "check_commentary", "commentary_context", "commentary_path", "find_commentary",
        "harvest_notebook", "load_commentary", "new_commentary_notebook", "sanitise", "show_kpi_figures",
    ),
    ".data": ("Dataset", "load_catalogue", "load_dataset", "load_observations"),
    ".document.blocks": ("Block", "Chart"),
    ".measures.figures": ("format_value",),
    ".measures.kpis": ("build_kpis", "spc_points"),
    ".document.results": ("write_kpis",),
    ".document.report": (
        "assurance_badge", "benchmark_table", "commentary_block", "index_table", "judgement_table", "kpi_card",
        "kpi_description", "rating_key", "spc_key", "summary_table", "title_block", "variation_badge",
    ),
    ".measures.spc": ("SPCSettings", "assurance", "spc_summary", "xmr"),
    ".measures.trend": ("linear_trend",),
    ".measures.benchmarks": ("benchmark_figures", "benchmark_positions"),
    ".data.benchmarks": ("Benchmarks", "load_benchmarks"),
    ".params": ("CommitteeParams", "OfficerContact", "PaperSettings", "check_committee_id", "committee_ids", "load_params",
                "project_folder"),
    ".measures.periods": ("Quarter", "as_at", "history", "produced_on"),
    ".measures.ratings": ("available_schemes", "change_in_performance", "get_scheme", "rate", "register_scheme", "scheme_config"),
    ".document.paper": (
        "background_section", "counts_section", "examples_section", "key_section", "movements_section",
        "not_updated_section", "officer_contact_section", "paper_title_block", "recommendation_section",
        "spc_disagreements_section",
    ),
    ".measures.summary": (
        "ExampleChoice", "choose_examples", "examples", "movement_counts", "movements", "not_updated", "rating_counts",
        "reported_kpis", "spc_disagreements", "summary_record", "write_summary",
    ),
    ".document.charts": (
        "figure_png", "kpi_alt_text", "kpi_chart", "kpi_chart_table", "rating_alt_text", "rating_chart", "use_report_style",
    ),
    ".document.benchmarks": ("benchmark_alt_text", "benchmark_chart", "benchmark_chart_table"),
    ".document.display": ("show", "show_chart", "show_markdown"),
    ".document.spreadsheet": ("write_kpis_xlsx",),  # gptables: kpis.xlsx
}

# The process that runs papermill never draws a chart, and the kernel never needs papermill, nbconvert
# or Typst (about a second each).
_LAZY = {
    **{name: module for module, names in _WORKBOOK.items() for name in names},
    "render": ".publish.render",
    # The run's front door launches the kernels first, then imports the rest (.run).
    "run_committee": ".early",
    "resolve_quarter": ".run",
    "RunResult": ".run",
    # Scheduled runs, provenance and the accessibility audit: used by the command line, not the notebook.
    "Outcome": ".batch",
    "run_many": ".batch",
    "verify": ".publish.manifest",
    "audit_folder": ".publish.audit",
    "check_pdf": ".publish.pdfcheck",
    # Importing a council's wide extract: used by `reporting import`, not by the report notebook.
    "read_wide": ".data.wide",
    "draft_catalogue": ".data.wide",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # looked up once: a notebook's cells use these names thousands of times
        return value
    raise AttributeError(f"module 'reporting' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)

__all__ = [
    "Benchmarks",
    "Block",
    "Chart",
    "CommentaryError",
    "CommitteeParams",
    "DataValidationError",
    "Dataset",
    "DateError",
    "ExampleChoice",
    "Finding",
    "InputFileError",
    "NoNewDataError",
    "NotebookExecutionError",
    "OfficerContact",
    "Outcome",
    "PaperSettings",
    "ParamsError",
    "Problem",
    "Quarter",
    "QuarterError",
    "RenderError",
    "ReportingError",
    "RunResult",
    "SPCSettings",
    "SchemeError",
    "SettingsError",
    "UsageError",
    "__version__",
    "as_at",
    "assurance",
    "assurance_badge",
    "attach_commentary",
    "audit_folder",
    "available_schemes",
    "background_section",
    "benchmark_alt_text",
    "benchmark_chart",
    "benchmark_chart_table",
    "benchmark_figures",
    "benchmark_positions",
    "benchmark_table",
    "build_kpis",
    "change_in_performance",
    "check_commentary",
    "check_committee_id",
    "check_pdf",
    "choose_examples",
    "commentary_block",
    "commentary_context",
    "commentary_path",
    "committee_ids",
    "counts_section",
    "draft_catalogue",
    "examples",
    "examples_section",
    "figure_png",
    "find_commentary",
    "format_value",
    "get_scheme",
    "harvest_notebook",
    "history",
    "index_table",
    "judgement_table",
    "key_section",
    "kpi_alt_text",
    "kpi_card",
    "kpi_chart",
    "kpi_chart_table",
    "kpi_description",
    "linear_trend",
    "load_benchmarks",
    "load_catalogue",
    "load_commentary",
    "load_dataset",
    "load_observations",
    "load_params",
    "movement_counts",
    "movements",
    "movements_section",
    "new_commentary_notebook",
    "not_updated",
    "not_updated_section",
    "officer_contact_section",
    "paper_title_block",
    "produced_on",
    "project_folder",
    "rate",
    "rating_alt_text",
    "rating_chart",
    "rating_counts",
    "rating_key",
    "read_wide",
    "recommendation_section",
    "register_scheme",
    "render",
    "reported_kpis",
    "resolve_quarter",
    "run_committee",
    "run_many",
    "sanitise",
    "scheme_config",
    "show",
    "show_chart",
    "show_kpi_figures",
    "show_markdown",
    "spc_disagreements",
    "spc_disagreements_section",
    "spc_key",
    "spc_points",
    "spc_summary",
    "summary_record",
    "summary_table",
    "title_block",
    "use_report_style",
    "variation_badge",
    "verify",
    "write_kpis",
    "write_kpis_xlsx",
    "write_summary",
    "xmr",
]
