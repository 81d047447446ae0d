"""Commentary text: where it lives, how it is loaded (notebook or YAML), attached and sanitised.

Commentary is Markdown written by analysts. Raw HTML is never passed through: `<` is escaped
before the text reaches a notebook output, and the built-in renderer also refuses raw HTML.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..document import analyst_markdown
from ..errors import DataValidationError, Problem
from ..input_files import Allowed, in_own_project
from ..periods import Quarter
from ..yaml_files import mapping_pairs, node_at, not_as_written, read_yaml

FIELDS = ("commentary", "actions")
SUFFIXES = (".ipynb", ".yaml")  # the commentary notebook is preferred; YAML is accepted too


def commentary_path(root: str | Path, committee: str, quarter: str | Quarter, suffix: str = ".ipynb") -> Path:
    """Where a committee's commentary for a quarter lives: commentary/<committee>/<quarter>.ipynb (or .yaml).
    The committee id and quarter are checked first, so the path cannot leave commentary/."""
    from ..params import check_committee_id

    return Path(root) / "commentary" / check_committee_id(committee) / f"{Quarter.parse(quarter).id}{suffix}"


def find_commentary(root: str | Path, committee: str, quarter: str | Quarter) -> Path:
    """The commentary file in use: the notebook if there is one, else the YAML file, else where the notebook would go."""
    for suffix in SUFFIXES:
        path = commentary_path(root, committee, quarter, suffix)
        if path.exists():
            return path
    return commentary_path(root, committee, quarter)


def sanitise(text: str | None) -> str:
    """Markdown safe to publish: the analysts' subset (paragraphs, emphasis, lists, headings, links to
    http, https and mailto) kept; raw HTML, attributes, images and other links shown as text."""
    return analyst_markdown(text)


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
        from .notebook import harvest_notebook

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
