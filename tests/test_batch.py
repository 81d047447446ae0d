"""Scheduled runs (issue 7): every committee in a pool, one broken committee not stopping the others,
a summary table and exit status, manifest.json and `reporting verify`, and outputs that survive
the run being killed (SIGTERM and SIGKILL) at any stage.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import reporting
from reporting.publish import atomic as publish
from reporting.batch import Outcome, progress_printer, run_many, summary_table
from reporting.cli import main
from reporting.logs import log_to
from reporting.params import committee_ids
from reporting.publish.manifest import MANIFEST, read_manifest, verify
from support import PROJECT, copy_project

pytestmark = pytest.mark.e2e

SAMPLES = tuple(committee_ids(PROJECT / "params"))  # the sample committees, as `run --all` finds them
QUARTERS = tuple(yaml.safe_load((PROJECT / "params" / f"{c}.yaml").read_text())["default_quarter"] for c in SAMPLES)
ALL = len(SAMPLES) + 1  # and one broken committee
PUBLISHED = ("report.ipynb", "report.html", "report.pdf", "kpis.csv", "kpis.xlsx", "paper.ipynb", "paper.html", "paper.pdf",
             "summary.json", MANIFEST)


def add_broken_committee(project: Path) -> None:
    """One more committee, whose observations hold a word where a number belongs."""
    shutil.copytree(project / "data" / "synthetic-demo", project / "data" / "broken")
    observations = project / "data" / "broken" / "observations.csv"
    lines = observations.read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[3], "lots", 1)
    observations.write_text("\n".join(lines) + "\n")
    params = (project / "params" / "synthetic-demo.yaml").read_text()
    (project / "params" / "broken.yaml").write_text(params.replace("data/synthetic-demo", "data/broken"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """`reporting run --all --jobs 2` on the samples plus one broken committee."""
    project = copy_project(tmp_path_factory.mktemp("batch"))
    add_broken_committee(project)
    capture = tmp_path_factory.mktemp("streams")
    done = subprocess.run(
        [sys.executable, "-m", "reporting.cli", "run", "--all", "--jobs", "2", "--project", str(project),
         "--renderer", "builtin", "--produced-on", "2024-03-04"],
        capture_output=True, text=True, timeout=600,
    )
    (capture / "stdout").write_text(done.stdout)
    return project, done


def test_one_broken_committee_fails_alone_with_a_non_zero_exit(batch):
    project, done = batch
    assert done.returncode == 1, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.split() and line.split()[0] in (*SAMPLES, "broken")}
    for committee in SAMPLES:
        assert " ok " in lines[committee], lines[committee]
    assert " FAILED " in lines["broken"]
    assert f"{len(SAMPLES)} of {ALL} committees published; 1 failed." in done.stdout
    # The error names the file, the value and what was expected.
    assert "observations.csv" in done.stderr and "'lots'" in done.stderr
    for committee, quarter in zip(SAMPLES, QUARTERS):
        folder = project / "outputs" / quarter / committee
        for name in PUBLISHED:
            assert (folder / name).stat().st_size > 0, (committee, name)
    assert not list((project / "outputs").glob("*/broken"))


TIMESTAMPED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00 (INFO|WARNING|ERROR) ")


def test_progress_is_plain_log_lines_without_a_terminal(batch):
    _, done = batch
    progress = re.findall(rf"^\S+ (?:INFO|ERROR) \[(\d)/{ALL}\] ", done.stderr, flags=re.M)
    assert sorted(int(n) for n in progress) == list(range(1, ALL + 1))
    assert "\r" not in done.stderr  # no progress bar redraws in a log file
    assert all(TIMESTAMPED.match(line) for line in done.stderr.splitlines() if line.strip()), done.stderr


def test_a_failed_committees_row_shows_its_quarter(batch):
    _, done = batch
    broken = next(line for line in done.stdout.splitlines() if line.startswith("broken "))
    assert broken.split()[1:3] == ["2024-25-Q2", "FAILED"]  # its params' default_quarter, as synthetic-demo's
    assert re.search(rf"ERROR \[\d/{ALL}\] FAILED broken 2024-25-Q2 in ", done.stderr)


def test_summary_table_lists_status_time_and_folder(batch):
    project, done = batch
    header = next(line for line in done.stdout.splitlines() if line.startswith("committee"))
    for column in ("quarter", "status", "time", "output folder or error"):
        assert column in header
    assert str(project / "outputs" / "2023-24-Q3" / "cambridgeshire-cyp") in done.stdout


def test_manifest_records_inputs_code_and_outputs(batch):
    project, _ = batch
    folder = project / "outputs" / "2023-24-Q3" / "cambridgeshire-cyp"
    record = read_manifest(folder)
    assert record["committee"] == "cambridgeshire-cyp" and record["quarter"] == "2023-24-Q3"
    assert record["renderer"] == "builtin" and record["produced_on"] == "2024-03-04"
    assert set(record["inputs"]) >= {
        "params/cambridgeshire-cyp.yaml", "data/cambridgeshire-cyp/observations.csv",
        "data/cambridgeshire-cyp/indicators.yaml", "commentary/cambridgeshire-cyp/2023-24-Q3.yaml",
        "notebooks/committee_report.ipynb", "notebooks/covering_paper.ipynb",
    }
    assert record["package"]["version"] == reporting.__version__
    assert "commit" in record["package"]
    assert record["libraries"]["pandas"] and record["libraries"]["typst"]
    assert set(record["outputs"]) == set(PUBLISHED) - {MANIFEST}
    assert all(len(digest) == 64 for digest in [*record["inputs"].values(), *record["outputs"].values()])
    assert record["started_at"] <= record["finished_at"]
    assert record["parameters"]["data_path"] == "data/cambridgeshire-cyp"


def test_verify_passes_then_catches_changed_outputs_and_inputs(batch, tmp_path, capsys):
    project, _ = batch
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    folder = copy / "outputs" / "2024-25-Q2" / "synthetic-demo"
    assert main(["verify", str(folder)]) == 0
    assert "Verified" in capsys.readouterr().out

    observations = copy / "data" / "synthetic-demo" / "observations.csv"
    observations.write_text(observations.read_text() + "\n")
    assert main(["verify", str(folder)]) == 3
    assert "data/synthetic-demo/observations.csv" in capsys.readouterr().out

    pdf = folder / "report.pdf"
    pdf.write_bytes(pdf.read_bytes()[:-10])
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "changed since publication: report.pdf" in out and "NOT VERIFIED" in out
    (folder / "paper.html").unlink()
    assert "missing: paper.html" in "\n".join(verify(folder).lines())


def test_verify_names_a_folder_without_a_manifest(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 1
    assert "manifest.json" in capsys.readouterr().err


# --- killing a run -------------------------------------------------------------------------------

QUARTER = "2024-25-Q2"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A project whose synthetic committee was published once (produced on 2024-01-01)."""
    project = copy_project(tmp_path_factory.mktemp("published"))
    reporting.run_committee("synthetic-demo", QUARTER, project, renderer="builtin", produced="2024-01-01")
    return project


def _kill(run: subprocess.Popen, sig: int) -> bool:
    """Send the signal unless the run already ended (a short stage can pass before we look)."""
    sent = False
    if run.poll() is None:
        try:
            os.kill(run.pid, sig)
            sent = True
        except ProcessLookupError:
            pass
    run.wait(timeout=60)
    return sent


def _staging(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(".")] if parent.exists() else []


def _wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the run never reached the stage to kill it at")
        time.sleep(0.02)


STAGES = {
    "executing": lambda staging: True,
    "rendering": lambda staging: (staging / "report.html").exists(),
    "publishing": lambda staging: (staging / MANIFEST).exists(),
}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("stage", list(STAGES))
def test_killing_a_run_leaves_the_previous_outputs_whole(published, tmp_path, sig, stage):
    project = tmp_path / "project"
    shutil.copytree(published, project)
    parent = project / "outputs" / QUARTER
    final = parent / "synthetic-demo"
    before = read_manifest(final)
    log = tmp_path / "stderr"
    with log.open("w") as stderr:
        run = subprocess.Popen(
            [sys.executable, "-m", "reporting.cli", "run", "--committee", "synthetic-demo", "--quarter", QUARTER,
             "--project", str(project), "--renderer", "builtin", "--produced-on", "2024-02-02"],
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
        try:
            _wait_for(lambda: any(STAGES[stage](s) for s in _staging(parent)) or run.poll() is not None)
            killed = _kill(run, sig)
        finally:
            if run.poll() is None:
                run.kill()
    # A reader sees one complete set of outputs, which checks against its own manifest.
    assert verify(final).outputs_ok
    assert read_manifest(final)["produced_on"] in {before["produced_on"], "2024-02-02"}
    assert {p.name for p in parent.iterdir() if not p.name.startswith(".")} == {"synthetic-demo"}
    if sig == signal.SIGTERM and killed:
        assert _staging(parent) == []  # it tidied up on the way out
        # One timestamped line says what the stop left; a SIGTERM that lands as the process exits, after the
        # committee was published and reported, finds the default handler and kills it (-15): nothing to say then.
        stops = [line for line in log.read_text().splitlines() if " ERROR Stopped by SIGTERM: " in line]
        if not (stage == "publishing" and run.returncode == -signal.SIGTERM):
            assert run.returncode == 143, log.read_text()
            assert len(stops) == 1 and "nothing was half-published" in stops[0], log.read_text()
    # The next run clears whatever the killed one left and publishes.
    reporting.run_committee("synthetic-demo", QUARTER, project, renderer="builtin", produced="2024-03-03")
    assert _staging(parent) == []
    assert read_manifest(final)["produced_on"] == "2024-03-03" and verify(final).outputs_ok


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_a_pool_run_stops_its_workers_and_keeps_outputs(published, tmp_path, sig):
    project = tmp_path / "project"
    shutil.copytree(published, project)
    shutil.copytree(project / "outputs" / QUARTER / "synthetic-demo", project / "outputs" / QUARTER / "second")
    (project / "params" / "second.yaml").write_text((project / "params" / "synthetic-demo.yaml").read_text())
    for name in ("cambridgeshire-cyp", "durham-cyp"):
        (project / "params" / f"{name}.yaml").unlink()
    parent = project / "outputs" / QUARTER
    log = tmp_path / "stderr"
    with log.open("w") as stderr:
        run = subprocess.Popen(
            [sys.executable, "-m", "reporting.cli", "run", "--all", "--jobs", "2", "--quarter", QUARTER,
             "--project", str(project), "--renderer", "builtin", "--produced-on", "2024-02-02"],
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
        try:
            _wait_for(lambda: len(_staging(parent)) >= 2 or run.poll() is not None)
            time.sleep(1)
            killed = _kill(run, sig)
        finally:
            if run.poll() is None:
                run.kill()
    if sig == signal.SIGTERM and killed:
        assert run.returncode == 143, log.read_text()
        # "second" reads synthetic-demo's data, whose KPIs are not tagged for it, so it may have failed already.
        stops = re.findall(r"ERROR Stopped by SIGTERM: \d committees? not published \((.*)\); nothing was half-published", log.read_text())
        assert len(stops) == 1 and "synthetic-demo" in stops[0].split(", "), log.read_text()
    # The workers notice (SIGTERM from the parent, or from the kernel when the parent dies) and stop.
    _wait_for(lambda: _staging(parent) == [], timeout=60)
    for committee in ("synthetic-demo", "second"):
        assert verify(parent / committee).outputs_ok, committee


# --- the pieces, without running notebooks ---------------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_publish_swaps_whole_folders(tmp_path):
    final = tmp_path / "committee"
    final.mkdir()
    (final / "report.html").write_text("old")
    staging = publish.staging_folder(final)
    (staging / "report.html").write_text("new")
    publish.publish(staging, final)
    assert (final / "report.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["committee"]


def test_publish_without_an_atomic_swap_still_replaces(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    final = tmp_path / "committee"
    final.mkdir()
    (final / "report.html").write_text("old")
    staging = publish.staging_folder(final)
    (staging / "report.html").write_text("new")
    publish.publish(staging, final)
    assert (final / "report.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["committee"]


def test_recover_restores_outputs_retired_by_a_killed_swap_and_clears_staging(tmp_path):
    host = publish._owner_tag().split("-")[0]
    dead = _dead_pid()
    retired = tmp_path / f".committee.old-{host}-{dead}"
    retired.mkdir()
    (retired / "report.html").write_text("published")
    abandoned = tmp_path / f".committee.staging-{host}-{dead}-abc"
    abandoned.mkdir()
    alive = tmp_path / f".committee.staging-{host}-{os.getpid()}-def"
    alive.mkdir()
    other = tmp_path / f".another.staging-{host}-{dead}-ghi"
    other.mkdir()
    publish.recover(tmp_path / "committee")
    assert (tmp_path / "committee" / "report.html").read_text() == "published"
    assert not abandoned.exists() and not retired.exists()
    assert alive.exists() and other.exists()  # a live run's folder, and another committee's, are left alone


def test_summary_table_and_log_lines(capsys):
    outcomes = [
        Outcome("alpha", "ok", 9.25, "2024-25-Q2", "outputs/2024-25-Q2/alpha"),
        Outcome("beta", "failed", 0.4, "2024-25-Q2", error="observations.csv, row 4: 'lots' is not a number\nmore"),
    ]
    table = summary_table(outcomes).splitlines()
    assert table[0].split()[:4] == ["committee", "quarter", "status", "time"]
    assert table[1].split() == ["alpha", "2024-25-Q2", "ok", "9.2s", "outputs/2024-25-Q2/alpha"]
    assert "FAILED" in table[2] and "'lots' is not a number" in table[2] and "more" not in table[2]
    with log_to(sys.stdout):
        on_done, close = progress_printer(2, stream=sys.stdout)
        for n, outcome in enumerate(outcomes, 1):
            on_done(outcome, n, 2)
        close()
    out = capsys.readouterr().out.splitlines()
    assert TIMESTAMPED.match(out[0]) and out[0].endswith(" INFO [1/2] ok alpha 2024-25-Q2 in 9.2s: outputs/2024-25-Q2/alpha")
    assert TIMESTAMPED.match(out[1]) and " ERROR [2/2] FAILED beta 2024-25-Q2 in 0.4s: observations.csv, row 4" in out[1]


def test_unknown_executor_and_bad_jobs_are_refused(tmp_path, capsys):
    with pytest.raises(reporting.ReportingError, match="executor"):
        run_many(["x"], root=tmp_path, executor="slurm")
    assert main(["run", "--all", "--jobs", "0", "--project", str(PROJECT)]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_dask_executor_gives_the_same_outputs_as_a_local_run(published, tmp_path):
    pytest.importorskip("distributed")
    project = tmp_path / "project"
    shutil.copytree(published, project)
    local = reporting.run_committee("synthetic-demo", QUARTER, project, renderer="builtin", produced="2024-05-05")
    kept = {name: (local.output_dir / name).read_bytes() for name in ("kpis.csv", "report.html", "paper.html", "report.pdf")}
    outcomes = run_many(["synthetic-demo"], QUARTER, project, renderer="builtin", produced="2024-05-05",
                        jobs=1, executor="dask")
    assert [o.status for o in outcomes] == ["ok"], outcomes[0].error
    for name, content in kept.items():
        assert (local.output_dir / name).read_bytes() == content, name
    record = json.loads((local.output_dir / MANIFEST).read_text())
    assert record["renderer"] == "builtin" and verify(local.output_dir).outputs_ok
