"""`reporting.run_committee`: a committee's kernels launched before this process imports the run's modules.

A notebook's kernel takes a second or two to boot (it loads pandas, pandera, matplotlib and the workbook), and
the run itself as long to import pandas, papermill and nbconvert. `import reporting` loads none of them, so the
kernels are launched first, from here, and boot while this process imports `reporting.run` and checks the inputs:
the report's first cell runs once both are done, rather than a kernel's boot after the imports.

Only the report's kernel is launched here: on two cores it boots beside this process's imports, and the
paper's, launched as the inputs are checked (as before), boots while the report runs. Launched at once, the
three would share the two cores and the report's would be ready later; the paper, short, is done well
before the report all the same.

Launching a kernel writes nothing the run publishes, so the inputs are still all checked before anything is
written. A folder where no kernel can be launched (one that does not exist, say) is left to the run, which
launches them at its usual point, after the checks that come first, and fails as it always did.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .publish.execute import Kernels
    from .quarters import Quarter
    from .run import RunResult


FIRST = "report"  # the notebook whose kernel is launched first: the report's, much the longer to run


def run_committee(
    committee: str,
    quarter: "str | Quarter | None" = None,
    root: str | Path = ".",
    renderer: str = "auto",
    produced: str | date | None = None,
    strict: bool = False,
    concurrent_notebooks: bool = True,
    warm_kernel: bool = False,
) -> "RunResult":
    """`reporting.run.run_committee` (which see), its kernels launched before its modules are imported."""
    kernels = launch_kernels(root, concurrent_notebooks, warm_kernel)
    try:
        from .run import run_committee as run
    except BaseException:
        if kernels is not None:
            kernels.close()
        raise
    return run(committee, quarter, root, renderer, produced, strict, concurrent_notebooks, warm_kernel, _kernels=kernels)


def launch_kernels(root: str | Path, at_once: bool, keep: bool) -> "Kernels | None":
    """A run's kernels for the project `root`, the report's launched now (see `Kernels.start`); None when they
    cannot be."""
    folder = Path(root).resolve()
    if not folder.is_dir():
        return None
    from .publish.execute import Kernels

    try:
        return Kernels.start(folder, at_once, keep, documents=(FIRST,))
    except Exception:  # noqa: BLE001 - the run launches them again at its usual point, and says what is wrong then
        return None
