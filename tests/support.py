"""What many tests share: the project folder, a private copy of its inputs, and git's stripping of notebooks."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

PROJECT = Path(__file__).resolve().parents[1]


def copy_project(destination: Path) -> Path:
    """A private copy of the project's inputs, so tests never touch the real outputs/."""
    for folder in ("params", "data", "notebooks", "commentary"):
        shutil.copytree(PROJECT / folder, destination / folder)
    return destination


def strip_outputs(path) -> None:
    """What nbstripout does on commit: no outputs, no execution counts."""
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, str(path))
