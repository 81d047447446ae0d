"""The committee's KPI table as at a quarter: the catalogue joined to as-at values, rated.

This is the result contract's `kpis.csv`: one row per KPI in report order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data.dataset import Dataset, tagged_for
from ..errors import ParamsError
from .periods import Quarter, as_at
from .ratings import change_in_performance, rate
from .ratings.registry import SchemeConfig, scheme_config
from .benchmarks import benchmark_positions
from .spc import NOT_ASSESSED, SPCSettings, spc_summary, xmr
from .spc_text import disagreement, spc_brief, spc_note
from .targets import apply_target_rules
from .trend import linear_trend

# The result contract's columns, in order. Columns are only ever added, never renamed.
CONTRACT_COLUMNS = [
    "indicator_id", "title", "period_label", "period_end", "current", "previous", "target",
    "direction", "rating", "change", "stat_neighbour_mean", "england_mean", "regional_mean",
    "updated_this_quarter",
]
EXTRA_COLUMNS = [
    "unit", "decimals", "status", "previous_period_label", "deviation", "note", "commentary", "actions",
    "kind", "year_earlier", "year_earlier_period_label", "england_mean_year_earlier",
    "judgement_d", "judgement_t", "judgement_c", "judgement_g",
    "trend_points", "trend_slope", "projected_next", "target_basis",
    "variation", "assurance", "spc_points", "mean", "lower_limit", "upper_limit",
    "spc_limit_points", "spc_provisional", "spc_rebased", "spc_segment_start", "spc_latest_rules", "spc_note",
    "spc_disagreement",
    "national_rank", "national_count", "quartile_band", "neighbour_rank", "neighbour_count",
]


def select_indicators(catalogue: pd.DataFrame, committee: str, indicators: tuple[str, ...] | None, source: str = "params") -> pd.DataFrame:
    """The committee's indicators in report order: as listed in params, else those tagged for it."""
    if indicators is None:
        return catalogue[tagged_for(catalogue, committee)].reset_index(drop=True)
    unknown = [i for i in indicators if i not in set(catalogue["id"])]
    if unknown:
        raise ParamsError(f"{source}, key indicators: {', '.join(unknown)} not in the dataset's indicators.yaml.")
    return catalogue.set_index("id").loc[list(indicators)].reset_index()


def updated_indicators(dataset: Dataset, quarter: str | Quarter, committee: str = "",
                       indicators: tuple[str, ...] | None = None) -> list[str]:
    """The committee's KPIs updated in the quarter (`updated_this_quarter` in kpis.csv: an observation ends
    inside it), without rating anything: a run checks this before it executes a notebook."""
    chosen = select_indicators(dataset.catalogue, committee, indicators)["id"]
    observations = dataset.observations[dataset.observations["indicator_id"].isin(list(chosen))]
    if observations.empty:
        return []
    values = as_at(observations, quarter)
    return list(values.loc[values["updated_this_quarter"].astype(bool), "indicator_id"])


def build_kpis(
    dataset: Dataset,
    quarter: str | Quarter,
    scheme: SchemeConfig | dict | str | None = None,
    committee: str = "",
    indicators: tuple[str, ...] | None = None,
    trend_points: int = 6,
    spc: SPCSettings | None = None,
) -> pd.DataFrame:
    """As at the quarter: each KPI's current and previous values, target, comparators, rating,
    change, the projected linear trend over its last `trend_points` observations, and the
    statistical process control view (variation, assurance, mean and limits) beside the rating."""
    chosen = select_indicators(dataset.catalogue, committee, indicators)
    values = as_at(dataset.observations, quarter)
    # The catalogue's numerator and denominator are definitions (text); the observations' are figures.
    chosen = chosen.rename(columns={"id": "indicator_id", "numerator": "numerator_definition", "denominator": "denominator_definition"})
    kpis = chosen.merge(values, on="indicator_id", how="left", validate="one_to_one")
    trend = linear_trend(dataset.observations, quarter, trend_points)
    kpis = kpis.merge(trend, on="indicator_id", how="left", validate="one_to_one")
    kpis = apply_target_rules(kpis)
    kpis["updated_this_quarter"] = kpis["updated_this_quarter"].fillna(False).astype(bool)
    kpis = rate(kpis, scheme)
    # A committee's table is small: plain text labels are simpler for everything downstream.
    labels = [c for c in ("rating", "judgement_d", "judgement_t", "judgement_c", "judgement_g") if c in kpis]
    kpis = kpis.astype({c: object for c in labels})
    kpis["change"] = change_in_performance(kpis)
    spc = spc or SPCSettings()
    summary = spc_summary(spc_points(dataset.observations, quarter, kpis, spc), kpis.set_index("indicator_id")["target"], spc)
    kpis = kpis.merge(summary, on="indicator_id", how="left", validate="one_to_one")
    kpis = kpis.fillna({"variation": NOT_ASSESSED, "assurance": NOT_ASSESSED, "spc_latest_rules": "", "spc_side": ""})
    kpis["spc_points"] = kpis["spc_points"].fillna(0).astype(int)
    kpis["spc_limit_points"] = kpis["spc_limit_points"].fillna(0).astype(int)
    kpis[["spc_provisional", "spc_rebased"]] = kpis[["spc_provisional", "spc_rebased"]].astype("boolean").fillna(False).astype(bool)
    config = scheme if isinstance(scheme, SchemeConfig) else scheme_config(scheme)
    rows = [kpi for _, kpi in kpis.iterrows()]
    kpis["spc_note"] = [spc_note(kpi, spc) for kpi in rows]
    kpis["spc_brief"] = [spc_brief(kpi, spc) for kpi in rows]
    kpis["spc_disagreement"] = [disagreement(kpi, config) for kpi in rows]
    if dataset.benchmarks is not None:  # national data: ranks among all councils and the neighbours
        kpis = kpis.merge(benchmark_positions(kpis, dataset.benchmarks), on="indicator_id", how="left", validate="one_to_one")
    return kpis


def spc_points(observations: pd.DataFrame, quarter: str | Quarter, kpis: pd.DataFrame, settings: SPCSettings | None = None) -> pd.DataFrame:
    """Every point of the committee's KPIs up to the quarter end with its XmR mean, limits and
    special-cause flags; rebases come from the catalogue's `spc_rebase` and the params' `spc.rebase`."""
    settings = settings or SPCSettings()
    end = pd.Timestamp(Quarter.parse(quarter).end)
    wanted = observations[(observations["period_end"] <= end) & observations["indicator_id"].isin(kpis["indicator_id"])]
    rebase = {i: dates for i, dates in zip(kpis["indicator_id"], kpis["spc_rebase"]) if dates}
    for indicator, dates in settings.rebase.items():
        rebase[indicator] = rebase.get(indicator, ()) + tuple(dates)
    return xmr(wanted, settings, kpis.set_index("indicator_id")["direction"], rebase)
