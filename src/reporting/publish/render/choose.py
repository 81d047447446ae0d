"""Choosing a renderer: quarto, builtin, or auto (Quarto when it is installed)."""

from __future__ import annotations

from pathlib import Path

from ...errors import RenderError
from .builtin import render_builtin
from .quarto import QuartoJob, QuartoTimings, quarto_available, render_quarto_many

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
        job = QuartoJob(Path(notebook), Path(folder), stem)
        error = render_quarto_many([job])[0]
        if error:
            raise RenderError(error)
        return used, job.outputs
    return used, render_builtin(notebook, folder, stem)


def render_many(jobs: list[QuartoJob], renderer: str = "auto", timings: QuartoTimings | None = None) -> tuple[str, list[str | None]]:
    """Render several documents (a committee's report and paper, or a whole batch's); returns the
    renderer used and, per document, None or the error that stopped it.

    Quarto renders them all in one process; the built-in renderer one after another.
    """
    used = choose_renderer(renderer)
    if used == "quarto":
        return used, render_quarto_many(jobs, timings)
    errors: list[str | None] = []
    for job in jobs:
        try:
            render_builtin(job.notebook, job.folder, job.stem)
            errors.append(None)
        except RenderError as error:
            errors.append(str(error))
    return used, errors
