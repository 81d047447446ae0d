"""Renderer choice, the Quarto path (real when Quarto is installed), Markdown safety and the kernel."""

from __future__ import annotations

import shutil
import sys

import nbformat
import pytest

from reporting.errors import RenderError
from reporting.publish.kernel import ProjectKernelManager
from reporting.publish.render import choose_renderer, quarto_available
from reporting.publish.render.builtin import render_html
from reporting.document.markdown_html import markdown_to_html
from reporting.publish.render.quarto import quarto_commands, quarto_config


def test_auto_uses_builtin_when_quarto_is_absent(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert choose_renderer("auto") == "builtin"


def test_auto_uses_quarto_when_it_is_on_path(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/local/bin/quarto" if name == "quarto" else None)
    assert choose_renderer("auto") == "quarto"


def test_unknown_renderer_is_refused():
    with pytest.raises(RenderError, match="choose one of auto, builtin, quarto"):
        choose_renderer("word")


def test_quarto_renders_the_executed_notebook_without_running_it(tmp_path):
    config = quarto_config("Cambridgeshire County Council · CYP Committee · Quarter 3, 2023/24")
    assert "enabled: false" in config  # never re-execute
    assert "echo: false" in config and "toc: true" in config and "embed-resources: true" in config
    assert "Cambridgeshire County Council" in config
    html, pdf = quarto_commands(tmp_path / "report.ipynb")
    assert html[:3] == ["quarto", "render", "report.ipynb"] and "html" in html and "report.html" in html
    assert "pdf" in pdf and "report.pdf" in pdf


def test_quarto_header_text_is_escaped_for_latex():
    assert r"Health \& Care" in quarto_config("Health & Care")


@pytest.mark.quarto
@pytest.mark.skipif(not quarto_available(), reason="Quarto is not installed here (no `quarto` on PATH); the built-in renderer is tested instead")
def test_quarto_renders_html_and_pdf(tmp_path):
    from reporting.publish.render.quarto import render_quarto

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A report\n\nSome text.")]
    nbformat.write(nb, tmp_path / "report.ipynb")
    html, pdf = render_quarto(tmp_path / "report.ipynb", tmp_path, running_header="Council · Committee")
    assert html.exists() and pdf.exists()


def test_markdown_keeps_raw_html_as_text():
    rendered = markdown_to_html('Fine.\n\n<script>alert("x")</script>\n\n<img src=x onerror="alert(1)">')
    assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;" in rendered


def test_markdown_heading_ids_spans_and_header_scope():
    rendered = markdown_to_html("## Indicator 1: Title {#kpi-1}\n\n| A | B |\n|---|---|\n| [Red]{.rating .rating-red} | x |")
    assert '<h2 id="kpi-1">Indicator 1: Title</h2>' in rendered
    assert '<span class="rating rating-red">Red</span>' in rendered
    assert '<th scope="col">A</th>' in rendered


def test_builtin_html_has_no_code_and_keeps_alt_text(tmp_path):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("secret_code = 1")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "## Heading {#h}"}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "alt"}, metadata={"image/png": {"alt": "A chart of things"}}),
        nbformat.v4.new_output("stream", name="stderr", text="a warning nobody should read"),
    ]
    nb.cells = [code]
    nb.metadata["reporting"] = {"title": "T", "running_header": "Council · Committee · Quarter"}
    nbformat.write(nb, tmp_path / "report.ipynb")
    page = render_html(tmp_path / "report.ipynb", tmp_path / "report.html").read_text()
    assert "secret_code" not in page and "a warning nobody" not in page
    assert 'alt="A chart of things"' in page
    assert '<html lang="en-GB">' in page and "<title>T</title>" in page
    assert "Council · Committee · Quarter" in page


def test_notebooks_run_in_this_environments_python():
    spec = ProjectKernelManager().kernel_spec
    assert spec.argv[0] == sys.executable
    assert spec.argv[1:3] == ["-m", "ipykernel_launcher"]


def test_markdown_caption_after_a_table_becomes_its_caption():
    rendered = markdown_to_html("| A | B |\n|---|---|\n| 1 | 2 |\n\n: [Key to ratings]{.visually-hidden}\n\nAfter.")
    assert '<table>\n<caption><span class="visually-hidden">Key to ratings</span></caption>' in rendered
    assert "<p>After.</p>" in rendered and ": [" not in rendered


def test_markdown_wide_table_scrolls_in_a_focusable_region_named_by_its_caption():
    wide = "| " + " | ".join("ABCDEF") + " |\n|" + "---|" * 6 + "\n| " + " | ".join("123456") + " |\n\nTable: Index of indicators"
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Index of indicators">' in markdown_to_html(wide)
    narrow = markdown_to_html("| A | B |\n|---|---|\n| 1 | 2 |")
    assert '<div class="table-wrap">' in narrow and "tabindex" not in narrow


def test_contents_lists_section_headings_but_not_kpi_cards():
    from reporting.document.markdown_html import sections

    source = "## Key to ratings {#key}\n\ntext\n\n## Indicator 1: Title {#kpi-1}\n\n## Data tables {#data-tables}"
    assert sections([source]) == [("key", "Key to ratings"), ("data-tables", "Data tables")]


def test_analysts_headings_nest_below_the_section_they_sit_in():
    from reporting.document.report import nest_headings

    assert nest_headings("# Big\n\ntext\n\n## Smaller", 3) == "#### Big\n\ntext\n\n##### Smaller"
    plain = nest_headings("No heading; issue #4 is fixed.", 3)
    assert markdown_to_html(plain) == "<p>No heading; issue #4 is fixed.</p>\n"
