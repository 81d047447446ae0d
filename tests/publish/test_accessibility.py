"""The published HTML passes an accessibility audit: WCAG 2.2 AA in axe-core, and the checks axe cannot make.

Every sample committee's report and covering paper is rendered, opened in headless Chromium with the
network blocked, and checked at desktop and phone (390 px) widths. Skipped, with the reason, only
where Chromium or Playwright is not installed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import reporting
from reporting.publish.audit import (
    EXTERNAL_REQUEST,
    audit_folder,
    audit_html,
    chromium_browser,
    format_audit,
    open_document,
    unavailable_reason,
)
from reporting.errors import AuditUnavailableError
from support import PROJECT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason())),
]

CSS = PROJECT / "src" / "reporting" / "publish" / "render" / "templates" / "report" / "report.css"
COMMITTEES = ("cambridgeshire-cyp", "durham-cyp", "synthetic-demo")
DOCUMENTS = [(committee, name) for committee in COMMITTEES for name in ("report.html", "paper.html")]
PHONE = 390
# Best-practice axe rules the WCAG tags leave out, but which the brief for these reports asks for.
STRUCTURE_RULES = ["region", "landmark-one-main", "landmark-unique", "page-has-heading-one", "heading-order", "skip-link"]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, Path]:
    """Each sample committee rendered at its default quarter in a private copy of the project."""
    project = tmp_path_factory.mktemp("project")
    for folder in ("params", "data", "notebooks", "commentary"):
        shutil.copytree(PROJECT / folder, project / folder)
    return {
        committee: reporting.run_committee(committee, None, project, renderer="builtin", produced="2024-03-04").output_dir
        for committee in COMMITTEES
    }


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for every browser check in this module."""
    with chromium_browser() as chromium:
        yield chromium


def soup_of(published, committee: str, name: str) -> BeautifulSoup:
    return BeautifulSoup((published[committee] / name).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("committee", COMMITTEES)
def test_axe_finds_no_wcag_violations_at_desktop_or_phone_width(published, committee):
    report = audit_folder(published[committee])
    assert {d.document for d in report.documents} == {"report.html", "paper.html"}
    assert all(d.checks_passed > 10 for d in report.documents)
    assert report.passed, "\n" + format_audit(report)


def test_an_outside_request_is_refused_and_reported(tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><title>Leaky</title>'
        '<link rel="stylesheet" href="https://fonts.example.invalid/font.css"></head>'
        '<body><main><h1>Leaky</h1><img src="http://example.invalid/chart.png" alt="A chart">'
        '<img src="chart.png" alt="A chart beside the page"></main></body></html>',
        encoding="utf-8",
    )
    found = [v for v in audit_html(page) if v.rule == EXTERNAL_REQUEST]
    expected = {"https://fonts.example.invalid/font.css", "http://example.invalid/chart.png", (tmp_path / "chart.png").as_uri()}
    assert {v.target for v in found} == expected
    assert "self-contained" in found[0].fix


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_document_makes_no_outside_request(published, browser, committee, name):
    with open_document(browser, published[committee] / name) as (_, attempted):
        pass
    assert attempted == []


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_landmarks_skip_link_and_heading_structure_pass_axe_best_practice(published, browser, committee, name):
    from axe_playwright_python.base import AXE_SCRIPT

    with open_document(browser, published[committee] / name) as (page, _):
        page.evaluate(AXE_SCRIPT)
        results = page.evaluate(
            "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})", STRUCTURE_RULES
        )
    problems = [f"{v['id']}: {n['target']} {n['html'][:120]}" for v in results["violations"] for n in v["nodes"]]
    assert problems == []


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_one_h1_and_heading_levels_never_skip(published, committee, name):
    headings = soup_of(published, committee, name).find_all(re.compile(r"^h[1-6]$"))
    levels = [int(h.name[1]) for h in headings]
    assert levels.count(1) == 1 and levels[0] == 1, levels[:5]
    skips = [(headings[i].get_text(), a, b) for i, (a, b) in enumerate(zip(levels, levels[1:]), start=1) if b > a + 1]
    assert skips == []


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_every_image_has_alt_text(published, committee, name):
    for image in soup_of(published, committee, name).find_all("img"):
        assert (image.get("alt") or "").strip(), str(image)[:120]


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_every_table_has_a_caption_and_scoped_header_cells(published, committee, name):
    tables = soup_of(published, committee, name).find_all("table")
    assert tables
    for table in tables:
        caption = table.find("caption")
        assert caption is not None and caption.get_text(strip=True), str(table)[:200]
        assert table.find_all("th"), caption.get_text()
        for cell in table.find_all("th"):
            assert cell.get("scope") in {"col", "row", "colgroup", "rowgroup"}, str(cell)


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_landmarks_and_language(published, committee, name):
    page = soup_of(published, committee, name)
    assert page.html.get("lang") == "en-GB"
    assert len(page.find_all("main")) == 1
    assert page.body.find("header", recursive=False) is not None
    assert page.body.find("footer", recursive=False) is not None
    nav = page.find("nav")
    assert nav is not None and nav.get("aria-label")
    for link in nav.find_all("a"):
        assert page.find(id=link["href"].lstrip("#")) is not None, link


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_skip_link_is_first_targets_main_and_shows_on_focus(published, browser, committee, name):
    page_html = soup_of(published, committee, name)
    skip = page_html.body.find("a")
    assert skip.get_text(strip=True) == "Skip to main content"
    target = page_html.find(id=skip["href"].lstrip("#"))
    assert target is not None and target.name == "main"
    with open_document(browser, published[committee] / name) as (page, _):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent")
        box = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert focused == "Skip to main content"
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0, box  # on screen when focused
    assert outline != "none"  # a visible focus indicator


@pytest.mark.parametrize("committee", COMMITTEES)
def test_return_to_index_links_name_their_indicator(published, browser, committee):
    with open_document(browser, published[committee] / "report.html") as (page, _):
        cards = page.evaluate(
            """() => Array.from(document.querySelectorAll('main a[href="#index"]')).map(a => {
                let h = a.closest('p') || a; while (h && !/^H2$/.test(h.tagName)) h = h.previousElementSibling;
                return h ? h.id : null; })"""
        )
        names = [page.locator('main a[href="#index"]').nth(i).aria_snapshot() for i in range(len(cards))]
    assert cards and None not in cards
    for card, name in zip(cards, names):
        indicator = card.removeprefix("kpi-")
        assert re.search(rf'link "Return to index[^"]*\b{re.escape(indicator)}\b', name), (card, name)
    assert len(set(names)) == len(names)  # every one distinguishable out of context


@pytest.mark.parametrize("committee, name", DOCUMENTS)
def test_no_horizontal_scroll_at_phone_width(published, browser, committee, name):
    with open_document(browser, published[committee] / name, width=PHONE, height=844) as (page, _):
        width = page.evaluate("() => document.documentElement.scrollWidth")
        # A wide table may scroll inside its own container; that container must be reachable by keyboard.
        scrollers = page.evaluate(
            """() => Array.from(document.querySelectorAll('main *')).filter(e => e.scrollWidth > e.clientWidth + 1
                 && e.clientWidth > 1 && getComputedStyle(e).overflowX !== 'visible').map(e => [e.tagName, e.className, e.tabIndex,
                 e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || ''])"""
        )
    assert width <= PHONE
    for tag, css, tab_index, label in scrollers:
        assert tab_index == 0 and label, (tag, css, tab_index, label)


# Screen layout (issue 19): the index reads at a desktop's width and a phone's, and chart text stays legible.


@pytest.mark.parametrize("committee", COMMITTEES)
def test_index_titles_take_at_most_three_lines_at_1280_px(published, browser, committee):
    with open_document(browser, published[committee] / "report.html", width=1280) as (page, _):
        lines = page.evaluate(
            """() => Array.from(document.querySelectorAll('#index + .table-scroll tbody td:nth-child(2) a')).map(a =>
                 [a.textContent, Math.round(a.getClientRects().length)])"""
        )
    assert lines and all(count <= 3 for _, count in lines), [t for t in lines if t[1] > 3]


@pytest.mark.parametrize("committee", COMMITTEES)
def test_index_shows_id_title_rating_and_change_without_sideways_scrolling_at_phone_width(published, browser, committee):
    with open_document(browser, published[committee] / "report.html", width=PHONE, height=844) as (page, _):
        boxes = page.evaluate(
            """() => Array.from(document.querySelectorAll('#index + .table-scroll tbody tr')).map(row =>
                 [1, 2, 6, 7].map(n => { const r = row.children[n - 1].getBoundingClientRect(); return [r.left, r.right, r.width]; }))"""
        )
        scrolls = page.evaluate("() => { const s = document.querySelector('#index + .table-scroll'); return s.scrollWidth - s.clientWidth; }")
    assert boxes and scrolls <= 1
    for row in boxes:
        for left, right, width in row:
            assert width > 0 and left >= 0 and right <= PHONE, row


@pytest.mark.parametrize("committee", COMMITTEES)
@pytest.mark.parametrize("width", [PHONE, 1280])
def test_chart_text_is_at_least_11_px_on_screen(published, browser, committee, width):
    from reporting.document.charts import DPI, FONT_SIZE

    with open_document(browser, published[committee] / "report.html", width=width, height=844) as (page, _):
        scales = page.evaluate("() => Array.from(document.querySelectorAll('figure.chart img')).map(i => i.getBoundingClientRect().width / i.naturalWidth)")
    # The smallest text drawn in a chart is FONT_SIZE points at DPI pixels per inch of the PNG.
    smallest = [FONT_SIZE / 72 * DPI * scale for scale in scales]
    assert smallest and min(smallest) >= 11, min(smallest)


@pytest.mark.parametrize("committee", COMMITTEES)
def test_print_keeps_each_chart_whole_and_starts_each_card_on_a_new_page(published, browser, committee):
    with open_document(browser, published[committee] / "report.html") as (page, _):
        page.emulate_media(media="print")
        figures = page.evaluate("() => Array.from(document.querySelectorAll('figure')).map(f => getComputedStyle(f).breakInside)")
        cards = page.evaluate("() => Array.from(document.querySelectorAll('h2[id^=kpi-]')).map(h => getComputedStyle(h).breakBefore)")
        hidden = page.evaluate("() => ['header', 'nav', '.skip-link'].map(s => getComputedStyle(document.querySelector(s)).display)")
    assert figures and set(figures) == {"avoid"}
    assert cards and set(cards) == {"page"}
    assert hidden == ["none", "none", "none"]


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_rating_badge_has_text_contrast_of_at_least_4_5():
    rules = re.findall(r"\.(rating-[a-z]+)\s*\{([^}]*)\}", CSS.read_text(encoding="utf-8"))
    assert {name for name, _ in rules} >= {"rating-red", "rating-amber", "rating-green", "rating-blue", "rating-status"}
    for name, body in rules:
        background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", body)
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", body)
        if background and colour:
            assert contrast(background[1], colour[1]) >= 4.5, (name, background[1], colour[1])


def test_missing_chromium_is_a_clear_error_saying_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("REPORTING_CHROMIUM", str(tmp_path / "no-chromium-here"))
    assert "apt-get install -y chromium" in unavailable_reason()
    page = tmp_path / "any.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(AuditUnavailableError, match="apt-get install -y chromium"):
        audit_html(page)


def test_audit_command_passes_a_sample_and_fails_a_broken_copy(published, tmp_path):
    """`reporting audit` as a council would run it (its own process: Playwright's sync API runs one per thread)."""
    import subprocess
    import sys

    def audit(folder: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "reporting.cli", "audit", str(folder)], capture_output=True, text=True, timeout=300)

    folder = tmp_path / "synthetic-demo"
    shutil.copytree(published["synthetic-demo"], folder)
    done = audit(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "report.html" in done.stdout and "paper.pdf" in done.stdout and "Audit passed" in done.stdout

    page = folder / "report.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(re.sub(r'(<img [^>]*?) alt="[^"]*"', r"\1", text, count=1).replace('lang="en-GB"', "", 1), encoding="utf-8")
    done = audit(folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "image-alt" in done.stdout and "html-has-lang" in done.stdout and "Audit FAILED" in done.stdout
