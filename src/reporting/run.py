"""One committee's report for one quarter: validate, execute with papermill, render, publish atomically.

Outputs are built in a hidden staging folder beside the final one and moved into
`outputs/<quarter>/<committee>/` only when everything succeeded, so a failed run leaves the
previous good outputs as they were.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import nbformat
from papermill.exceptions import PapermillExecutionError

from . import __version__
from .commentary import check_commentary, find_commentary, load_commentary
from .data import load_dataset
from .errors import CommentaryError, NotebookExecutionError, ParamsError, RenderError, ReportingError
from .publish.execute import SharedKernel, execute_notebook
from .publish.manifest import (
    OUTPUT_FILES, git_state, hash_inputs, input_files, library_versions, now_utc, relative, write_manifest,
)
from .data.input_files import in_project
from .params import check_committee_id, load_params
from .quarters import Quarter, produced_on
from .publish.atomic import in_our_words, kernel_os_error, publish, recover, staging_folder
from .publish.render import QuartoJob, choose_renderer, quarto_version, render, render_quarto_many

_PATHS = ("data_path", "params_path", "commentary_path")  # parameters written relative to the project
NOTEBOOK = Path("notebooks") / "committee_report.ipynb"
PAPER_NOTEBOOK = Path("notebooks") / "covering_paper.ipynb"
DOCUMENTS = ("report", "paper")  # the committee report and its covering paper
# OUTPUT_FILES, every file a run publishes, is defined in manifest.py, which verify also reads.


@dataclass
class RunResult:
    """What a run produced and how long each stage took (seconds)."""

    committee: str
    quarter: str
    output_dir: Path
    renderer: str
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [self.output_dir / name for name in OUTPUT_FILES]


def output_dir(root: Path, quarter: Quarter, committee: str) -> Path:
    return root / "outputs" / quarter.id / committee


def failed_dir(root: Path, quarter: Quarter, committee: str) -> Path:
    """Where a failed run's executed notebook is kept for debugging, away from published outputs."""
    return root / "outputs" / quarter.id / "_failed" / committee


def run_committee(
    committee: str,
    quarter: str | Quarter | None = None,
    root: str | Path = ".",
    renderer: str = "auto",
    produced: str | date | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = True,
) -> RunResult:
    """Produce `outputs/<quarter>/<committee>/`: the report and paper (notebook, HTML, PDF), kpis.csv,
    summary.json and manifest.json.

    Invalid data or params stop the run before anything is written. Problems with the commentary
    are returned as warnings, or, with `strict`, stop the run before anything is written.
    `concurrent_notebooks` runs the report and paper kernels at once: quicker for one committee,
    but a pool running several committees keeps it off so each job uses one core.
    """
    prepared = prepare_committee(committee, quarter, root, renderer, produced, strict, concurrent_notebooks)
    try:
        t0 = time.perf_counter()
        used = choose_renderer(renderer)
        if used == "quarto":
            errors = render_quarto_many(prepared.render_jobs())
            failed = [e for e in errors if e]
            if failed:
                raise RenderError(failed[0])
        else:
            for job in prepared.render_jobs():
                render(job.notebook, job.folder, used, stem=job.stem)
        prepared.result.timings["render"] = time.perf_counter() - t0
    except BaseException as error:
        prepared.discard()
        in_our_words(error, prepared.final, prepared.root)  # a full disk or read-only outputs folder, said plainly
        raise
    return finish_committee(prepared, used, quarto_version() if used == "quarto" else None)


@dataclass
class Prepared:
    """A committee whose notebooks have run: its staging folder, waiting to be rendered and published.

    Whoever holds it must either `finish_committee` it or `discard` it.
    """

    result: RunResult
    root: Path
    staging: Path
    manifest: dict  # the manifest's record so far (everything but the renderer and outputs)
    seconds: float  # time taken so far

    @property
    def final(self) -> Path:
        return self.result.output_dir

    def render_jobs(self) -> list[QuartoJob]:
        """The documents to render: each executed notebook, into the staging folder."""
        return [QuartoJob(self.staging / f"{d}.ipynb", self.staging, d, self.result.committee) for d in DOCUMENTS]

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def prepare_committee(
    committee: str,
    quarter: str | Quarter | None = None,
    root: str | Path = ".",
    renderer: str = "auto",
    produced: str | date | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = True,
) -> Prepared:
    """Validate the inputs and execute the report and paper notebooks into a new staging folder.

    On any failure the staging folder is removed and nothing is published.
    """
    root = Path(root).resolve()
    started = time.perf_counter()
    started_at = now_utc()
    params = load_params(root / "params" / f"{check_committee_id(committee)}.yaml")
    if quarter is None and params.default_quarter is None:
        raise ParamsError(f"{params.source}: no --quarter given and no default_quarter set.")
    q = Quarter.parse(quarter) if quarter is not None else params.default_quarter
    notebooks = {"report": params.notebook or root / NOTEBOOK, "paper": params.paper.notebook or root / PAPER_NOTEBOOK}
    for document, notebook in notebooks.items():
        if not notebook.exists():
            raise ParamsError(f"{params.source}: the {document} notebook {notebook} does not exist.")
    choose_renderer(renderer)  # an unknown renderer stops the run before anything runs
    # Validate every input before anything is written: bad data never reaches outputs/.
    load_dataset(params.dataset, root)
    commentary = find_commentary(root, params.id, q)
    load_commentary(commentary, in_project(root))
    findings = check_commentary(params.id, q, root)
    if strict and findings:
        listed = "\n".join(f"  - {f}" for f in findings)
        raise CommentaryError(f"The commentary is not ready ({len(findings)} problems); nothing was published:\n{listed}")
    day = produced_on(produced)
    inputs = hash_inputs(input_files(params, notebooks, commentary), root)  # inputs, and any outside the project

    final = output_dir(root, q, params.id)
    try:
        recover(final)  # what an earlier killed run of this committee left behind
        staging = staging_folder(final)
    except OSError as error:
        in_our_words(error, final, root)  # a full disk or read-only outputs folder, said plainly
        raise
    result = RunResult(params.id, q.id, final, renderer, warnings=[str(f) for f in findings])
    parameters = {
        "committee": params.id,
        "quarter": q.id,
        "data_path": str(params.dataset),
        "output_dir": str(staging),
        "params_path": str(params.source),
        "commentary_path": str(commentary),
        "produced_on": day.isoformat(),
    }
    try:
        t0 = time.perf_counter()
        keep_failed = failed_dir(root, q, params.id)
        if concurrent_notebooks:
            # The report and the paper in two kernels at once: each waits mostly on its own process.
            with ThreadPoolExecutor(max_workers=len(DOCUMENTS)) as pool:
                running = [
                    pool.submit(_execute, notebooks[d], staging / f"{d}.ipynb", root, parameters, keep_failed, d)
                    for d in DOCUMENTS
                ]
                for future in running:
                    future.result()
        else:
            # One after the other in one kernel, so the imports are paid once (a pool keeps each job to a core).
            with SharedKernel() as kernel:
                for d in DOCUMENTS:
                    _execute(notebooks[d], staging / f"{d}.ipynb", root, parameters, keep_failed, d, kernel)
        for document in DOCUMENTS:
            _record_metadata(staging / f"{document}.ipynb", params, q, day, document)
        result.timings["execute"] = time.perf_counter() - t0
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        in_our_words(error, final, root)  # a full disk or read-only outputs folder, said plainly
        raise
    manifest = {
        "committee": params.id,
        "quarter": q.id,
        "produced_on": day.isoformat(),
        "parameters": {**parameters, **{k: relative(Path(parameters[k]), root) for k in _PATHS}, "output_dir": relative(final, root)},
        "options": {"renderer_requested": renderer, "strict": strict},
        **inputs,
        "package": {"name": "reporting", "version": __version__, **git_state(Path(__file__).resolve().parent)},
        "project": git_state(root),
        "libraries": library_versions(),
        "started_at": started_at,
    }
    return Prepared(result, root, staging, manifest, time.perf_counter() - started)


def finish_committee(prepared: Prepared, renderer: str, quarto: str | None = None) -> RunResult:
    """Write the manifest of a rendered committee and publish its staging folder atomically.

    `renderer` is the renderer that made its HTML and PDF, and `quarto` Quarto's version when it was Quarto.
    """
    started = time.perf_counter()
    result, staging = prepared.result, prepared.staging
    result.renderer = renderer
    try:
        write_manifest(staging, {
            **prepared.manifest,
            "renderer": renderer,
            **({"renderer_version": {"quarto": quarto, "typst": _version("typst")}} if renderer == "quarto" else {}),
            "finished_at": now_utc(),
        })
        missing = [name for name in OUTPUT_FILES if not (staging / name).exists()]
        if missing:
            raise ReportingError(f"The run did not produce {', '.join(missing)}; nothing was published.")
        publish(staging, prepared.final)
    except BaseException as error:
        prepared.discard()
        in_our_words(error, prepared.final, prepared.root)  # a full disk or read-only outputs folder, said plainly
        raise
    result.timings["total"] = prepared.seconds + result.timings.get("render", 0.0) + time.perf_counter() - started
    return result


def _version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _execute(notebook: Path, executed: Path, root: Path, parameters: dict, keep_failed: Path, document: str = "report",
             kernel: SharedKernel | None = None) -> None:
    """Execute the notebook with papermill in this environment's kernel; on failure keep it and say where."""
    try:
        execute_notebook(notebook, executed, root, parameters, kernel)
    except PapermillExecutionError as error:
        written = kernel_os_error(error.ename, error.evalue, root)
        if written is not None:
            raise written from None  # the notebook could not write an output: run_committee says so plainly
        keep_failed.mkdir(parents=True, exist_ok=True)
        kept = keep_failed / executed.name
        shutil.copyfile(executed, kept)
        raise NotebookExecutionError(
            f"The {document} notebook ({notebook.name}) failed in cell {error.cell_index} (execution count {error.exec_count}): "
            f"{error.ename}: {error.evalue}\n"
            f"The executed notebook is kept for debugging at {kept}.\n"
            "Previous outputs were left untouched."
        ) from None


def _record_metadata(executed: Path, params, quarter: Quarter, day: date, document: str = "report") -> None:
    """Store the title and running header in the notebook, for whichever renderer reads it."""
    nb = nbformat.read(str(executed), as_version=4)
    title = params.title if document == "report" else params.paper.title
    nb.metadata["reporting"] = {
        "title": f"{title}: {params.committee_name}, {quarter.short_label}",
        "running_header": f"{params.council} · {params.committee_name} · {quarter.label}",
        "footer": f"{params.council}. {title}, {params.committee_name}, {quarter.label}. Produced on {day:%d %B %Y}.",
        "language": "en-GB",
        "version": __version__,
        "produced_on": day.isoformat(),
    }
    nbformat.write(nb, str(executed))
