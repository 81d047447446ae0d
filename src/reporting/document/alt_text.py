"""The words and figures that go with each chart, for readers who cannot see it.

Alt text states the chart's key message (where the figure is, which way it moved, how it
compares with its target and benchmarks), and `kpi_chart_table` gives the figures plotted, for
the collapsed data table the renderer puts beside the chart. Both follow the Analysis
Function's guidance that a chart's message and data must be available without the image.
"""

from __future__ import annotations

import pandas as pd

from .formatting import DIRECTION_WORDS, format_value
from ..measures.ratings.change import displayed
from ..measures.spc import COMMON, CONCERNING, IMPROVING, NEITHER, NOT_ASSESSED

# The lines a KPI chart can draw, named in full as the data table's column headings.
SERIES_NAMES = {
    "value": "Council",
    "target": "Target",
    "stat_neighbour_mean": "Statistical neighbour mean",
    "england_mean": "England mean",
    "regional_mean": "Regional mean",
}
# What the latest figure is compared with, in the order the alt text names them.
BENCHMARKS = {
    "target": "the target",
    "stat_neighbour_mean": "the statistical-neighbour mean",
    "england_mean": "the England mean",
    "regional_mean": "the regional mean",
}
BETTER_IS = {direction: DIRECTION_WORDS[direction].lower() for direction in ("higher", "lower")}


def trend_points(history: pd.DataFrame, kpi: pd.Series) -> tuple[list[int], list[float]]:
    """Positions and values of the drawn trend line: the fitted points, then the projection one period on."""
    projected, slope, used = kpi.get("projected_next"), kpi.get("trend_slope"), kpi.get("trend_points")
    if projected is None or pd.isna(projected) or history.empty:
        return [], []
    last = len(history)  # the projection sits one position after the latest point
    positions = list(range(max(last - int(used), 0), last + 1))
    return positions, [float(projected - slope * (last - x)) for x in positions]


def has_limits(history: pd.DataFrame, kpi: pd.Series) -> bool:
    """Whether the KPI is drawn as an XmR chart: its history carries SPC columns and its latest segment has limits."""
    return "mean" in history and history["mean"].notna().any() and pd.notna(kpi.get("mean"))


def kpi_alt_text(history: pd.DataFrame, kpi: pd.Series) -> str:
    """Alt text stating the chart's key message: how the figure moved, and how it compares with target and benchmarks;
    for an XmR chart, its mean, limits, variation and assurance in words."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    title = f"Indicator {kpi['indicator_id']}: {kpi['title']}"
    values = history.sort_values("period_end").dropna(subset=["value"])
    if values.empty:
        return f"Chart for {title}: no data yet."
    if has_limits(history, kpi):
        return xmr_alt_text(history.sort_values("period_end"), values, kpi, title, fmt)
    first, last = values.iloc[0], values.iloc[-1]
    span = f"from {first['period_label']} to {last['period_label']}" if len(values) > 1 else f"for {last['period_label']}"
    parts = [
        f"Line chart of {title}, {len(values)} point{'s' if len(values) != 1 else ''} {span}.",
        _movement(values, kpi, fmt),
        _standing(last["value"], kpi, fmt),
    ]
    if pd.notna(kpi.get("projected_next")):
        parts.append(f"The linear trend over the last {int(kpi['trend_points'])} figures projects {fmt(kpi['projected_next'])} next period.")
    if "mean" in history and kpi.get("variation") == NOT_ASSESSED and int(kpi.get("spc_points") or 0):
        parts.append("There are too few figures for process limits.")
    return " ".join(part for part in parts if part)


SPECIAL_WORDS = {IMPROVING: "improving", CONCERNING: "concerning", NEITHER: "no direction"}
MAX_LISTED = 8  # special-cause points named one by one in alt text; beyond this, counted


def xmr_alt_text(history: pd.DataFrame, values: pd.DataFrame, kpi: pd.Series, title: str, fmt) -> str:
    """Alt text of an XmR chart: the span, the movement, the mean and limits, variation, assurance and the special-cause points."""
    first, last = values.iloc[0], values.iloc[-1]
    provisional = f" (provisional: based on {int(kpi['spc_limit_points'])} points)" if kpi.get("spc_provisional") else ""
    parts = [
        f"XmR chart of {title}, {len(values)} points from {first['period_label']} to {last['period_label']}.",
        _movement(values, kpi, fmt),
        f"Mean {fmt(kpi['mean'])}, process limits {fmt(kpi['lower_limit'])} to {fmt(kpi['upper_limit'])}{provisional}.",
    ]
    if kpi.get("spc_rebased"):
        parts.append(f"The limits were rebased from {kpi['spc_segment_start']:%B %Y}.")
    variation = str(kpi["variation"]).lower()
    rules = f" ({kpi['spc_latest_rules']})" if kpi.get("spc_latest_rules") else ""
    parts.append(f"Variation: {variation}{rules if kpi['variation'] != COMMON else ''} at {last['period_label']}.")
    if pd.notna(kpi.get("target")):
        parts.append(f"Assurance: {str(kpi['assurance']).lower()} against the target of {fmt(kpi['target'])}.")
    specials = values[values["special_cause"].fillna(False).astype(bool)]
    if specials.empty:
        parts.append("No point is special cause.")
    else:
        named = [f"{row['period_label']} ({SPECIAL_WORDS.get(str(row['point_type']), 'special cause')})" for _, row in specials.iterrows()]
        if len(named) > MAX_LISTED:
            named = named[-MAX_LISTED:]
            parts.append(f"{len(specials)} points are special cause; the latest {MAX_LISTED}: {', '.join(named)}.")
        else:
            parts.append(f"Special-cause point{'s' if len(named) != 1 else ''}: {', '.join(named)}.")
    return " ".join(part for part in parts if part)


def _shown(value, kpi: pd.Series) -> float:
    """A figure at the precision the report shows it, so words never contradict the figures printed."""
    return float(displayed(pd.Series([value]), pd.Series([kpi["decimals"]])).iloc[0])


def _movement(values: pd.DataFrame, kpi: pd.Series, fmt) -> str:
    """How the latest figure moved from the one before, and its range over a longer chart."""
    last = values.iloc[-1]
    if len(values) == 1:
        return f"The only figure is {fmt(last['value'])}."
    previous = values.iloc[-2]
    before, now = _shown(previous["value"], kpi), _shown(last["value"], kpi)
    if now == before:
        sentence = f"It stayed at {fmt(last['value'])} from {previous['period_label']} to {last['period_label']}"
    else:
        verb = "rose" if now > before else "fell"
        sentence = f"It {verb} from {fmt(previous['value'])} in {previous['period_label']} to {fmt(last['value'])} in {last['period_label']}"
    change = kpi.get("change")
    if isinstance(change, str) and change and kpi["direction"] in BETTER_IS:
        sentence += f" ({change.lower()}: {BETTER_IS[kpi['direction']]})"
    sentence += "."
    if len(values) > 2:
        low, high = values.loc[values["value"].idxmin()], values.loc[values["value"].idxmax()]
        sentence += (
            f" Since {values.iloc[0]['period_label']} it has ranged from {fmt(low['value'])} in {low['period_label']}"
            f" to {fmt(high['value'])} in {high['period_label']}."
        )
    return sentence


def _relation(value: float, other: float, direction: str) -> str:
    """'better than', 'worse than' or 'the same as' by the indicator's direction; 'above' or 'below' when it has none."""
    if value == other:
        return "the same as"
    if direction not in BETTER_IS:
        return "above" if value > other else "below"
    better = value > other if direction == "higher" else value < other
    return "better than" if better else "worse than"


def _standing(value: float, kpi: pd.Series, fmt) -> str:
    """How the latest figure compares with its target and benchmarks, grouped by better, worse or the same."""
    groups: dict[str, list[str]] = {}
    for column, name in BENCHMARKS.items():
        other = kpi.get(column)
        if other is None or pd.isna(other):
            continue
        relation = _relation(_shown(value, kpi), _shown(other, kpi), kpi["direction"])
        groups.setdefault(relation, []).append(f"{name} ({fmt(other)})")
    if not groups:
        return ""
    clauses = [f"{relation} {_listed(names)}" for relation, names in groups.items()]
    return "The latest figure is " + ("; ".join(clauses) if len(clauses) > 2 else " but ".join(clauses)) + "."


def _listed(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def kpi_chart_table(history: pd.DataFrame, kpi: pd.Series) -> dict | None:
    """The figures a KPI's chart plots, as the report formats them: one row per period (and one for the
    projection), one column per line drawn. A plain dict, so it can travel in the notebook's output metadata."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    history = history.sort_values("period_end").reset_index(drop=True)
    if history.empty or history["value"].isna().all():
        return None
    if has_limits(history, kpi):
        return xmr_chart_table(history, kpi, fmt)
    drawn = [column for column in SERIES_NAMES if column in history and history[column].notna().any()]
    positions, trend = trend_points(history, kpi)
    fitted = dict(zip(positions, trend))
    rows = [
        [str(label)] + [fmt(history.at[i, column]) for column in drawn] + ([fmt(fitted.get(i))] if fitted else [])
        for i, label in enumerate(history["period_label"])
    ]
    if fitted:
        rows.append(["Next period (projected)"] + [fmt(None)] * len(drawn) + [fmt(trend[-1])])
    columns = ["Period"] + [SERIES_NAMES[column] for column in drawn] + (["Linear trend"] if fitted else [])
    return _chart_table(history, kpi, "chart", columns, rows)


def _chart_table(history: pd.DataFrame, kpi: pd.Series, chart: str, columns: list[str], rows: list[list[str]]) -> dict:
    """A chart's data table as the renderer takes it: title, caption (naming the chart and its span), columns and rows."""
    title = f"Indicator {kpi['indicator_id']}: {kpi['title']}"
    span = f"{history['period_label'].iloc[0]} to {history['period_label'].iloc[-1]}"
    return {"title": title, "caption": f"Figures plotted in the {chart} of {title}, {span}", "columns": columns, "rows": rows}


def xmr_chart_table(history: pd.DataFrame, kpi: pd.Series, fmt) -> dict:
    """The figures an XmR chart plots: each period's figure, target, mean, limits and any special cause."""
    limits = history[["mean", "lower_limit", "upper_limit"]].ffill()
    with_target = "target" in history and history["target"].notna().any()
    special_cause = history["special_cause"] if "special_cause" in history else pd.Series(None, index=history.index, dtype=object)
    columns = zip(  # plain lists, not a Series a row (iterrows): the same text, a tenth of the time
        history["period_label"], history["value"], history["target"] if with_target else history["value"],
        limits["mean"], limits["lower_limit"], limits["upper_limit"], special_cause, history["point_type"],
    )
    rows = []
    for label, value, target, mean, lower, upper, special, point_type in columns:
        words = SPECIAL_WORDS.get(str(point_type), "") if bool(special) is True else ""
        rows.append(
            [str(label), fmt(value)] + ([fmt(target)] if with_target else [])
            + [fmt(mean), fmt(lower), fmt(upper)] + [words.capitalize() or "–"]
        )
    columns = ["Period", "Council"] + (["Target"] if with_target else []) + ["Mean", "Lower process limit", "Upper process limit", "Special cause"]
    return _chart_table(history, kpi, "XmR chart", columns, rows)


def rating_alt_text(counts: pd.DataFrame) -> str:
    """Alt text for the ratings chart: every count in words."""
    shown = counts[counts["count"] > 0]
    total = int(counts["count"].sum())
    listed = ", ".join(f"{r} {c}" for r, c in zip(shown["rating"], shown["count"]))
    return f"Bar chart of the ratings of {total} KPIs: {listed}."
