"""One chart style for the whole report (seaborn), PNG output with fixed metadata, and alt text.

Colours come from the Government Analysis Function's categorical palette, chosen to be
distinguishable by colour-blind readers; every series also differs in line style and marker,
so no information is carried by colour alone.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .formatting import format_value  # noqa: E402

# Analysis Function palette: dark blue, orange, turquoise, dark pink.
SERIES_STYLE = {
    "Value": {"color": "#12436D", "dashes": "", "marker": "o"},
    "Target": {"color": "#F46A25", "dashes": (4, 2), "marker": "s"},
    "Statistical neighbour mean": {"color": "#28A197", "dashes": (1, 1.5), "marker": "^"},
    "England mean": {"color": "#801650", "dashes": (6, 2, 1, 2), "marker": "D"},
    "Regional mean": {"color": "#3D3D3D", "dashes": (2, 2), "marker": "v"},
}
TREND_STYLE = {"color": "#12436D", "linestyle": (0, (2, 2)), "marker": "o", "markerfacecolor": "white", "linewidth": 1.5}
COMPARATORS = {
    "target": "Target",
    "stat_neighbour_mean": "Statistical neighbour mean",
    "england_mean": "England mean",
    "regional_mean": "Regional mean",
}
RATING_COLOURS = {
    "Red": "#D4351C", "Amber": "#F47738", "Green": "#00703C", "Blue": "#1D70B8",
}
STATUS_COLOUR = "#505A5F"
WIDTH_INCHES, HEIGHT_INCHES, DPI = 7.0, 2.8, 110


def use_report_style() -> None:
    """Apply the report's chart style: white grid, readable sizes, no chart junk."""
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        font="DejaVu Sans",
        rc={
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "figure.dpi": DPI,
            "svg.hashsalt": "reporting",
        },
    )


def chart_series(history: pd.DataFrame) -> pd.DataFrame:
    """The values and comparators of one indicator's history as long data: position, label, series, value."""
    history = history.sort_values("period_end").reset_index(drop=True)
    frames = [pd.DataFrame({"position": history.index, "series": "Value", "value": history["value"]})]
    for column, name in COMPARATORS.items():
        if column in history and history[column].notna().any():
            frames.append(pd.DataFrame({"position": history.index, "series": name, "value": history[column]}))
    long = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    return long


def kpi_chart(history: pd.DataFrame, kpi: pd.Series) -> plt.Figure:
    """A line chart of one KPI's history with its target and comparators, in the report style."""
    use_report_style()
    history = history.sort_values("period_end").reset_index(drop=True)
    long = chart_series(history)
    present = [s for s in SERIES_STYLE if s in set(long["series"])]
    fig, ax = plt.subplots(figsize=(WIDTH_INCHES, HEIGHT_INCHES))
    # Labelling the axes first stops seaborn building tick labels to decide its own (~40 ms a chart).
    ax.set_xlabel(" ")
    ax.set_ylabel(" ")
    if not long.empty:
        sns.lineplot(
            data=long, x="position", y="value", hue="series", style="series",
            hue_order=present, style_order=present,
            palette={s: SERIES_STYLE[s]["color"] for s in present},
            dashes={s: SERIES_STYLE[s]["dashes"] for s in present},
            markers={s: SERIES_STYLE[s]["marker"] for s in present},
            markersize=7, linewidth=2, ax=ax,
        )
    projected = _draw_trend(ax, history, kpi)
    if not long.empty:
        ax.legend(title=None, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    positions = len(history) + (1 if projected else 0)
    ax.set_xticks(range(positions))
    ax.set_xticklabels(_tick_labels(list(history["period_label"])) + ([""] if projected else []))
    ax.set_xlim(-0.5, positions - 0.5)
    ax.set_xlabel("")
    unit = kpi.get("unit")
    ax.set_ylabel("Per cent" if unit == "percent" else ("Rate per 10,000" if unit == "rate" else "Value"))
    ax.margins(y=0.15)
    if unit == "percent":
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}%"))
    # A fixed layout (legend on the right) is faster than tight_layout and the same on every chart.
    fig.subplots_adjust(left=0.1, right=0.66, top=0.95, bottom=0.14)
    return fig


def _tick_labels(labels: list[str], most: int = 6) -> list[str]:
    """At most about `most` period labels, evenly spaced, always the latest, never crowding it."""
    step = max(1, -(-len(labels) // most))
    last = len(labels) - 1
    return [
        label if i == last or (i % step == 0 and last - i >= step) else ""
        for i, label in enumerate(labels)
    ]


def _draw_trend(ax, history: pd.DataFrame, kpi: pd.Series) -> bool:
    """The projected linear trend, dashed, over the points it was fitted to and one period on."""
    projected, slope, used = kpi.get("projected_next"), kpi.get("trend_slope"), kpi.get("trend_points")
    if projected is None or pd.isna(projected) or history.empty:
        return False
    last = len(history)  # the projection sits one position after the latest point
    start = max(last - int(used), 0)
    xs = [start, last]
    ys = [projected - slope * (last - start), projected]
    ax.plot(xs, ys, label="Linear trend, projected\none period ahead", markevery=[1], **TREND_STYLE)
    return True


def rating_chart(counts: pd.DataFrame) -> plt.Figure:
    """A horizontal bar chart of how many KPIs have each rating, with the count written on each bar."""
    use_report_style()
    shown = counts[counts["count"] > 0]
    fig, ax = plt.subplots(figsize=(WIDTH_INCHES, 0.32 * max(len(shown), 2) + 0.7))
    colours = [RATING_COLOURS.get(r, STATUS_COLOUR) for r in shown["rating"]]
    sns.barplot(data=shown, y="rating", x="count", hue="rating", palette=dict(zip(shown["rating"], colours)), legend=False, ax=ax)
    for container in ax.containers:
        ax.bar_label(container, padding=3, fontsize=9)
    ax.set_xlabel("Number of KPIs")
    ax.set_ylabel("")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.subplots_adjust(left=0.18, right=0.95, top=0.95, bottom=0.6 / fig.get_figheight() + 0.05)
    return fig


def figure_png(fig: plt.Figure) -> bytes:
    """PNG bytes of a figure with no timestamps or software metadata, so reruns are byte-identical."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def kpi_alt_text(history: pd.DataFrame, kpi: pd.Series) -> str:
    """Alt text saying what the chart shows: the span, the latest value against target, and the trend."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    history = history.sort_values("period_end")
    title = f"Indicator {kpi['indicator_id']}: {kpi['title']}"
    if history.empty or history["value"].isna().all():
        return f"Chart for {title}: no data yet."
    first, last = history.iloc[0], history.iloc[-1]
    span = f"from {first['period_label']} to {last['period_label']}" if len(history) > 1 else f"for {last['period_label']}"
    parts = [f"Line chart of {title}, {len(history)} point{'s' if len(history) != 1 else ''} {span}."]
    latest = f"Latest value {fmt(last['value'])} in {last['period_label']}"
    if pd.notna(kpi.get("target")):
        latest += f" against a target of {fmt(kpi['target'])}"
    parts.append(latest + ".")
    if len(history) > 1 and pd.notna(first["value"]):
        trend = "up" if last["value"] > first["value"] else ("down" if last["value"] < first["value"] else "level")
        change = f" ({kpi['change'].lower()})" if kpi.get("change") else ""
        parts.append(f"Overall {trend} from {fmt(first['value'])} in {first['period_label']}{change}.")
    if pd.notna(kpi.get("projected_next")):
        parts.append(f"The linear trend over the last {int(kpi['trend_points'])} points projects {fmt(kpi['projected_next'])} next period.")
    comparators = [f"{name} {fmt(kpi[col])}" for col, name in COMPARATORS.items() if col != "target" and pd.notna(kpi.get(col))]
    if comparators:
        parts.append("Comparators: " + ", ".join(comparators) + ".")
    return " ".join(parts)


def rating_alt_text(counts: pd.DataFrame) -> str:
    """Alt text for the ratings chart: every count in words."""
    shown = counts[counts["count"] > 0]
    total = int(counts["count"].sum())
    listed = ", ".join(f"{r} {c}" for r, c in zip(shown["rating"], shown["count"]))
    return f"Bar chart of the ratings of {total} KPIs: {listed}."
