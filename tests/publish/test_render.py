"""Renderer choice, the Quarto path (real when Quarto is installed), Markdown safety and the kernel."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from reporting.errors import RenderError
from reporting.publish.kernel import ProjectKernelManager
from reporting.publish.render import choose_renderer
from reporting.publish.render.builtin import render_html
from reporting.document.markdown_html import markdown_to_html
from reporting.publish.render.quarto import QuartoJob, quarto_config, render_quarto_many


def test_auto_uses_builtin_when_quarto_is_absent(monkeypatch):
    monkeypatch.delenv("REPORTING_QUARTO", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert choose_renderer("auto") == "builtin"


def test_auto_uses_quarto_when_it_is_on_path(monkeypatch):
    monkeypatch.delenv("REPORTING_QUARTO", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/local/bin/quarto" if name == "quarto" else None)
    assert choose_renderer("auto") == "quarto"


def test_auto_uses_the_quarto_named_by_reporting_quarto(monkeypatch, tmp_path):
    quarto = tmp_path / "quarto"
    quarto.write_text("#!/bin/sh\n")
    quarto.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("REPORTING_QUARTO", str(quarto))
    assert choose_renderer("auto") == "quarto"
    monkeypatch.setenv("REPORTING_QUARTO", str(tmp_path / "missing"))
    assert choose_renderer("auto") == "builtin"


def test_unknown_renderer_is_refused():
    with pytest.raises(RenderError, match="choose one of auto, builtin, quarto"):
        choose_renderer("word")


def test_quarto_project_never_executes_and_is_self_contained():
    config = yaml.safe_load(quarto_config())
    assert config["execute"]["enabled"] is False  # the notebook ran once, under papermill
    html, typst = config["format"]["html"], config["format"]["typst"]
    assert html["embed-resources"] is True and html["html-math-method"] == "plain"  # no CDN
    assert html["toc"] is True and "default-src 'none'" in html["include-in-header"]["text"]
    assert typst["papersize"] == "a4" and "pdf" not in config["format"]  # Typst, not LaTeX


def test_quarto_asked_for_when_missing_says_how_to_get_it(monkeypatch):
    monkeypatch.delenv("REPORTING_QUARTO", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RenderError, match="Use --renderer builtin, or install Quarto 1.7"):
        render_quarto_many([QuartoJob(Path("report.ipynb"), Path("."))])


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
    assert spec.argv[1:3] == ["-m", "reporting.publish.kernel_launcher"]  # ipykernel, with the imports loaded as it boots


def test_kernel_launcher_starts_ipykernel_with_the_workbook_imported(tmp_path):
    """A kernel started by a run has reporting and matplotlib loaded before the first cell, and runs cells."""
    from reporting.publish.execute import SharedKernel, execute_notebook

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint(sorted(m for m in ('reporting', 'matplotlib') if m in sys.modules))")]
    source, executed = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, str(source))
    with SharedKernel().start(tmp_path) as kernel:
        execute_notebook(source, executed, tmp_path, {}, kernel)
        assert kernel.alive()
    assert not kernel.alive()
    out = nbformat.read(str(executed), as_version=4).cells[0].outputs[0]["text"]
    assert out.strip() == "['matplotlib', 'reporting']"


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
