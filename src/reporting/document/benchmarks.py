"""The council among its statistical neighbours: the benchmark chart, its alt text and the table of
the figures it plots (the card's table of ranks is `report.benchmark_table`).

The chart is a bar per council (and England), sorted best first; the council's bar is dark blue and
hatched, and its name says "(this council)", so it is found without telling colours apart.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from .charts import DARK_BLUE, DARK_PINK, INK, WIDTH_INCHES, use_report_style  # 11-point text: legible on a phone
from .escape import chart_text
from .formatting import DIRECTION_WORDS, format_value
from ..measures.benchmarks import BAND_TEXT, ordinal

NEIGHBOUR_GREY = "#B1B4B6"  # GOV.UK's mid grey: the neighbours recede, the council and England stand out
ROLE_STYLE = {
    "council": {"color": DARK_BLUE, "hatch": "///"},
    "neighbour": {"color": NEIGHBOUR_GREY, "hatch": ""},
    "england": {"color": DARK_PINK, "hatch": ".."},
}
NAME_CHARACTERS = 24  # longer council names are shortened on the axis (the data table has them whole)


def shown_name(area: str, role: str) -> str:
    """An area's name as the chart's axis shows it: the council marked in words, long names shortened."""
    name = str(area) if len(str(area)) <= NAME_CHARACTERS else str(area)[: NAME_CHARACTERS - 1].rstrip() + "…"
    return f"{name} (this council)" if role == "council" else name


def benchmark_chart(figures: pd.DataFrame, kpi: pd.Series) -> plt.Figure:
    """Horizontal bars of the council, its neighbours and England for the KPI's current period, best at the top,
    each bar labelled with its figure."""
    use_report_style()
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    names = [chart_text(shown_name(a, r)) for a, r in zip(figures["area"], figures["role"])]
    fig, ax = plt.subplots(figsize=(WIDTH_INCHES, 0.3 * len(figures) + 0.9))
    roles, values = list(figures["role"]), [float(v) for v in figures["value"]]
    positions = list(range(len(figures)))
    # One call for the bars and plain texts for the names and figures: a tick per name and an annotation
    # per figure cost about a third of the chart's time.
    bars = ax.barh(positions, values, height=0.72, color=[ROLE_STYLE[r]["color"] for r in roles], edgecolor=INK, linewidth=0.6)
    for bar, role in zip(bars, roles):
        bar.set_hatch(ROLE_STYLE[role]["hatch"])
    names_at = blended_transform_factory(ax.transAxes, ax.transData) + ScaledTranslation(-4 / 72, 0, fig.dpi_scale_trans)
    figures_at = ax.transData + ScaledTranslation(3 / 72, 0, fig.dpi_scale_trans)
    for position, name, value, role in zip(positions, names, values, roles):
        weight = "normal" if role == "neighbour" else "bold"
        ax.text(0, position, name, transform=names_at, ha="right", va="center", fontweight=weight)
        ax.text(max(value, 0.0), position, chart_text(fmt(value)), transform=figures_at, ha="left", va="center", fontweight=weight)
    ax.set_yticks([])
    ax.set_ylim(len(figures) - 0.3, -0.7)  # the best at the top
    ax.grid(False)
    ax.set_xticks([])  # every bar carries its figure
    ax.spines["bottom"].set_visible(False)
    high = max(float(figures["value"].max()), 0.0)
    ax.set_xlim(min(float(figures["value"].min()), 0.0), high * 1.3 if high > 0 else 1)
    better = DIRECTION_WORDS.get(kpi.get("direction"), "")
    ax.set_xlabel(chart_text(f"{kpi['period_label']}. Best at the top ({better.lower()})" if kpi.get("direction") in ("higher", "lower")
                             else f"{kpi['period_label']}. Highest at the top"), loc="right")
    fig.subplots_adjust(left=0.53, right=0.97, top=1 - 0.1 / fig.get_figheight(), bottom=0.45 / fig.get_figheight())
    return fig


def benchmark_alt_text(figures: pd.DataFrame, kpi: pd.Series) -> str:
    """The chart's message in words: where the council stands among its neighbours and nationally, its figure
    against England's, and the best and worst of its neighbours."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    title = f"Indicator {kpi['indicator_id']}: {kpi['title']}"
    own = figures[figures["role"] == "council"].iloc[0]
    neighbours = figures[figures["role"] == "neighbour"]
    words = [f"Bar chart comparing the council with its {len(neighbours)} statistical neighbours with a figure"
             + (" and England" if (figures["role"] == "england").any() else "") + f" for {title}, {kpi['period_label']}."]
    if pd.notna(kpi.get("neighbour_rank")):
        words.append(f"The council's {fmt(own['value'])} ranks {ordinal(kpi['neighbour_rank'])} of {int(kpi['neighbour_count'])} "
                     f"among itself and its neighbours ({DIRECTION_WORDS[kpi['direction']].lower()}).")
    else:
        words.append(f"The council's figure is {fmt(own['value'])}.")
    england = figures.loc[figures["role"] == "england", "value"]
    if len(england):
        words.append(f"England: {fmt(england.iloc[0])}.")
    if len(neighbours):
        first, last = neighbours.iloc[0], neighbours.iloc[-1]
        words.append(f"Neighbours range from {first['area']} ({fmt(first['value'])}) to {last['area']} ({fmt(last['value'])}).")
    if pd.notna(kpi.get("national_rank")):
        band = kpi.get("quartile_band")
        words.append(f"Nationally the council ranks {ordinal(kpi['national_rank'])} of {int(kpi['national_count'])} councils"
                     + (f", quartile band {band} ({BAND_TEXT})." if isinstance(band, str) and band else "."))
    return " ".join(words)


def benchmark_chart_table(figures: pd.DataFrame, kpi: pd.Series) -> dict:
    """The figures the benchmark chart plots, best first, for the data table beside it."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    title = f"Indicator {kpi['indicator_id']}: {kpi['title']}"
    rows = [[str(i), f"{area} (this council)" if role == "council" else str(area), fmt(value)]
            for i, (area, value, role) in enumerate(zip(figures["area"], figures["value"], figures["role"]), start=1)]
    return {"title": title, "summary": "Benchmark chart data", "caption": f"Figures plotted in the benchmark chart of {title}, {kpi['period_label']}",
            "columns": ["Position", "Council or England", "Figure"], "rows": rows}
