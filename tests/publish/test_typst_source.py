"""The built-in PDF's Typst (publish/render/typst_source.py): text is shown as written, the structure is
the workbook's own, and the PDF is tagged and the same on every run."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

from reporting.document import md_text
from reporting.publish.pdfcheck import check_pdf, figures, outline_titles, structure_tree
from reporting.publish.render.builtin import render_pdf
from reporting.publish.render.typst_source import typst_source, typst_text

HOSTILE = [
    '#read("/etc/passwd")',
    '"; #image("/etc/hostname"); "',
    ']#set page(fill: red)[',
    "#\"x\"(1) #\"y\".len() \\ \\\\ \\\"",
    "<kpi-1> @kpi-1 $x^2$ // c /* d */ = h - l + e / t: d ~ ' \" `r` https://example.org",
    "{{< include /etc/passwd >}} #sys.inputs #let x = 1",
]


def png(width: int = 40, height: int = 20) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 60)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def notebook(markdown: list[str], title: str = "A report", charts: int = 1, footer: str = "Made on a day") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": ""}) for text in markdown]
    for number in range(charts):
        outputs.append(nbformat.v4.new_output(
            "display_data", data={"image/png": png(), "text/plain": ""},
            metadata={"image/png": {"alt": f"Chart {number + 1}: a line rising from 1 to 9", "role": "kpi"}},
        ))
    cell = nbformat.v4.new_code_cell("print('never shown')", outputs=outputs)
    nb.cells = [cell]
    nb.metadata["reporting"] = {"title": title, "running_header": f"{title} | header", "footer": footer,
                                "produced_on": "2024-03-04", "language": "en-GB"}
    return nb


def text_of(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_text_is_one_inert_string_literal():
    assert typst_text('a "b" \\ c') == '#"a \\"b\\" \\\\ c";'
    assert typst_text("line\nbreak\u202eend") == '#"line breakend";'
    assert typst_text("") == ""


def test_hostile_text_everywhere_is_shown_as_written(tmp_path):
    blocks = []
    for number, text in enumerate(HOSTILE):
        escaped = md_text(text)
        blocks.append(f"# Title {escaped}\n\n## Section {number} {escaped} {{#s-{number}}}\n\n{escaped} **{escaped}** *{escaped}*\n\n"
                      f"- {escaped}\n- [{escaped}]{{.rating .rating-red}}\n\n| A {escaped} | B |\n|---|---|\n| {escaped} | 1 |\n\n: {escaped}\n")
    blocks = [blocks[0]] + [b.split("\n", 2)[2] for b in blocks[1:]]  # one level-1 heading, as PDF/UA asks
    nb = notebook(blocks, title=" ".join(HOSTILE), footer=HOSTILE[0])
    nb.cells[0].outputs[-1].metadata["image/png"]["alt"] = HOSTILE[1]
    pdf = render_pdf(nb, tmp_path / "report.pdf")
    shown = squeeze(text_of(pdf))
    for text in HOSTILE:
        assert squeeze(text) in shown, text
    with pikepdf.open(pdf) as document:
        assert str(document.docinfo.Title) == " ".join(HOSTILE)
        assert figures(structure_tree(document)) == [HOSTILE[1]]
        images = [o for o in document.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert [(int(i.Width), int(i.Height)) for i in images] == [(40, 20)]  # the chart, and no file from the machine
        assert "/EmbeddedFiles" not in document.Root.get("/Names", {})
    assert b"root:" not in pdf.read_bytes()
    assert check_pdf(pdf) == []


def test_a_link_to_a_section_that_is_not_there_is_text_and_others_are_links(tmp_path):
    nb = notebook(["# Title\n\n## Here {#here}\n\n[back](#here) [gone](#nowhere) [web](https://example.org/a?b=1&c=\"d\")\n"])
    pdf = render_pdf(nb, tmp_path / "report.pdf")
    assert "back gone web" in text_of(pdf)
    with pikepdf.open(pdf) as document:
        annotations = [a for page in document.pages for a in page.get("/Annots", [])]
        uris = [str(a.A.URI) for a in annotations if "/A" in a and "/URI" in a.A]
        assert uris == ['https://example.org/a?b=1&c=%22d%22']
        assert len(annotations) == 2  # the web link, and the link to the section


def test_headings_become_bookmarks_with_their_ids_and_kpi_cards_start_pages(tmp_path):
    nb = notebook(["# Report\n\n## Summary {#summary}\n\nText.\n\n## Indicator 1: One {#kpi-1}\n\n### Commentary\n\nWords.\n\n"
                   "## Indicator 2: Two {#kpi-2}\n\nMore.\n"], charts=0)
    pdf = render_pdf(nb, tmp_path / "report.pdf")
    with pikepdf.open(pdf) as document:
        assert outline_titles(document) == ["Report", "Summary", "Indicator 1: One", "Commentary", "Indicator 2: Two"]
        assert [e.tag for e in structure_tree(document).descendants() if e.tag.startswith("H")] == ["H1", "H2", "H2", "H3", "H2"]
    assert len(PdfReader(pdf).pages) == 3  # each KPI's card starts a page


def test_the_index_is_printed_on_landscape_pages_and_the_next_section_is_not(tmp_path):
    nb = notebook(["# Report\n\n## Index {#index}\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n## Indicator 1: One {#kpi-1}\n\nText.\n"], charts=0)
    pdf = render_pdf(nb, tmp_path / "report.pdf")
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(pdf).pages]
    assert sizes == [(595, 842), (842, 595), (595, 842)]


def test_tables_have_header_cells_and_wide_tables_take_their_columns_from_the_dashes():
    row = "| " + " | ".join(["x" * 20] * 4) + " |"
    nb = notebook([f"# T\n\n| A | B | C | D |\n|--|--------|--|--|\n{row}\n\n| E | F |\n|---|---|\n| 1 | 2 |\n"], charts=0)
    markup = typst_source(nb).markup
    assert "#table(columns: (2fr, 8fr, 2fr, 2fr,), table.header(" in markup
    assert "#table(columns: (auto, auto,), table.header(" in markup


def test_code_and_outputs_other_than_blocks_and_charts_never_reach_the_pdf():
    nb = notebook(["# T\n\nText.\n"])
    nb.cells[0].outputs.append(nbformat.v4.new_output("stream", name="stdout", text="a stream"))
    nb.cells[0].outputs.append(nbformat.v4.new_output("display_data", data={"text/html": "<b>html</b>", "text/plain": "plain"}))
    markup = typst_source(nb).markup
    assert "never shown" not in markup and "a stream" not in markup and "html" not in markup and "plain" not in markup


def test_reruns_are_byte_identical_and_dated_the_day_produced(tmp_path):
    nb = notebook(["# T\n\nText.\n"])
    first, second = render_pdf(nb, tmp_path / "a.pdf"), render_pdf(nb, tmp_path / "b.pdf")
    assert first.read_bytes() == second.read_bytes()
    with pikepdf.open(first) as document:
        assert str(document.docinfo.CreationDate).startswith("D:20240304")


def test_a_chart_without_alt_text_stops_the_pdf(tmp_path):
    from reporting.errors import RenderError

    nb = notebook(["# T\n"])
    nb.cells[0].outputs[-1].metadata["image/png"]["alt"] = ""
    # The workbook gives every chart alt text; one without gets a generic one rather than none.
    assert 'alt: "Chart"' in typst_source(nb).markup
    bad = notebook(["## Starts at level 2\n"])
    with pytest.raises(RenderError, match="heading"):
        render_pdf(bad, tmp_path / "bad.pdf")
    assert not (tmp_path / "bad.pdf").exists()
