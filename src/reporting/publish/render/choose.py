"""Choosing a renderer: quarto, builtin, or auto (Quarto when it is on PATH)."""

from __future__ import annotations

from pathlib import Path

from ...errors import RenderError
from .builtin import render_builtin
from .quarto import quarto_available, render_quarto

RENDERERS = ("auto", "builtin", "quarto")


def choose_renderer(requested: str = "auto") -> str:
    """The renderer that will actually be used for a request."""
    if requested not in RENDERERS:
        raise RenderError(f"Unknown renderer {requested!r}; choose one of {', '.join(RENDERERS)}.")
    if requested == "auto":
        return "quarto" if quarto_available() else "builtin"
    return requested


def render(notebook: str | Path, folder: str | Path, renderer: str = "auto", stem: str = "report") -> tuple[str, list[Path]]:
    """Render the executed notebook to HTML and PDF in `folder`; returns the renderer used and the files."""
    used = choose_renderer(renderer)
    if used == "quarto":
        import nbformat

        from .builtin import report_metadata

        header = report_metadata(nbformat.read(str(notebook), as_version=4))["running_header"]
        files = render_quarto(notebook, folder, stem, header)
    else:
        files = render_builtin(notebook, folder, stem)
    return used, files
