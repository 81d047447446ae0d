"""Executing a notebook with papermill in this project's own kernel."""

from __future__ import annotations

import asyncio
import atexit
import signal
import threading
from pathlib import Path

import nbformat
import papermill

from .kernel import ProjectKernelManager

RESET_TAG = "reporting-reset"  # the cell that clears a shared kernel between notebooks; removed afterwards
HISTORY = "--HistoryManager.hist_file=:memory:"  # as nbclient starts a kernel: no history file written


def execute_notebook(notebook: Path, executed: Path, root: Path, parameters: dict, kernel: "SharedKernel | None" = None) -> None:
    """Run `notebook` with `parameters` injected, from the project folder, saving it as `executed`.

    With `kernel`, the notebook runs in that already-warm kernel instead of a new one.
    Raises papermill's PapermillExecutionError when a cell fails (the executed notebook is saved).
    Safe to call from a worker thread: the event loop it leaves there is closed.
    """
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

    def prepare(self, notebook: Path) -> nbformat.NotebookNode:
        """The notebook to execute: as written, or with the clearing cell first once the kernel is used."""
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
    nb = nbformat.read(str(executed), as_version=4)
    nb.cells = [c for c in nb.cells if RESET_TAG not in c.get("metadata", {}).get("tags", [])]
    if "papermill" in nb.metadata:
        nb.metadata.papermill["input_path"] = str(notebook)  # papermill stores a whole notebook given in memory
    nbformat.write(nb, str(executed))
