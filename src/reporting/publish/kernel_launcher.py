"""The kernel `reporting run` starts: ipykernel, with the workbook's imports loaded as it boots.

Run as `python -m reporting.publish.kernel_launcher -f CONNECTION_FILE`. `import reporting` alone
loads next to nothing (its names load their modules on first use), so the workbook's modules, those
of every name a notebook uses (`reporting._WORKBOOK`: pandas, pandera, nbformat, matplotlib, seaborn),
are imported here: a kernel started early does its imports while the run checks the inputs, and the
report's first cell finds them done. A kernel whose imports fail still starts: the notebook's own
use of the name then fails in a cell, where the run reports it as it would in any kernel.
The objects those imports made are then frozen out of the garbage collector's walks (`gc.freeze`):
they live as long as the kernel, and a kernel drawing charts would otherwise walk them again and again.
"""

from __future__ import annotations

import gc
import importlib


def main() -> None:
    import reporting

    for module in reporting._WORKBOOK:
        try:
            importlib.import_module(module, "reporting")
        except Exception:  # noqa: BLE001 - reported by the notebook's own use of the name, in its cell
            pass
    from ipykernel import kernelapp

    gc.freeze()

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
