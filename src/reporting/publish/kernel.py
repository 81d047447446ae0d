"""Run notebooks in this environment's Python, whatever Jupyter kernels the user has installed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
import weakref

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

_STARTED: "weakref.WeakSet[ProjectKernelManager]" = weakref.WeakSet()  # this process's kernel managers


def stop_kernels() -> None:
    """Kill every kernel this process started that is still running, with anything its cells started: a
    stopped run (SIGTERM, Ctrl-C) does not wait for notebooks in other threads to finish, and leaves no kernel."""
    for manager in list(_STARTED):
        process = getattr(manager.provisioner, "process", None) if manager.provisioner is not None else None
        if process is None or process.poll() is not None:
            continue
        try:
            os.killpg(process.pid, signal.SIGKILL)  # each kernel leads its own process group (a new session)
        except (ProcessLookupError, PermissionError):
            process.kill()


class ProjectKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is always ipykernel in `sys.executable` (through `kernel_launcher`, which
    loads the workbook's imports as the kernel boots).

    A `python3` kernelspec elsewhere on the machine (a conda base, ~/.local) could otherwise
    run the report with other versions of pandas or of this package.
    """

    def __init__(self, **kwargs):
        # Local inter-process sockets rather than TCP: nothing listens on the network. Each kernel
        # gets its own socket path, so two kernels started by one process never share a channel.
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", os.path.join(tempfile.gettempdir(), f"reporting-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)
        self.opened_clients = []
        _STARTED.add(self)

    def client(self, **kwargs):
        """A client of this kernel, remembered so a kernel shared by several notebooks can close them."""
        client = super().client(**kwargs)
        self.opened_clients.append(client)
        return client

    def close_clients(self) -> None:
        """Close the channels nbclient leaves open on a kernel it does not own."""
        while self.opened_clients:
            self.opened_clients.pop().stop_channels()

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The kernel's own log lines (e.g. a KeyboardInterrupt notice at shutdown) are not the
        # report's business; cell errors still reach papermill through the messaging protocol.
        kw.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "reporting.publish.kernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python ({sys.executable})",
            language="python",
            env={},
        )
