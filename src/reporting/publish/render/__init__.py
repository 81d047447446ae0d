"""Rendering executed notebooks to HTML and PDF: Quarto when installed, the built-in renderer otherwise."""

from .builtin import render_html, render_pdf, render_builtin
from .quarto import QuartoJob, QuartoTimings, quarto_available, quarto_command, quarto_version, render_quarto, render_quarto_many
from .choose import choose_renderer, render, render_many

__all__ = [
    "QuartoJob", "QuartoTimings", "choose_renderer", "quarto_available", "quarto_command", "quarto_version", "render",
    "render_builtin", "render_html", "render_many", "render_pdf", "render_quarto", "render_quarto_many",
]
