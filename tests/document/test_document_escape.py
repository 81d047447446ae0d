"""The sanitising boundary: text escaped for each place it lands, and analysts' Markdown kept to a safe subset."""

from __future__ import annotations

import html
import re
import subprocess

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.document import (
    analyst_markdown, attribute_text, chart_text, css_string, csv_cell, html_id, latex_text, md_link, md_text, one_line,
    safe_url,
)
from reporting.document.report import card_link, table
from reporting.document.markdown_html import markdown_to_html

ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "br"}
# Text that looks like every kind of Markdown, HTML, attribute and shortcode syntax.
SYNTAX = st.lists(st.sampled_from(list("ab 1\n\t#*_`[]()<>{}!|\\-+.:=\"'&;/$@%^~") + ["http://x.org", "](", "{.", "{#", "{{<"]),
                  max_size=40).map("".join)


def paragraph_text(markdown: str) -> str:
    """The text a paragraph of rendered Markdown shows."""
    rendered = markdown_to_html(markdown)
    soup = BeautifulSoup(rendered, "html.parser")
    assert [t.name for t in soup.find_all(True)] in ([], ["p"]), rendered
    return soup.get_text().strip()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | SYNTAX)
def test_plain_text_shows_exactly_as_written(text):
    shown = re.sub(r"\s+", " ", paragraph_text(md_text(text)))
    assert shown == re.sub(r"\s+", " ", one_line(text)).strip()


@settings(max_examples=300, deadline=None)
@given(SYNTAX)
def test_plain_text_in_a_table_cell_stays_in_its_cell(text):
    soup = BeautifulSoup(markdown_to_html(table(["A", "B"], [[text, "end"]])), "html.parser")
    cells = soup.find_all("td")
    assert len(cells) == 2 and cells[1].get_text() == "end"
    assert not soup.find_all(["span", "a", "img", "em", "strong", "code"])


@settings(max_examples=300, deadline=None)
@given(SYNTAX, st.sampled_from(["kpi-1", "index"]))
def test_link_text_cannot_retarget_the_link(title, target):
    soup = BeautifulSoup(markdown_to_html(str(card_link(title, "7"))), "html.parser")
    links = soup.find_all("a")
    assert len(links) == 1 and links[0]["href"] == "#kpi-7" and links[0].attrs.keys() == {"href"}


@settings(max_examples=300, deadline=None)
@given(SYNTAX)
def test_analyst_markdown_yields_only_the_safe_subset(text):
    soup = BeautifulSoup(markdown_to_html(analyst_markdown(text, heading_under=3)), "html.parser")
    for element in soup.find_all(True):
        assert element.name in ALLOWED_TAGS, element
        allowed = {"href"} if element.name == "a" else set()
        assert set(element.attrs) <= allowed, element
        if element.name == "a":
            assert safe_url(element["href"]) == element["href"]
        if element.name.startswith("h"):
            assert element.name in ("h4", "h5", "h6") or element.name == "hr"


@settings(max_examples=200, deadline=None)
@given(SYNTAX)
def test_analyst_markdown_is_stable_when_sanitised_twice(text):
    once = analyst_markdown(text)
    assert markdown_to_html(analyst_markdown(once)) == markdown_to_html(once)


def test_analyst_markdown_keeps_what_analysts_write():
    source = "The rate **rose** to *36%*.\n\n- first\n- second\n\n1. one\n2. two\n\nSee [the guidance](https://www.gov.uk/x) or [email us](mailto:team@example.gov.uk)."
    rendered = markdown_to_html(analyst_markdown(source))
    assert "<strong>rose</strong>" in rendered and "<em>36%</em>" in rendered
    assert "<ul>" in rendered and "<ol>" in rendered
    assert '<a href="https://www.gov.uk/x">the guidance</a>' in rendered
    assert '<a href="mailto:team@example.gov.uk">email us</a>' in rendered


@pytest.mark.parametrize("hostile, shown", [
    ("[x](/etc/passwd){rel=attachment}", "x{rel=attachment}"),
    ("![chart](/home/me/picture.png)", "chart"),
    ("![pixel](http://127.0.0.1:9/p.png)", "pixel"),
    ('[x](https://a.example){style="position:fixed;width:100%"}', 'x{style="position:fixed;width:100%"}'),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
    ("[f](file:///etc/passwd)", "[f](file:///etc/passwd)"),
    ("[d](data:text/html,hi)", "[d](data:text/html,hi)"),
    ("`{{< include /etc/passwd >}}`", "{{< include /etc/passwd >}}"),
    ("::: {.hidden}\nsecret\n:::", "::: {.hidden} secret :::"),
    ("$x^2$ and \\input{/etc/passwd}", "$x^2$ and \\input{/etc/passwd}"),
])
def test_analyst_markdown_shows_hostile_markup_as_text(hostile, shown):
    rendered = markdown_to_html(analyst_markdown(hostile))
    soup = BeautifulSoup(rendered, "html.parser")
    assert re.sub(r"\s+", " ", soup.get_text()).strip() == shown
    assert not soup.find_all(["img", "script", "span", "code", "pre"])
    assert all(a.get("href", "").startswith(("https://", "http://", "mailto:")) for a in soup.find_all("a"))


@pytest.mark.parametrize("url, safe", [
    ("https://www.gov.uk/a_(b)", "https://www.gov.uk/a_%28b%29"),
    ("http://example.org/x?y=1&z=2#top", "http://example.org/x?y=1&z=2#top"),
    ("mailto:team@example.gov.uk", "mailto:team@example.gov.uk"),
    ("/etc/passwd", None), ("file:///etc/passwd", None), ("javascript:alert(1)", None),
    ("data:text/html,x", None), ("//evil.example/x", None), ("https:///nohost", None),
    ("https://a.example/ space", None), ("mailto:../x", None), ("", None), (None, None),
])
def test_only_absolute_web_and_mail_links_are_kept(url, safe):
    assert safe_url(url) == safe


def test_a_link_with_a_bad_url_is_just_its_text():
    assert markdown_to_html(md_link("Guidance", "/etc/passwd")) == "<p>Guidance</p>\n"
    assert markdown_to_html(md_link("Guidance](x) [", "https://a.example/")) == '<p><a href="https://a.example/">Guidance](x) [</a></p>\n'


def test_css_string_cannot_leave_the_quotes():
    value = 'Council"; } main { display:none } @page { x: "\n</style><script>'
    escaped = css_string(value)
    assert escaped.startswith('"') and escaped.endswith('"') and escaped.count('"') == 2
    assert "\n" not in escaped and "<" not in escaped and "}" not in escaped and ";" not in escaped
    # The CSS reads it back as the one-line text (each escape is six hex digits and a space).
    decoded = re.sub(r"\\([0-9a-f]{6}) ", lambda m: chr(int(m[1], 16)), escaped[1:-1])
    assert decoded == one_line(value)


def test_latex_text_escapes_every_special_character():
    assert latex_text("50% & $5 #1 a_b {x} ~ ^ \\input") == (
        r"50\% \& \$5 \#1 a\_b \{x\} \textasciitilde{} \textasciicircum{} \textbackslash{}input"
    )


def test_chart_text_is_never_mathtext():
    assert chart_text("$x$ costs $5") == r"\$x\$ costs \$5"


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Plain text", "Plain text"), ("", ""), (1.5, 1.5), (None, None),
])
def test_csv_cells_that_would_start_a_formula_are_written_as_text(value, written):
    assert csv_cell(value) == written


def test_ids_and_attributes_from_data_are_reduced_to_safe_characters():
    assert html_id("kpi", "116") == "kpi-116"
    hostile = html_id("kpi", '1} {style="x"')
    assert re.fullmatch(r"kpi-[A-Za-z0-9_.-]+", hostile) and hostile != html_id("kpi", '1} {style="y"')
    assert attribute_text('7"} {onclick=alert(1)') == "7 onclickalert1"


def test_invisible_control_and_direction_characters_are_removed():
    assert one_line("a\u202eb\x00c\u2028d\r\ne") == "abc d e"
    assert html.unescape(paragraph_text(md_text("Total\u202e 5"))) == "Total 5"


@pytest.mark.quarto
@pytest.mark.parametrize("text", ["Lead [a](/etc/passwd){rel=attachment} ![i](/x.png) $x$ @cite {{< env HOME >}} \\input{x} <b>b</b> Tail"])
def test_pandoc_reads_escaped_text_as_the_same_text(text, quarto_command):
    """Quarto's pandoc reads the escaped text as plain text too: one paragraph of Str and Space."""
    command = [quarto_command, "pandoc"]
    done = subprocess.run([*command, "-f", "markdown", "-t", "plain", "--wrap=none"], input=md_text(text), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == text
    native = subprocess.run([*command, "-f", "markdown", "-t", "native"], input=md_text(text), capture_output=True, text=True).stdout
    assert set(re.findall(r"\b([A-Z][a-zA-Z]+)\b", re.sub(r'"(?:[^"\\]|\\.)*"', "", native))) <= {"Para", "Str", "Space"}, native
