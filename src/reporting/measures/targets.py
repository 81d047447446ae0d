"""Targets that are not a plain number: a comparator target ("above N / NE": better than the
England and regional averages) and a long-term target ("5 by 2030"). Both are kept in the
catalogue, explained in the report, and never silently lost."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

COMPARATOR_NAMES = {
    "england_mean": "the England average",
    "regional_mean": "the regional average",
    "stat_neighbour_mean": "the statistical neighbour average",
}


def apply_target_rules(kpis: pd.DataFrame) -> pd.DataFrame:
    """Fill `target` for comparator targets (the strictest of the named comparators, by direction)
    and describe every non-numeric target in `target_basis`."""
    kpis = kpis.copy()
    basis = pd.Series("", index=kpis.index, dtype=object)
    against = kpis["target_against"] if "target_against" in kpis else pd.Series(None, index=kpis.index)
    against = against.map(lambda v: list(v) if isinstance(v, list) else [])
    if against.map(bool).any():
        lower = kpis["direction"].eq("lower").to_numpy()
        stacked = np.column_stack([
            np.where(against.map(lambda v, c=c: c in v).to_numpy(), kpis[c].to_numpy(dtype=float), np.nan)
            for c in COMPARATOR_NAMES
        ])
        with warnings.catch_warnings():  # a row with no comparator at all simply has no target
            warnings.filterwarnings("ignore", message="All-NaN slice encountered", category=RuntimeWarning)
            strictest = np.where(lower, np.nanmin(stacked, axis=1), np.nanmax(stacked, axis=1))
        uses = against.map(bool).to_numpy()
        kpis["target"] = np.where(uses, strictest, kpis["target"].to_numpy(dtype=float))
        words = against.map(lambda v: " and ".join(COMPARATOR_NAMES[c] for c in v))
        better = np.where(lower, "below", "above")
        basis = basis.where(~uses, [f"{b} {w}" for b, w in zip(better, words)])
    long_term = kpis["target_by"] if "target_by" in kpis else pd.Series(None, index=kpis.index)
    dated = long_term.map(lambda v: isinstance(v, dict))
    if dated.any():
        basis = basis.where(~dated, long_term.map(
            lambda v: f"{v['value']:g} by {v['year']} (a long-term target, not judged each quarter)" if isinstance(v, dict) else ""
        ))
    kpis["target_basis"] = basis
    return kpis
