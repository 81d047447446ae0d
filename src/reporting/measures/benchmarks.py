"""Where the council stands on each KPI: its rank among all councils with a figure and among its
statistical neighbours, and its quartile band, for the KPI's current period.

LAIT's conventions, followed here: rank 1 is the best by the KPI's direction, tied figures share the
better rank, a council without a figure has no rank; the quartiles are those of every council's
figure (R's and numpy's default interpolation), band A is the best quarter and D the worst, and a
KPI with no direction of improvement is neither ranked nor banded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.benchmarks import Benchmarks

COLUMNS = ["national_rank", "national_count", "quartile_band", "neighbour_rank", "neighbour_count"]
BEST_BAND, WORST_BAND = "A", "D"
BAND_TEXT = "A: best quarter of councils, D: worst"


def ranked(table: pd.DataFrame, directions: pd.Series) -> pd.DataFrame:
    """`table` (indicator_id, area_code, value) with each area's rank within its indicator, 1 the best."""
    sign = table["indicator_id"].map(directions.map({"higher": -1.0, "lower": 1.0})).astype(float)
    table = table.assign(_key=table["value"].astype(float) * sign).dropna(subset=["_key"])
    return table.assign(rank=table.groupby("indicator_id")["_key"].rank(method="min").astype(int),
                        count=table.groupby("indicator_id")["_key"].transform("size").astype(int))


def band(values: pd.Series, quartiles: pd.DataFrame, directions: pd.Series) -> pd.Series:
    """Quartile band A-D of each value (indexed by indicator) among its indicator's quartiles, as LAIT bands:
    at or below the lower quartile is A where lower is better and D where higher is better."""
    q = quartiles.reindex(values.index)
    step = (values > q[0.25]).astype(int) + (values > q[0.5]).astype(int) + (values > q[0.75]).astype(int)
    higher = directions.reindex(values.index).eq("higher")
    letters = np.where(higher, step.map(dict(enumerate("DCBA"))), step.map(dict(enumerate("ABCD"))))
    return pd.Series(letters, index=values.index).where(values.notna() & q[0.25].notna())


def benchmark_positions(kpis: pd.DataFrame, benchmarks: Benchmarks) -> pd.DataFrame:
    """One row per KPI: `national_rank` of `national_count` councils with a figure, `quartile_band`
    (A best), and `neighbour_rank` of `neighbour_count` (the council and its neighbours with a figure),
    for the KPI's current period. Missing where the council has no figure or the KPI no direction."""
    directions = kpis.set_index("indicator_id")["direction"]
    wanted = kpis.loc[kpis["direction"].isin(["higher", "lower"]) & kpis["period_end"].notna(), ["indicator_id", "period_end"]]
    table = benchmarks.national.merge(wanted, on=["indicator_id", "period_end"], how="inner").dropna(subset=["value"])
    council = benchmarks.council[0]
    national = ranked(table, directions)
    own = national[national["area_code"] == council].set_index("indicator_id")
    quartiles = table.groupby("indicator_id")["value"].quantile([0.25, 0.5, 0.75]).unstack()
    if quartiles.empty:
        quartiles = pd.DataFrame(columns=[0.25, 0.5, 0.75], dtype=float)
    bands = band(own["value"], quartiles, directions)
    bands[bands.index.isin(benchmarks.unbanded)] = None
    group = {council} | {code for code, _ in benchmarks.neighbours}
    local = ranked(table[table["area_code"].isin(group)], directions)
    local_own = local[local["area_code"] == council].set_index("indicator_id")
    result = pd.DataFrame({"indicator_id": kpis["indicator_id"]})
    for column, source in (("national_rank", own["rank"]), ("national_count", own["count"]),
                           ("neighbour_rank", local_own["rank"]), ("neighbour_count", local_own["count"])):
        result[column] = result["indicator_id"].map(source).astype("Int64")
    result["quartile_band"] = result["indicator_id"].map(bands).astype(object)
    result["quartile_band"] = result["quartile_band"].where(result["quartile_band"].notna(), None)
    return result[["indicator_id"] + COLUMNS]


def benchmark_figures(benchmarks: Benchmarks, kpi: pd.Series, england=None) -> pd.DataFrame:
    """What a KPI's benchmark chart shows: the council, each neighbour with a figure, and England, for the
    KPI's current period, sorted best first (by the KPI's direction; by value where it has none).
    Columns: area, value, role ("council", "neighbour" or "england")."""
    empty = pd.DataFrame(columns=["area", "value", "role"])
    if pd.isna(kpi.get("period_end")):
        return empty
    national = benchmarks.national
    rows = national[(national["indicator_id"] == kpi["indicator_id"]) & (national["period_end"] == kpi["period_end"])]
    roles = {benchmarks.council[0]: "council"} | {code: "neighbour" for code, _ in benchmarks.neighbours}
    shown = rows[rows["area_code"].isin(roles)].dropna(subset=["value"])
    shown = pd.DataFrame({"area": shown["area"], "value": shown["value"], "role": shown["area_code"].map(roles)})
    if (shown["role"] == "council").sum() == 0:
        return empty
    england = kpi.get("england_mean") if england is None else england
    if pd.notna(england):
        shown = pd.concat([shown, pd.DataFrame({"area": ["England"], "value": [float(england)], "role": ["england"]})])
    ascending = kpi.get("direction") == "lower"
    return shown.sort_values(["value", "area"], ascending=[ascending, True], kind="stable", ignore_index=True)


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    number = int(number)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
