"""Every committee's report at once: a local process pool or a Dask cluster, with progress and a summary.

Each committee runs in its own worker process and its failure is recorded, not raised, so one
committee's broken data never stops the others. Outputs are published atomically by
`run_committee`, so a run killed at any moment leaves every committee's previous outputs whole.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .errors import ReportingError
from .publish.atomic import os_error_message

EXECUTORS = ("local", "dask")


@dataclass
class Outcome:
    """What happened to one committee: its status, time, output folder, and the error if it failed."""

    committee: str
    status: str  # "ok" or "failed"
    seconds: float
    quarter: str | None = None
    output_dir: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    peak_worker_mb: float | None = None  # the process that ran it
    peak_kernel_mb: float | None = None  # its largest notebook kernel
    renderer: str | None = None  # the renderer that made its HTML and PDF
    prepared: object = field(default=None, repr=False, compare=False)  # a Prepared, between execute and render

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def run_one(
    committee: str,
    quarter: str | None,
    root: str,
    renderer: str = "auto",
    produced: str | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = False,
) -> Outcome:
    """Run one committee in this process and say what happened; never raises for the committee's own faults."""
    from .run import run_committee

    def outcome(result) -> Outcome:
        return Outcome(committee, "ok", 0.0, result.quarter, str(result.output_dir), warnings=result.warnings)

    return _attempt(committee, quarter, root, outcome, run_committee, renderer, produced, strict, concurrent_notebooks)


def prepare_one(
    committee: str,
    quarter: str | None,
    root: str,
    renderer: str = "auto",
    produced: str | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = False,
) -> Outcome:
    """Validate and execute one committee, leaving it staged for a batch render (`Outcome.prepared`)."""
    from .run import prepare_committee

    def outcome(prepared) -> Outcome:
        staged = Outcome(committee, "ok", 0.0, prepared.result.quarter, str(prepared.final), warnings=prepared.result.warnings)
        staged.prepared = prepared
        return staged

    return _attempt(committee, quarter, root, outcome, prepare_committee, renderer, produced, strict, concurrent_notebooks)


def _attempt(committee, quarter, root, outcome, stage, renderer, produced, strict, concurrent_notebooks) -> Outcome:
    """Call `stage` (run_committee or prepare_committee) for one committee; its own faults become a failed Outcome."""
    started = time.perf_counter()
    try:
        done = stage(committee, quarter, root, renderer, produced, strict=strict, concurrent_notebooks=concurrent_notebooks)
    except ReportingError as error:
        return _finish(Outcome(committee, "failed", 0.0, quarter, error=str(error)), started)
    except OSError as error:  # a file that could not be read or written: say which, in plain words
        return _finish(Outcome(committee, "failed", 0.0, quarter, error=os_error_message(error, Path(root).resolve())), started)
    except Exception as error:  # an unexpected fault: still report it and let the others go on
        return _finish(Outcome(committee, "failed", 0.0, quarter, error=f"unexpected {type(error).__name__}: {error}"), started)
    return _finish(outcome(done), started)


def render_and_publish(outcomes: list[Outcome], renderer: str, on_done=None, total: int | None = None,
                       timings=None) -> list[Outcome]:
    """Render every staged committee's documents in one Quarto process, then publish each that rendered.

    A committee whose render failed is discarded (its earlier outputs stay) and reported failed;
    the others publish. Committees that failed earlier pass through as they are.
    """
    from .publish.render import quarto_version, render_many
    from .run import finish_committee

    from .publish.atomic import adopt

    staged = [o for o in outcomes if o.ok and o.prepared is not None]
    for outcome in staged:  # the workers that staged them have exited: this process owns them now
        outcome.prepared.staging = adopt(outcome.prepared.staging, outcome.prepared.final)
    jobs = [job for o in staged for job in o.prepared.render_jobs()]
    started = time.perf_counter()
    used, errors = render_many(jobs, renderer, timings) if jobs else (renderer, [])
    render_seconds = time.perf_counter() - started
    version = quarto_version() if used == "quarto" and jobs else None
    per_committee: dict[str, list[str]] = {}
    for job, error in zip(jobs, errors):
        if error:
            per_committee.setdefault(job.name, []).append(error)
    done = 0
    for outcome in outcomes:
        prepared = outcome.prepared
        outcome.prepared = None
        if prepared is not None and outcome.ok:
            share = render_seconds * len(prepared.render_jobs()) / max(1, len(jobs))  # its share of the batch render
            outcome.seconds += share
            prepared.result.timings["render"] = share
            failures = per_committee.get(outcome.committee)
            if failures:
                prepared.discard()
                outcome.status, outcome.output_dir = "failed", None
                outcome.error = "\n".join(failures) + "\nNothing was published; earlier outputs are intact."
            else:
                try:
                    finish_committee(prepared, used, version)
                    outcome.renderer = used
                except ReportingError as error:
                    outcome.status, outcome.output_dir, outcome.error = "failed", None, str(error)
                except OSError as error:
                    outcome.status, outcome.output_dir = "failed", None
                    outcome.error = os_error_message(error, prepared.root)
        done += 1
        if on_done:
            on_done(outcome, done, total or len(outcomes))
    return outcomes


def _finish(outcome: Outcome, started: float) -> Outcome:
    outcome.seconds = time.perf_counter() - started
    outcome.peak_worker_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outcome.peak_kernel_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 or None
    return outcome


def default_jobs() -> int:
    """One job per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _raise_system_exit(signum, frame):
    raise SystemExit(128 + signum)


def stop_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so staging folders are removed and kernels shut down on the way out."""
    signal.signal(signal.SIGTERM, _raise_system_exit)


def _worker_init() -> None:
    """Each pool worker stops cleanly on SIGTERM, and gets SIGTERM if the parent run is killed (Linux)."""
    stop_cleanly_on_sigterm()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops the workers
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_many(
    committees: list[str],
    quarter: str | None = None,
    root: str | Path = ".",
    renderer: str = "auto",
    produced: str | None = None,
    strict: bool = False,
    jobs: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    on_done: Callable[[Outcome, int, int], None] | None = None,
    quarto_timings=None,
) -> list[Outcome]:
    """Run each committee, `jobs` at a time, and return their outcomes in the order given.

    Through Quarto, several committees' notebooks run first and one Quarto process renders every
    document; `quarto_timings` (a QuartoTimings) then records where that render's time went.

    `executor="local"` uses a process pool on this machine; `"dask"` submits each committee to the
    Dask scheduler at `scheduler` (or, without one, a LocalCluster of `jobs` workers).
    `on_done(outcome, finished, total)` is called as each committee finishes, for progress.
    """
    if executor not in EXECUTORS:
        raise ReportingError(f"Unknown executor {executor!r}: choose one of {', '.join(EXECUTORS)}.")
    jobs = max(1, jobs or default_jobs())
    root = str(Path(root).resolve())
    # A committee alone gets its spare core for the paper's kernel; in a pool each job keeps to one.
    arguments = dict(quarter=quarter, root=root, renderer=renderer, produced=produced, strict=strict,
                     concurrent_notebooks=len(committees) == 1 and jobs > 1)
    # Through Quarto, every committee's notebooks run first and one Quarto process renders them all.
    from .publish.render import choose_renderer

    batch_render = len(committees) > 1 and choose_renderer(renderer) == "quarto"
    task, report = (prepare_one, None) if batch_render else (run_one, on_done)
    try:
        if executor == "dask":
            finished = _run_dask(committees, arguments, jobs, scheduler, report, task)
        elif jobs == 1 or len(committees) == 1:
            finished = _run_here(committees, arguments, report, task)
        else:
            finished = _run_pool(committees, arguments, jobs, report, task)
        outcomes = [finished[c] for c in committees]
        if batch_render:
            render_and_publish(outcomes, "quarto", on_done, len(committees), quarto_timings)
    except BaseException:
        for outcome in locals().get("finished", {}).values():  # stopped between execute and publish
            if outcome.prepared is not None:
                outcome.prepared.discard()
        raise
    return outcomes


def _report(on_done, outcome: Outcome, finished: dict, total: int) -> None:
    finished[outcome.committee] = outcome
    if on_done:
        on_done(outcome, len(finished), total)


def _run_here(committees: list[str], arguments: dict, on_done, task=run_one) -> dict[str, Outcome]:
    finished: dict[str, Outcome] = {}
    for committee in committees:
        _report(on_done, task(committee, **arguments), finished, len(committees))
    return finished


def _run_pool(committees: list[str], arguments: dict, jobs: int, on_done, task=run_one) -> dict[str, Outcome]:
    """A pool of `jobs` fresh processes (spawned, so no state leaks between committees' parents)."""
    finished: dict[str, Outcome] = {}
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(committees)), mp_context=context, initializer=_worker_init)
    try:
        pending = {pool.submit(task, c, **arguments): c for c in committees}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                committee = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as error:  # the worker process itself died (killed, out of memory)
                    outcome = Outcome(committee, "failed", 0.0, arguments["quarter"],
                                      error=f"its worker process stopped unexpectedly ({type(error).__name__}: {error})")
                _report(on_done, outcome, finished, len(committees))
    except BaseException:
        # Stopped (Ctrl-C, SIGTERM): ask each worker to stop; each removes its staging folder.
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return finished


def _run_dask(committees: list[str], arguments: dict, jobs: int, scheduler: str | None, on_done,
              task=run_one) -> dict[str, Outcome]:
    """Each committee as one Dask task; the workers must see the project folder at the same path."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ReportingError("The Dask executor needs the 'distributed' package: pip install 'reporting[dask]'.") from None
    finished: dict[str, Outcome] = {}
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=min(jobs, len(committees)), threads_per_worker=1, processes=True,
                               dashboard_address=None)
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            futures = {
                client.submit(task, committee, **arguments, key=f"report-{committee}-{arguments['quarter'] or 'default'}",
                              pure=False): committee
                for committee in committees
            }
            for future in as_completed(futures):
                committee = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # the task was lost (worker died, cluster gone)
                    outcome = Outcome(committee, "failed", 0.0, arguments["quarter"],
                                      error=f"the Dask task failed ({type(error).__name__}: {error})")
                _report(on_done, outcome, finished, len(committees))
    finally:
        if cluster is not None:
            cluster.close()
    return finished


def summary_table(outcomes: Iterable[Outcome]) -> str:
    """A plain-text table: each committee's status, time and output folder (or the error's first line)."""
    rows = [
        {
            "committee": o.committee,
            "quarter": o.quarter or "",
            "status": "ok" if o.ok else "FAILED",
            "time": f"{o.seconds:.1f}s",
            "output folder or error": o.output_dir if o.ok else (o.error or "").splitlines()[0][:100],
        }
        for o in outcomes
    ]
    table = pd.DataFrame(rows)
    widths = {c: max([len(c), *(len(str(v)) for v in table[c])]) for c in table.columns}
    return table.to_string(index=False, justify="left", formatters={c: (lambda v, w=w: str(v).ljust(w)) for c, w in widths.items()})


def outcome_record(outcome: Outcome) -> dict:
    record = asdict(outcome)
    record.pop("prepared", None)
    return record


def progress_printer(total: int, stream=None) -> tuple[Callable[[Outcome, int, int], None], Callable[[], None]]:
    """A progress bar on a terminal, plain log lines otherwise (cron, CI); returns (on_done, close)."""
    stream = stream or sys.stderr
    bar = None
    if stream.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="committee", file=stream, dynamic_ncols=True)

    def on_done(outcome: Outcome, finished: int, total: int) -> None:
        status = "ok" if outcome.ok else "FAILED"
        where = outcome.output_dir if outcome.ok else (outcome.error or "").splitlines()[0]
        line = f"[{finished}/{total}] {status} {outcome.committee} in {outcome.seconds:.1f}s: {where}"
        if bar is not None:
            bar.write(line, file=stream)
            bar.update(1)
        else:
            print(line, file=stream, flush=True)

    def close() -> None:
        if bar is not None:
            bar.close()

    return on_done, close
