"""Scheduled runs (issue 19): `--quarter latest` and `current`, a quarter without new figures, usage errors
(exit 2), a timestamp on every log line, a failed committee's quarter in the summary, and what a stop
(SIGTERM, Ctrl-C) leaves: one log line, exit 143 or 130, the earlier outputs whole and no process behind.

Every run is the real command in a subprocess, in a private copy of the project.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from reporting.measures.periods import latest_period_end
from reporting.publish.manifest import read_manifest, verify
from reporting.quarters import Quarter, current_quarter
from reporting.params import committee_ids
from reporting.run import resolve_quarter
from support import PROJECT, copy_project

SAMPLES = tuple(committee_ids(PROJECT / "params"))  # the sample committees, as `run --all` finds them
LOG_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00) (INFO|WARNING|ERROR) ")


def reporting_run(project: Path, *arguments: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """`reporting run` in a subprocess, with the built-in renderer and a fixed produced-on date unless told otherwise."""
    defaults = [] if "--renderer" in arguments else ["--renderer", "builtin"]
    defaults += [] if any(a.startswith("--produced-on") for a in arguments) else ["--produced-on", "2024-03-04"]
    return subprocess.run(
        [sys.executable, "-m", "reporting.cli", "run", "--project", str(project), *defaults, *arguments],
        capture_output=True, text=True, timeout=timeout, env=env or clean_env(),
    )


def clean_env(**changes: str | None) -> dict:
    """This environment without SOURCE_DATE_EPOCH or REPORTING_QUARTO, with `changes` applied (None removes)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "REPORTING_QUARTO")}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def summary_rows(stdout: str) -> dict[str, list[str]]:
    """The summary table's rows by committee: [committee, quarter, status, ...] split on spaces."""
    return {line.split()[0]: line.split() for line in stdout.splitlines()
            if line.split() and not line.startswith(("committee ", " ")) and "committees published" not in line}


def assert_every_line_timestamped(stderr: str) -> list[str]:
    """Every line on standard error starts with an ISO 8601 time in UTC and a level; returns the lines."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "the run logged nothing"
    for line in lines:
        assert LOG_LINE.match(line), f"no timestamp: {line!r}"
        datetime.fromisoformat(LOG_LINE.match(line)[1])  # a real ISO 8601 time
    return lines


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def hidden(parent: Path) -> list[str]:
    """Staging (or retired) folders beside the published ones: what a stop must never leave."""
    return [p.name for p in parent.iterdir() if p.name.startswith(".")] if parent.exists() else []


def committee_indicators(project: Path, committee: str) -> set[str]:
    """The committee's KPIs as its params and catalogue name them: `indicators:` in params, else every catalogue
    entry listing the committee (or listing none). Read with plain YAML, not the package."""
    params = yaml.safe_load((project / "params" / f"{committee}.yaml").read_text(encoding="utf-8"))
    if params.get("indicators"):
        return {str(i) for i in params["indicators"]}
    catalogue = yaml.safe_load((project / params["dataset"] / "indicators.yaml").read_text(encoding="utf-8"))
    entries = catalogue["indicators"] if isinstance(catalogue, dict) else catalogue
    return {str(e["id"]) for e in entries if not e.get("committees") or committee in e["committees"]}


def expected_latest(project: Path, committee: str) -> tuple[str, date]:
    """The financial quarter holding the latest period_end with a value among the committee's KPIs, worked
    out from observations.csv by hand (April to June is Q1 of the year starting that April)."""
    params = yaml.safe_load((project / "params" / f"{committee}.yaml").read_text(encoding="utf-8"))
    wanted = committee_indicators(project, committee)
    with open(project / params["dataset"] / "observations.csv", encoding="utf-8-sig", newline="") as file:
        ends = [date.fromisoformat(row["period_end"]) for row in csv.DictReader(file)
                if row["indicator_id"] in wanted and row["value"].strip()]
    latest = max(ends)
    number = {4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3, 11: 3, 12: 3, 1: 4, 2: 4, 3: 4}[latest.month]
    start = latest.year - (1 if number == 4 else 0)
    quarter = f"{start}-{(start + 1) % 100:02d}-Q{number}"
    assert Quarter.parse(quarter).start <= latest <= Quarter.parse(quarter).end  # the project's Quarter agrees
    return quarter, latest


# --- working out the quarter, without running notebooks ---------------------------------------------


@pytest.mark.parametrize("day, containing, ended", [
    ("2024-04-01", "2024-25-Q1", "2023-24-Q4"),
    ("2024-06-30", "2024-25-Q1", "2023-24-Q4"),  # the last day of Q1: Q1 has not ended yet
    ("2024-07-01", "2024-25-Q2", "2024-25-Q1"),
    ("2024-09-30", "2024-25-Q2", "2024-25-Q1"),
    ("2024-10-01", "2024-25-Q3", "2024-25-Q2"),
    ("2024-12-31", "2024-25-Q3", "2024-25-Q2"),
    ("2025-01-01", "2024-25-Q4", "2024-25-Q3"),
    ("2025-03-31", "2024-25-Q4", "2024-25-Q3"),
])
def test_a_day_falls_in_one_financial_quarter_and_current_is_the_one_before(day, containing, ended):
    today = date.fromisoformat(day)
    assert Quarter.containing(today).id == containing
    assert current_quarter(today).id == ended
    assert current_quarter(today).end < today <= Quarter.containing(today).end


def test_a_row_without_a_value_is_not_a_figure_for_latest():
    """A council may list next year's targets before the figures exist: those rows never make a later quarter the latest."""
    import pandas as pd

    rows = pd.DataFrame({
        "indicator_id": ["1", "1", "2", "3"],
        "period_end": pd.to_datetime(["2024-03-31", "2025-03-31", "2024-06-30", "2024-12-31"]),
        "value": [5.0, float("nan"), 7.0, 9.0],
    })
    assert latest_period_end(rows, ["1", "2"]) == pd.Timestamp("2024-06-30")
    assert latest_period_end(rows, ["1"]) == pd.Timestamp("2024-03-31")
    assert latest_period_end(rows, ["4"]) is None


@pytest.mark.parametrize("committee", SAMPLES)
def test_latest_is_the_quarter_of_each_samples_latest_figure(committee):
    quarter, latest = expected_latest(PROJECT, committee)
    resolved = resolve_quarter(committee, "latest", PROJECT)
    assert resolved.quarter.id == quarter
    assert f"{latest:%d %B %Y}" in resolved.why


# --- usage errors: exit status 2, and nothing runs ---------------------------------------------------


@pytest.fixture(scope="module")
def small_project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("usage"))


USAGE_ERRORS = {
    "invalid quarter id": (["--committee", "durham-cyp", "--quarter", "2023-24-Q5"], {}, ["'2023-24-Q5'", "YYYY-YY-QN"]),
    "quarter of broken years": (["--all", "--quarter", "2023-25-Q1"], {}, ["'2023-25-Q1'", "2023-24-Q1"]),
    "unknown committee": (["--committee", "durham-cyp", "--committee", "nobody"], {},
                          ["No such committee 'nobody'", "params/<committee>.yaml", "durham-cyp, leeds-lait, synthetic-demo"]),
    "unknown renderer": (["--all", "--renderer", "latex"], {}, ["'latex'", "builtin"]),
    "produced-on not a date": (["--all", "--produced-on", "04/03/2024"], {}, ["'04/03/2024'", "YYYY-MM-DD"]),
    "produced-on not in the calendar": (["--all", "--produced-on", "2024-02-30"], {}, ["'2024-02-30'", "not in the calendar"]),
    "SOURCE_DATE_EPOCH not a number": (["--all", "--quarter", "current"], {"SOURCE_DATE_EPOCH": "yesterday"},
                                       ["SOURCE_DATE_EPOCH is 'yesterday'", "whole number of seconds"]),
    "quarto not installed": (["--all", "--renderer", "quarto"], {"PATH": "EMPTY"},
                             ["Quarto cannot be found", "quarto.org", "--renderer builtin", "Nothing was run"]),
    "REPORTING_QUARTO not a program": (["--committee", "durham-cyp", "--renderer", "quarto"],
                                       {"REPORTING_QUARTO": "/nowhere/quarto", "PATH": "EMPTY"},
                                       ["REPORTING_QUARTO is set to '/nowhere/quarto'", "--renderer builtin"]),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_a_wrong_command_exits_2_before_anything_runs(case, small_project, tmp_path):
    arguments, changes, says = USAGE_ERRORS[case]
    changes = {k: (str(tmp_path) if v == "EMPTY" else v) for k, v in changes.items()}  # a PATH with no quarto on it
    produced = [] if "--produced-on" in arguments or "SOURCE_DATE_EPOCH" in changes else ["--produced-on", "2024-03-04"]
    before = sorted(str(p) for p in small_project.rglob("*"))
    done = subprocess.run(
        [sys.executable, "-m", "reporting.cli", "run", "--project", str(small_project), *produced, *arguments],
        capture_output=True, text=True, timeout=120, env=clean_env(**changes),
    )
    assert done.returncode == 2, done.stderr
    for words in says:
        assert words in done.stderr, f"{words!r} not in:\n{done.stderr}"
    assert "Traceback" not in done.stderr
    assert sorted(str(p) for p in small_project.rglob("*")) == before  # nothing ran, nothing was written


def test_our_usage_errors_are_timestamped_log_lines(small_project):
    done = reporting_run(small_project, "--committee", "nobody")
    assert done.returncode == 2
    assert_every_line_timestamped(done.stderr)


# --- a committee that cannot say which quarter fails alone, its row showing what was asked ---------------


def test_latest_without_any_figures_fails_that_committee_with_its_quarter_in_the_row(small_project, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(small_project, project)
    shutil.copytree(project / "data" / "synthetic-demo", project / "data" / "empty")
    observations = project / "data" / "empty" / "observations.csv"
    with observations.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    with observations.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "value": ""} for row in rows)  # every figure missing: no latest quarter
    params = (project / "params" / "synthetic-demo.yaml").read_text().replace("data/synthetic-demo", "data/empty")
    (project / "params" / "empty.yaml").write_text(params)
    done = reporting_run(project, "--committee", "empty", "--quarter", "latest", "--report-json", str(tmp_path / "r.json"))
    assert done.returncode == 1, done.stderr
    row = summary_rows(done.stdout)["empty"]
    assert row[1:3] == ["latest", "FAILED"]
    assert "data/empty/observations.csv has no figures for empty's KPIs" in done.stderr
    record = json.loads((tmp_path / "r.json").read_text())[0]
    assert (record["status"], record["quarter"], record["quarter_choice"]) == ("failed", "latest", "latest")
    assert_every_line_timestamped(done.stderr)


# --- --quarter current -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["--produced-on", "SOURCE_DATE_EPOCH"])
def test_current_is_the_latest_quarter_to_end_before_the_produced_on_date(small_project, how):
    """Cambridgeshire's figures end in December 2023, so under --strict its later quarters fail fast (no notebook runs)."""
    day = date(2024, 7, 1)
    if how == "--produced-on":
        done = reporting_run(small_project, "--committee", "cambridgeshire-cyp", "--quarter", "current", "--strict",
                             f"--produced-on={day}")
    else:
        epoch = int(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp())
        done = subprocess.run(
            [sys.executable, "-m", "reporting.cli", "run", "--project", str(small_project), "--renderer", "builtin",
             "--committee", "cambridgeshire-cyp", "--quarter", "current", "--strict"],
            capture_output=True, text=True, timeout=120, env=clean_env(SOURCE_DATE_EPOCH=str(epoch)),
        )
    assert done.returncode == 1, done.stderr
    lines = assert_every_line_timestamped(done.stderr)
    assert any(line.endswith("INFO cambridgeshire-cyp: quarter 2024-25-Q1 (--quarter current: the latest quarter to end "
                             "before 01 July 2024)") for line in lines), done.stderr
    assert summary_rows(done.stdout)["cambridgeshire-cyp"][1:3] == ["2024-25-Q1", "FAILED"]


def test_current_without_a_date_is_relative_to_today(small_project):
    expected = current_quarter(date.today())
    assert resolve_quarter("durham-cyp", "current", small_project).quarter == expected


# --- --quarter latest on every sample, through the command --------------------------------------------


@pytest.fixture(scope="module")
def latest(tmp_path_factory):
    """`reporting run --all --quarter latest --jobs 2` where synthetic-demo has one figure more than its
    default_quarter (October 2024), so its latest quarter is not the one in its params."""
    project = copy_project(tmp_path_factory.mktemp("latest"))
    observations = project / "data" / "synthetic-demo" / "observations.csv"
    observations.write_text(observations.read_text(encoding="utf-8") + "S01,2024-10-31,Oct 2024,76.0,80.0,,,,\n", encoding="utf-8")
    report = project / "report.json"
    done = reporting_run(project, "--all", "--quarter", "latest", "--jobs", "2", "--report-json", str(report))
    return project, done, json.loads(report.read_text())


@pytest.mark.e2e
def test_latest_publishes_each_committee_at_the_quarter_of_its_latest_figure(latest):
    project, done, records = latest
    assert done.returncode == 0, done.stderr
    rows = summary_rows(done.stdout)
    by_committee = {r["committee"]: r for r in records}
    assert expected_latest(project, "synthetic-demo")[0] == "2024-25-Q3"  # one figure past its default_quarter
    for committee in SAMPLES:
        quarter, latest_end = expected_latest(project, committee)
        assert rows[committee][1:3] == [quarter, "ok"], rows[committee]
        assert (by_committee[committee]["quarter"], by_committee[committee]["quarter_choice"]) == (quarter, "latest")
        assert (project / "outputs" / quarter / committee / "manifest.json").is_file(), committee
        assert read_manifest(project / "outputs" / quarter / committee)["quarter"] == quarter
        assert f"INFO {committee}: quarter {quarter} (--quarter latest: its latest figure ends {latest_end:%d %B %Y})" in done.stderr
        assert re.search(rf"INFO \[\d/{len(SAMPLES)}\] ok {committee} {quarter} in ", done.stderr), committee


@pytest.mark.e2e
def test_every_log_line_of_a_run_starts_with_an_iso_8601_time(latest):
    _, done, _ = latest
    lines = assert_every_line_timestamped(done.stderr)
    assert sum(" WARNING " in line for line in lines) >= 1  # the commentary check's warnings, timestamped too
    times = [datetime.fromisoformat(LOG_LINE.match(line)[1]) for line in lines]
    assert all(t.utcoffset() == timedelta(0) for t in times) and max(times) - min(times) < timedelta(minutes=30)
    assert "\r" not in done.stderr


# --- a quarter without new figures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def stale(tmp_path_factory):
    """synthetic-demo for 2024-25-Q3, a quarter its data has no figures for, published once without --strict."""
    project = copy_project(tmp_path_factory.mktemp("stale"))
    report = project / "report.json"
    done = reporting_run(project, "--committee", "synthetic-demo", "--quarter", "2024-25-Q3", "--report-json", str(report))
    return project, done, json.loads(report.read_text())


@pytest.mark.e2e
def test_a_quarter_without_new_figures_publishes_with_a_warning(stale):
    import pandas as pd

    project, done, records = stale
    assert done.returncode == 0, done.stderr
    warnings = [line for line in assert_every_line_timestamped(done.stderr) if " WARNING " in line]
    assert any("WARNING synthetic-demo 2024-25-Q3: No KPI was updated in 2024-25-Q3 (October to December 2024)" in line
               for line in warnings), done.stderr
    row = summary_rows(done.stdout)["synthetic-demo"]
    assert row[1:3] == ["2024-25-Q3", "ok"] and "no new data" in " ".join(row)
    assert records[0]["no_new_data"] is True and records[0]["status"] == "ok"
    assert any(w.startswith("No KPI was updated in 2024-25-Q3") for w in records[0]["warnings"])
    # The warning says what the published kpis.csv says: no KPI updated this quarter.
    kpis = pd.read_csv(project / "outputs" / "2024-25-Q3" / "synthetic-demo" / "kpis.csv")
    assert not kpis["updated_this_quarter"].any()


@pytest.mark.e2e
def test_strict_refuses_a_quarter_without_new_figures_and_keeps_the_earlier_outputs(stale, tmp_path):
    project, _, _ = stale
    folder = project / "outputs" / "2024-25-Q3" / "synthetic-demo"
    before = fingerprint(folder)
    report = tmp_path / "strict.json"
    done = reporting_run(project, "--committee", "synthetic-demo", "--quarter", "2024-25-Q3", "--strict",
                         "--produced-on", "2024-12-12", "--report-json", str(report))
    assert done.returncode == 1, done.stderr
    assert_every_line_timestamped(done.stderr)
    assert "ERROR FAILED synthetic-demo 2024-25-Q3: No KPI was updated in 2024-25-Q3" in done.stderr
    assert "Nothing was published (--strict); earlier outputs are intact." in done.stderr
    row = summary_rows(done.stdout)["synthetic-demo"]
    assert row[1:3] == ["2024-25-Q3", "FAILED"] and "no new data" in " ".join(row)
    record = json.loads(report.read_text())[0]
    assert (record["status"], record["quarter"], record["no_new_data"]) == ("failed", "2024-25-Q3", True)
    assert fingerprint(folder) == before
    assert hidden(folder.parent) == []
    assert not (folder.parent / "_failed").exists()  # refused before any notebook ran


# --- stopping a run: SIGTERM and Ctrl-C ----------------------------------------------------------------

QUARTER = "2024-25-Q2"


@pytest.fixture(scope="module")
def two_published(tmp_path_factory):
    """Two committees (synthetic-demo and a copy, "second") published once for 2024-25-Q2, produced on 2024-01-01."""
    project = copy_project(tmp_path_factory.mktemp("two"))
    params = (project / "params" / "synthetic-demo.yaml").read_text()
    (project / "params" / "second.yaml").write_text(params.replace("data/synthetic-demo", "data/second"))
    shutil.copytree(project / "data" / "synthetic-demo", project / "data" / "second")
    catalogue = project / "data" / "second" / "indicators.yaml"
    catalogue.write_text(catalogue.read_text().replace("committees: [synthetic-demo]", "committees: [second]"))
    shutil.copytree(project / "commentary" / "synthetic-demo", project / "commentary" / "second")
    for params_file in (project / "params").glob("*.yaml"):
        if params_file.stem not in ("synthetic-demo", "second"):
            params_file.unlink()
    done = reporting_run(project, "--all", "--quarter", QUARTER, "--jobs", "2", "--produced-on", "2024-01-01")
    assert done.returncode == 0, done.stderr
    return project


def _descendants(pid: int) -> list:
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_for(condition, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the run never reached the point to stop it at")
        time.sleep(0.05)


def _running_kernels(pid: int) -> int:
    import psutil

    count = 0
    for process in _descendants(pid):
        try:
            count += "kernel_launcher" in " ".join(process.cmdline())  # reporting.publish.kernel_launcher
        except psutil.Error:  # it ended while we looked
            pass
    return count


def _alive(processes: list) -> list[int]:
    import psutil

    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process.pid)
        except psutil.Error:
            pass
    return alive


@pytest.mark.e2e
@pytest.mark.parametrize("jobs, sig, exit_status", [
    ("1", signal.SIGTERM, 143),
    ("2", signal.SIGTERM, 143),
    ("2", signal.SIGINT, 130),
], ids=["jobs1-SIGTERM", "jobs2-SIGTERM", "jobs2-Ctrl-C"])
def test_stopping_a_run_logs_one_line_exits_128_plus_the_signal_and_half_publishes_nothing(two_published, tmp_path, jobs, sig,
                                                                                          exit_status):
    project = tmp_path / "project"
    shutil.copytree(two_published, project)
    parent = project / "outputs" / QUARTER
    before = {c: fingerprint(parent / c) for c in ("second", "synthetic-demo")}
    log = tmp_path / "stderr"
    with log.open("w") as stderr:
        run = subprocess.Popen(
            [sys.executable, "-m", "reporting.cli", "run", "--all", "--quarter", QUARTER, "--jobs", jobs,
             "--project", str(project), "--renderer", "builtin", "--produced-on", "2024-02-02"],
            stdout=subprocess.DEVNULL, stderr=stderr, text=True, env=clean_env(),
            start_new_session=True,  # its own process group, so a Ctrl-C can reach the whole group as a terminal's does
        )
        try:
            _wait_for(lambda: _running_kernels(run.pid) >= 1 or run.poll() is not None)
            time.sleep(1)  # well inside a notebook
            assert run.poll() is None, "the run finished before it could be stopped"
            processes = _descendants(run.pid)
            if sig == signal.SIGINT:
                os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C on a terminal does: the whole foreground group
            else:
                os.kill(run.pid, signal.SIGTERM)
            run.wait(timeout=120)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
    said = log.read_text()
    assert run.returncode == exit_status, said
    lines = assert_every_line_timestamped(said)
    stops = [line for line in lines if " Stopped by " in line]
    assert len(stops) == 1, said
    name = signal.Signals(sig).name
    assert re.search(rf"ERROR Stopped by {name}(?: \(Ctrl-C\))?: 2 committees not published \(second, synthetic-demo\); "
                     r"nothing was half-published and their earlier outputs are intact\.$", stops[0]), stops[0]
    # Each committee's folder is its earlier, whole outputs; nothing hidden or half-written beside it.
    for committee, files in before.items():
        assert fingerprint(parent / committee) == files, committee
        assert verify(parent / committee).outputs_ok
    assert hidden(parent) == [] and sorted(p.name for p in parent.iterdir()) == ["second", "synthetic-demo"]
    # No worker, kernel or other child of the run is left running.
    deadline = time.monotonic() + 15
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive(processes) == []
