"""The whole pipeline on the sample committees: data → papermill → kpis.csv, HTML and PDF.

Expected figures are the published ones (Cambridgeshire's Q3 2023/24 appendix, Durham's
Q2 2023/24 data tables), so these tests check the workbook against what councils printed.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

import reporting
from reporting.errors import DataValidationError, NotebookExecutionError
from support import PROJECT, copy_project

pytestmark = pytest.mark.e2e


# indicator: (current, previous, target, rating, change) as printed in the appendix.
CAMBRIDGESHIRE_Q3 = {
    "1": (36.0, 32.3, 20.0, "Red", "Declining"),
    "2": (23.9, 22.5, 21.1, "Red", "Declining"),
    "3": (50.0, 49.9, 40.0, "Red", "Declining"),
    "6": (44.0, 230.0, None, "Contextual", "Improving"),
    "7": (100.0, 100.0, 100.0, "Green", "Unchanged"),
    "8": (91.2, 90.2, 90.0, "Green", "Improving"),
    "9": (79.8, 79.8, 90.0, "Red", "Unchanged"),
    "10": (87.8, 87.8, 100.0, "Red", "Unchanged"),
    "11": (78.3, 71.1, 75.0, "Green", "Improving"),
    "116": (37.0, 44.0, 25.0, "Red", "Improving"),
    "117": (30.6, 30.5, 21.0, "Red", "Declining"),
    "118": (3.5, 3.0, 3.9, "Blue", "Declining"),
    "128": (5.19, 5.21, 70.0, "Red", "Declining"),
    "129": (296.0, 294.0, None, "Contextual", "Declining"),
    "130": (57.9, 58.0, 65.0, "Red", "Declining"),
    "131": (51.7, 52.7, 50.1, "Green", "Declining"),
    "132": (21.2, 10.6, 8.5, "Red", "Declining"),
    "133": (6.2, 4.1, 3.7, "Red", "Declining"),
    "134": (94.8, 95.0, 93.0, "Green", "Declining"),
    "135": (86.5, 89.7, 91.0, "Amber", "Declining"),
}




@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def cambridgeshire(project) -> reporting.RunResult:
    return reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin", produced="2024-03-04")


@pytest.fixture(scope="module")
def durham(project) -> reporting.RunResult:
    return reporting.run_committee("durham-cyp", None, project, renderer="builtin", produced="2024-01-08")


def test_run_writes_every_output(cambridgeshire):
    assert cambridgeshire.output_dir.name == "cambridgeshire-cyp"
    assert cambridgeshire.output_dir.parent.name == "2023-24-Q3"
    for name in ("report.ipynb", "report.html", "report.pdf", "kpis.csv"):
        assert (cambridgeshire.output_dir / name).stat().st_size > 0, name
    # No staging folder is left beside the published one.
    assert [p.name for p in cambridgeshire.output_dir.parent.iterdir() if p.name.startswith(".")] == []


def test_kpis_csv_matches_the_published_appendix(cambridgeshire):
    kpis = pd.read_csv(cambridgeshire.output_dir / "kpis.csv", dtype={"indicator_id": str}, keep_default_na=False)
    assert list(kpis["indicator_id"]) == list(CAMBRIDGESHIRE_Q3)
    for row in kpis.itertuples():
        current, previous, target, rating, change = CAMBRIDGESHIRE_Q3[row.indicator_id]
        assert float(row.current) == pytest.approx(current), row.indicator_id
        assert float(row.previous) == pytest.approx(previous), row.indicator_id
        assert (float(row.target) if row.target != "" else None) == (pytest.approx(target) if target is not None else None), row.indicator_id
        assert row.rating == rating, row.indicator_id
        assert row.change == change, row.indicator_id


def test_kpis_csv_has_the_contract_columns(cambridgeshire):
    kpis = pd.read_csv(cambridgeshire.output_dir / "kpis.csv")
    for column in reporting.measures.kpis.CONTRACT_COLUMNS:
        assert column in kpis.columns
    assert set(kpis["updated_this_quarter"]) <= {True, False}
    # Monthly KPIs were updated in October-December 2023; annual ones (e.g. 134) were not.
    by_id = kpis.set_index(kpis["indicator_id"].astype(str))
    assert by_id.loc["1", "updated_this_quarter"]
    assert not by_id.loc["134", "updated_this_quarter"]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_html_index_shows_each_kpi_figures_and_rating(cambridgeshire):
    page = (cambridgeshire.output_dir / "report.html").read_text(encoding="utf-8")
    index = page[page.index('id="index"'):]
    index = index[: index.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", index, flags=re.S)[1:]
    assert len(rows) == 20
    for row, (indicator, (current, _, target, rating, change)) in zip(rows, CAMBRIDGESHIRE_Q3.items()):
        cells = [" ".join(_text(c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        assert cells[0] == indicator
        decimals = 2 if indicator == "128" else 1
        unit = "%" if indicator in {"1", "7", "8", "9", "10", "11", "117", "128", "130", "132", "133", "134", "135"} else ""
        assert cells[3] == f"{current:,.{decimals}f}{unit}", indicator
        assert cells[5] == rating and cells[6] == change, indicator
        assert f'href="#kpi-{indicator}"' in row


def test_html_opens_with_index_and_has_a_card_and_chart_per_kpi(cambridgeshire):
    page = (cambridgeshire.output_dir / "report.html").read_text(encoding="utf-8")
    assert page.index('id="index"') < page.index('id="kpi-1"')
    for indicator in CAMBRIDGESHIRE_Q3:
        assert f'<h2 id="kpi-{indicator}">' in page
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 21  # one chart per KPI and the ratings chart
    for image in images:
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt and len(alt.group(1)) > 30, image[:80]
        assert 'src="data:image/png;base64,' in image  # self-contained
    assert 'alt="Line chart of Indicator 1: Percentage children whose referral' in page
    assert page.count(">Return to index</a>") == 20
    assert "<script" not in page and "<pre" not in page  # no code, no scripts
    assert '<th scope="col">Rating</th>' in page


def test_html_card_shows_published_comparators(cambridgeshire):
    page = (cambridgeshire.output_dir / "report.html").read_text(encoding="utf-8")
    card = page[page.index('id="kpi-1"'): page.index('id="kpi-2"')]
    text = " ".join(_text(card).split())
    assert "20.0% ↓ Lower is better 36.0% 32.3% Declining" in text
    assert "21.3% 21.5% Red" in text


def test_pdf_has_header_page_numbers_and_every_card(cambridgeshire):
    reader = PdfReader(cambridgeshire.output_dir / "report.pdf")
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 21  # title and index, then at least a page per KPI
    for number, text in enumerate(pages, start=1):
        assert "Cambridgeshire County Council · Children and Young People Committee · Quarter 3, 2023/24" in text
        assert f"Page {number} of {len(pages)}" in text
    everything = "\n".join(pages)
    for indicator in CAMBRIDGESHIRE_Q3:
        assert f"Indicator {indicator}:" in everything
    assert "Produced on: 04 March 2024" in pages[0]


@pytest.mark.parametrize("document", ["report", "paper"])
def test_no_code_parameter_or_path_reaches_a_builtin_document(cambridgeshire, project, document):
    html = (cambridgeshire.output_dir / f"{document}.html").read_text(encoding="utf-8")
    pdf = " ".join(page.extract_text() for page in PdfReader(cambridgeshire.output_dir / f"{document}.pdf").pages)
    visible = _text(html[html.index("<main"):])
    for text in (html, pdf):
        assert str(project) not in text and "staging" not in text and "/tmp/" not in text
    for text in (visible, pdf):
        for code in ("import reporting", "rp.", "papermill", "data_path", "output_dir", "committee ="):
            assert code not in text, code


def test_durham_report_uses_the_published_figures(durham):
    assert durham.quarter == "2023-24-Q2"
    kpis = pd.read_csv(durham.output_dir / "kpis.csv", dtype={"indicator_id": str}, keep_default_na=False).set_index("indicator_id")
    assert len(kpis) == 31
    referrals = kpis.loc[kpis["title"] == "Children's social care referrals per 10,000 population"].iloc[0]
    assert (float(referrals["current"]), float(referrals["previous"])) == (470.0, 479.0)
    assert (float(referrals["england_mean"]), float(referrals["regional_mean"])) == (538.0, 644.0)
    # A key tracker (no target): D, C and G are judged. G needs England's figure 12 months earlier,
    # which the published tables do not give: the 538 printed is LAIT's 2022/23 figure, so LAIT's
    # 2021/22 figure (552.8) is on the September 2022 row (data/durham-cyp/lait-england.yaml).
    assert (referrals["judgement_d"], referrals["judgement_c"]) == ("green", "green")  # 470 < 479, 470 < 538
    assert float(referrals["england_mean_year_earlier"]) == 552.8
    # 12.6% better than England now, 13.4% then: the gap is the same (within 2%); D green, G same: Amber.
    assert referrals["judgement_t"] == "not assessed" and referrals["judgement_g"] == "same"
    assert referrals["rating"] == "Amber"
    sizes = kpis.loc[kpis["title"].str.startswith("Children in need")]
    assert (sizes["judgement_g"] == "not assessed").all()  # its printed England figure is not LAIT's
    families = kpis.loc[kpis["title"].str.startswith("Families on our Stronger Families")].iloc[0]
    assert (families["judgement_t"], families["rating"]) == ("red", "Red")  # a key target: 983 against 1,230
    page = (durham.output_dir / "report.html").read_text()
    assert 'id="data-tables"' in page and "✓ Green" in page
    assert (durham.output_dir / "report.pdf").stat().st_size > 10_000


def test_failing_notebook_keeps_previous_outputs_and_points_at_the_cell(tmp_path):
    project = copy_project(tmp_path)
    good = reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin", produced="2024-03-04")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in good.output_dir.iterdir()}
    shutil.copyfile(PROJECT / "tests" / "notebooks" / "fails_in_cell_2.ipynb", project / "notebooks" / "committee_report.ipynb")
    with pytest.raises(NotebookExecutionError) as failure:
        reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin")
    message = str(failure.value)
    assert "cell 2" in message and "ZeroDivisionError" in message
    kept = project / "outputs" / "2023-24-Q3" / "_failed" / "cambridgeshire-cyp" / "report.ipynb"
    assert kept.exists() and str(kept) in message
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in good.output_dir.iterdir()}
    assert after == before
    assert [p.name for p in good.output_dir.parent.iterdir() if p.name.startswith(".")] == []


def test_invalid_data_stops_the_run_before_anything_is_written(tmp_path):
    project = copy_project(tmp_path)
    observations = project / "data" / "cambridgeshire-cyp" / "observations.csv"
    observations.write_text(observations.read_text().replace("36.0", "n/a", 1))
    with pytest.raises(DataValidationError) as failure:
        reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin")
    assert "observations.csv" in str(failure.value) and "'n/a'" in str(failure.value)
    assert not (project / "outputs").exists()


def test_cli_exit_status(tmp_path, capsys):
    from reporting.cli import main

    project = copy_project(tmp_path)
    observations = project / "data" / "durham-cyp" / "observations.csv"
    observations.write_text(observations.read_text().replace("470", "lots", 1))
    assert main(["run", "--committee", "durham-cyp", "--project", str(project), "--renderer", "builtin"]) == 1
    assert "'lots'" in capsys.readouterr().err
    # A committee with no params file is a wrong command (exit status 2), refused before anything runs.
    assert main(["run", "--committee", "nobody", "--project", str(project)]) == 2
    assert "No such committee 'nobody'" in capsys.readouterr().err


def test_same_inputs_give_byte_identical_outputs(cambridgeshire, tmp_path):
    """Issue 7: a rerun in another folder, at another time, reproduces every published byte."""
    again = reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", copy_project(tmp_path), renderer="builtin", produced="2024-03-04")
    for name in ("kpis.csv", "kpis.xlsx", "report.html", "paper.html", "summary.json", "report.pdf", "paper.pdf"):
        first = (cambridgeshire.output_dir / name).read_bytes()
        assert (again.output_dir / name).read_bytes() == first, name


def test_a_warm_kernel_kept_across_committees_gives_the_same_documents(cambridgeshire, tmp_path):
    """A pool worker keeps one kernel from committee to committee: a committee run after another in it publishes the
    same bytes as in fresh kernels, the kernel is the same process throughout, and a failed notebook retires it."""
    from reporting.publish import execute

    project = copy_project(tmp_path)
    try:
        reporting.run_committee("synthetic-demo", None, project, renderer="builtin", produced="2024-03-04", warm_kernel=True)
        first = execute.kept_kernel(project).km.provisioner.process.pid
        again = reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin",
                                        produced="2024-03-04", warm_kernel=True)
        assert execute.kept_kernel(project).km.provisioner.process.pid == first
        for name in ("kpis.csv", "report.html", "paper.html", "summary.json", "report.pdf", "paper.pdf"):
            assert (again.output_dir / name).read_bytes() == (cambridgeshire.output_dir / name).read_bytes(), name
        notebook = project / "notebooks" / "committee_report.ipynb"
        notebook.write_text(notebook.read_text().replace("import reporting as rp", "import reporting as rp\\n1 / 0", 1))
        with pytest.raises(reporting.NotebookExecutionError):
            reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", project, renderer="builtin", produced="2024-03-04",
                                    warm_kernel=True)
        assert not execute._KEPT  # retired: its state after a failed cell is unknown
    finally:
        execute.drop_kept_kernel()


def test_one_shared_kernel_gives_the_same_documents(cambridgeshire, tmp_path):
    """A pool runs the report and paper one after the other in one kernel: the documents must not change."""
    import nbformat

    again = reporting.run_committee("cambridgeshire-cyp", "2023-24-Q3", copy_project(tmp_path), renderer="builtin",
                                    produced="2024-03-04", concurrent_notebooks=False)
    for name in ("kpis.csv", "report.html", "paper.html", "summary.json", "report.pdf", "paper.pdf"):
        assert (again.output_dir / name).read_bytes() == (cambridgeshire.output_dir / name).read_bytes(), name
    paper = nbformat.read(str(again.output_dir / "paper.ipynb"), as_version=4)
    assert not any("reporting-reset" in c.metadata.get("tags", []) for c in paper.cells)
    assert [c.execution_count for c in paper.cells if c.cell_type == "code"][:2] == [1, 2]
    assert paper.metadata.papermill.input_path.endswith("covering_paper.ipynb")
