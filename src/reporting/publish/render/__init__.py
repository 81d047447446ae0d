"""Rendering the executed notebook to HTML and PDF: Quarto when present, the built-in renderer otherwise."""

from .builtin import render_html, render_pdf, render_builtin
from .quarto import quarto_available, render_quarto
from .choose import choose_renderer, render

__all__ = ["choose_renderer", "quarto_available", "render", "render_builtin", "render_html", "render_pdf", "render_quarto"]
