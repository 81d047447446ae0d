"""Executing a notebook with papermill in this project's own kernel.

Launching kernels needs only jupyter_client: papermill and nbformat are imported when a notebook is
executed, so a run launches its kernels before this process imports them (reporting.early).
"""

from __future__ import annotations

import asyncio
import atexit
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .kernel import ProjectKernelManager

DOCUMENTS = ("report", "paper")  # a committee's notebooks: the report and its covering paper
RESET_TAG = "reporting-reset"  # the cell that clears a shared kernel between notebooks; removed afterwards
HISTORY = "--HistoryManager.hist_file=:memory:"  # as nbclient starts a kernel: no history file written


def execute_notebook(notebook: Path, executed: Path, root: Path, parameters: dict, kernel: "SharedKernel | None" = None) -> None:
    """Run `notebook` with `parameters` injected, from the project folder, saving it as `executed`.

    With `kernel`, the notebook runs in that already-warm kernel instead of a new one.
    Raises papermill's PapermillExecutionError when a cell fails (the executed notebook is saved).
    Safe to call from a worker thread: the event loop it leaves there is closed.
    """
    import papermill

    on_main_thread = threading.current_thread() is threading.main_thread()
    sigterm = signal.getsignal(signal.SIGTERM) if on_main_thread else None
    source = kernel.prepare(notebook) if kernel else str(notebook)
    try:
        papermill.execute_notebook(
            source,
            str(executed),
            parameters=parameters,
            # The kernel starts in the project folder. Not papermill's cwd=, which changes this whole
            # process's working folder while the notebook runs: two notebooks run at once from
            # threads would each restore the other's folder and leave the process in the wrong one.
            resources={"metadata": {"path": str(root)}},
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
            **({"km": kernel.km} if kernel else {"kernel_manager_class": ProjectKernelManager}),
        )
    finally:
        if kernel:
            kernel.used = True
            kernel.km.close_clients()
            _tidy_executed(executed, notebook)
        if on_main_thread and callable(sigterm):
            signal.signal(signal.SIGTERM, sigterm)  # nbclient swaps its own handler in, then leaves the default
        _close_thread_loop()


class SharedKernel:
    """One kernel for several notebooks in turn: its start (about a second) and imports are paid once.

    Before each notebook after the first, a cell clears every variable the previous one left, so
    a notebook sees only its own parameters, as in a fresh kernel; imported modules stay loaded.
    `start` launches it without waiting, so it boots while the caller checks the inputs.
    """

    def __init__(self) -> None:
        self.km = ProjectKernelManager(kernel_name="python3")
        self.used = False
        self.cwd: Path | None = None

    def start(self, cwd: Path) -> "SharedKernel":
        """Launch the kernel in `cwd` now, as nbclient would, and return at once (it boots in its own process)."""
        if not self.km.has_kernel:
            from jupyter_core.utils import run_sync

            run_sync(self.km.start_kernel)(cwd=str(cwd), extra_arguments=[HISTORY])
            self.cwd = Path(cwd)
        return self

    def alive(self) -> bool:
        process = getattr(self.km.provisioner, "process", None) if self.km.provisioner is not None else None
        return process is not None and process.poll() is None

    def prepare(self, notebook: Path) -> "nbformat.NotebookNode":
        """The notebook to execute: as written, or with the clearing cell first once the kernel is used."""
        import nbformat

        nb = nbformat.read(str(notebook), as_version=4)
        if self.used:
            # Clear the previous notebook's variables; count cells from 1 again, as a fresh kernel would.
            reset = nbformat.v4.new_code_cell("%reset -f\nget_ipython().execution_count = 1", metadata={"tags": [RESET_TAG]})
            nb.cells.insert(0, reset)
        return nb

    def shutdown(self) -> None:
        self.km.close_clients()
        if self.km.has_kernel:
            from jupyter_core.utils import run_sync

            run_sync(self.km.shutdown_kernel)(now=True)
        _close_thread_loop()

    def __enter__(self) -> "SharedKernel":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


@dataclass
class Kernels:
    """The kernels a committee's notebooks run in: one per document (`at_once`), one for both, or this process's
    kept kernel. Launched before the inputs are checked, so they boot meanwhile; `close` shuts down all but a
    kept kernel, and that too after a failed notebook."""

    by_document: dict[str, SharedKernel]
    kept: bool = False
    at_once: bool = False
    failed: bool = False
    finished: set = field(default_factory=set)
    stopping: list = field(default_factory=list)

    @classmethod
    def start(cls, root: Path, at_once: bool, keep: bool, documents: tuple[str, ...] = DOCUMENTS) -> "Kernels":
        """Launch the kernels of `documents` in `root` and return at once (they boot in their own processes);
        those of any others are launched by `start_others`."""
        if keep:
            kernel = kept_kernel(root)
            return cls({d: kernel for d in documents}, kept=True)
        if at_once:
            kernels = cls({}, at_once=True)
            try:
                for d in documents:
                    kernels.by_document[d] = SharedKernel().start(root)
            except BaseException:
                kernels.close()  # the first launched, when the second could not be
                raise
            return kernels
        kernel = SharedKernel().start(root)
        return cls({d: kernel for d in documents})

    def start_others(self, root: Path, documents: tuple[str, ...] = DOCUMENTS) -> None:
        """Launch the kernels of those of `documents` that have none yet: each its own (`at_once`), or the
        kernel the others share."""
        missing = [d for d in documents if d not in self.by_document]
        if not missing:
            return
        if self.at_once:
            for d in missing:
                self.by_document[d] = SharedKernel().start(root)
        else:
            shared = next(iter(self.by_document.values()))
            self.by_document.update({d: shared for d in missing})

    def done(self, document: str) -> None:
        """`document` has run: a kernel no other document still needs is shut down now, in the background."""
        kernel = self.by_document[document]
        self.finished.add(document)
        if self.kept or any(k is kernel and d not in self.finished for d, k in self.by_document.items()):
            return
        stopping = threading.Thread(target=kernel.shutdown, name="reporting-kernel-shutdown")
        stopping.start()
        self.stopping.append(stopping)

    def close(self) -> None:
        for stopping in self.stopping:
            stopping.join()
        if self.kept:
            if self.failed:
                drop_kept_kernel()
            return
        for kernel in {id(k): k for k in self.by_document.values()}.values():
            kernel.shutdown()


# A pool worker keeps one kernel warm from one committee to the next: each committee then pays
# neither the kernel's start nor its imports. Replaced when it died, when a notebook failed in it
# (its state is unknown), or for another project folder (the kernel runs in the project folder).
_KEPT: list[SharedKernel] = []


def kept_kernel(root: Path) -> SharedKernel:
    """This process's warm kernel for the project `root`, started if there is none alive."""
    if _KEPT and (_KEPT[0].cwd != Path(root) or not _KEPT[0].alive()):
        drop_kept_kernel()
    if not _KEPT:
        _KEPT.append(SharedKernel().start(root))
        atexit.register(drop_kept_kernel)
    return _KEPT[0]


def drop_kept_kernel() -> None:
    """Shut down this process's warm kernel, if any (after a failed notebook, and at exit)."""
    while _KEPT:
        _KEPT.pop().shutdown()


def _close_thread_loop() -> None:
    """Close the event loop nbclient or jupyter_client left in this thread, unless it is the main thread's."""
    if threading.current_thread() is threading.main_thread():
        return
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running():
        loop.close()


def _tidy_executed(executed: Path, notebook: Path) -> None:
    """Make a shared-kernel run's notebook read like a fresh one: no clearing cell, the input named by path."""
    if not executed.exists():
        return
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    nb.cells = [c for c in nb.cells if RESET_TAG not in c.get("metadata", {}).get("tags", [])]
    if "papermill" in nb.metadata:
        nb.metadata.papermill["input_path"] = str(notebook)  # papermill stores a whole notebook given in memory
    nbformat.write(nb, str(executed))


# Kernels launched before the run's modules were imported (reporting.early.prelaunch), waiting for the run to adopt.
_PENDING: dict[str, Kernels] = {}


def leave_for_run(root: str | Path, kernels: Kernels) -> None:
    """Hold `kernels`, launched early for the project `root`, until its run adopts them or the process ends."""
    if not _PENDING:
        atexit.register(discard_pending)
    earlier = _PENDING.pop(str(Path(root).resolve()), None)
    if earlier is not None:  # launched for a run that never adopted them
        earlier.close()
    _PENDING[str(Path(root).resolve())] = kernels


def adopt(root: str | Path, at_once: bool, keep: bool) -> Kernels | None:
    """The kernels launched early for this project, if the run uses them as launched (at once, shared or kept)."""
    pending = _PENDING.get(str(Path(root).resolve()))
    if pending is None or pending.at_once != at_once or pending.kept != keep:
        return None
    return _PENDING.pop(str(Path(root).resolve()))


def discard_pending() -> None:
    """Shut down kernels launched early that no run adopted (the command failed before running a notebook)."""
    while _PENDING:
        _PENDING.popitem()[1].close()
