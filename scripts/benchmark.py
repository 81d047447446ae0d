"""Benchmark one committee's full run against the bare baseline: wall time, its split, and peak memory.

Usage: .venv/bin/python scripts/benchmark.py [--committee cambridgeshire-cyp] [--runs 5] [--no-baseline]

Each run is a fresh process (as `reporting run` is), on a private copy of the project so the
real outputs/ are not touched: the report and covering paper, each as HTML and PDF, kpis.csv,
kpis.xlsx and the manifest. Runs alternate with the bare baseline (scripts/bare_baseline.py:
papermill executing one 20-chart seaborn notebook, nbconvert to HTML, WeasyPrint to PDF), so the
ratio is taken pair by pair and holds when the machine's speed drifts. Peak memory is the maximum
resident set size of the run's own process and of its largest child (a notebook kernel), from getrusage.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def once(committee: str, project: Path, renderer: str) -> None:
    """One run in this process; prints its timings and peak memory as JSON."""
    started = time.perf_counter()
    import reporting

    imported = time.perf_counter() - started
    result = reporting.run_committee(committee, None, project, renderer=renderer, produced="2024-03-04")
    wall = time.perf_counter() - started
    print(json.dumps({
        "wall": wall,
        "import": imported,
        "execute": result.timings["execute"],
        "render": result.timings["render"],
        "peak_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_kernel_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--committee", default="cambridgeshire-cyp")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--renderer", default="builtin")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the alternating bare baseline runs")
    parser.add_argument("--once", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        once(args.committee, args.once, args.renderer)
        return

    baseline = not args.no_baseline
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        for name in ("params", "data", "notebooks", "commentary"):
            shutil.copytree(PROJECT / name, project / name)
        runs = []
        for number in range(args.runs):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "--committee", args.committee, "--renderer", args.renderer, "--once", str(project)],
                capture_output=True, text=True, check=True,
            )
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            figures["process"] = time.perf_counter() - started
            line = f"run {number + 1}: {figures['process']:.2f}s (execute and render {figures['execute']:.2f}s)"
            if baseline:
                started = time.perf_counter()
                subprocess.run([sys.executable, str(PROJECT / "scripts" / "bare_baseline.py"), str(Path(folder) / "bare")],
                               capture_output=True, text=True, check=True)
                figures["baseline"] = time.perf_counter() - started
                figures["ratio"] = figures["process"] / figures["baseline"]
                line += f"; bare baseline {figures['baseline']:.2f}s; ratio {figures['ratio']:.2f}"
            runs.append(figures)
            print(line, flush=True)

    def row(label: str, key: str, unit: str) -> str:
        values = [r[key] for r in runs]
        return f"{label:<34}{min(values):>9.2f}{statistics.median(values):>9.2f}{max(values):>9.2f} {unit}"

    print(f"\n{args.committee}, renderer {args.renderer}, {args.runs} runs, each a new process")
    print(f"{'':<34}{'min':>9}{'median':>9}{'max':>9}")
    print(row("whole run (process start to end)", "process", "s"))
    print(row("  import reporting", "import", "s"))
    print(row("  notebooks run, each then rendered", "execute", "s"))
    print(row("  render after the last notebook", "render", "s"))
    print(row("peak memory, run process", "peak_self_mb", "MB"))
    print(row("peak memory, notebook kernel", "peak_kernel_mb", "MB"))
    if baseline:
        print(row("bare baseline (one notebook)", "baseline", "s"))
        print(row("ratio, this run / bare baseline", "ratio", "x"))
        print("Goal: a ratio of at most 0.7.")


if __name__ == "__main__":
    main()
