"""Checks before publishing: missing commentary, Red KPIs without actions, text carried over
unchanged from last quarter, and commentary for a KPI the committee does not report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..data.input_files import Allowed, in_project
from ..params import check_committee_id
from ..quarters import Quarter
from ..data.commentary import FIELDS, find_commentary, load_commentary

MISSING, NO_ACTIONS, CARRIED_OVER, UNKNOWN = "missing commentary", "Red without actions", "carried over unchanged", "unknown indicator"


@dataclass(frozen=True)
class Finding:
    """One problem with a quarter's commentary."""

    problem: str
    indicator_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.problem}: {self.message}"


def _written(path: Path, allowed: Allowed) -> pd.DataFrame:
    """Every entry in the commentary file, including ones for indicators the committee does not have."""
    if path.suffix == ".ipynb" and path.exists():
        from ..data.commentary import harvest_cells

        cells = harvest_cells(path, allowed)
        ids = pd.DataFrame({"indicator_id": cells["indicator_id"].unique()})
        return ids.merge(load_commentary(path, allowed), on="indicator_id", how="left").fillna("")
    return load_commentary(path, allowed)


def check_commentary(committee: str, quarter: str | Quarter, root: str | Path = ".", kpis: pd.DataFrame | None = None) -> list[Finding]:
    """Everything an editor should look at before the paper goes out, in report order."""
    from .notebook import commentary_context

    root = Path(root)
    q = Quarter.parse(quarter)
    check_committee_id(committee)
    if kpis is None:
        kpis = commentary_context(committee, q, root).kpis.reset_index(drop=True)
    allowed = in_project(root)
    path = find_commentary(root, committee, q)
    written = _written(path, allowed).set_index("indicator_id")
    earlier = load_commentary(find_commentary(root, committee, q.previous()), allowed).set_index("indicator_id")
    name = path.relative_to(root) if path.is_relative_to(root) else path

    findings: list[Finding] = []
    for kpi in kpis.itertuples(index=False):
        label = f"Indicator {kpi.indicator_id} ({kpi.title})"
        text = {f: (str(written.loc[kpi.indicator_id, f]).strip() if kpi.indicator_id in written.index else "") for f in FIELDS}
        if not text["commentary"]:
            findings.append(Finding(MISSING, kpi.indicator_id, f"{label} has no commentary in {name}."))
        if kpi.rating == "Red" and not text["actions"]:
            findings.append(Finding(NO_ACTIONS, kpi.indicator_id, f"{label} is rated Red but has no actions in {name}."))
        for field in FIELDS:
            before = str(earlier.loc[kpi.indicator_id, field]).strip() if kpi.indicator_id in earlier.index else ""
            if text[field] and text[field] == before:
                findings.append(Finding(CARRIED_OVER, kpi.indicator_id, f"{label}: the {field} {'are' if field == 'actions' else 'is'} unchanged from {q.previous().label}."))
    known = set(kpis["indicator_id"])
    for indicator_id in written.index:
        if indicator_id not in known:
            findings.append(Finding(UNKNOWN, indicator_id, f"{name} has text for indicator {indicator_id!r}, which this committee does not report."))
    return findings
