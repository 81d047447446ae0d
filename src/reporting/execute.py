"""Executing a notebook with papermill in this project's own kernel."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import papermill

from .kernel import ProjectKernelManager


def execute_notebook(notebook: Path, executed: Path, root: Path, parameters: dict) -> None:
    """Run `notebook` with `parameters` injected, from the project folder, saving it as `executed`.

    Raises papermill's PapermillExecutionError when a cell fails (the executed notebook is saved).
    Safe to call from a worker thread: the event loop it leaves there is closed.
    """
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            cwd=str(root),
            kernel_name="python3",
            kernel_manager_class=ProjectKernelManager,
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
    finally:
        if threading.current_thread() is not threading.main_thread():
            try:
                loop = asyncio.get_event_loop()
            except RuntimeError:
                loop = None
            if loop is not None and not loop.is_running():
                loop.close()
