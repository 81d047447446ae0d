"""The kernel `reporting run` starts: ipykernel, with the workbook's imports loaded as it boots.

Run as `python -m reporting.publish.kernel_launcher -f CONNECTION_FILE`. Running a module of the
package imports `reporting` first (pandas, pandera, nbformat); the charts module (matplotlib, seaborn)
is loaded too, so a kernel started early does its imports while the run checks the inputs, and the
report's first cell finds them done. A kernel whose imports fail still starts: the notebook's own
`import reporting` then fails in a cell, where the run reports it as it would in any kernel.
The objects those imports made are then frozen out of the garbage collector's walks (`gc.freeze`):
they live as long as the kernel, and a kernel drawing charts would otherwise walk them again and again.
"""

from __future__ import annotations

import gc


def main() -> None:
    try:
        import reporting.document.charts  # noqa: F401
    except Exception:  # noqa: BLE001 - reported by the notebook's own import, in its cell
        pass
    from ipykernel import kernelapp

    gc.freeze()

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
