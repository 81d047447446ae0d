"""A committed commentary notebook (outputs stripped by git) gets its figures back without its text
changing, and `verify` sees the same inputs whether the notebook carries its figures or not."""

from __future__ import annotations

import nbformat
import pytest

from reporting.cli import main
from reporting.commentary import harvest_notebook
from support import copy_project, strip_outputs

pytestmark = pytest.mark.e2e

COMMITTEE, QUARTER = "synthetic-demo", "2024-25-Q3"




def outputs(path) -> int:
    return sum(len(c.get("outputs", [])) for c in nbformat.read(str(path), as_version=4).cells)


def test_refresh_brings_figures_back_and_verify_ignores_stripping(tmp_path, capsys):
    project = copy_project(tmp_path)
    assert main(["commentary", "new", "--committee", COMMITTEE, "--quarter", QUARTER, "--project", str(project)]) == 0
    path = project / "commentary" / COMMITTEE / f"{QUARTER}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if "commentary" in c.metadata.get("tags", []))
    cell.source = "Written by the analyst: **referrals fell**."
    nbformat.write(nb, str(path))
    text = harvest_notebook(path)
    charts = outputs(path)
    assert charts > 0

    strip_outputs(path)
    assert outputs(path) == 0
    assert main(["commentary", "refresh", "--committee", COMMITTEE, "--quarter", QUARTER, "--project", str(project)]) == 0
    assert outputs(path) == charts
    assert harvest_notebook(path).equals(text)
    assert "Refreshed" in capsys.readouterr().out

    assert main(["run", "--committee", COMMITTEE, "--quarter", QUARTER, "--project", str(project),
                 "--renderer", "builtin", "--produced-on", "2025-01-15"]) == 0
    folder = project / "outputs" / QUARTER / COMMITTEE
    strip_outputs(path)  # committed: git's filter strips the figures again
    capsys.readouterr()
    assert main(["verify", str(folder)]) == 0, capsys.readouterr().out
    nb = nbformat.read(str(path), as_version=4)
    next(c for c in nb.cells if "commentary" in c.metadata.get("tags", [])).source = "Changed after publication."
    nbformat.write(nb, str(path))
    assert main(["verify", str(folder)]) == 3  # the text did change: a rerun would differ


def test_refresh_without_a_notebook_says_how_to_create_one(tmp_path, capsys):
    project = copy_project(tmp_path)
    assert main(["commentary", "refresh", "--committee", COMMITTEE, "--quarter", QUARTER, "--project", str(project)]) == 1
    assert "reporting commentary new" in capsys.readouterr().err
