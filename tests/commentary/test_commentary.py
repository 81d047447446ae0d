"""Commentary notebooks: harvested by tag without running them, checked, and sanitised."""

from __future__ import annotations

import random
from html.parser import HTMLParser

import nbformat
import pytest

import reporting as rp
from reporting.cli import main
from reporting.commentary.notebook import PLACEHOLDERS
from reporting.document.markdown_html import markdown_to_html
from support import copy_project


def elements(html: str) -> list[tuple[str, list]]:
    """Every element the browser would build from this HTML, with its attributes."""
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Parser().feed(html)
    return found


def text_cell(indicator: str, field: str, text: str):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": [field, f"kpi:{indicator}"]})


def write_notebook(path, cells):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    return path


def test_harvest_finds_text_by_tag_whatever_the_cell_order(tmp_path):
    cells = [
        nbformat.v4.new_markdown_cell("# Intro, not commentary"),
        text_cell("116", "commentary", "Referrals **fell** to 37.0."),
        text_cell("116", "actions", PLACEHOLDERS["actions"]),
        text_cell("9", "actions", "- Visit schools\n- Share good practice"),
        text_cell("9", "commentary", "Unchanged at 79.8%."),
        nbformat.v4.new_code_cell("1 / 0  # never run by the harvest"),
    ]
    random.Random(3).shuffle(cells)
    table = rp.harvest_notebook(write_notebook(tmp_path / "c.ipynb", cells)).set_index("indicator_id")
    assert table.loc["116", "commentary"] == "Referrals **fell** to 37.0."
    assert table.loc["116", "actions"] == ""  # the untouched placeholder is nothing written
    assert table.loc["9", "actions"] == "- Visit schools\n- Share good practice"


def test_a_damaged_notebook_is_a_clear_error(tmp_path):
    path = tmp_path / "c.ipynb"
    path.write_text("{ not json")
    with pytest.raises(rp.DataValidationError, match="is not a readable notebook"):
        rp.harvest_notebook(path)


def test_script_in_commentary_cannot_run_in_the_published_html():
    hostile = 'Fine <script>alert("x")</script> and <img src=x onerror="alert(1)"> [link](javascript:alert(1))'
    html = markdown_to_html(rp.sanitise(hostile))
    tags = elements(html)
    assert "script" not in {name for name, _ in tags} and "img" not in {name for name, _ in tags}
    assert not [attr for _, attrs in tags for attr, _ in attrs if attr.startswith("on")]
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in html


@pytest.fixture
def crafted(tmp_path):
    """A project whose Q4 commentary notebook has each of the four problems once."""
    project = copy_project(tmp_path)
    q3 = rp.load_commentary(project / "commentary" / "cambridgeshire-cyp" / "2023-24-Q3.yaml").set_index("indicator_id")
    cells = []
    for indicator in ["1", "2", "3", "6", "7", "8", "9", "10", "11", "116", "117", "118", "128", "129", "130", "131", "132", "133", "134", "135"]:
        commentary = f"New text for indicator {indicator} this quarter."
        actions = f"New actions for indicator {indicator}."
        if indicator == "7":
            commentary = PLACEHOLDERS["commentary"]  # missing commentary
        if indicator == "1":
            actions = ""  # Red without actions
        if indicator == "118":
            commentary = q3.loc["118", "commentary"]  # carried over unchanged
        cells += [text_cell(indicator, "commentary", commentary), text_cell(indicator, "actions", actions)]
    cells.append(text_cell("999", "commentary", "Text for an indicator this committee does not have."))
    write_notebook(project / "commentary" / "cambridgeshire-cyp" / "2023-24-Q4.ipynb", cells)
    return project


def test_check_reports_each_of_the_four_problems(crafted):
    findings = rp.check_commentary("cambridgeshire-cyp", "2023-24-Q4", crafted)
    found = {(f.problem, f.indicator_id) for f in findings}
    assert found == {
        ("missing commentary", "7"),
        ("Red without actions", "1"),
        ("carried over unchanged", "118"),
        ("unknown indicator", "999"),
    }
    assert "Indicator 118" in str(next(f for f in findings if f.indicator_id == "118"))


def test_check_command_exits_non_zero_only_when_strict(crafted, capsys):
    arguments = ["commentary", "check", "--committee", "cambridgeshire-cyp", "--quarter", "2023-24-Q4", "--project", str(crafted)]
    assert main(arguments) == 0
    assert "4 problems found" in capsys.readouterr().out
    assert main(arguments + ["--strict"]) == 1


def test_strict_run_refuses_to_publish_incomplete_commentary(crafted):
    # Cambridgeshire's data ends in December 2023, and --strict also refuses a quarter without new figures:
    # a January figure for indicator 7 (unchanged, so no finding changes) leaves the commentary the only problem.
    observations = crafted / "data" / "cambridgeshire-cyp" / "observations.csv"
    observations.write_text(observations.read_text(encoding="utf-8") + "7,2024-01-31,Jan 2024,100.0,100.0,,,,\n", encoding="utf-8")
    with pytest.raises(rp.CommentaryError, match="4 problems"):
        rp.run_committee("cambridgeshire-cyp", "2023-24-Q4", crafted, renderer="builtin", strict=True)
    assert not (crafted / "outputs").exists()


def test_strict_run_names_both_a_quarter_without_new_figures_and_the_commentary(crafted):
    with pytest.raises(rp.NoNewDataError) as refused:
        rp.run_committee("cambridgeshire-cyp", "2023-24-Q4", crafted, renderer="builtin", strict=True)
    message = str(refused.value)
    assert message.startswith("No KPI was updated in 2023-24-Q4 (January to March 2024)")
    assert "Nothing was published (--strict)" in message and "The commentary is not ready either (4 problems)" in message
    assert not (crafted / "outputs").exists()
