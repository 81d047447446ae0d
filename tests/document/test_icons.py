"""The SPC icons: drawn beside their words, in every reader, and only where SPC has something to say."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pandas as pd
import pytest

import reporting as rp
from reporting.document.blocks import Block
from reporting.document.icons import ICONS, icon_css, variation_icon, assurance_icon
from reporting.document.markdown_html import markdown_to_html
from reporting.document.report import assurance_badge, spc_badges, variation_badge
from reporting.measures.spc import (
    COMMON, CONCERNING, FAILING, HIT_AND_MISS, IMPROVING, NEITHER, NO_TARGET, NOT_ASSESSED, PASSING, SPCSettings,
    marked_points, xmr,
)
from reporting.publish.safety import _CSS_URL


@pytest.mark.parametrize("name", list(ICONS))
def test_each_icon_is_a_small_self_contained_svg(name):
    svg = ElementTree.fromstring(ICONS[name])
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 24 24"
    assert "href" not in ICONS[name] and "<text" not in ICONS[name]  # nothing fetched, no font needed


def test_every_state_with_an_icon_has_one_and_the_others_have_none():
    assert variation_icon(COMMON, None) == "common"
    assert {variation_icon(v, s) for v in (IMPROVING, CONCERNING, NEITHER) for s in ("high", "low")} <= set(ICONS)
    assert variation_icon(NOT_ASSESSED, None) is None and variation_icon(IMPROVING, None) is None
    assert [assurance_icon(a) for a in (PASSING, FAILING, HIT_AND_MISS, NO_TARGET)] == ["passing", "failing", "hit-and-miss", None]


def test_an_icon_sits_inside_one_span_with_its_words():
    html = markdown_to_html(variation_badge(IMPROVING, "low", short=True))
    assert ('<span class="spc-badge"><span class="spc-icon spc-icon-improving-low"></span>'
            '<span class="rating rating-blue">▼ Improving</span></span>') in html
    assert "spc-icon" not in markdown_to_html(variation_badge(NOT_ASSESSED))
    assert "spc-icon-failing" in spc_badges(CONCERNING, "high", FAILING)
    assert "spc-icon" not in assurance_badge(NO_TARGET)


def test_stylesheet_rules_draw_icons_from_data_uris_only():
    css = icon_css()
    assert all(f".spc-icon-{name} " in css for name in ICONS)
    assert _CSS_URL.findall(css) == []  # the safety check finds nothing fetched


def test_notebook_html_draws_the_icon_inline():
    html = Block(variation_badge(COMMON, None)).html
    assert '<span class="spc-icon spc-icon-common" style="' in html and "data:image/svg+xml;base64," in html


def test_the_key_is_one_sentence_where_no_kpi_has_limits():
    none = pd.DataFrame({"variation": [NOT_ASSESSED, NOT_ASSESSED]})
    some = pd.DataFrame({"variation": [NOT_ASSESSED, COMMON]})
    short = rp.spc_key(SPCSettings(), none)
    assert "not assessed" in short and "|" not in short and "spc-icon" not in short
    full = rp.spc_key(SPCSettings(), some)
    assert "spc-icon-improving-high" in full and "| Symbol | Meaning |" in full
    assert "from the point each rule is met" in full
    assert "whole run" in rp.spc_key(SPCSettings(chart_runs="whole_run"), some)


def test_whole_run_marks_every_point_of_a_shift_in_the_chart_only():
    values = [11, 9, 11, 9, 11, 9] + [12] * 7  # the base ends below the mean, so the run is the seven 12s
    obs = pd.DataFrame({"indicator_id": "A", "period_end": pd.date_range("2023-01-31", periods=len(values), freq="ME"),
                        "value": [float(v) for v in values], "direction": "higher"})
    settings = SPCSettings(baseline_points=6, chart_runs="whole_run")
    points = xmr(obs, settings)
    assert points["special_cause"].tolist() == [False] * 12 + [True]  # the engine flags the seventh
    assert marked_points(points, settings).tolist() == [COMMON] * 6 + [IMPROVING] * 7
    assert marked_points(points, SPCSettings(baseline_points=6)).tolist() == [COMMON] * 12 + [IMPROVING]
