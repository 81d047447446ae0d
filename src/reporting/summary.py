"""Counts of ratings, for the report's summary and the covering paper."""

from __future__ import annotations

import pandas as pd


def rating_counts(kpis: pd.DataFrame, labels: tuple[str, ...]) -> pd.DataFrame:
    """One row per rating label in the scheme's order (zeros included): count and percentage of KPIs."""
    counts = kpis["rating"].value_counts().reindex(list(labels), fill_value=0)
    extra = kpis.loc[~kpis["rating"].isin(labels), "rating"].value_counts()
    counts = pd.concat([counts, extra])
    total = int(counts.sum())
    table = pd.DataFrame({"rating": counts.index, "count": counts.to_numpy()})
    table["percent"] = (100 * table["count"] / total) if total else 0.0
    return table.reset_index(drop=True)
