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

import os
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
    """`reporting.run.run_committee` (which see), its kernels launched before its modules are imported: held for
    the run, which adopts them (`publish.execute.adopt`), as it does those the command line launched early."""
    kernels = launch_kernels(root, concurrent_notebooks, warm_kernel)
    if kernels is not None:
        from .publish.execute import leave_for_run

        leave_for_run(root, kernels)
    try:
        from .run import run_committee as run
    except BaseException:
        from .publish.execute import discard_pending

        discard_pending()
        raise
    return run(committee, quarter, root, renderer, produced, strict, concurrent_notebooks, warm_kernel)


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


def prelaunch(argv: list[str]) -> None:
    """For `reporting run --committee X` (one committee, on this machine, with a spare core): launch the report's
    kernel now, before the command imports pandas, papermill and the rest, for the run to adopt
    (`publish.execute.adopt`).

    Anything else (several committees, --all, one job, Dask, a command it cannot read) launches nothing: the
    command then reads its arguments as always and says what is wrong. A kernel not adopted is shut down
    when the command ends.
    """
    import argparse

    if not argv or argv[0] != "run":
        return
    reader = argparse.ArgumentParser(add_help=False)
    reader.add_argument("--committee", action="append")
    reader.add_argument("--all", action="store_true")
    reader.add_argument("--project", default=".")
    reader.add_argument("--jobs")
    reader.add_argument("--executor", default="local")
    reader.add_argument("-h", "--help", action="store_true")
    try:
        args, _ = reader.parse_known_args(argv[1:])
    except SystemExit:  # the command's own parser will say what is wrong
        return
    jobs = args.jobs if args.jobs is not None else str(os.cpu_count() or 1)
    if args.help or args.all or not args.committee or len(args.committee) != 1 or args.executor != "local" or not jobs.isdigit() or int(jobs) < 2:
        return  # what a single committee with a spare core runs: the report and paper in two kernels at once
    kernels = launch_kernels(args.project, at_once=True, keep=False)
    if kernels is not None:
        from .publish.execute import leave_for_run

        leave_for_run(args.project, kernels)
