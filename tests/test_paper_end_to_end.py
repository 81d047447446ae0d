"""The covering paper, generated with each report: it agrees with kpis.csv and follows the data."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

import reporting
from support import copy_project

pytestmark = pytest.mark.e2e


def text_of(path: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))).split())


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("paper"))


@pytest.fixture(scope="module")
def cambridgeshire(project):
    return reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin", produced="2024-03-04")


def test_paper_counts_movements_and_not_updated_agree_with_kpis_csv(cambridgeshire):
    out = cambridgeshire.output_dir
    kpis = pd.read_csv(out / "kpis.csv", dtype={"indicator_id": str})
    summary = json.loads((out / "summary.json").read_text())
    counts = {c["rating"]: c["count"] for c in summary["counts"]}
    assert summary["total"] == len(kpis) == 20
    assert sum(counts.values()) == 20
    assert {r: c for r, c in counts.items() if c} == kpis["rating"].value_counts().to_dict()
    assert sum(summary["movement_counts"].values()) == 20
    moved_ids = [m["indicator_id"] for group in summary["movements"].values() for m in group]
    assert sorted(moved_ids) == sorted(kpis["indicator_id"])
    stale = [n["indicator_id"] for n in summary["not_updated"]]
    assert stale == list(kpis.loc[~kpis["updated_this_quarter"], "indicator_id"])
    assert stale == ["11", "130", "131", "132", "133", "134", "135"]


def test_paper_shows_the_count_table_with_every_status_row(cambridgeshire):
    text = text_of(cambridgeshire.output_dir / "paper.html")
    assert "Red 11 55% Amber 1 5% Green 5 25% Blue 1 5% Baseline – – Contextual 2 10% In development – – Suspended – –" in text
    assert "may not add to 100" not in text  # 55 + 5 + 25 + 5 + 10 = 100
    assert "To: Children and Young People Committee" in text
    assert "Quarter 3, 2023/24: October to December 2023" in text
    assert "Policy and service committees agree the key performance indicators" in text  # background from params


def body_text(path: Path) -> str:
    """A page's main text: the page header's contents links, which repeat the section titles, left out."""
    page = path.read_text(encoding="utf-8")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page[page.index("<main"):])).split())


def examples_of(text: str) -> tuple[str, str]:
    """The Green and Blue, and the Red, examples sections of a paper's text."""
    good = text[text.index("Green and Blue indicators"): text.index("Red indicators")]
    red = text[text.index("Red indicators"): text.index("Changes since")]
    return good, red


def test_paper_examples_include_the_pinned_indicator(cambridgeshire):
    good, red = examples_of(body_text(cambridgeshire.output_dir / "paper.html"))
    assert "Indicator 118:" in good
    assert "There are 6 indicators rated Green and Blue this quarter" in good
    assert "There are 11 indicators rated Red this quarter" in red
    assert "Indicator 128:" in red  # furthest from target among those updated: 5.19% against 70.0%


def test_paper_examples_are_only_indicators_updated_this_quarter_and_it_says_so(cambridgeshire):
    out = cambridgeshire.output_dir
    kpis = pd.read_csv(out / "kpis.csv", dtype={"indicator_id": str}).set_index("indicator_id")
    # 132 (persistent absence, 2021/22) is the Red indicator furthest from target, but has no new figure.
    assert kpis.loc["132", "rating"] == "Red" and not kpis.loc["132", "updated_this_quarter"]
    assert kpis.loc["132", "deviation"] == kpis.loc[kpis["rating"] == "Red", "deviation"].min()
    good, red = examples_of(body_text(out / "paper.html"))
    shown = re.findall(r"Indicator (\w+): [^()]+\((?:Red|Green|Blue)\)", good + red)
    assert shown and all(kpis.loc[i, "updated_this_quarter"] for i in shown), shown
    assert "Indicator 132:" not in red
    assert ("6 indicators rated Green and Blue this quarter. 3 of them were updated this quarter. Examples are chosen "
            "only among indicators updated this quarter: below are 2 of the 3; the report has all 6.") in good
    assert "11 indicators rated Red this quarter. 8 of them were updated this quarter." in red


def test_paper_carries_the_committee_paper_items_in_html_and_pdf(cambridgeshire):
    out = cambridgeshire.output_dir
    page = body_text(out / "paper.html")
    pdf = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(out / "paper.pdf").pages)
    for text in (page, pdf):
        for item in (
            "To: Children and Young People Committee", "Meeting date: 19 March 2024",
            "From: Executive Director, Children, Education and Families", "Electoral divisions: All", "Key decision: No",
            "Forward plan reference: Not applicable", "Recommendation The Committee is asked to note the performance",
            "Officer contact Name: Jordan Ellery", "Email: governanceandperformance@cambridgeshire.gov.uk",
            "Telephone: 01632 960 184",
        ):
            assert item in text, item
        assert "Item Detail" not in text and "Item | Detail" not in text
    assert "published with this paper as report.pdf" in pdf and "report.html" not in pdf


def test_paper_links_to_the_report_beside_it_and_nowhere_on_this_machine(cambridgeshire):
    from bs4 import BeautifulSoup
    import pikepdf

    out = cambridgeshire.output_dir
    soup = BeautifulSoup((out / "paper.html").read_text(encoding="utf-8"), "html.parser")
    links = soup.find("main").find_all("a", href="report.html")
    assert [a.get_text() for a in links] == ["Performance Report for Quarter 3, 2023/24"]
    assert links[0].find_parent(class_="screen-only") is not None  # the PDF names report.pdf instead
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert not [h for h in hrefs if h.startswith(("/", "file:")) or ".." in h or str(out) in h], hrefs
    with pikepdf.open(out / "paper.pdf") as pdf:
        uris = [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots", []) if "/A" in a and "/URI" in a.A]
    assert uris == ["mailto:governanceandperformance@cambridgeshire.gov.uk"]  # no link to a file beside it


def test_a_pinned_indicator_without_a_new_figure_is_named_and_not_shown(tmp_path):
    project = copy_project(tmp_path)
    params = project / "params" / "cambridgeshire-cyp.yaml"
    # 134 (first-choice primary places, 2023) is Green but was not updated in Quarter 3.
    params.write_text(params.read_text(encoding="utf-8").replace('pin: ["118"]', 'pin: ["118", "134"]'), encoding="utf-8")
    result = reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin", produced="2024-03-04")
    good, _ = examples_of(body_text(result.output_dir / "paper.html"))
    assert "Indicator 118:" in good
    assert ("Always shown as an example, but not this quarter, as it has no new figure: Indicator 134: Percentage "
            "receiving place at first choice school (Primary).") in good
    assert "(Primary) (Green)" not in good  # not shown as an example


def test_paper_renders_to_pdf_like_the_report(cambridgeshire):
    pages = [page.extract_text() for page in PdfReader(cambridgeshire.output_dir / "paper.pdf").pages]
    assert 2 <= len(pages) <= 8
    for number, text in enumerate(pages, start=1):
        assert "Cambridgeshire County Council · Children and Young People Committee · Quarter 3, 2023/24" in text
        assert f"Page {number} of {len(pages)}" in text
    report = (cambridgeshire.output_dir / "report.html").read_text()
    paper = (cambridgeshire.output_dir / "paper.html").read_text()
    style = lambda page: page[page.index("<style>"): page.index("</style>")]  # noqa: E731
    assert style(report).split("@page {\n  @top-left")[0] == style(paper).split("@page {\n  @top-left")[0]


def test_a_change_in_the_data_changes_the_paper(tmp_path):
    project = copy_project(tmp_path)
    observations = project / "data" / "cambridgeshire-cyp" / "observations.csv"
    # Indicator 135 (secondary first choice, target 91.0%): 86.5% is Amber; 96.0% would be Blue.
    lines = observations.read_text().splitlines()
    lines = [line.replace(",86.5,", ",96.0,") if line.startswith("135,") else line for line in lines]
    observations.write_text("\n".join(lines) + "\n")
    result = reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin")
    summary = json.loads((result.output_dir / "summary.json").read_text())
    counts = {c["rating"]: c["count"] for c in summary["counts"]}
    assert counts["Amber"] == 0 and counts["Blue"] == 2
    text = text_of(result.output_dir / "paper.html")
    assert "Amber – –" in text and "Blue 2 10%" in text


@pytest.fixture(scope="module")
def synthetic(project):
    return reporting.run_committee("synthetic-demo", "2024-25-Q2", project, renderer="builtin", produced="2024-10-15")


def test_synthetic_committee_movements_are_computed_from_the_data(synthetic):
    summary = json.loads((synthetic.output_dir / "summary.json").read_text())
    moves = {m["indicator_id"]: (category, m["previous_rating"], m["rating"]) for category, group in summary["movements"].items() for m in group}
    assert moves["S01"] == ("improved", "Red", "Amber")
    assert moves["S02"] == ("improved", "Red", "Blue")
    assert moves["S08"] == ("improved", "Amber", "Green")
    assert moves["S03"] == ("declined", "Green", "Amber")
    assert moves["S04"] == ("declined", "Blue", "Red")
    assert {i for i, m in moves.items() if m[0] == "unchanged"} == {"S05", "S06", "S07", "S09", "S10", "S12"}
    assert moves["S11"][0] == "new"
    assert summary["movement_counts"] == {"improved": 3, "declined": 2, "unchanged": 6, "changed": 0, "new": 1}
    text = text_of(synthetic.output_dir / "paper.html")
    assert "Improved: 3 indicators" in text and "Declined: 2 indicators" in text
    assert "1 indicator moved from Red to Blue : Indicator S02" in text
    assert "Unchanged: 6 indicators" in text and "No earlier figure: 1 indicator" in text
    # The biggest improvement is listed first, as committee papers do.
    assert text.index("from Red to Blue") < text.index("from Red to Amber") < text.index("from Amber to Green")


def test_exception_reporting_says_how_many_were_left_out(project):
    result = reporting.run_committee("durham-cyp", "2023-24-Q2", project, renderer="builtin", produced="2024-01-08")
    summary = json.loads((result.output_dir / "summary.json").read_text())
    kpis = pd.read_csv(result.output_dir / "kpis.csv")
    left_out = int((~kpis["updated_this_quarter"]).sum())
    assert summary["left_out_not_updated"] == left_out > 0
    assert summary["total"] == len(kpis) - left_out
    text = text_of(result.output_dir / "paper.html")
    assert f"{left_out} indicators not updated this quarter are left out of these figures" in text
