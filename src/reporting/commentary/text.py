"""Commentary text: where it lives, how it is loaded (notebook or YAML), attached and sanitised.

Commentary is Markdown written by analysts. Raw HTML is never passed through: `<` is escaped
before the text reaches a notebook output, and the built-in renderer also refuses raw HTML.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..errors import DataValidationError, Problem
from ..periods import Quarter

FIELDS = ("commentary", "actions")
SUFFIXES = (".ipynb", ".yaml")  # the commentary notebook is preferred; YAML is accepted too


def commentary_path(root: str | Path, committee: str, quarter: str | Quarter, suffix: str = ".ipynb") -> Path:
    """Where a committee's commentary for a quarter lives: commentary/<committee>/<quarter>.ipynb (or .yaml)."""
    return Path(root) / "commentary" / committee / f"{Quarter.parse(quarter).id}{suffix}"


def find_commentary(root: str | Path, committee: str, quarter: str | Quarter) -> Path:
    """The commentary file in use: the notebook if there is one, else the YAML file, else where the notebook would go."""
    for suffix in SUFFIXES:
        path = commentary_path(root, committee, quarter, suffix)
        if path.exists():
            return path
    return commentary_path(root, committee, quarter)


def sanitise(text: str | None) -> str:
    """Markdown safe to publish: raw HTML (tags, scripts, event attributes) is shown as text, not run."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    # Escaping "<" is enough to stop every tag; Markdown shows "&lt;" as a literal "<".
    return str(text).replace("<", "&lt;").strip()


def empty_commentary() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ("indicator_id", *FIELDS)})


def load_commentary(path: str | Path) -> pd.DataFrame:
    """Commentary and actions by indicator id, from a commentary notebook (by cell tag, without
    running it) or a YAML file; an empty table when the file does not exist yet."""
    path = Path(path)
    empty = empty_commentary()
    if not path.exists():
        return empty
    if path.suffix == ".ipynb":
        from .notebook import harvest_notebook

        return harvest_notebook(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise DataValidationError([Problem(str(path), None, None, None, f"is not valid YAML ({error})")]) from None
    if not isinstance(raw, dict):
        raise DataValidationError([Problem(str(path), None, None, None, "expected a mapping from indicator id to commentary and actions")])
    rows, problems = [], []
    for indicator_id, entry in raw.items():
        if isinstance(entry, str):
            entry = {"commentary": entry}
        if not isinstance(entry, dict) or set(entry) - set(FIELDS):
            problems.append(Problem(str(path), None, str(indicator_id), None, "expected 'commentary:' and optionally 'actions:' under the indicator id"))
            continue
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
