"""Benchmark every council's report from national data: `reporting import lait --all-councils`, then
`reporting run --all` on the local process pool and on a Dask LocalCluster, with the same jobs.

Usage: .venv/bin/python scripts/benchmark_all_councils.py [--councils 20 153] [--executors local dask] [--jobs 2]

The data is REAL: the DfE's LAIT files in data/lait/ (Open Government Licence v3.0), imported with
the 24 measures of params/lait/childrens-services.yaml into a temporary project (the real data/
and outputs/ are not touched). Each council is one committee: a report and a covering paper,
each as HTML and PDF, with its national rank and quartile band from the shared national table.

For each size (`--councils N`: the first N committees in the order `run --all` takes them, the
others' params set aside) and executor, one fresh `reporting run --all --jobs J --renderer builtin`
process is timed from outside (Python's perf_counter; CPU from getrusage of the finished children).
Memory, two ways:

- sampled: every 0.25 s, with psutil, each child process of the run (a pool worker, or a Dask
  worker) and all its descendants (its notebook kernel): the peak of their summed proportional set
  size (PSS: a page shared by several processes is counted in shares, so the sum is what the tree
  costs) and of their summed resident set size (RSS: shared pages counted in each process, so an
  upper bound), for the largest worker. Needs psutil; without it the columns are empty.
- reported: the run's own record of each committee (--report-json), as scripts/benchmark_batch.py
  prints it: the worker process's own peak RSS (getrusage). Its kernel's is not shown: a kernel
  kept warm from one committee to the next has not finished when the record is made, and on Linux
  a finished child's peak includes the parent's memory at the fork (any short command the worker
  runs reports the worker's size), so that figure says little about the kernel.

Then the two executors' outputs are compared file by file for every committee (kpis.csv,
summary.json, the HTML and the PDFs): a byte-for-byte match, or how many differ. The machine's
load is printed with each run: on a shared machine the timings are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SOURCE = PROJECT / "data" / "lait"
MEASURES = PROJECT / "params" / "lait" / "childrens-services.yaml"
PRODUCED = "2026-01-15"
COMPARED = ("kpis.csv", "summary.json", "report.html", "paper.html", "report.pdf", "paper.pdf")

try:
    import psutil
except ImportError:  # the sampled column is left empty
    psutil = None


def environment() -> dict:
    """This checkout's code first on the path, for the run, its workers and their kernels."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return env


def timed(command: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; its wall time and the CPU time of it and its waited-for descendants."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_all(project: Path) -> float:
    """`reporting import lait --all-councils` into `project`, in its own process: its wall time."""
    done, wall, _ = timed([sys.executable, "-m", "reporting.cli", "import", "lait", "--source", str(SOURCE),
                           "--measures", str(MEASURES), "--all-councils", "--project", str(project)])
    if done.returncode != 0:
        sys.exit(f"the import failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall


def keep_first(project: Path, count: int, aside: Path) -> list[str]:
    """Leave the first `count` committees' params in params/ (sorted, as `run --all` takes them); move the others aside."""
    aside.mkdir(exist_ok=True)
    for path in sorted(aside.glob("*.yaml")):
        path.rename(project / "params" / path.name)
    params = sorted((project / "params").glob("*.yaml"))
    for path in params[count:]:
        path.rename(aside / path.name)
    return [p.stem for p in params[:count]]


class TreeSampler:
    """The peak, over the run, of each child process's RSS plus its descendants' (psutil, every 0.25 s)."""

    def __init__(self, pid: int):
        self.pid, self.peaks, self.rss_peaks, self.parent_peak = pid, {}, {}, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        if psutil is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        try:
            run = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                self.parent_peak = max(self.parent_peak, run.memory_info().rss / 2**20)
                for child in run.children():
                    pss = rss = 0.0
                    for process in (child, *child.children(recursive=True)):
                        try:
                            memory = process.memory_full_info()
                        except psutil.Error:
                            continue
                        pss += getattr(memory, "pss", memory.rss) / 2**20
                        rss += memory.rss / 2**20
                    self.peaks[child.pid] = max(self.peaks.get(child.pid, 0.0), pss)
                    self.rss_peaks[child.pid] = max(self.rss_peaks.get(child.pid, 0.0), rss)
            except psutil.Error:
                pass
            self._stop.wait(0.25)

    def worker_peak(self, rss: bool = False) -> float | None:
        """The largest worker tree's peak PSS (or RSS); the multiprocessing resource tracker, a tiny child, is never it."""
        peaks = self.rss_peaks if rss else self.peaks
        return max(peaks.values()) if peaks else None


def run_all(project: Path, executor: str, jobs: int) -> dict:
    """One `reporting run --all` process: wall and CPU time, memory, and its committees' outcomes."""
    shutil.rmtree(project / "outputs", ignore_errors=True)
    outcomes = project / f"outcomes-{executor}.json"
    command = [sys.executable, "-m", "reporting.cli", "run", "--all", "--project", str(project), "--jobs", str(jobs),
               "--renderer", "builtin", "--produced-on", PRODUCED, "--executor", executor, "--report-json", str(outcomes)]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(project / f"run-{executor}.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment())
        with TreeSampler(process.pid) as sampler:
            process.wait()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    records = json.loads(outcomes.read_text()) if outcomes.exists() else []
    if process.returncode not in (0, 1) or not records:
        sys.exit(f"reporting run failed ({process.returncode}); see {project / f'run-{executor}.log'}")
    return {
        "wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), "load": load,
        "committees": len(records), "failed": sum(r["status"] != "ok" for r in records),
        "tree_mb": sampler.worker_peak(), "tree_rss_mb": sampler.worker_peak(rss=True), "parent_mb": sampler.parent_peak or None,
        "worker_mb": max((r["peak_worker_mb"] or 0) for r in records),
    }


def compare(first: Path, second: Path, committees: list[str]) -> dict[str, int]:
    """For each compared file, how many committees' copies differ between the two output folders."""
    differ = dict.fromkeys(COMPARED, 0)
    for committee in committees:
        a, b = list(first.glob(f"*/{committee}")), list(second.glob(f"*/{committee}"))
        for name in COMPARED:
            if len(a) != 1 or len(b) != 1 or not (a[0] / name).is_file() or (a[0] / name).read_bytes() != (b[0] / name).read_bytes():
                differ[name] += 1
    return differ


def megabytes(value: float | None) -> str:
    return f"{value:.0f}" if value else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, nargs="+", default=[153], help="how many councils to run (the first N); several sizes in turn")
    parser.add_argument("--executors", nargs="+", default=["local", "dask"], choices=["local", "dask"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the project (and its outputs) in this new folder instead of a temporary one")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="reporting-all-councils-")) if args.keep is None else args.keep
    project = scratch / "project"
    try:
        wall = import_all(project)
        total = len(list((project / "params").glob("*.yaml")))
        print(f"import: {total} councils in {wall:.1f} s wall (a fresh process, Python's start and imports included); "
              f"{sum(p.stat().st_size for p in (project / 'data').rglob('*') if p.is_file()) / 2**20:.1f} MB of data", flush=True)
        print(f"\n{'councils':>8} {'executor':>8} {'jobs':>4} {'wall s':>8} {'CPU s':>8} {'reports/min':>11} "
              f"{'tree PSS MB':>11} {'tree RSS MB':>11} {'worker MB':>9} {'run MB':>6} {'failed':>6} {'load':>5}", flush=True)
        for size in args.councils:
            committees = keep_first(project, min(size, total), scratch / "aside")
            folders = {}
            for executor in args.executors:
                m = run_all(project, executor, args.jobs)
                folders[executor] = project / f"outputs-{executor}-{len(committees)}"
                shutil.rmtree(folders[executor], ignore_errors=True)
                (project / "outputs").rename(folders[executor])
                print(f"{len(committees):>8} {executor:>8} {args.jobs:>4} {m['wall']:>8.1f} {m['cpu']:>8.1f} "
                      f"{60 * m['committees'] / m['wall']:>11.1f} {megabytes(m['tree_mb']):>11} {megabytes(m['tree_rss_mb']):>11} "
                      f"{megabytes(m['worker_mb']):>9} {megabytes(m['parent_mb']):>6} {m['failed']:>6} {m['load']:>5.1f}", flush=True)
            if len(folders) == 2:
                differ = compare(*folders.values(), committees)
                same = ", ".join(f"{name} {len(committees) - n}/{len(committees)}" for name, n in differ.items())
                print(f"{'':>8} outputs identical between the executors (byte for byte): {same}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    print("\nA report: one council's report and covering paper, each as HTML and PDF (24 LAIT measures). "
          "tree PSS/RSS MB: the largest worker's peak with its kernel's, sampled; worker MB: the worker process alone, "
          "as the run records it; run MB: the `reporting run` process (with --executor dask it also holds the scheduler). "
          "load: the 1-minute load average when the run started (the machine's other work).")


if __name__ == "__main__":
    main()
