"""`reporting.run_committee` launches the report's kernel before importing the run's heavy modules (reporting.early):
`import reporting` loads none of them, a refused run fails as it did and leaves no kernel behind."""

from __future__ import annotations

import subprocess
import sys

import pytest

import reporting
from reporting import early
from reporting.errors import ReportingError
from reporting.publish import kernel
from support import PROJECT, copy_project

HEAVY = ("pandas", "pandera", "papermill", "nbconvert", "nbformat", "matplotlib", "typst")


def test_import_reporting_loads_none_of_the_heavy_modules():
    code = f"import sys, reporting; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    assert done.stdout.strip() == "[]"


def test_the_report_kernel_is_launched_before_the_run_is_imported():
    code = ("import sys, reporting.early as e\n"
            "k = e.launch_kernels('.', True, False)\n"
            f"print(sorted(k.by_document), sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
            "k.close()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    assert done.stdout.strip() == "['report'] []"


def test_no_kernel_is_launched_for_a_folder_that_does_not_exist(tmp_path):
    assert early.launch_kernels(tmp_path / "nowhere", True, False) is None


def test_a_missing_project_fails_as_the_run_itself_does(tmp_path):
    from reporting import run

    errors = []
    for run_committee in (reporting.run_committee, run.run_committee):
        with pytest.raises(ReportingError) as raised:
            run_committee("cambridgeshire-cyp", "2023-24-Q3", tmp_path / "nowhere", renderer="builtin")
        errors.append((type(raised.value), str(raised.value)))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("committee, renderer", [("nobody", "builtin"), ("cambridgeshire-cyp", "nonesuch")])
def test_a_refused_run_leaves_no_kernel_running(tmp_path, committee, renderer):
    project = copy_project(tmp_path)
    with pytest.raises(ReportingError):
        reporting.run_committee(committee, "2023-24-Q3", project, renderer=renderer)
    processes = [getattr(m.provisioner, "process", None) for m in list(kernel._STARTED)]
    alive = [p for p in processes if p is not None and p.poll() is None]
    assert alive == []
    assert not (project / "outputs").exists()


@pytest.mark.parametrize("argv, launched", [
    (["run", "--committee", "cambridgeshire-cyp", "--jobs", "2"], True),
    (["run", "--committee", "a", "--committee", "b", "--jobs", "2"], False),  # several: a pool, warm kernels
    (["run", "--all", "--jobs", "2"], False),
    (["run", "--committee", "cambridgeshire-cyp", "--jobs", "1"], False),  # one job: one kernel, kept
    (["run", "--committee", "cambridgeshire-cyp", "--jobs", "2", "--executor", "dask"], False),
    (["run", "--committee", "cambridgeshire-cyp", "--help"], False),
    (["verify", "outputs"], False),
])
def test_the_command_line_launches_the_report_kernel_first_only_for_one_committee(argv, launched):
    """`reporting run --committee X` launches the report's kernel before importing the heavy modules; the run
    adopts it. Anything else launches nothing."""
    code = ("import sys, reporting.early as e\n"
            f"e.prelaunch({argv!r} + ['--project', '.'])\n"
            "import reporting.publish.execute as x\n"
            f"print(len(x._PENDING), sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
            "k = x.adopt('.', True, False)\n"
            "print(k is not None and sorted(k.by_document), x.adopt('.', True, False))\n"
            "k and k.close()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    expected = "1 []\n['report'] None" if launched else "0 []\nFalse None"
    assert done.stdout.strip() == expected


def test_a_kernel_launched_by_the_command_line_is_not_left_behind_when_the_run_is_refused(tmp_path):
    """A one-committee command whose run is refused (no such committee) exits 2 and leaves no kernel process."""
    import psutil

    project = copy_project(tmp_path)
    before = {p.pid for p in psutil.process_iter()}
    done = subprocess.run([sys.executable, "-m", "reporting.command", "run", "--committee", "nobody", "--jobs", "2",
                           "--project", str(project)], capture_output=True, text=True)
    assert done.returncode == 2 and "No such committee 'nobody'" in done.stderr
    def in_project(process: psutil.Process) -> bool:  # a kernel runs in its project's folder; other tests' elsewhere
        try:
            return process.cwd() == str(project.resolve())
        except psutil.Error:
            return False

    launched = [p for p in psutil.process_iter(["cmdline"]) if p.pid not in before
                and "reporting.publish.kernel_launcher" in " ".join(p.info["cmdline"] or []) and in_project(p)]
    assert launched == []
    assert not (project / "outputs").exists()
