"""The Quarto path: one `quarto render` of a project holding every document of a run or batch.

Each executed notebook becomes a Markdown document (`quarto_source.py`) in its own folder of a
temporary Quarto project outside `outputs/`, beside the workbook's `_quarto.yml`, theme
(`reporting.scss`), Typst template and Lua filter. One `quarto render` then writes every
document's self-contained HTML and its Typst PDF, so Deno's start-up and the theme's Sass
compilation are paid once per batch, not once per document. Only `<stem>.html` and `<stem>.pdf`
are copied to each committee's staging folder: `*_files/`, `.quarto/`, `.typ` and the project
itself never reach a published folder.

If the project render fails, each document is rendered again on its own, so one committee's
failure names that committee and the others still publish.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from ...document import html_text, one_line
from ...document.blocks import badge_css
from ...document.icons import icon_css
from ...errors import RenderError
from .builtin import report_metadata
from .quarto_source import PAGE_TITLE, quarto_source
from .typst_compile import command_file

TEMPLATES = Path(__file__).parent / "templates" / "quarto"
QUARTO_ENV = "REPORTING_QUARTO"  # the quarto command to use, where it is not on PATH

# Quarto's HTML is self-contained (embed-resources): its own scripts and styles are inline or
# data: URIs, so the page needs no request to any server, and this policy forbids one.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' data:; style-src 'unsafe-inline' data:; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)


# The first thing a keyboard reaches: past the contents list to the report (Quarto's <main> id).
SKIP_LINK = '<a class="skip-link" href="#quarto-document-content">Skip to main content</a>'


def quarto_command() -> str | None:
    """The quarto executable: $REPORTING_QUARTO when set, else `quarto` on PATH; None when neither."""
    configured = os.environ.get(QUARTO_ENV)
    if configured:
        return configured if Path(configured).is_file() and os.access(configured, os.X_OK) else None
    return shutil.which("quarto")


def quarto_available() -> bool:
    return quarto_command() is not None


def quarto_version() -> str | None:
    """Quarto's version (e.g. 1.7.34), for the manifest; None when it cannot be run."""
    command = quarto_command()
    if command is None:
        return None
    try:
        done = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def quarto_config() -> str:
    """The project's _quarto.yml: the workbook's settings, with the page's security policy added.

    Written by a YAML dumper from the template, never by pasting text; no text from a committee's
    params reaches it (titles and headers go into each document's own escaped front matter).
    """
    config = yaml.safe_load((TEMPLATES / "_quarto.yml").read_text(encoding="utf-8"))
    html = config["format"]["html"]
    html["include-in-header"] = {"text": f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'}
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


@dataclass
class QuartoJob:
    """One document to render: the executed notebook, and the folder its HTML and PDF go to."""

    notebook: Path
    folder: Path
    stem: str = "report"
    name: str = ""  # who it belongs to, for messages (e.g. the committee)

    @property
    def outputs(self) -> list[Path]:
        return [self.folder / f"{self.stem}.html", self.folder / f"{self.stem}.pdf"]


@dataclass
class QuartoTimings:
    """Where the time of one batch render went (seconds)."""

    documents: int = 0
    prepare: float = 0.0  # writing the Markdown documents and charts
    render: float = 0.0  # quarto render: pandoc, Sass, HTML post-processing, Typst
    retries: float = 0.0  # rendering documents one by one after a failed batch


def render_quarto_many(jobs: list[QuartoJob], timings: QuartoTimings | None = None) -> list[str | None]:
    """Render every job's HTML and PDF with one `quarto render`; returns, per job, None or its error.

    A job's outputs are written into its folder only when its render succeeded.
    """
    command = quarto_command()
    if command is None:
        raise RenderError("Quarto is not installed (no `quarto` on PATH, and REPORTING_QUARTO is not set). "
                          "Use --renderer builtin, or install Quarto 1.7 or later.")
    timings = timings or QuartoTimings()
    timings.documents = len(jobs)
    errors: list[str | None] = [None] * len(jobs)
    with tempfile.TemporaryDirectory(prefix="reporting-quarto-") as workspace:
        project = Path(workspace) / "project"
        started = time.perf_counter()
        project.mkdir()
        for template in ("reporting.lua", "typst-template.typ", "typst-show.typ"):
            shutil.copyfile(TEMPLATES / template, project / template)
        # The theme, with the badges' colours (the same source as the notebook's badges) and the
        # rules that draw the SPC icons (the workbook's own SVGs as data: URIs).
        (project / "reporting.scss").write_text(
            (TEMPLATES / "reporting.scss").read_text(encoding="utf-8") + "\n" + badge_css() + icon_css(), encoding="utf-8")
        (project / "_quarto.yml").write_text(quarto_config(), encoding="utf-8")
        sources = []
        for number, job in enumerate(jobs, start=1):
            folder = project / f"document-{number:03d}"
            folder.mkdir()
            sources.append(quarto_source(job.notebook).write(folder, job.stem))
        env = {**os.environ, "QUARTO_TYPST": str(command_file(Path(workspace)))}
        timings.prepare = time.perf_counter() - started

        started = time.perf_counter()
        done = _quarto(command, ["render"], project, env)
        timings.render = time.perf_counter() - started
        if done.returncode != 0:
            # Find which documents failed: each on its own (the theme is compiled again, but only on failure).
            started = time.perf_counter()
            for number, (job, source) in enumerate(zip(jobs, sources)):
                alone = _quarto(command, ["render", str(source.relative_to(project))], project, env)
                if alone.returncode != 0:
                    errors[number] = _failure(job, alone)
            timings.retries = time.perf_counter() - started
            if not any(errors):  # failed together, rendered alone: say what Quarto said
                errors = [_failure(job, done) for job in jobs]
        for number, (job, source) in enumerate(zip(jobs, sources)):
            if errors[number] is not None:
                continue
            made = [source.with_suffix(".html"), source.with_suffix(".pdf")]
            missing = [p.name for p in made if not p.is_file()]
            if missing:
                errors[number] = f"Quarto did not write {', '.join(missing)} for the {job.stem} of {job.name or job.notebook}."
                continue
            finish_page(made[0], job.notebook)
            for path, target in zip(made, job.outputs):
                shutil.copyfile(path, target)
    return errors


def finish_page(page: Path, notebook: Path) -> None:
    """Two things Quarto cannot do safely or in the right place, done on its finished page:
    the document's title in <title> (escaped here; see quarto_source.front_matter for why it is not
    given to Quarto), and the skip link first in <body>, before Quarto's contents list (Quarto's own
    includes land inside <main>, too late to skip anything)."""
    html = page.read_text(encoding="utf-8")
    placeholder = f"<title>{PAGE_TITLE}</title>"
    body = re.search(r"<body[^>]*>", html)
    if body is None or html.count(placeholder) != 1:
        raise RenderError(f"Quarto's page {page.name} is not as expected (no <body>, or not one <title>); it cannot be published.")
    title = report_metadata(nbformat.read(str(notebook), as_version=4))["title"]
    html = html[: body.end()] + "\n" + SKIP_LINK + html[body.end():]
    page.write_text(html.replace(placeholder, f"<title>{html_text(one_line(title))}</title>"), encoding="utf-8")


def _quarto(command: str, arguments: list[str], project: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([command, *arguments], cwd=project, env=env, capture_output=True, text=True)


def _failure(job: QuartoJob, done: subprocess.CompletedProcess) -> str:
    said = (done.stderr or done.stdout or "").strip()
    return f"Quarto could not render the {job.stem} of {job.name or job.notebook}:\n{said[-3000:]}"


def render_quarto(notebook: str | Path, folder: str | Path, stem: str = "report") -> list[Path]:
    """Render one executed notebook's HTML and PDF into `folder` with Quarto."""
    job = QuartoJob(Path(notebook), Path(folder), stem)
    error = render_quarto_many([job])[0]
    if error:
        raise RenderError(error)
    return job.outputs
