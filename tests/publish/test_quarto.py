"""Quarto as a real renderer: every sample committee rendered in one Quarto batch, checked as the
built-in renderer's output is (figures and ratings, cards, alt text, the audit, the PDF checks),
plus what only Quarto could get wrong (code, parameters, paths, leftovers, one process per batch).

Needs Quarto: on PATH, or where .ci/run installed it (REPORTING_TEST_QUARTO). Skipped, with the
reason, where it is not installed.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import nbformat
import pandas as pd
import pikepdf
import pytest
import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader

import reporting
from reporting.document import analyst_markdown
from reporting.measures.figures import format_column
from reporting.publish.manifest import OUTPUT_FILES
from reporting.publish.pagecheck import card_pages, near_empty_pages
from reporting.publish.pdfcheck import check_pdf, figures, outline_titles, structure_tree
from reporting.publish.render.quarto import QuartoJob, QuartoTimings, render_quarto_many
from reporting.publish.render.quarto_source import quarto_source
from reporting.publish.safety import check_folder

from support import copy_project

pytestmark = [pytest.mark.quarto, pytest.mark.e2e]

COMMITTEES = ["cambridgeshire-cyp", "durham-cyp", "synthetic-demo", "synthetic-spc"]
DOCUMENTS = [(c, d) for c in COMMITTEES for d in ("report", "paper")]


@pytest.fixture(scope="module")
def quarto_batch(tmp_path_factory, quarto_path):
    """The four sample committees through `run_many` with Quarto, through a wrapper that logs each call."""
    tmp = tmp_path_factory.mktemp("quarto-batch")
    project = copy_project(tmp / "project")
    log = tmp / "quarto-calls.log"
    wrapper = tmp / "quarto"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{quarto_path}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPORTING_QUARTO", str(wrapper))
        outcomes = reporting.run_many(COMMITTEES, None, project, renderer="quarto", produced="2024-03-04", jobs=2)
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return {"project": project, "outcomes": {o.committee: o for o in outcomes}, "calls": calls}


@pytest.fixture(scope="module")
def published(quarto_batch) -> dict[str, Path]:
    failed = {c: o.error for c, o in quarto_batch["outcomes"].items() if not o.ok}
    assert not failed, failed
    return {c: Path(o.output_dir) for c, o in quarto_batch["outcomes"].items()}


def kpis_of(folder: Path) -> pd.DataFrame:
    """kpis.csv, with each KPI's current figure and target as the report shows them."""
    kpis = pd.read_csv(folder / "kpis.csv", dtype={"indicator_id": str})
    kpis["current_shown"] = format_column(kpis, "current")
    kpis["target_shown"] = format_column(kpis, "target")
    return kpis


def pdf_pages(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def page_text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    return " ".join(main.get_text(" ").split())


def test_one_quarto_render_for_the_whole_batch(quarto_batch, published):
    renders = [call for call in quarto_batch["calls"] if call.startswith("render")]
    assert len(renders) == 1, quarto_batch["calls"]
    assert all(o.renderer == "quarto" for o in quarto_batch["outcomes"].values())


@pytest.mark.parametrize("committee", COMMITTEES)
def test_published_folder_holds_exactly_the_outputs(published, committee):
    folder = published[committee]
    assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_FILES)  # no *_files/, .quarto/, .typ, .qmd
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no staging folder left beside it
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["renderer"] == "quarto"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["renderer_version"]["quarto"])
    assert manifest["renderer_version"]["typst"]


@pytest.mark.parametrize("committee", COMMITTEES)
def test_html_and_pdf_show_every_kpis_rating_and_figures(published, committee):
    folder = published[committee]
    kpis = kpis_of(folder)
    html = page_text(folder / "report.html")
    pdf = " ".join(pdf_pages(folder / "report.pdf"))
    for kpi in kpis.itertuples():
        heading = f"Indicator {kpi.indicator_id}:"
        for text, where in ((html, "HTML"), (pdf, "PDF")):
            assert heading in text, (where, kpi.indicator_id)
            card = text[text.index(heading, text.index("Summary of ratings")):][:3000]
            assert kpi.rating in card, (where, kpi.indicator_id, kpi.rating)
            assert kpi.current_shown in card, (where, kpi.indicator_id, kpi.current_shown)
            if kpi.target_shown != "–":  # no target: the card says why (Contextual, Baseline), as the built-in page does
                assert kpi.target_shown in card, (where, kpi.indicator_id, kpi.target_shown)


@pytest.mark.parametrize("committee", COMMITTEES)
def test_one_card_and_one_chart_with_alt_text_per_kpi(published, committee):
    folder = published[committee]
    kpis = kpis_of(folder)
    soup = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    cards = soup.select('section[id^="kpi-"]')
    assert [c["id"] for c in cards] == [f"kpi-{i}" for i in kpis["indicator_id"]]
    images = soup.find("main").find_all("img")
    assert len(images) == len(kpis) + 1  # a chart per KPI and the ratings chart
    for image in images:
        assert image["src"].startswith("data:image/png;base64,")
        assert len(image.get("alt", "")) > 30, str(image)[:120]
    with pikepdf.open(folder / "report.pdf") as pdf:
        alts = figures(structure_tree(pdf))
    assert alts == [image["alt"] for image in images]


@pytest.mark.parametrize("committee, document", DOCUMENTS)
def test_no_code_parameter_or_path_reaches_a_document(published, quarto_batch, committee, document):
    folder = published[committee]
    html = (folder / f"{document}.html").read_text(encoding="utf-8")
    visible = page_text(folder / f"{document}.html")
    pdf = " ".join(pdf_pages(folder / f"{document}.pdf"))
    project = str(quarto_batch["project"])
    for text in (html, pdf):
        assert project not in text and "staging" not in text and "/tmp/" not in text
    for text in (visible, pdf):
        for code in ("import reporting", "rp.show", "rp.", "papermill", "data_path", "output_dir", "committee =", "In ["):
            assert code not in text, code
    assert "<pre" not in html and 'class="sourceCode' not in html


@pytest.mark.parametrize("committee", COMMITTEES)
def test_safe_to_publish_and_audited_with_no_violations(published, committee):
    from reporting.publish.audit import audit_folder, format_audit, unavailable_reason

    folder = published[committee]
    assert check_folder(folder) == {"paper.html": [], "report.html": [], "paper.pdf": [], "report.pdf": []}
    for document in ("report", "paper"):
        assert check_pdf(folder / f"{document}.pdf", folder / f"{document}.html") == []
    if unavailable_reason() is not None:
        pytest.skip(str(unavailable_reason()))
    report = audit_folder(folder)
    assert report.passed, "\n" + format_audit(report)


@pytest.mark.parametrize("committee", COMMITTEES)
def test_pdf_is_a4_with_the_running_header_and_page_n_of_m_on_every_page(published, committee):
    folder = published[committee]
    notebook = nbformat.read(str(folder / "report.ipynb"), as_version=4)
    header = " ".join(notebook.metadata["reporting"]["running_header"].split())
    pages = pdf_pages(folder / "report.pdf")
    reader = PdfReader(folder / "report.pdf")
    for number, (text, page) in enumerate(zip(pages, reader.pages), start=1):
        size = sorted(round(float(v)) for v in (page.mediabox.width, page.mediabox.height))
        assert size == [595, 842], (number, size)  # A4, portrait or landscape
        assert header in text, number
        assert f"Page {number} of {len(pages)}" in text, number


@pytest.mark.parametrize("committee, document", DOCUMENTS)
def test_typst_pdf_has_no_nearly_empty_page_but_the_last(published, committee, document):
    assert near_empty_pages(published[committee] / f"{document}.pdf") == []


@pytest.mark.parametrize("committee", COMMITTEES)
def test_typst_pdf_fits_each_kpi_card_on_one_page(published, committee):
    cards = card_pages(published[committee] / "report.pdf")
    assert len(cards) == len(kpis_of(published[committee])) and set(cards.values()) == {1}, cards
    if committee == "cambridgeshire-cyp":
        assert len(PdfReader(published[committee] / "report.pdf").pages) <= 26


@pytest.mark.parametrize("committee", COMMITTEES)
def test_pdf_is_tagged_titled_in_british_english_with_bookmarks_for_every_kpi(published, committee):
    folder = published[committee]
    title = nbformat.read(str(folder / "report.ipynb"), as_version=4).metadata["reporting"]["title"]
    kpis = kpis_of(folder)
    with pikepdf.open(folder / "report.pdf") as pdf:
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert str(pdf.Root.Lang) == "en-GB"
        assert str(pdf.docinfo.Title) == title
        assert pdf.open_metadata()["pdfuaid:part"] == "1"
        tags = [element.tag for element in structure_tree(pdf).descendants()]
        titles = [" ".join(t.split()) for t in outline_titles(pdf)]
    assert tags.count("H1") == 1 and tags.count("H2") >= len(kpis) and "TH" in tags
    for kpi in kpis.itertuples():
        assert f"Indicator {kpi.indicator_id}: {' '.join(kpi.title.split())}" in titles


@pytest.mark.parametrize("committee, document", DOCUMENTS)
def test_html_has_a_skip_link_first_scoped_headers_and_captions(published, committee, document):
    soup = BeautifulSoup((published[committee] / f"{document}.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "en-GB"
    skip = soup.body.find("a")
    assert skip.get_text() == "Skip to main content" and soup.find(id=skip["href"][1:]).name == "main"
    main = soup.find("main")
    assert len(main.find_all("h1")) == 1
    for table in main.find_all("table"):
        assert table.find("caption") is not None and table.find("caption").get_text(strip=True)
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))
    badges = main.select("span.rating")
    assert badges and all(b.get_text(strip=True) for b in badges)  # a word in every badge, not colour alone


def test_a_document_quarto_cannot_render_fails_alone(published, tmp_path, quarto_path, monkeypatch):
    """A chart without alt text cannot be written as PDF/UA-1: that document fails, the other renders."""
    monkeypatch.setenv("REPORTING_QUARTO", quarto_path)
    good = published["synthetic-demo"] / "paper.ipynb"
    nb = nbformat.read(str(published["synthetic-demo"] / "report.ipynb"), as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                output["metadata"]["image/png"]["alt"] = ""
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, str(bad))
    out_good, out_bad = tmp_path / "good", tmp_path / "bad"
    out_good.mkdir(), out_bad.mkdir()
    timings = QuartoTimings()
    errors = render_quarto_many([QuartoJob(good, out_good, "paper", "good"), QuartoJob(bad, out_bad, "report", "bad")], timings)
    assert errors[0] is None and (out_good / "paper.html").exists() and (out_good / "paper.pdf").exists()
    assert errors[1] and "report of bad" in errors[1] and "alt text" in errors[1]
    assert list(out_bad.iterdir()) == []  # nothing half-made
    assert timings.retries > 0


def test_quarto_source_has_no_code_and_escapes_what_it_adds(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["reporting"] = {"title": "Q *1* [x](http://e) `$x$`", "running_header": "A {{< include /etc/passwd >}}",
                                "footer": "F", "language": "en-GB\nmainfont: x", "produced_on": "2024-03-04"}
    png = base64.b64encode(b"\x89PNG fake").decode()
    nb.cells = [
        nbformat.v4.new_code_cell("secret_code = 1", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="printed\n"),
            nbformat.v4.new_output("display_data", data={"text/markdown": "## Shown {#shown}", "text/plain": "x"}),
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "alt"},
                                   metadata={"image/png": {"alt": 'A "chart" \\ ```\n#set page(width: 1cm)'}}),
        ]),
        nbformat.v4.new_markdown_cell("Narrative <script>x</script>"),
    ]
    source = quarto_source(nb)
    text = source.markdown
    assert "secret_code" not in text and "printed" not in text
    assert "## Shown {#shown}" in text and "chart-001.png" in source.images
    front = text.split("---\n")[1]
    meta = yaml.safe_load(front)
    assert set(meta) == {"pagetitle", "lang", "produced-date"}  # no text from params: Quarto expands shortcodes there
    assert source.title == nb.metadata["reporting"]["title"] and source.running_header.startswith("A {{<")
    assert meta["lang"] == "en-GB" and meta["produced-date"] == {"year": 2024, "month": 3, "day": 4}
    typst = re.search(r"#figure\(image\(.*", text)[0]
    assert '\\"chart\\"' in typst and "\\\\" in typst and "\n" not in typst and "<" not in typst.split("alt:")[1]
    fences = re.findall(r"^(`{3,})\{=(?:html|typst)\}", text, flags=re.M)
    assert fences and all(len(f) >= 4 for f in fences[:1])  # longer than the alt text's ``` run
    assert analyst_markdown("Narrative <script>x</script>") in text  # a Markdown cell: the safe subset, HTML as text


def test_rendering_again_gives_the_same_bytes(published, tmp_path, quarto_path, monkeypatch):
    """The same executed notebooks, rendered alone rather than in the batch, make byte-identical files."""
    monkeypatch.setenv("REPORTING_QUARTO", quarto_path)
    folder = published["synthetic-demo"]
    jobs = [QuartoJob(folder / f"{d}.ipynb", tmp_path, d, "again") for d in ("report", "paper")]
    assert render_quarto_many(jobs) == [None, None]
    for job in jobs:
        for made in job.outputs:
            assert made.read_bytes() == (folder / made.name).read_bytes(), made.name


@pytest.mark.parametrize("committee", COMMITTEES)
def test_paper_carries_the_committee_paper_items_and_links_to_the_report_beside_it(published, quarto_batch, committee):
    folder = published[committee]
    params = reporting.load_params(quarto_batch["project"] / "params" / f"{committee}.yaml").paper
    html = page_text(folder / "paper.html")
    pdf = " ".join(pdf_pages(folder / "paper.pdf"))
    for text in (html, pdf):
        assert f"Meeting date: {params.meeting_date.day} {params.meeting_date:%B %Y}" in text
        assert f"Officer contact Name: {params.officer_contact.name}" in text
        assert "Key decision: No" in text and "Recommendation" in text and "Item Detail" not in text
    main = BeautifulSoup((folder / "paper.html").read_text(encoding="utf-8"), "html.parser").find("main")
    assert len(main.find_all("a", href="report.html")) == 1  # relative: the report is published beside the paper
    assert "report.pdf" not in html and "published with this paper as report.pdf" in pdf
    with pikepdf.open(folder / "paper.pdf") as pdf_file:
        uris = [str(a.A.URI) for page in pdf_file.pages for a in page.get("/Annots", []) if "/A" in a and "/URI" in a.A]
    assert uris == [f"mailto:{params.officer_contact.email}"]  # no link to a file in the PDF
