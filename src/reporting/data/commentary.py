"""Commentary as an input: where it lives, how it is read (a notebook by its cell tags, without running it, or YAML), and attached to the KPIs.

Commentary is Markdown written by analysts. Raw HTML is never passed through: `<` is escaped
before the text reaches a notebook output, and the built-in renderer also refuses raw HTML.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd

from . import limits
from ..errors import DataValidationError, InputFileError, Problem
from .input_files import Allowed, in_own_project, read_text
from ..quarters import Quarter
from .yaml_files import mapping_pairs, node_at, not_as_written, read_yaml

FIELDS = ("commentary", "actions")
SUFFIXES = (".ipynb", ".yaml")  # the commentary notebook is preferred; YAML is accepted too


def commentary_path(root: str | Path, committee: str, quarter: str | Quarter, suffix: str = ".ipynb") -> Path:
    """Where a committee's commentary for a quarter lives: commentary/<committee>/<quarter>.ipynb (or .yaml).
    The committee id and quarter are checked first, so the path cannot leave commentary/."""
    from .input_files import check_committee_id

    return Path(root) / "commentary" / check_committee_id(committee) / f"{Quarter.parse(quarter).id}{suffix}"


def find_commentary(root: str | Path, committee: str, quarter: str | Quarter) -> Path:
    """The commentary file in use: the notebook if there is one, else the YAML file, else where the notebook would go."""
    for suffix in SUFFIXES:
        path = commentary_path(root, committee, quarter, suffix)
        if path.exists():
            return path
    return commentary_path(root, committee, quarter)


def empty_commentary() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ("indicator_id", *FIELDS)})


def load_commentary(path: str | Path, allowed: Allowed | None = None) -> pd.DataFrame:
    """Commentary and actions by indicator id, from a commentary notebook (by cell tag, without
    running it) or a YAML file; an empty table when the file does not exist yet.

    `allowed` is where the file may be, after following links (default: the project it is in);
    a file elsewhere is refused without being read.
    """
    path = Path(path)
    empty = empty_commentary()
    if not path.exists():
        return empty
    allowed = allowed or in_own_project(path)
    if path.suffix == ".ipynb":
        return harvest_notebook(path, allowed)
    document = read_yaml(path, allowed)
    raw = document.data if document.data is not None else {}
    if not isinstance(raw, dict):
        raise DataValidationError([Problem(str(path), None, None, None, "expected a mapping from indicator id to commentary and actions")])
    rows, problems = [], []
    for (key_node, value_node), (indicator_id, entry) in zip(mapping_pairs(document.node), raw.items()):
        line = key_node.start_mark.line + 1
        found = not_as_written(key_node, None, "id")
        if found:
            problems.append(Problem(str(path), line, None, found.shown, f"this indicator id: {found.expected}", "line"))
            continue
        if isinstance(entry, str):
            entry, value_node = {"commentary": entry}, None
        if not isinstance(entry, dict) or set(entry) - set(FIELDS):
            problems.append(Problem(str(path), None, str(indicator_id), None, "expected 'commentary:' and optionally 'actions:' under the indicator id"))
            continue
        for field in FIELDS:
            field_node = node_at(value_node, field)
            found = not_as_written(field_node, field)
            if found:
                where = field_node.start_mark.line + 1
                problems.append(Problem(str(path), where, None, found.shown, f"the {field} for indicator {indicator_id}: {found.expected}", "line"))
        rows.append({"indicator_id": str(indicator_id), **{f: (str(entry[f]).strip() if entry.get(f) else "") for f in FIELDS}})
    if problems:
        raise DataValidationError(problems)
    return pd.DataFrame(rows) if rows else empty


def attach_commentary(kpis: pd.DataFrame, commentary: pd.DataFrame) -> pd.DataFrame:
    """Add `commentary` and `actions` columns to the KPI table (empty text where none was written)."""
    merged = kpis.drop(columns=[c for c in FIELDS if c in kpis]).merge(
        commentary[["indicator_id", *FIELDS]], on="indicator_id", how="left", validate="one_to_one"
    )
    for field in FIELDS:
        merged[field] = merged[field].fillna("").astype(object)
    return merged


TAG_PREFIX = "kpi:"
PLACEHOLDERS = {
    "commentary": "_Write the commentary for this indicator here._",
    "actions": "_Write the actions here (expected for Red indicators)._",
}


def _indicator(cell) -> str | None:
    for tag in cell.get("metadata", {}).get("tags", []):
        if tag.startswith(TAG_PREFIX):
            return tag[len(TAG_PREFIX):]
    return None


def _field(cell) -> str | None:
    tags = cell.get("metadata", {}).get("tags", [])
    return next((f for f in FIELDS if f in tags), None)


def _text(source: str, field: str) -> str:
    """The analyst's text; the untouched placeholder counts as nothing written."""
    text = source.strip()
    return "" if text == PLACEHOLDERS[field] else text


def read_commentary_notebook(path: str | Path, allowed: Allowed | None = None) -> nbformat.NotebookNode:
    """A commentary notebook, read without running it: inside `allowed` (default: the project it is in),
    within REPORTING_MAX_NOTEBOOK_MB, UTF-8 JSON in the notebook format. Errors name the file and
    line, never its contents (nbformat's own messages quote the file, so they are not passed on)."""
    path = Path(path)
    name = str(path)
    text = read_text(path, allowed or in_own_project(path), limits.NOTEBOOK, "notebook")
    try:
        nb = nbformat.convert(nbformat.reader.reads(text), 4)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several kinds; their messages quote the file
        damaged = error.__cause__  # for JSON that does not parse: json's own error, which says where
        if isinstance(damaged, json.JSONDecodeError):
            raise InputFileError(Problem(
                name, damaged.lineno, str(damaged.colno), None,
                f"is not a readable notebook: the JSON it is saved as is damaged here ({damaged.msg}); "
                "open it in JupyterLab to repair it, or start again with `reporting commentary new --force`",
                "line",
            )) from None
        where = "/".join(str(p) for p in getattr(error, "absolute_path", None) or ())
        raise InputFileError(Problem(
            name, None, None, None,
            "is not a readable notebook: it does not follow the Jupyter notebook format"
            + (f" (at {where})" if where else "") + "; open it in JupyterLab to repair it",
        )) from None
    return nb


def harvest_cells(path: str | Path, allowed: Allowed | None = None) -> pd.DataFrame:
    """Every tagged commentary or actions cell: indicator_id, field, text (ids not checked)."""
    nb = read_commentary_notebook(path, allowed)
    rows = [
        {"indicator_id": _indicator(cell), "field": _field(cell), "text": _text(cell.source, _field(cell))}
        for cell in nb.cells
        if cell.cell_type == "markdown" and _field(cell) and _indicator(cell)
    ]
    return pd.DataFrame(rows, columns=["indicator_id", "field", "text"])


def harvest_notebook(path: str | Path, allowed: Allowed | None = None) -> pd.DataFrame:
    """Commentary and actions by indicator id, read from the notebook's tagged cells without running it."""
    cells = harvest_cells(path, allowed)
    if cells.empty:
        return empty_commentary()
    joined = cells.groupby(["indicator_id", "field"], sort=False)["text"].agg(lambda t: "\n\n".join(x for x in t if x))
    table = joined.unstack("field").reindex(columns=list(FIELDS)).fillna("").reset_index()
    table.columns.name = None
    return table[["indicator_id", *FIELDS]]
