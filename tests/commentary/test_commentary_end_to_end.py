"""An analyst's quarter: create the commentary notebook, edit two cells, run the report, and find
the words in the HTML, the PDF and kpis.csv; a script typed into commentary never runs."""

from __future__ import annotations

import html
import re

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

import reporting as rp
from test_commentary import elements
from support import copy_project

pytestmark = pytest.mark.e2e

NEW_COMMENTARY = "Referrals fell to 37.0 per 10,000 in March, the **lowest** this year."
NEW_ACTIONS = "Headteachers meet in April to share inspection preparation."
HOSTILE = 'Watch this <script>document.title="owned"</script> and <img src=x onerror="alert(1)"> closely.'


def words(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("**", "").split())


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("analyst"))
    path = rp.new_commentary_notebook("cambridgeshire-cyp", "2023-24-Q4", project)
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:  # edit as an analyst would, by finding the cells under each KPI
        tags = cell.metadata.get("tags", [])
        if tags == ["commentary", "kpi:116"]:
            cell.source = NEW_COMMENTARY
        if tags == ["actions", "kpi:9"]:
            cell.source = NEW_ACTIONS
        if tags == ["commentary", "kpi:2"]:
            cell.source = HOSTILE
    nbformat.write(nb, str(path))
    result = rp.run_committee("cambridgeshire-cyp", "2023-24-Q4", project, renderer="builtin", produced="2024-06-25")
    return project, path, result


def test_new_notebook_shows_each_kpis_figures_and_last_quarters_text(quarter):
    _, path, _ = quarter
    nb = nbformat.read(str(path), as_version=4)
    figures = [c for c in nb.cells if "figures" in c.metadata.get("tags", [])]
    assert len(figures) == 20
    assert all(any("image/png" in o.get("data", {}) for o in c.outputs) for c in figures)  # executed
    q3 = rp.load_commentary(path.parent / "2023-24-Q3.yaml").set_index("indicator_id")
    carried = next(c for c in nb.cells if c.metadata.get("tags") == ["commentary", "kpi:118"])
    assert carried.source == q3.loc["118", "commentary"]
    assert carried.metadata["reporting"]["carried_over_from"] == "2023-24-Q3"


def test_analysts_text_appears_word_for_word_in_html_pdf_and_kpis_csv(quarter):
    _, _, result = quarter
    out = result.output_dir
    page = words((out / "report.html").read_text())
    pdf = words(" ".join(p.extract_text() for p in PdfReader(out / "report.pdf").pages))
    for text in (NEW_COMMENTARY, NEW_ACTIONS):
        assert words(text) in page
        assert words(text) in pdf
    assert "<strong>lowest</strong>" in (out / "report.html").read_text()
    kpis = pd.read_csv(out / "kpis.csv", dtype={"indicator_id": str}, keep_default_na=False).set_index("indicator_id")
    assert kpis.loc["116", "commentary"] == NEW_COMMENTARY
    assert kpis.loc["9", "actions"] == NEW_ACTIONS


def test_script_in_commentary_is_shown_as_text_not_run(quarter):
    _, _, result = quarter
    for name in ("report.html", "paper.html"):
        document = (result.output_dir / name).read_text()
        tags = elements(document)
        assert "script" not in {tag for tag, _ in tags}
        assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")]
    assert "Watch this" in words((result.output_dir / "report.html").read_text())


def test_run_warns_about_unchanged_carried_over_text(quarter):
    _, _, result = quarter
    assert any("carried over unchanged" in w for w in result.warnings)
    assert not any("Indicator 116 " in w and "commentary is unchanged" in w for w in result.warnings)
