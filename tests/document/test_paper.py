"""The covering paper's blocks: the committee-paper items from params, the link to its report, and
examples chosen only among the indicators updated this quarter (and saying so)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

import reporting as rp
from reporting.document.markdown_html import markdown_to_html
from reporting.params import NOT_APPLICABLE, OfficerContact, PaperSettings

QUARTER = "2023-24-Q3"
PRODUCED = date(2024, 3, 4)
OFFICER = OfficerContact("Jordan Ellery", "Performance Manager", "jordan.ellery@example.gov.uk", "01632 960 184")


def committee(contact: dict | None = None, **paper) -> rp.CommitteeParams:
    """A committee's params with these paper settings (the rest as a params file would give them)."""
    return rp.CommitteeParams(
        id="cyp", council="Example Borough Council", committee_name="Children's Committee", dataset=Path("data/x"),
        scheme=rp.scheme_config("ragb"), source=Path("params/cyp.yaml"), title="Performance Report",
        contact={"team": "Performance Team", "email": "performance@example.gov.uk"} if contact is None else contact,
        paper=PaperSettings(**paper),
    )


FULL = dict(
    title="Corporate Performance Report", meeting_date=date(2024, 3, 19), report_from="Executive Director",
    recommendation="The Committee is asked to **note** the report.", electoral_divisions="All", key_decision=False,
    forward_plan_reference=NOT_APPLICABLE, officer_contact=OFFICER,
)


def text(markdown: str) -> str:
    return " ".join(BeautifulSoup(markdown_to_html(markdown), "html.parser").get_text(" ").split())


def test_the_cover_is_labelled_lines_with_every_item_from_params_and_no_table():
    block = rp.paper_title_block(committee(**FULL), QUARTER, PRODUCED)
    html = markdown_to_html(block)
    assert "<table" not in html and "Item" not in html and "Detail" not in html
    cover = BeautifulSoup(html, "html.parser").find_all("p")[1]
    lines = [" ".join(line.split()) for line in cover.get_text().split("\n")]
    assert lines == [
        "To: Children's Committee",
        "Meeting date: 19 March 2024",
        "From: Executive Director",
        "Electoral divisions: All",
        "Key decision: No",
        "Forward plan reference: Not applicable",
        "Period covered: Quarter 3, 2023/24: October to December 2023",
        "Produced on: 4 March 2024",
    ]
    assert [b.get_text() for b in cover.find_all("strong")][:2] == ["To:", "Meeting date:"]


def test_items_the_params_leave_out_are_left_out_not_invented():
    block = rp.paper_title_block(committee(), QUARTER, PRODUCED)
    shown = text(block)
    for item in ("Meeting date", "From:", "Electoral divisions", "Key decision", "Forward plan"):
        assert item not in shown, item
    assert "To: Children's Committee" in shown and "Period covered:" in shown
    assert rp.recommendation_section(committee()) == ""
    yes = text(rp.paper_title_block(committee(key_decision=True, forward_plan_reference="2024/041"), QUARTER, PRODUCED))
    assert "Key decision: Yes" in yes and "Forward plan reference: 2024/041" in yes


def test_the_paper_links_to_report_html_on_screen_and_names_report_pdf_in_print():
    block = rp.paper_title_block(committee(), QUARTER, PRODUCED)
    soup = BeautifulSoup(markdown_to_html(block), "html.parser")
    screen, printed = soup.find("span", class_="screen-only"), soup.find("span", class_="print-only")
    link = screen.find("a")
    assert link["href"] == "report.html" and link.get_text() == "Performance Report for Quarter 3, 2023/24"
    assert printed.get_text() == "Performance Report for Quarter 3, 2023/24, published with this paper as report.pdf"
    assert printed.find("a") is None  # a PDF link to a file beside it would need a local path
    # JupyterLab has no print stylesheet: it shows the link only.
    notebook = BeautifulSoup(block._repr_mimebundle_()["text/html"], "html.parser")
    assert notebook.find("a", href="report.html") and not notebook.find(class_="print-only")
    assert "report.pdf" not in notebook.get_text()


def test_only_the_workbooks_own_relative_links_survive_the_reader():
    html = markdown_to_html("[a](report.html) [b](../report.html) [c](/tmp/report.html) [d](file:///report.html) [e](x.html)")
    hrefs = [a.get("href") for a in BeautifulSoup(html, "html.parser").find_all("a")]
    assert hrefs == ["report.html", None, None, None]  # markdown-it never reads the file: link as a link at all


def test_recommendation_is_the_councils_markdown_under_its_own_heading():
    block = rp.recommendation_section(committee(recommendation="The Committee is asked to:\n\n- note this;\n- # act <b>now</b>"))
    html = markdown_to_html(block)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h2", id="recommendation").get_text() == "Recommendation"
    assert [li.get_text().strip() for li in soup.find_all("li")] == ["note this;", "act <b>now</b>"]
    assert soup.find("b") is None and soup.find("h1") is None


def test_officer_contact_from_the_paper_else_the_reports_contact_team_else_nothing():
    shown = text(rp.officer_contact_section(committee(**FULL)))
    assert shown == ("Officer contact Name: Jordan Ellery Role: Performance Manager Email: jordan.ellery@example.gov.uk "
                     "Telephone: 01632 960 184")
    soup = BeautifulSoup(markdown_to_html(rp.officer_contact_section(committee(**FULL))), "html.parser")
    assert soup.find("a")["href"] == "mailto:jordan.ellery@example.gov.uk"
    fallback = text(rp.officer_contact_section(committee()))
    assert fallback == "Officer contact Team: Performance Team Email: performance@example.gov.uk"
    assert rp.officer_contact_section(committee(contact={})) == ""
    # A contact email from the report's params that is not an address is shown as text, never linked.
    odd = markdown_to_html(rp.officer_contact_section(committee(contact={"email": "javascript:alert(1)"})))
    assert "<a" not in odd and "javascript:alert(1)" in BeautifulSoup(odd, "html.parser").get_text()


def kpis(rows: list[tuple[str, str, bool, float]]) -> pd.DataFrame:
    """KPIs as (id, rating, updated this quarter, deviation from target)."""
    return pd.DataFrame({
        "indicator_id": [r[0] for r in rows], "title": [f"Title {r[0]}" for r in rows], "rating": [r[1] for r in rows],
        "updated_this_quarter": [r[2] for r in rows], "deviation": [r[3] for r in rows],
        "commentary": [f"Commentary {r[0]}" for r in rows],
    })


def test_examples_are_chosen_only_among_indicators_updated_this_quarter_and_the_paper_says_so():
    frame = kpis([("a", "Red", False, -0.9), ("b", "Red", True, -0.5), ("c", "Red", True, -0.2), ("d", "Red", True, -0.1),
                  ("e", "Green", True, 0.01)])
    choice = rp.choose_examples(frame, ("Red",), "furthest", 2)
    assert list(choice.chosen["indicator_id"]) == ["b", "c"]  # a is furthest from target, but has no new figure
    assert (choice.rated, choice.updated) == (4, 3)
    shown = text(rp.examples_section(choice, "Red", "red"))
    assert ("There are 4 indicators rated Red this quarter. 3 of them were updated this quarter. Examples are chosen "
            "only among indicators updated this quarter: below are 2 of the 3; the report has all 4.") in shown
    assert "Indicator b:" in shown and "Indicator c:" in shown and "Indicator a:" not in shown


def test_no_examples_when_none_of_the_group_was_updated():
    frame = kpis([("a", "Red", False, -0.9), ("b", "Red", False, -0.5), ("e", "Green", True, 0.01)])
    choice = rp.choose_examples(frame, ("Red",), "all")
    assert choice.chosen.empty and (choice.rated, choice.updated) == (2, 0)
    shown = text(rp.examples_section(choice, "Red", "red"))
    assert shown == ("Red indicators There are 2 indicators rated Red this quarter. None of them was updated this quarter. "
                     "Examples are chosen only among indicators updated this quarter, so there are none here; "
                     "the report has all 2.")
    one = text(rp.examples_section(rp.choose_examples(frame, ("Green",), "all"), "Green", "good"))
    assert "There is 1 indicator rated Green this quarter. It was updated this quarter." in one
    assert "it is shown below." in one and "Indicator e:" in one


def test_a_pinned_indicator_without_a_new_figure_is_named_not_shown():
    frame = kpis([("118", "Blue", False, 0.5), ("7", "Green", True, 0.0), ("8", "Green", True, 0.01), ("9", "Green", True, 0.2)])
    choice = rp.choose_examples(frame, ("Green", "Blue"), "furthest", 2, pin=("118", "8"))
    assert list(choice.chosen["indicator_id"]) == ["8", "9"]  # the updated pin first, then the furthest
    assert list(choice.pinned_not_updated["indicator_id"]) == ["118"]
    shown = text(rp.examples_section(choice, "Green and Blue", "good"))
    assert "Always shown as an example, but not this quarter, as it has no new figure: Indicator 118: Title 118." in shown
    assert "Indicator 118: Title 118 (Blue)" not in shown


def test_no_rated_indicators_says_so():
    choice = rp.choose_examples(kpis([("e", "Green", True, 0.01)]), ("Red",), "all")
    assert text(rp.examples_section(choice, "Red", "red")) == "Red indicators There are no Red indicators this quarter."
