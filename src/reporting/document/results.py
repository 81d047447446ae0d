"""`kpis.csv`, the result contract, written for readers and other tools."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..measures.kpis import CONTRACT_COLUMNS, EXTRA_COLUMNS
from .escape import csv_cell


def write_kpis(kpis: pd.DataFrame, path: str | Path) -> Path:
    """Write `kpis.csv`: the contract columns first, then the extras; dates as YYYY-MM-DD.

    A text cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe, so
    spreadsheet programs show it as text instead of running it as a formula.
    """
    path = Path(path)
    columns = CONTRACT_COLUMNS + [c for c in EXTRA_COLUMNS if c in kpis]
    table = kpis[columns].copy()
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(csv_cell)
    table["period_end"] = table["period_end"].dt.strftime("%Y-%m-%d")
    table["updated_this_quarter"] = table["updated_this_quarter"].map({True: "true", False: "false"})
    table.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
    return path
