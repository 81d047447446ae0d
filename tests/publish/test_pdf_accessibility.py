"""Accessible publishing (issue 9): tagged PDF/UA-1 PDFs of the sample reports, and chart data beside each chart.

Each committee is run once for the module in a private copy of the project; the checks read the
published report.pdf and paper.pdf with pikepdf, through `reporting.publish.pdfcheck` where they can.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pikepdf
import pytest

import reporting
from reporting.publish.pagecheck import body_words, card_pages, near_empty_pages
from reporting.publish.pdfcheck import check_pdf, figures, outline_titles, structure_tree

from support import copy_project

pytestmark = pytest.mark.e2e

COMMITTEES = ["cambridgeshire-cyp", "durham-cyp", "synthetic-demo"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module", params=COMMITTEES)
def published(request, project) -> Path:
    """The output folder of one sample committee, at its default quarter."""
    return reporting.run_committee(request.param, None, project, renderer="builtin", produced="2024-03-04").output_dir


def notebook_title(folder: Path, document: str) -> str:
    return nbformat.read(str(folder / f"{document}.ipynb"), as_version=4).metadata["reporting"]["title"]


def images(page: str) -> list[str]:
    """The alt text of every <img> in an HTML page, in order."""
    return [html.unescape(alt) for alt in re.findall(r'<img [^>]*alt="([^"]*)"', page)]


@pytest.mark.parametrize("document", ["report", "paper"])
def test_pdf_passes_every_accessibility_check(published, document):
    assert check_pdf(published / f"{document}.pdf", published / f"{document}.html") == []


@pytest.mark.parametrize("document", ["report", "paper"])
def test_pdf_is_tagged_in_british_english_and_shows_its_title(published, document):
    title = notebook_title(published, document)
    with pikepdf.open(published / f"{document}.pdf") as pdf:
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert str(pdf.Root.Lang) == "en-GB"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        assert str(pdf.docinfo.Title) == title
        xmp = pdf.open_metadata()
        assert xmp["dc:title"] == title
        assert xmp["pdfuaid:part"] == "1"
        assert "/StructTreeRoot" in pdf.Root


def test_report_structure_has_headings_tables_with_headers_and_a_figure_per_chart(published):
    page = (published / "report.html").read_text(encoding="utf-8")
    with pikepdf.open(published / "report.pdf") as pdf:
        tree = structure_tree(pdf)
    tags = [element.tag for element in tree.descendants()]
    kpis = pd.read_csv(published / "kpis.csv", dtype={"indicator_id": str})
    assert tags.count("H1") == 1
    assert tags.count("H2") >= len(kpis)  # a card per KPI, and the report's sections
    assert "H3" in tags
    assert tags.count("Table") >= len(kpis) and "TH" in tags
    alts = figures(tree)
    assert len(alts) == len(images(page)) == len(kpis) + 1  # a chart per KPI and the ratings chart
    assert alts == images(page)
    assert all(len(alt) > 30 for alt in alts)


def test_bookmarks_nest_under_the_title_and_name_every_kpi(published):
    kpis = pd.read_csv(published / "kpis.csv", dtype={"indicator_id": str})
    with pikepdf.open(published / "report.pdf") as pdf:
        titles = outline_titles(pdf)
        with pdf.open_outline() as outline:
            top = list(outline.root)
            sections = {" ".join(item.title.split()): item for item in top[0].children}
            assert len(top) == 1 and " ".join(top[0].title.split()) in titles  # the report's title, h1
            for kpi in kpis.itertuples():
                heading = f"Indicator {kpi.indicator_id}: {' '.join(kpi.title.split())}"
                assert heading in sections, heading
                assert "Commentary" in [child.title for child in sections[heading].children]
    assert {"Key to ratings", "Index of indicators", "Summary of ratings"} <= set(titles)


def test_paper_bookmarks_follow_its_headings(published):
    page = (published / "paper.html").read_text(encoding="utf-8")
    main = page[page.index("<main"):]
    headings = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", h)).split()) for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", main, flags=re.S)]
    with pikepdf.open(published / "paper.pdf") as pdf:
        titles = outline_titles(pdf)
    assert headings and all(heading in titles for heading in headings)


def test_each_kpi_chart_has_its_data_in_a_collapsed_table_beside_it(published):
    page = (published / "report.html").read_text(encoding="utf-8")
    kpis = pd.read_csv(published / "kpis.csv", dtype={"indicator_id": str})
    blocks = re.findall(r'</figure>\s*<details class="chart-data">(.*?)</details>', page, flags=re.S)
    with_data = kpis[kpis["current"].notna() | kpis["previous"].notna()]
    assert len(blocks) == len(with_data)
    for block in blocks:
        assert re.search(r"<summary>Chart data: Indicator [^<]+</summary>", block)
        assert re.search(r"<caption>Figures plotted in the (XmR )?chart of Indicator ", block)
        assert '<th scope="col">Period</th><th scope="col">Council</th>' in block
        assert '<th scope="row">' in block
    assert "<details open" not in page  # collapsed until the reader opens it


def test_an_untagged_pdf_fails_the_check(published, tmp_path):
    import typst

    from reporting.publish.render.typst_source import typst_source

    source = typst_source(published / "paper.ipynb")
    main = source.write(tmp_path / "source", "paper")
    untagged = tmp_path / "untagged.pdf"
    untagged.write_bytes(typst.compile(str(main), root=str(main.parent), pdf_tags=False,
                                       sys_inputs={"title": source.title, "running-header": source.running_header}))
    problems = check_pdf(untagged, published / "paper.html")
    assert any("not tagged" in p for p in problems)
    assert any("/MarkInfo" in p for p in problems)
    assert any("PDF/UA" in p for p in problems)
    assert all(p.startswith("untagged.pdf: ") for p in problems)


# Print layout (issue 19): what a councillor turning the pages sees.


@pytest.mark.parametrize("document", ["report", "paper"])
def test_no_page_but_the_last_carries_only_a_heading_or_a_line(published, document):
    assert near_empty_pages(published / f"{document}.pdf") == []


def test_each_kpi_card_fits_one_page(published):
    cards = card_pages(published / "report.pdf")
    assert cards and all(pages == 1 for pages in cards.values()), {t: p for t, p in cards.items() if p != 1}


def test_cambridgeshire_report_is_its_twenty_cards_and_the_front_matter(published):
    if published.name != "cambridgeshire-cyp":
        pytest.skip("the page budget is Cambridgeshire's: 20 cards and at most 6 pages of front matter")
    assert len(body_words(published / "report.pdf")) <= 26


def test_every_figure_in_the_pages_tables_is_in_the_pdf(published):
    """The PDF is typeset from the same blocks as the page: every number in the page's tables (the
    index, each card's figures and benchmarks; not the chart data tables, which print leaves out)
    appears in the PDF's text, as many times at least."""
    from collections import Counter

    from bs4 import BeautifulSoup
    from pypdf import PdfReader

    for document in ("report", "paper"):
        soup = BeautifulSoup((published / f"{document}.html").read_text(encoding="utf-8"), "html.parser")
        for details in soup.select("details.chart-data"):
            details.decompose()
        numbers = Counter(
            text for cell in soup.select("main td")
            if re.fullmatch(r"[−-]?\d[\d,]*(\.\d+)?%?", text := " ".join(cell.get_text().split()))
        )
        assert numbers, document
        shown = "\n".join(page.extract_text() for page in PdfReader(published / f"{document}.pdf").pages)
        found = Counter(re.findall(r"(?<![\d.,])[−-]?\d[\d,]*(?:\.\d+)?%?(?![\d.,%])", shown))
        missing = {n: c for n, c in numbers.items() if found[n] < c}
        assert not missing, (document, missing)
