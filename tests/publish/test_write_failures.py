"""A full disk, a used-up quota or a read-only outputs folder while a run writes (safe publishing, part B).

Each becomes a PublishError in plain words naming the folder (and file), nothing half-written is
published, and the earlier outputs are left as they were. The failures are simulated (monkeypatch),
so these tests run without notebooks; one uses chmod when not running as root.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

import reporting
from reporting import batch, run
from reporting.publish import atomic as publish
from reporting.errors import NotebookExecutionError, RenderError
from reporting.publish.manifest import OUTPUT_FILES
from reporting.publish.atomic import PublishError, kernel_os_error
from support import PROJECT

COMMITTEE, QUARTER = "synthetic-demo", "2024-25-Q2"
SHOWN = f"outputs/{QUARTER}/{COMMITTEE}"
INTACT = "Nothing was published; earlier outputs are intact."


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project whose committee already has (fake) earlier outputs."""
    root = tmp_path / "project"
    for name in ("params", "data", "notebooks", "commentary"):
        shutil.copytree(PROJECT / name, root / name)
    earlier = root / "outputs" / QUARTER / COMMITTEE
    earlier.mkdir(parents=True)
    (earlier / "report.html").write_text("earlier\n")
    return root


def earlier_outputs_intact(project: Path) -> bool:
    """The earlier outputs as they were, and no staging or retired folder left beside them."""
    parent = project / "outputs" / QUARTER
    hidden = [p.name for p in parent.iterdir() if p.name.startswith(".")]
    return (parent / COMMITTEE / "report.html").read_text() == "earlier\n" and not hidden


def run_it(project: Path):
    return reporting.run_committee(COMMITTEE, QUARTER, project, renderer="builtin", produced="2024-05-05")


def fake_kernel(monkeypatch, ename: str | None = None, evalue: str = "") -> None:
    """Notebooks that 'run' instantly: each writes its executed notebook, then fails with `ename` if given."""
    def execute(notebook, executed, root, parameters, kernel=None):
        nbformat.write(nbformat.v4.new_notebook(), str(executed))
        if ename:
            raise PapermillExecutionError(0, 1, "", ename, evalue.format(staging=executed.parent), [])

    monkeypatch.setattr(run, "execute_notebook", execute)


def fake_render(monkeypatch) -> None:
    """A renderer that writes every output a run publishes (but the manifest and the executed notebooks) in an
    instant. Documents are rendered as each notebook finishes, so it must not touch the other document's notebook."""
    def render(notebook, folder, renderer, stem="report"):
        for name in OUTPUT_FILES[:-1]:
            if not name.endswith(".ipynb"):
                (Path(folder) / name).write_text(name)
        return "builtin", []

    monkeypatch.setattr(run, "render", render)


def test_a_full_disk_when_the_staging_folder_is_made(project, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(publish.tempfile, "mkdtemp", full)
    with pytest.raises(PublishError) as raised:
        run_it(project)
    assert str(raised.value) == f"The disk holding {SHOWN} is full: free some space and run again. {INTACT}"
    assert earlier_outputs_intact(project)


def test_a_full_disk_inside_the_notebook_names_the_file(project, monkeypatch):
    fake_kernel(monkeypatch, "OSError", "[Errno 28] No space left on device: '{staging}/kpis.csv'")
    with pytest.raises(PublishError) as raised:
        run_it(project)
    assert str(raised.value) == f"The disk holding {SHOWN} is full (writing kpis.csv): free some space and run again. {INTACT}"
    assert earlier_outputs_intact(project)
    assert not (project / "outputs" / QUARTER / "_failed").exists()  # nothing kept on a full disk


def test_a_used_up_quota_inside_the_notebook(project, monkeypatch):
    fake_kernel(monkeypatch, "OSError", "[Errno 122] Disk quota exceeded: '{staging}/kpis.xlsx'")
    with pytest.raises(PublishError, match=rf"^The disk quota for {SHOWN} is used up \(writing kpis.xlsx\)"):
        run_it(project)
    assert earlier_outputs_intact(project)


def test_a_permission_error_inside_the_notebook_without_an_errno(project, monkeypatch):
    fake_kernel(monkeypatch, "PermissionError", "Permission denied")
    with pytest.raises(PublishError, match=rf"^The folder {SHOWN} is read-only for this user: ask IT"):
        run_it(project)
    assert earlier_outputs_intact(project)


@pytest.mark.parametrize("ename, evalue", [
    ("ValueError", "not a number"),
    ("PermissionError", "[Errno 13] Permission denied: '/etc/shadow'"),  # a read elsewhere, not our outputs
])
def test_other_notebook_failures_are_still_notebook_failures(project, monkeypatch, ename, evalue):
    fake_kernel(monkeypatch, ename, evalue)
    with pytest.raises(NotebookExecutionError, match=f"{ename}: "):
        run_it(project)
    assert earlier_outputs_intact(project)  # and the failed notebook is kept in _failed/ for debugging
    assert (project / "outputs" / QUARTER / "_failed" / COMMITTEE / "report.ipynb").exists()


def test_a_full_disk_while_rendering_the_pdf(project, monkeypatch):
    fake_kernel(monkeypatch)

    def render(notebook, folder, renderer, stem="report"):
        try:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path(folder) / f"{stem}.pdf"))
        except OSError as error:
            raise RenderError(f"Could not render {stem}.html to PDF: {error}") from error

    monkeypatch.setattr(run, "render", render)
    with pytest.raises(PublishError, match=rf"^The disk holding {SHOWN} is full \(writing (report|paper).pdf\)"):  # whichever document finishes first
        run_it(project)
    assert earlier_outputs_intact(project)


def test_a_read_only_disk_at_the_final_swap_puts_the_earlier_outputs_back(project, monkeypatch):
    fake_kernel(monkeypatch)
    fake_render(monkeypatch)
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)  # the two-rename fallback
    real = os.replace

    def replace(source, target):
        if Path(source).name.startswith(f".{COMMITTEE}.staging-"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(target))
        return real(source, target)

    monkeypatch.setattr(publish.os, "replace", replace)
    with pytest.raises(PublishError) as raised:
        run_it(project)
    assert str(raised.value).startswith(f"The folder {SHOWN} is on a read-only disk: ask IT to make it writable")
    assert str(raised.value).endswith(INTACT)
    assert earlier_outputs_intact(project)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod does not stop root writing (the simulated errors above cover it)")
def test_a_read_only_outputs_folder(project):
    parent = project / "outputs" / QUARTER
    parent.chmod(0o555)
    try:
        with pytest.raises(PublishError, match=rf"^The folder {SHOWN} is read-only for this user"):
            run_it(project)
    finally:
        parent.chmod(0o755)
    assert earlier_outputs_intact(project)


def test_a_batch_run_reports_a_write_failure_in_plain_words(project, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(project / SHOWN / "kpis.csv"))

    monkeypatch.setattr(run, "run_committee", full)
    outcome = batch.run_one(COMMITTEE, QUARTER, str(project))
    assert outcome.status == "failed"
    assert outcome.error == f"The disk holding {SHOWN} is full (writing kpis.csv): free some space and run again. {INTACT}"


def test_a_batch_run_names_the_file_of_any_other_os_error(project, monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(project / "params" / "gone.yaml"))

    monkeypatch.setattr(run, "run_committee", missing)
    outcome = batch.run_one(COMMITTEE, QUARTER, str(project))
    assert outcome.error == f"Could not use params/gone.yaml: No such file or directory. {INTACT}"
    assert "unexpected" not in outcome.error


@pytest.mark.parametrize("ename, evalue, code, filename", [
    ("OSError", "[Errno 28] No space left on device: '/p/outputs/q/c/kpis.csv'", errno.ENOSPC, "/p/outputs/q/c/kpis.csv"),
    ("PermissionError", "[Errno 13] Permission denied: '/p/outputs/q/c/kpis.csv'", errno.EACCES, "/p/outputs/q/c/kpis.csv"),
    ("OSError", "[Errno 30] Read-only file system", errno.EROFS, None),
    ("PermissionError", "Permission denied", errno.EACCES, None),
])
def test_kernel_os_errors_are_read_from_papermills_message(ename, evalue, code, filename):
    error = kernel_os_error(ename, evalue, Path("/p"))
    assert (error.errno, error.filename) == (code, filename)


@pytest.mark.parametrize("ename, evalue", [
    ("OSError", "[Errno 2] No such file or directory: '/p/data/x.csv'"),
    ("PermissionError", "[Errno 13] Permission denied: '/etc/shadow'"),
    ("OSError", "something else"),
])
def test_other_kernel_errors_are_left_alone(ename, evalue):
    assert kernel_os_error(ename, evalue, Path("/p")) is None
