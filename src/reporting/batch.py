"""Every committee's report at once: a local process pool or a Dask cluster, with progress and a summary.

Before anything runs, the command is checked and each committee's quarter worked out (`plan_run`:
a quarter id, `latest`, `current` or its default_quarter). Each committee runs in its own worker
process and its failure is recorded, not raised, so one committee's broken data never stops the
others. Outputs are published atomically by `run_committee`, so a run killed at any moment leaves
every committee's previous outputs whole; SIGTERM or Ctrl-C raise `Stopped`, which every stage
cleans up after, and no worker or kernel outlives the run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .errors import DateError, NoNewDataError, ReportingError, UsageError
from .logs import LOG, quiet_libraries
from .params import committee_ids
from .publish.atomic import clear_after_stop, os_error_message
from .quarters import produced_on

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
    no_new_data: bool = False  # no KPI was updated in its quarter (a warning; with --strict, the reason it failed)
    quarter_choice: str | None = None  # what was asked for: a quarter id, latest, current, or None (default_quarter)
    prepared: object = field(default=None, repr=False, compare=False)  # a Prepared, between execute and render

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Stopped(SystemExit):
    """The run was asked to stop: SIGTERM, or SIGINT (Ctrl-C). A SystemExit, so no committee's error handling
    takes it for a fault of that committee and carries on, while every stage's clean-up still runs on the way
    out; left uncaught, the process exits with 128 + the signal's number (143 for SIGTERM, 130 for SIGINT)."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signum = signum

    def __reduce__(self):  # a worker's Stopped reaches the parent through a pipe
        return type(self), (self.signum,)


def run_one(
    committee: str,
    quarter: str | None,
    root: str,
    renderer: str = "auto",
    produced: str | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = False,
    warm_kernel: bool = False,
) -> Outcome:
    """Run one committee in this process and say what happened; never raises for the committee's own faults."""
    from .run import run_committee

    def outcome(result) -> Outcome:
        return Outcome(committee, "ok", 0.0, result.quarter, str(result.output_dir), warnings=result.warnings,
                       no_new_data=result.no_new_data)

    return _attempt(committee, quarter, root, outcome, run_committee, renderer, produced, strict, concurrent_notebooks,
                    warm_kernel)


def prepare_one(
    committee: str,
    quarter: str | None,
    root: str,
    renderer: str = "auto",
    produced: str | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = False,
    warm_kernel: bool = False,
) -> Outcome:
    """Validate and execute one committee, leaving it staged for a batch render (`Outcome.prepared`)."""
    from .run import prepare_committee

    def outcome(prepared) -> Outcome:
        staged = Outcome(committee, "ok", 0.0, prepared.result.quarter, str(prepared.final), warnings=prepared.result.warnings,
                         no_new_data=prepared.result.no_new_data)
        staged.prepared = prepared
        return staged

    return _attempt(committee, quarter, root, outcome, prepare_committee, renderer, produced, strict, concurrent_notebooks,
                    warm_kernel)


def _attempt(committee, quarter, root, outcome, stage, renderer, produced, strict, concurrent_notebooks,
             warm_kernel=False) -> Outcome:
    """Call `stage` (run_committee or prepare_committee) for one committee; its own faults become a failed Outcome."""
    started = time.perf_counter()
    try:
        done = stage(committee, quarter, root, renderer, produced, strict=strict, concurrent_notebooks=concurrent_notebooks,
                     warm_kernel=warm_kernel)
    except ReportingError as error:
        failed = Outcome(committee, "failed", 0.0, quarter, error=str(error), no_new_data=isinstance(error, NoNewDataError))
        return _finish(failed, started)
    except OSError as error:  # a file that could not be read or written: say which, in plain words
        return _finish(Outcome(committee, "failed", 0.0, quarter, error=os_error_message(error, Path(root).resolve())), started)
    except Exception as error:  # an unexpected fault: still report it and let the others go on
        return _finish(Outcome(committee, "failed", 0.0, quarter, error=f"unexpected {type(error).__name__}: {error}"), started)
    return _finish(outcome(done), started)


def render_and_publish(outcomes: list[Outcome], renderer: str, on_done=None, total: int | None = None,
                       timings=None, done: int = 0) -> list[Outcome]:
    """Render every staged committee's documents in one Quarto process, then publish each that rendered.

    A committee whose render failed is discarded (its earlier outputs stay) and reported failed;
    the others publish. Committees that failed earlier pass through as they are. `done` is how many
    committees were already reported to `on_done` (those that failed before anything ran).
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


_stopping: list[int] = []  # the signal that stopped this process, once one has


def _stop(signum, frame):
    """Raise Stopped for the first stop signal; ignore a second while the first one's clean-up runs. Kernels
    busy with a cell would keep a graceful shutdown waiting, so they are killed first."""
    if _stopping:
        return
    _stopping.append(signum)
    quiet_libraries()
    from .publish.kernel import stop_kernels

    stop_kernels()
    raise Stopped(signum)


@contextmanager
def stop_on_signals():
    """Inside the block, SIGTERM and SIGINT (Ctrl-C) raise Stopped in this process, so each stage removes its
    staging folder and shuts its kernels down on the way out. The previous handlers come back afterwards."""
    _stopping.clear()
    previous = {signum: signal.signal(signum, _stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _worker_init() -> None:
    """Each pool worker stops cleanly on SIGTERM, and gets SIGTERM if the parent run is killed (Linux)."""
    _stopping.clear()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops the workers
    from .logs import start_logging

    start_logging(sys.stderr)  # a library's warning in a worker is timestamped like the rest of the log
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _in_worker(task, committee: str, **arguments) -> Outcome:
    """Run one committee's task in a pool worker. Once stopped, the worker leaves the pool as soon as the task
    has cleaned up: a pool worker otherwise waits for more work, and outlives a parent that was killed outright."""
    if _stopping:
        os._exit(128 + _stopping[0])
    try:
        return task(committee, **arguments)
    except Stopped as stop:
        logging.shutdown()
        os._exit(stop.code)


@dataclass
class Plan:
    """What a run will do, worked out before anything runs: each committee's quarter (a quarter id), and the
    committees that failed already (their params or data could not say which quarter)."""

    quarters: dict[str, str]
    failed: dict[str, Outcome]


def plan_run(committees: list[str], quarter: str | None, root: str | Path, renderer: str = "auto",
             produced: str | None = None) -> Plan:
    """Check the command and resolve each committee's quarter (`latest`, `current`, default_quarter) before
    anything runs. Raises UsageError for an unknown committee or renderer, Quarto where it cannot be found, or
    a date that is not a date; a committee whose params or data fail is recorded as failed, and the others go on.
    """
    from .run import check_renderer, resolve_quarter

    root = Path(root).resolve()
    check_renderer(renderer)
    check_committees(committees, root)
    try:
        today = produced_on(produced)
    except DateError as error:
        raise UsageError(str(error)) from None
    plan = Plan({}, {})
    for committee in committees:
        started = time.perf_counter()
        try:
            resolved = resolve_quarter(committee, quarter, root, today)
        except (ReportingError, OSError) as error:
            message = os_error_message(error, root) if isinstance(error, OSError) else str(error)
            failed = Outcome(committee, "failed", 0.0, quarter or "default_quarter", error=message, quarter_choice=quarter,
                             no_new_data=isinstance(error, NoNewDataError))
            plan.failed[committee] = _finish(failed, started)
            continue
        plan.quarters[committee] = resolved.quarter.id
        LOG.info(f"{committee}: quarter {resolved.quarter.id} ({resolved.why})")
    return plan


def check_committees(committees: list[str], root: Path) -> None:
    """A UsageError naming each committee that has no params file, and the committees there are."""
    unknown = [c for c in committees if not (root / "params" / f"{c}.yaml").is_file()]
    if unknown:
        known = committee_ids(root / "params")
        names = ", ".join(repr(c) for c in unknown)
        raise UsageError(
            f"No such committee {names}: a committee is a params file, params/<committee>.yaml, in {root}. "
            + (f"The committees there are: {', '.join(known)}." if known else "There are none there yet.")
        )


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
    plan: Plan | None = None,
) -> list[Outcome]:
    """Run each committee, `jobs` at a time, and return their outcomes in the order given.

    `quarter` is a quarter id, `latest`, `current`, or None (each committee's default_quarter); each committee's
    quarter is worked out first (`plan`, or `plan_run`, which raises UsageError for a wrong command).
    Stopped (SIGTERM, Ctrl-C), it removes any staging folder the unfinished committees left before re-raising.
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
    plan = plan or plan_run(committees, quarter, root, renderer, produced)
    total, finished = len(committees), {}
    for outcome in plan.failed.values():
        _report(on_done, outcome, finished, total)
    todo = plan.quarters
    # A committee alone gets its spare core for the paper's kernel; in a pool each job keeps to one, and
    # keeps its kernel warm from one committee to the next (its start and imports paid once per worker).
    arguments = dict(root=root, renderer=renderer, produced=produced, strict=strict,
                     concurrent_notebooks=len(todo) == 1 and jobs > 1, warm_kernel=len(todo) > 1)
    # Through Quarto, every committee's notebooks run first and one Quarto process renders them all.
    from .publish.render import choose_renderer

    batch_render = len(todo) > 1 and choose_renderer(renderer) == "quarto"
    task, report = (prepare_one, None) if batch_render else (run_one, on_done)
    try:
        if not todo:
            pass
        elif executor == "dask":
            _run_dask(todo, arguments, jobs, scheduler, report, task, finished, total)
        elif jobs == 1 or len(todo) == 1:
            _run_here(todo, arguments, report, task, finished, total)
        else:
            _run_pool(todo, arguments, jobs, report, task, finished, total)
        if batch_render:
            render_and_publish([finished[c] for c in todo], "quarto", on_done, total, quarto_timings, done=len(plan.failed))
    except BaseException as error:
        for outcome in finished.values():  # stopped between execute and publish
            if outcome.prepared is not None:
                outcome.prepared.discard()
        if not isinstance(error, Exception):  # stopped: every stage tidies up, but a worker killed outright cannot
            unfinished = [c for c in todo if c not in finished or finished[c].prepared is not None]
            clear_stopped(unfinished, todo, root)
        raise
    for committee in todo:
        finished[committee].quarter_choice = quarter
    return [finished[c] for c in committees]


def clear_stopped(committees: list[str], quarters: dict[str, str], root: str | Path) -> list[Path]:
    """After a stop: remove any staging folder the stopped committees left in outputs/ (a worker killed outright
    leaves one), so nothing but whole published folders remains. Returns the folders removed."""
    from .run import output_dir
    from .quarters import Quarter

    root = Path(root).resolve()
    removed: list[Path] = []
    for committee in committees:
        if committee in quarters:
            removed += clear_after_stop(output_dir(root, Quarter.parse(quarters[committee]), committee))
    return removed


def published_since(committee: str, quarter: str | None, root: str | Path, since: str) -> bool:
    """True when the committee's output folder for `quarter` was published by a run started at or after `since`
    (an ISO time, as manifests record it): a worker can finish publishing just before a stop reaches its parent."""
    from .publish.manifest import read_manifest
    from .quarters import Quarter
    from .run import output_dir

    if not quarter:
        return False
    try:
        started = read_manifest(output_dir(Path(root).resolve(), Quarter.parse(quarter), committee)).get("started_at")
    except (ReportingError, OSError):
        return False
    return isinstance(started, str) and started >= since


def _report(on_done, outcome: Outcome, finished: dict, total: int) -> None:
    finished[outcome.committee] = outcome
    if on_done:
        on_done(outcome, len(finished), total)


def _run_here(todo: dict[str, str], arguments: dict, on_done, task, finished: dict, total: int) -> None:
    """Each committee in turn, in this process (the warm kernel is shut down at the end)."""
    from .publish.execute import drop_kept_kernel

    try:
        for committee, quarter in todo.items():
            _report(on_done, task(committee, quarter=quarter, **arguments), finished, total)
    finally:
        drop_kept_kernel()


def _run_pool(todo: dict[str, str], arguments: dict, jobs: int, on_done, task, finished: dict, total: int) -> None:
    """A pool of `jobs` fresh processes (spawned, so no state leaks between committees' parents)."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context, initializer=_worker_init)
    try:
        pending = {pool.submit(_in_worker, task, c, quarter=q, **arguments): c for c, q in todo.items()}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                committee = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as error:  # the worker process itself died (killed, out of memory)
                    outcome = Outcome(committee, "failed", 0.0, todo[committee],
                                      error=f"its worker process stopped unexpectedly ({type(error).__name__}: {error})")
                _report(on_done, outcome, finished, total)
    except BaseException:
        # Stopped (Ctrl-C, SIGTERM): ask each worker to stop; each removes its staging folder and kernels,
        # and starts no other committee.
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _run_dask(todo: dict[str, str], arguments: dict, jobs: int, scheduler: str | None, on_done, task,
              finished: dict, total: int) -> None:
    """Each committee as one Dask task; the workers must see the project folder at the same path."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ReportingError("The Dask executor needs the 'distributed' package: pip install 'reporting[dask]'.") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=min(jobs, len(todo)), threads_per_worker=1, processes=True,
                               dashboard_address=None)
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            futures = {
                client.submit(task, committee, quarter=quarter, **arguments, key=f"report-{committee}-{quarter}",
                              pure=False): committee
                for committee, quarter in todo.items()
            }
            for future in as_completed(futures):
                committee = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # the task was lost (worker died, cluster gone)
                    outcome = Outcome(committee, "failed", 0.0, todo[committee],
                                      error=f"the Dask task failed ({type(error).__name__}: {error})")
                _report(on_done, outcome, finished, total)
    finally:
        if cluster is not None:
            cluster.close()


def summary_table(outcomes: Iterable[Outcome]) -> str:
    """A plain-text table: each committee's quarter, status, time, warnings and output folder (or the error's first line)."""
    rows = [
        {
            "committee": o.committee,
            "quarter": o.quarter or "",
            "status": "ok" if o.ok else "FAILED",
            "time": f"{o.seconds:.1f}s",
            "warnings": warning_labels(o),
            "output folder or error": o.output_dir if o.ok else (o.error or "").splitlines()[0][:100],
        }
        for o in outcomes
    ]
    table = pd.DataFrame(rows)
    widths = {c: max([len(c), *(len(str(v)) for v in table[c])]) for c in table.columns}
    return table.to_string(index=False, justify="left", formatters={c: (lambda v, w=w: str(v).ljust(w)) for c, w in widths.items()})


def warning_labels(outcome: Outcome) -> str:
    """A committee's warnings in a few words for the summary table: "no new data", "2 commentary"."""
    labels = ["no new data"] if outcome.no_new_data else []
    commentary = len(outcome.warnings) - (1 if outcome.no_new_data and outcome.ok else 0)
    if commentary > 0:
        labels.append(f"{commentary} commentary")
    return ", ".join(labels)


def outcome_record(outcome: Outcome) -> dict:
    record = asdict(outcome)
    record.pop("prepared", None)
    return record


def progress_printer(total: int, stream=None) -> tuple[Callable[[Outcome, int, int], None], Callable[[], None]]:
    """Log a line as each committee finishes (INFO, or ERROR when it failed) and, on a terminal, keep a progress
    bar below the lines; returns (on_done, close)."""
    stream = stream or sys.stderr
    bar = None
    if stream.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="committee", file=stream, dynamic_ncols=True)

    def on_done(outcome: Outcome, finished: int, total: int) -> None:
        LOG.log(logging.INFO if outcome.ok else logging.ERROR, progress_line(outcome, finished, total))
        if bar is not None:
            bar.update(1)

    def close() -> None:
        if bar is not None:
            bar.close()

    return on_done, close


def progress_line(outcome: Outcome, finished: int, total: int) -> str:
    """e.g. `[2/3] FAILED durham-cyp 2023-24-Q2 in 0.4s: The data has 1 problem; nothing was published:`."""
    status = "ok" if outcome.ok else "FAILED"
    where = outcome.output_dir if outcome.ok else (outcome.error or "").splitlines()[0]
    quarter = f" {outcome.quarter}" if outcome.quarter else ""
    return f"[{finished}/{total}] {status} {outcome.committee}{quarter} in {outcome.seconds:.1f}s: {where}"
