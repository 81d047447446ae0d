"""The commentary notebook: one section per KPI with its figures and chart, then two Markdown
cells the analyst edits (commentary, actions), found again by their tags, not their position.

Tags on each text cell: the field (`commentary` or `actions`) and `kpi:<indicator id>`.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd

from ..data import limits
from ..document import md_text
from ..errors import InputFileError, Problem, ReportingError
from ..data.input_files import Allowed, in_own_project, in_project, read_text
from ..quarters import Quarter
from ..data.commentary import FIELDS, PLACEHOLDERS, TAG_PREFIX, commentary_path, find_commentary, harvest_notebook, load_commentary

def commentary_context(committee: str, quarter: str | Quarter, root: str | Path | None = None) -> SimpleNamespace:
    """What the commentary notebook shows: the committee's KPIs as at the quarter, with their data.
    `root` defaults to the project the notebook is in, wherever it was started."""
    from ..data import load_dataset
    from ..measures.kpis import build_kpis
    from ..params import check_committee_id, load_params, project_folder

    root = Path(root) if root is not None else project_folder()
    params = load_params(root / "params" / f"{check_committee_id(committee)}.yaml")
    dataset = load_dataset(params.dataset, root, indicators=params.indicators, committee=params.id)
    kpis = build_kpis(dataset, quarter, params.scheme, params.id, params.indicators)
    return SimpleNamespace(params=params, dataset=dataset, kpis=kpis.set_index("indicator_id", drop=False), quarter=Quarter.parse(quarter))


def show_kpi_figures(context: SimpleNamespace, indicator_id: str) -> None:
    """Display one KPI's card and chart, as the report will show them, above the cells to edit."""
    from ..document.charts import figure_png, kpi_alt_text, kpi_chart
    from ..document.display import show_chart, show_markdown
    from ..document.report import kpi_card
    from ..measures.periods import history

    kpi = context.kpis.loc[indicator_id]
    points = history(context.dataset.observations, indicator_id, context.quarter, context.params.chart_periods)
    card = kpi_card(kpi).replace("[Return to index](#index)\n\n", "")
    show_markdown(card)
    show_chart(figure_png(kpi_chart(points, kpi)), kpi_alt_text(points, kpi))


def _intro(params, quarter: Quarter, carried_from: Quarter | None) -> str:
    carried = (
        f" Text already in a cell was carried over from {carried_from.label}: it is marked as carried over"
        " until you change it, and `reporting commentary check` lists any left unchanged."
        if carried_from else ""
    )
    return (
        f"# Commentary: {md_text(params.committee_name)}, {quarter.label}\n\n"
        "For each indicator below, read its figures and chart, then write in the two cells under it: "
        "**commentary** (what the figures show and why) and **actions** (what is being done; expected "
        "for Red indicators). Write Markdown: lists, **bold** and links work; HTML is shown as text. "
        f"Keep each cell's tags as they are: they tell the report which indicator the text belongs to.{carried}\n\n"
        "To see the figures again after a data change, run all cells. When you have finished, run "
        f"`reporting commentary check --committee {params.id} --quarter {quarter.id}`."
    )


def new_commentary_notebook(committee: str, quarter: str | Quarter, root: str | Path = ".", force: bool = False, execute: bool = True) -> Path:
    """Create commentary/<committee>/<quarter>.ipynb: one section per KPI in report order, pre-filled
    with the previous quarter's text, executed so the figures and charts show in JupyterLab."""
    root = Path(root).resolve()
    q = Quarter.parse(quarter)
    path = commentary_path(root, committee, q)  # checks the committee id: nothing is written for a bad one
    if path.exists() and not force:
        raise ReportingError(f"{path} already exists; edit it, or add --force to start again (its text would be lost).")
    if not in_project(root).allows(path):
        raise ReportingError(f"{path} leads outside the project folder {root} (through a symbolic link); nothing was written.")
    context = commentary_context(committee, q, root)
    earlier_path = find_commentary(root, committee, q.previous())
    earlier = load_commentary(earlier_path, in_project(root)).set_index("indicator_id")
    carried_from = q.previous() if earlier_path.exists() else None

    cells = [nbformat.v4.new_markdown_cell(_intro(context.params, q, carried_from))]
    # Values from data reach code cells only as Python literals (repr), never pasted in as code.
    parameters = nbformat.v4.new_code_cell(f"committee = {committee!r}\nquarter = {q.id!r}")
    parameters.metadata["tags"] = ["parameters"]
    setup = nbformat.v4.new_code_cell("import reporting as rp\n\ncontext = rp.commentary_context(committee, quarter)")
    cells += [parameters, setup]
    for kpi in context.kpis.itertuples(index=False):
        tag = f"{TAG_PREFIX}{kpi.indicator_id}"
        heading = f"## Indicator {md_text(kpi.indicator_id)}: {md_text(kpi.title)}\n\nRating: **{md_text(kpi.rating)}**"
        texts = {f: (earlier.loc[kpi.indicator_id, f] if kpi.indicator_id in earlier.index else "") for f in FIELDS}
        if carried_from and any(texts.values()):
            heading += f". _The text below was carried over from {carried_from.label}: update it._"
        cells.append(nbformat.v4.new_markdown_cell(heading, metadata={"tags": ["heading", tag]}))
        cells.append(nbformat.v4.new_code_cell(f"rp.show_kpi_figures(context, {str(kpi.indicator_id)!r})", metadata={"tags": ["figures", tag]}))
        for field in FIELDS:
            text = texts[field] or PLACEHOLDERS[field]
            metadata = {"tags": [field, tag], "reporting": {"indicator_id": kpi.indicator_id, "field": field}}
            if texts[field]:
                metadata["reporting"]["carried_over_from"] = carried_from.id
            cells.append(nbformat.v4.new_markdown_cell(text, metadata=metadata))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    if execute:
        from ..publish.execute import execute_notebook

        # Its parameter cell already names the committee and quarter: nothing to inject.
        execute_notebook(path, path, root, {})
    return path


def refresh_commentary_notebook(committee: str, quarter: str | Quarter, root: str | Path = ".") -> Path:
    """Bring back a commentary notebook's figures and charts (git strips them on commit) without
    touching its text: only its code cells run again; the commentary and actions cells are left
    as they are, and the harvested text is checked to be the same before and after."""
    from ..publish.execute import execute_notebook
    from ..params import check_committee_id

    root = Path(root).resolve()
    path = commentary_path(root, check_committee_id(committee), Quarter.parse(quarter))
    if not path.is_file():
        raise ReportingError(
            f"{path} does not exist: create it with `reporting commentary new --committee {committee} --quarter {quarter}`."
        )
    before = harvest_notebook(path, in_project(root))
    execute_notebook(path, path, root, {})
    after = harvest_notebook(path, in_project(root))
    if not before.equals(after):  # never expected: running code cells does not change Markdown cells
        raise ReportingError(f"Refreshing {path} changed its commentary; restore it from git and report this as a bug.")
    return path
