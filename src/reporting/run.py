"""One committee's report for one quarter: validate, execute with papermill, render, publish atomically.

Outputs are built in a hidden staging folder beside the final one and moved into
`outputs/<quarter>/<committee>/` only when everything succeeded, so a failed run leaves the
previous good outputs as they were.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import nbformat
from papermill.exceptions import PapermillExecutionError

from . import __version__
from .commentary import check_commentary, find_commentary, load_commentary
from .data import load_dataset
from .errors import (
    CommentaryError, NoNewDataError, NotebookExecutionError, ParamsError, RenderError, ReportingError, UsageError,
)
from .measures.kpis import build_kpis, select_indicators, updated_indicators
from .measures.periods import latest_period_end
from .publish.execute import DOCUMENTS, Kernels, SharedKernel, adopt, execute_notebook
from .publish.kernel import stop_kernels
from .publish.manifest import (
    OUTPUT_FILES, git_state, hash_inputs, input_files, library_versions, now_utc, relative, write_manifest,
)
from .data.input_files import in_project
from .params import check_committee_id, load_params
from .quarters import Quarter, current_quarter, produced_on
from .publish.atomic import in_our_words, kernel_os_error, publish, recover, staging_folder
from .publish.render import QuartoJob, choose_renderer, quarto_command, quarto_version, render, render_quarto_many
from .publish.render.choose import RENDERERS
from .publish.render.quarto import QUARTO_ENV

_PATHS = ("data_path", "params_path", "commentary_path")  # parameters written relative to the project
NOTEBOOK = Path("notebooks") / "committee_report.ipynb"
PAPER_NOTEBOOK = Path("notebooks") / "covering_paper.ipynb"
QUARTER_CHOICES = ("latest", "current")  # besides a quarter id: worked out for each committee before a run
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
    no_new_data: bool = False  # no KPI was updated this quarter (its warning is in `warnings`)

    @property
    def files(self) -> list[Path]:
        return [self.output_dir / name for name in OUTPUT_FILES]


def output_dir(root: Path, quarter: Quarter, committee: str) -> Path:
    return root / "outputs" / quarter.id / committee


def failed_dir(root: Path, quarter: Quarter, committee: str) -> Path:
    """Where a failed run's executed notebook is kept for debugging, away from published outputs."""
    return root / "outputs" / quarter.id / "_failed" / committee


@dataclass(frozen=True)
class ResolvedQuarter:
    """The quarter a committee's run is for, and how it was chosen (for the log)."""

    quarter: Quarter
    why: str


def resolve_quarter(committee: str, requested: str | Quarter | None, root: str | Path = ".",
                    today: date | None = None) -> ResolvedQuarter:
    """The quarter to report for `committee`: a quarter id as given; `latest`, the quarter of the latest figure
    among its KPIs; `current`, the latest quarter to have ended before `today` (the produced-on date); None, its
    params' default_quarter. Reads the params (and for `latest` the data), so it fails as the run would."""
    root = Path(root).resolve()
    return quarter_for(load_params(root / "params" / f"{check_committee_id(committee)}.yaml"), requested, root, today)


def quarter_for(params, requested: str | Quarter | None, root: Path, today: date | None = None) -> ResolvedQuarter:
    """`resolve_quarter` for a committee whose params are already read."""
    if requested is None:
        if params.default_quarter is None:
            raise ParamsError(f"{relative(params.source, root)}: no --quarter given and no default_quarter set. Give --quarter "
                              "(a quarter such as 2024-25-Q2, latest or current), or set default_quarter in this file.")
        return ResolvedQuarter(params.default_quarter, f"default_quarter in {relative(params.source, root)}")
    if requested == "current":
        day = today or produced_on()
        return ResolvedQuarter(current_quarter(day), f"--quarter current: the latest quarter to end before {day:%d %B %Y}")
    if requested == "latest":
        return _latest_quarter(params, root)
    return ResolvedQuarter(Quarter.parse(requested), "--quarter")


def _latest_quarter(params, root: Path) -> ResolvedQuarter:
    """The quarter holding the latest figure for any of the committee's KPIs (empty values are not figures)."""
    dataset = load_dataset(params.dataset, root, indicators=params.indicators, committee=params.id)
    indicators = list(select_indicators(dataset.catalogue, params.id, params.indicators, relative(params.source, root))["id"])
    end = latest_period_end(dataset.observations, indicators)
    if end is None:
        raise NoNewDataError(
            f"{relative(dataset.files[1], root)} has no figures for {params.id}'s KPIs ({', '.join(indicators) or 'none listed'}), "
            "so there is no latest quarter to report. Add their figures, or give --quarter with a quarter such as 2024-25-Q2."
        )
    return ResolvedQuarter(Quarter.containing(end.date()), f"--quarter latest: its latest figure ends {end:%d %B %Y}")


def check_renderer(renderer: str) -> str:
    """The renderer a run will use; a UsageError, before anything runs, for an unknown one or for Quarto where
    it cannot be found (the message says how to install it, or to use the built-in renderer)."""
    try:
        used = choose_renderer(renderer)
    except RenderError as error:
        raise UsageError(str(error)) from None
    if used == "quarto" and quarto_command() is None:
        configured = os.environ.get(QUARTO_ENV)
        where = (f"{QUARTO_ENV} is set to {configured!r}, which is not a program that can be run"
                 if configured else f"no `quarto` on PATH, and {QUARTO_ENV} is not set")
        raise UsageError(
            f"--renderer quarto: Quarto cannot be found ({where}). Install Quarto 1.7 or later from https://quarto.org "
            f"(or with conda from conda-forge) and put it on PATH or set {QUARTO_ENV} to the quarto command, "
            "or use --renderer builtin. Nothing was run."
        )
    return used


def no_new_data_warning(updated: list[str], quarter: Quarter, dataset_path: Path, root: Path, strict: bool = False) -> str | None:
    """What to say about a quarter in which no KPI was updated (None when some were): published, the report only
    repeats earlier figures, each marked "Not updated this quarter"; with `strict` nothing is published."""
    if updated:
        return None
    found = (f"No KPI was updated in {quarter.id} ({quarter.months}): none of the committee's KPIs has a figure for "
             "a period ending in that quarter")
    data = relative(dataset_path, root)
    if strict:
        return (f"{found}. Nothing was published (--strict); earlier outputs are intact. Add the quarter's figures to "
                f"{data}, run with --quarter latest, or leave out --strict to publish the earlier figures, each marked "
                "\"Not updated this quarter\".")
    return (f"{found}, so the report repeats earlier figures, each marked \"Not updated this quarter\". Check that the "
            f"quarter's figures are in {data}, or run with --quarter latest.")


def _not_ready(stale: str | None, findings: list) -> ReportingError:
    """The --strict refusal: no new figures (NoNewDataError) and/or commentary problems (CommentaryError), both
    listed when both apply, so one run says everything to fix."""
    listed = "\n".join(f"  - {f}" for f in findings)
    if stale is None:
        return CommentaryError(f"The commentary is not ready ({len(findings)} problems); nothing was published:\n{listed}")
    if not findings:
        return NoNewDataError(stale)
    return NoNewDataError(f"{stale}\nThe commentary is not ready either ({len(findings)} problems):\n{listed}")


def run_committee(
    committee: str,
    quarter: str | Quarter | None = None,
    root: str | Path = ".",
    renderer: str = "auto",
    produced: str | date | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = True,
    warm_kernel: bool = False,
) -> RunResult:
    """Produce `outputs/<quarter>/<committee>/`: the report and paper (notebook, HTML, PDF), kpis.csv,
    summary.json and manifest.json.

    Invalid data or params stop the run before anything is written. Problems with the commentary
    are returned as warnings, or, with `strict`, stop the run before anything is written.
    `concurrent_notebooks` runs the report and paper kernels at once: quicker for one committee,
    but a pool running several committees keeps it off so each job uses one core. `warm_kernel`
    runs both in this process's kept kernel, which stays up for the next committee (a pool worker's).
    Through the built-in renderer each document is rendered as soon as its notebook has run, so the
    short paper is rendered while the report's notebook is still running.
    Kernels launched for this project before this module was imported (reporting.early) are adopted.
    """
    def render_now(document: str, staging: Path) -> None:
        with _RENDERING:  # one document rendered at a time in this process (each holds its charts in memory)
            render(staging / f"{document}.ipynb", staging, choose_renderer(renderer), stem=document)

    _kernels = adopt(root, concurrent_notebooks, warm_kernel)  # launched early (reporting.early), or None
    try:
        builtin = renderer in RENDERERS and choose_renderer(renderer) == "builtin"  # others: refused in prepare_committee
    except BaseException:
        if _kernels is not None:
            _kernels.close()
        raise
    prepared = prepare_committee(committee, quarter, root, renderer, produced, strict, concurrent_notebooks, warm_kernel,
                                 on_executed=render_now if builtin else None, _kernels=_kernels)
    try:
        t0 = time.perf_counter()
        used = choose_renderer(renderer)
        if used == "quarto":
            errors = render_quarto_many(prepared.render_jobs())
            failed = [e for e in errors if e]
            if failed:
                raise RenderError(failed[0])
        prepared.result.timings["render"] = time.perf_counter() - t0
    except BaseException as error:
        prepared.discard()
        in_our_words(error, prepared.final, prepared.root)  # a full disk or read-only outputs folder, said plainly
        raise
    return finish_committee(prepared, used, quarto_version() if used == "quarto" else None)


_RENDERING = threading.Lock()


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
    warm_kernel: bool = False,
    on_executed: Callable[[str, Path], None] | None = None,
    _kernels: Kernels | None = None,
) -> Prepared:
    """Validate the inputs and execute the report and paper notebooks into a new staging folder.

    The kernels are launched before the inputs are checked, so they boot meanwhile (or were launched before
    this module was imported: `_kernels`, from reporting.early; shut down here either way). `on_executed(document,
    staging)` is called as each document's notebook has run (the built-in renderer renders it then).
    On any failure the staging folder is removed and nothing is published.
    """
    started = time.perf_counter()
    kernels = _kernels
    try:
        root = Path(root).resolve()
        started_at = now_utc()
        params = load_params(root / "params" / f"{check_committee_id(committee)}.yaml")
        q = quarter_for(params, quarter, root, produced_on(produced)).quarter
        notebooks = {"report": params.notebook or root / NOTEBOOK, "paper": params.paper.notebook or root / PAPER_NOTEBOOK}
        for document, notebook in notebooks.items():
            if not notebook.exists():
                raise ParamsError(f"{params.source}: the {document} notebook {notebook} does not exist.")
        check_renderer(renderer)  # an unknown renderer, or Quarto where it is missing, stops the run before anything runs
        if kernels is None:
            kernels = Kernels.start(root, concurrent_notebooks, warm_kernel)
        else:
            kernels.start_others(root)  # the report's was launched first (reporting.early)
        return _validate_and_execute(params, q, notebooks, kernels, root, renderer, produced, strict, started, started_at,
                                     on_executed)
    finally:
        if kernels is not None:
            kernels.close()


def _validate_and_execute(params, q: Quarter, notebooks: dict[str, Path], kernels: Kernels, root: Path, renderer: str,
                          produced, strict: bool, started: float, started_at: str, on_executed) -> Prepared:
    # Validate every input before anything is written: bad data never reaches outputs/.
    dataset = load_dataset(params.dataset, root, indicators=params.indicators, committee=params.id)
    stale = no_new_data_warning(updated_indicators(dataset, q, params.id, params.indicators), q, params.dataset, root, strict)
    commentary = find_commentary(root, params.id, q)
    load_commentary(commentary, in_project(root))
    # The KPIs from the dataset just loaded, rather than the check loading it again.
    findings = check_commentary(params.id, q, root, build_kpis(dataset, q, params.scheme, params.id, params.indicators))
    if strict and (stale or findings):
        raise _not_ready(stale, findings)
    day = produced_on(produced)
    shared = dataset.benchmarks.files if dataset.benchmarks else ()  # benchmarks.yaml may name a table outside the dataset
    inputs = hash_inputs(input_files(params, notebooks, commentary, shared), root)  # inputs, and any outside the project

    final = output_dir(root, q, params.id)
    try:
        recover(final)  # what an earlier killed run of this committee left behind
        staging = staging_folder(final)
    except OSError as error:
        in_our_words(error, final, root)  # a full disk or read-only outputs folder, said plainly
        raise
    result = RunResult(params.id, q.id, final, renderer, warnings=[*([stale] if stale else []), *(str(f) for f in findings)],
                       no_new_data=stale is not None)
    parameters = {
        "committee": params.id,
        "quarter": q.id,
        "data_path": str(params.dataset),
        "output_dir": str(staging),
        "params_path": str(params.source),
        "commentary_path": str(commentary),
        "produced_on": day.isoformat(),
    }
    keep_failed = failed_dir(root, q, params.id)

    def run_document(document: str) -> None:
        executed = staging / f"{document}.ipynb"
        try:
            _execute(notebooks[document], executed, root, parameters, keep_failed, document, kernels.by_document[document])
        except BaseException:
            kernels.failed = True  # a kept kernel is not reused: its state is unknown
            raise
        kernels.done(document)
        _record_metadata(executed, params, q, day, document)
        if rendering is not None:
            rendering.submit(on_executed, document, staging)
        elif on_executed is not None:
            on_executed(document, staging)

    # One kernel running the documents in turn: each is rendered in the background while the next one runs.
    rendering = _Rendering() if on_executed is not None and not kernels.at_once else None
    try:
        t0 = time.perf_counter()
        if kernels.at_once:
            # The report and the paper in two kernels at once: each waits mostly on its own process.
            _execute_at_once(run_document)
        else:
            # One after the other in one kernel, so the imports are paid once (a pool keeps each job to a core).
            for document in DOCUMENTS:
                run_document(document)
            if rendering is not None:
                rendering.finish()
        result.timings["execute"] = time.perf_counter() - t0
        manifest = {
            "committee": params.id,
            "quarter": q.id,
            "produced_on": day.isoformat(),
            "parameters": {**parameters, **{k: relative(Path(parameters[k]), root) for k in _PATHS}, "output_dir": relative(final, root)},
            "options": {"renderer_requested": renderer, "strict": strict},
            **inputs,
            "package": {"name": "reporting", "version": __version__, **git_state(Path(__file__).resolve().parent)},
            "project": git_state(root),  # runs git: a stop while it does must still remove the staging folder
            "libraries": library_versions(),
            "started_at": started_at,
        }
    except BaseException as error:
        if rendering is not None:
            rendering.stop()  # nothing may write into the staging folder once it is removed
        shutil.rmtree(staging, ignore_errors=True)
        in_our_words(error, final, root)  # a full disk or read-only outputs folder, said plainly
        raise
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


class _Rendering:
    """Documents rendered one at a time in a background thread, while the kernel runs the next notebook: in a
    pool worker the report's PDF is laid out as the paper's notebook runs, so the worker's kernel is not idle."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reporting-render")
        self.running: list = []

    def submit(self, render: Callable[[str, Path], None], document: str, staging: Path) -> None:
        self.running.append(self.pool.submit(render, document, staging))

    def finish(self) -> None:
        """Wait for every rendering; the first that failed raises its error here."""
        try:
            for future in self.running:
                future.result()
        finally:
            self.pool.shutdown(wait=True)

    def stop(self) -> None:
        """Drop the renderings not yet begun and wait for the one under way (a Typst compile cannot be interrupted)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _execute_at_once(run_document: Callable[[str], None]) -> None:
    """Run every document at once (`run_document(document)`), each in its own thread and kernel.

    Stopped (SIGTERM, Ctrl-C) it returns only when every one of its threads has ended, their kernels killed:
    none may write into the staging folder after the caller has removed it.
    """
    prefix = f"reporting-notebook-{uuid.uuid4().hex[:8]}"
    pool = ThreadPoolExecutor(max_workers=len(DOCUMENTS), thread_name_prefix=prefix)
    try:
        running = [pool.submit(run_document, d) for d in DOCUMENTS]
        for future in running:
            future.result()
    except BaseException as error:
        if not isinstance(error, Exception):
            pool.shutdown(wait=False, cancel_futures=True)
            _end_threads(prefix)
        raise
    finally:
        pool.shutdown(wait=True)


def _end_threads(prefix: str) -> None:
    """Kill this process's kernels until every thread named `prefix...` has ended: a stop can land while a thread
    starts (so the pool never counts it) or before its kernel is launched (so the first kill misses it)."""
    while True:
        alive = [t for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()]
        if not alive:
            return
        stop_kernels()
        for thread in alive:
            thread.join(timeout=0.5)


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
