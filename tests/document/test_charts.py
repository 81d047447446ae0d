"""The chart style (Analysis Function guidance), alt text and chart data, checked on what was drawn."""

from __future__ import annotations

import io
import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from PIL import Image

from reporting.document.charts import WIDTH_INCHES, figure_png, kpi_chart, rating_chart, spread
from reporting.document.alt_text import kpi_alt_text, kpi_chart_table

PRINTED_WIDTH_INCHES = 0.58 * (210 - 28) / 25.4  # 58% of the A4 text width, as both renderers print KPI charts


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(values, target=None, stat_neighbour=None, england=None) -> pd.DataFrame:
    """Monthly history ending Dec 2023; comparators only at the latest point, as published."""
    ends = pd.date_range(end="2023-12-31", periods=len(values), freq="ME")
    frame = pd.DataFrame({"period_end": ends, "period_label": [f"{d:%b %Y}" for d in ends], "value": values})
    frame["target"] = target
    for column, latest in (("stat_neighbour_mean", stat_neighbour), ("england_mean", england)):
        frame[column] = [math.nan] * (len(values) - 1) + [latest if latest is not None else math.nan]
    return frame


def kpi(**fields) -> pd.Series:
    base = {
        "indicator_id": "1", "title": "Re-referrals within 12 months", "unit": "percent", "decimals": 1,
        "direction": "lower", "change": "Declining", "rating": "Red", "target": 20.0,
        "stat_neighbour_mean": 21.3, "england_mean": 21.5, "regional_mean": math.nan,
        "projected_next": math.nan, "trend_slope": math.nan, "trend_points": math.nan,
    }
    return pd.Series({**base, **fields})


CAMBRIDGESHIRE_1 = (history([32.3, 36.0], target=20.0, stat_neighbour=21.3, england=21.5), kpi())


def labels(fig) -> list[str]:
    return sorted(t.get_text() for t in fig.axes[0].texts)


def test_lines_are_named_at_their_ends_instead_of_a_legend():
    fig = kpi_chart(*CAMBRIDGESHIRE_1)
    assert fig.axes[0].get_legend() is None
    assert labels(fig) == ["Council 36.0%", "England 21.5%", "Neighbours 21.3%", "Target 20.0%"]


def test_every_line_differs_by_line_style_and_marker_not_only_colour():
    values = [30 + i for i in range(8)]
    trend = kpi(projected_next=38.0, trend_slope=1.0, trend_points=6)
    fig = kpi_chart(history(values, target=20.0, stat_neighbour=21.3, england=21.5), trend)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 5  # council, target, two benchmarks, trend
    # matplotlib has no public getter for a line's dash sequence; None is a solid line.
    dashes = {tuple(line._unscaled_dash_pattern[1] or ()) for line in lines}
    markers = {(line.get_marker(), str(line.get_markerfacecolor())) for line in lines}
    assert len(dashes) == len(markers) == len(lines)


def test_text_is_at_least_nine_points_when_printed():
    fig = kpi_chart(*CAMBRIDGESHIRE_1)
    scale = PRINTED_WIDTH_INCHES / WIDTH_INCHES
    texts = [t for t in fig.findobj(plt.Text) if t.get_text().strip() and t.get_visible()]
    assert texts
    assert min(t.get_fontsize() for t in texts) * scale >= 9


def test_trend_projection_is_dotted_and_labelled():
    values = [30 + i for i in range(8)]
    fig = kpi_chart(history(values, target=20.0), kpi(projected_next=38.0, trend_slope=1.0, trend_points=6))
    assert "Projected 38.0%" in labels(fig)
    trend = fig.axes[0].get_lines()[-1]
    assert trend.get_markerfacecolor() == "white" and list(trend.get_xdata()) == [2, 3, 4, 5, 6, 7, 8]


def test_alt_text_states_the_key_message():
    alt = kpi_alt_text(*CAMBRIDGESHIRE_1)
    assert alt.startswith("Line chart of Indicator 1: Re-referrals within 12 months, 2 points from Nov 2023 to Dec 2023.")
    assert "It rose from 32.3% in Nov 2023 to 36.0% in Dec 2023 (declining: lower is better)." in alt
    assert "worse than the target (20.0%), the statistical-neighbour mean (21.3%) and the England mean (21.5%)." in alt


def test_alt_text_says_better_and_worse_separately():
    frame = history([44.0, 42.0], target=40.0, stat_neighbour=43.8, england=46.1)
    alt = kpi_alt_text(frame, kpi(unit="rate", change="Improving", target=40.0, stat_neighbour_mean=43.8, england_mean=46.1))
    assert "It fell from 44.0 in Nov 2023 to 42.0 in Dec 2023 (improving: lower is better)." in alt
    assert "The latest figure is worse than the target (40.0) but better than the statistical-neighbour mean (43.8) and the England mean (46.1)." in alt


def test_chart_table_lists_every_plotted_figure_and_the_projection():
    frame = history([30.0, 31.0, 32.0, 33.0], target=20.0, england=21.5)
    table = kpi_chart_table(frame, kpi(projected_next=34.0, trend_slope=1.0, trend_points=3))
    assert table["title"] == "Indicator 1: Re-referrals within 12 months"
    assert table["caption"] == "Figures plotted in the chart of Indicator 1: Re-referrals within 12 months, Sep 2023 to Dec 2023"
    assert table["columns"] == ["Period", "Council", "Target", "England mean", "Linear trend"]
    assert table["rows"][0] == ["Sep 2023", "30.0%", "20.0%", "–", "–"]
    assert table["rows"][-2] == ["Dec 2023", "33.0%", "20.0%", "21.5%", "33.0%"]
    assert table["rows"][-1] == ["Next period (projected)", "–", "–", "–", "34.0%"]


def test_no_data_gives_a_message_not_empty_axes():
    frame = history([math.nan, math.nan])
    fig = kpi_chart(frame, kpi(target=math.nan, stat_neighbour_mean=math.nan, england_mean=math.nan))
    assert fig.axes[0].get_lines() == []
    assert labels(fig) == ["No figures have been published for this indicator yet."]
    assert kpi_chart_table(frame, kpi()) is None


def test_png_is_byte_identical_on_rerun_and_carries_no_timestamps():
    first, second = (figure_png(kpi_chart(*CAMBRIDGESHIRE_1)) for _ in range(2))
    assert first == second
    assert b"tIME" not in first and b"tEXt" not in first
    assert Image.open(io.BytesIO(first)).mode == "P"


def test_ratings_chart_writes_each_count_on_its_bar():
    counts = pd.DataFrame({"rating": ["Red", "Amber", "Green", "Blue", "Contextual"], "count": [11, 1, 5, 0, 2]})
    fig = rating_chart(counts)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Red", "Amber", "Green", "Contextual"]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "11", "2", "5"]


def test_spread_keeps_labels_a_line_apart_and_near_where_wanted():
    placed = spread([0.5, 0.5, 0.52, 0.9], gap=0.1)
    assert all(b - a >= 0.1 - 1e-9 for a, b in zip(placed, placed[1:]))
    assert placed[0] == 0.5 and placed[-1] == 0.9
    assert spread([0.95, 1.0], gap=0.1)[-1] <= 1.05


def test_unlabelled_periods_are_marked_exactly_as_a_tick_at_every_period_would_be(monkeypatch):
    """The marks at unlabelled periods are one line of marks, not a matplotlib tick each (a sixth of a
    chart's drawing time): the picture is the same, pixel for pixel, as with a tick at every period."""
    import numpy as np

    import reporting.document.charts as charts

    def tick_every_period(ax, positions):
        """The marks as ticks: every period a matplotlib tick, the unlabelled ones with an empty label."""
        named = {int(t): label.get_text() for t, label in zip(ax.get_xticks(), ax.get_xticklabels())}
        ticks = sorted(set(named) | set(positions))
        ax.set_xticks(ticks, [named.get(t, "") for t in ticks])

    frame = history([20 + (i % 5) for i in range(24)], target=22.0, stat_neighbour=21.3, england=21.5)
    marked = figure_png(kpi_chart(frame, kpi()))
    monkeypatch.setattr(charts, "_period_marks", tick_every_period)
    ticked = figure_png(kpi_chart(frame, kpi()))
    pixels = [np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) for png in (marked, ticked)]
    assert pixels[0].shape == pixels[1].shape and (pixels[0] == pixels[1]).all()
    labelled = [t for t in kpi_chart(frame, kpi()).axes[0].get_xticklabels() if t.get_text()]
    assert len(labelled) < 24  # most periods are unlabelled, so the marks are what is tested
