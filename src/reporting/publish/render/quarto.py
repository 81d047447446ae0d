"""The Quarto path: `quarto render` of the executed notebook, without executing it again."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from ...document import latex_text
from ...errors import RenderError

QUARTO_CONFIG = Path(__file__).parent / "templates" / "quarto" / "_quarto.yml"


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def quarto_commands(notebook: Path, stem: str = "report") -> list[list[str]]:
    """The commands run for HTML and PDF; `execute: enabled: false` in _quarto.yml stops re-execution."""
    return [
        ["quarto", "render", notebook.name, "--to", "html", "--output", f"{stem}.html"],
        ["quarto", "render", notebook.name, "--to", "pdf", "--output", f"{stem}.pdf"],
    ]


# Quarto's HTML is self-contained (embed-resources): its own scripts and styles are inline or
# data: URIs, so the page needs no request to any server, and this policy forbids one.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' data:; style-src 'unsafe-inline' data:; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)


def quarto_config(running_header: str) -> str:
    """The _quarto.yml for one report, with its running header (council, committee, quarter).

    The header is escaped for LaTeX and the file written by a YAML dumper, never by pasting text,
    so no text from params can add a setting or a LaTeX command.
    """
    config = yaml.safe_load(QUARTO_CONFIG.read_text(encoding="utf-8"))
    pdf = config["format"]["pdf"]
    pdf["include-in-header"]["text"] = pdf["include-in-header"]["text"].replace("__RUNNING_HEADER__", latex_text(running_header))
    config["format"]["html"]["include-in-header"] = {
        "text": f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


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
