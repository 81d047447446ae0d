"""Blocks: one output per part of a document, with Markdown, HTML and (charts) a PNG, for each reader."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

import reporting as rp
from reporting.document.blocks import BADGE_STYLE, Block, Chart
from support import PROJECT

CSS = PROJECT / "src" / "reporting" / "publish" / "render" / "templates" / "report" / "report.css"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ffff3f0005fe02fea73d7d0b0000000049454e44ae426082")


def test_a_block_offers_markdown_for_quarto_and_html_for_notebooks():
    block = rp.rating_key(rp.scheme_config("ragb"), _kpis())
    bundle = block._repr_mimebundle_()
    assert isinstance(block, Block) and block.kind == "key"
    assert bundle["text/markdown"] == str(block)
    html = BeautifulSoup(bundle["text/html"], "html.parser")
    assert "{." not in html.get_text() and "{#" not in html.get_text()
    red = html.find("span", class_="rating-red")
    assert red is not None and red.get_text() == "Red" and "background:#d4351c" in red["style"]


def test_badges_in_notebooks_have_the_report_stylesheets_colours():
    css = dict(re.findall(r"\.(rating-[a-z]+|spc-[a-z]+)\s*\{([^}]*)\}", CSS.read_text(encoding="utf-8")))
    for name, style in BADGE_STYLE.items():
        for colour in re.findall(r"#[0-9a-fA-F]{3,6}", style):
            assert colour.lower() in css[name].lower(), (name, colour)


def test_a_chart_carries_its_alt_text_and_data_to_every_reader():
    table = {"title": "T <b>", "caption": "Figures", "columns": ["Period", "Value"], "rows": [["Dec 2023", "36.0%"]]}
    data, metadata = Chart(PNG, 'Line chart "of" <x>', table, role="kpi")._repr_mimebundle_()
    assert metadata["image/png"] == {"alt": 'Line chart "of" <x>', "table": table, "role": "kpi"}
    soup = BeautifulSoup(data["text/html"], "html.parser")
    assert soup.find("img")["alt"] == 'Line chart "of" <x>' and soup.find("img")["src"].startswith("data:image/png;base64,")
    assert soup.find("summary").get_text() == "Chart data: T <b>" and soup.find("th", scope="row").get_text() == "Dec 2023"
    assert soup.find("figure")["class"] == ["chart", "chart-kpi"]


def test_a_chart_has_a_known_role():
    with pytest.raises(ValueError, match="role"):
        Chart(PNG, "alt", None, role="kpi\" onload=\"x")


def test_an_empty_block_shows_nothing():
    assert Block("")._repr_mimebundle_() == {"text/plain": ""}


def _kpis():
    import pandas as pd

    return pd.DataFrame({"rating": ["Red", "Green"]})
