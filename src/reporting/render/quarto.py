"""The Quarto path: `quarto render` of the executed notebook, without executing it again."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import RenderError

QUARTO_CONFIG = Path(__file__).parent / "templates" / "quarto" / "_quarto.yml"


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def quarto_commands(notebook: Path, stem: str = "report") -> list[list[str]]:
    """The commands run for HTML and PDF; `execute: enabled: false` in _quarto.yml stops re-execution."""
    return [
        ["quarto", "render", notebook.name, "--to", "html", "--output", f"{stem}.html"],
        ["quarto", "render", notebook.name, "--to", "pdf", "--output", f"{stem}.pdf"],
    ]


def _latex_escape(text: str) -> str:
    for char in "\\&%$#_{}~^":
        text = text.replace(char, "\\" + char)
    return text


def quarto_config(running_header: str) -> str:
    """The _quarto.yml for one report, with its running header (council, committee, quarter)."""
    return QUARTO_CONFIG.read_text(encoding="utf-8").replace("__RUNNING_HEADER__", _latex_escape(running_header))


def render_quarto(notebook: str | Path, folder: str | Path, stem: str = "report", running_header: str = "") -> list[Path]:
    """Render HTML and PDF with Quarto in the notebook's folder, using the workbook's _quarto.yml."""
    notebook, folder = Path(notebook), Path(folder)
    if not quarto_available():
        raise RenderError("Quarto is not installed (no `quarto` on PATH). Use --renderer builtin, or install Quarto.")
    config = folder / "_quarto.yml"
    config.write_text(quarto_config(running_header), encoding="utf-8")
    try:
        for command in quarto_commands(notebook, stem):
            done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
            if done.returncode != 0:
                raise RenderError(f"`{' '.join(command)}` failed:\n{done.stderr[-3000:]}")
    finally:
        config.unlink(missing_ok=True)
    return [folder / f"{stem}.html", folder / f"{stem}.pdf"]
