"""Benchmark loading a committee's data from a large observations file: 2,000,000 SYNTHETIC rows.

Usage: .venv/bin/python scripts/benchmark_large_observations.py [--folder DIR] [--run] [--src SRC]
           [--committees large-3 large-30] [--caches cold warm] [--timeout SECONDS]

It writes (once; later runs reuse it) a private project in a temporary folder: a dataset of
20,000 invented indicators x 100 months (observations.csv, about 246 MB, in the data contract,
and indicators.yaml listing all 20,000), and params for a committee of 3 KPIs and one of 30.
Then, each in a fresh process, it times `load_dataset` for each committee with a cold cache
(the project's .cache/ removed first) and a warm one, printing the wall time of the load and the
process's peak resident memory (getrusage's maxrss: the whole process, imports included).

`--run` also times a whole `reporting run` of the 3-KPI committee on the file (builtin renderer),
warm. `--src` points at another copy of the package's src/ folder, e.g. an older checkout, to
measure its load the same way (a load_dataset without `indicators=` loads every row, then the
committee's are picked); `--timeout` stops a measurement that takes longer, reporting how long it
ran and its peak memory so far. Every figure is invented; nothing here is any council's data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
INDICATORS = 20_000
MONTHS = 100
COMMITTEES = {"large-3": 3, "large-30": 30}
QUARTER = "2023-24-Q2"  # holds the last of the 100 months (May 2015 to August 2023)
MARKER = "complete.json"


def ids() -> list[str]:
    return [f"IND-{number:06d}" for number in range(1, INDICATORS + 1)]


def month_ends() -> list[str]:
    import calendar

    ends, year, month = [], 2015, 5
    for _ in range(MONTHS):
        ends.append(f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}|{calendar.month_abbr[month]} {year}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def generate(root: Path) -> None:
    """The project: params, and data/large with indicators.yaml and observations.csv."""
    if (root / MARKER).exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    data = root / "data" / "large"
    data.mkdir(parents=True)
    (root / "params").mkdir()
    (root / "commentary").mkdir()
    every = ids()
    chosen = random.Random(7).sample(every, max(COMMITTEES.values()))
    for committee, count in COMMITTEES.items():
        listed = ", ".join(f'"{i}"' for i in chosen[:count])
        (root / "params" / f"{committee}.yaml").write_text(
            "# SYNTHETIC: an invented committee over a large invented dataset, for benchmarking.\n"
            f"council: Synthetic County Council (benchmark data)\ncommittee_name: Large {count}\n"
            f"dataset: data/large\ndefault_quarter: {QUARTER}\nindicators: [{listed}]\n",
            encoding="utf-8",
        )
    with open(data / "indicators.yaml", "w", encoding="utf-8", newline="\n") as out:
        out.write("# SYNTHETIC DATA: invented for benchmarking; not any council's figures.\n")
        for number, indicator in enumerate(every):
            unit = "percent" if number % 2 == 0 else "rate"
            out.write(f'- id: "{indicator}"\n  title: Synthetic benchmark indicator {number + 1}\n'
                      f"  direction: {'higher' if number % 3 else 'lower'}\n  unit: {unit}\n  status: target\n")
    rng = random.Random(20_000)
    notes = ["Figure as published in the quarterly return", "Provisional figure: subject to revision next quarter",
             "Revised since last published: see the data notes for the reason",
             "Data supplied late by the provider; checked by the team"]
    with open(data / "observations.csv", "w", encoding="utf-8", newline="\n") as out:
        out.write("indicator_id,period_end,period_label,value,target,stat_neighbour_mean,england_mean,"
                  "regional_mean,numerator,denominator,note\n")
        for month in month_ends():  # period by period, every indicator in each: the order a monthly export has
            end, label = month.split("|")
            lines = []
            for indicator in every:
                value = rng.uniform(5, 95)
                lines.append(f"{indicator},{end},{label},{value:.2f},{value + rng.uniform(-5, 5):.2f},"
                             f"{rng.uniform(5, 95):.2f},{rng.uniform(5, 95):.2f},{rng.uniform(5, 95):.2f},"
                             f"{int(value * 10)},1000,{notes[rng.randrange(4)]}\n")
            out.write("".join(lines))
    (root / MARKER).write_text(json.dumps({"indicators": INDICATORS, "months": MONTHS}), encoding="utf-8")


CHILD = r"""
import inspect, json, resource, sys, time
from pathlib import Path
root, committee = Path(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
import reporting
imported = time.perf_counter() - started
params = reporting.load_params(root / "params" / f"{committee}.yaml")
started = time.perf_counter()
if "indicators" in inspect.signature(reporting.load_dataset).parameters:
    dataset = reporting.load_dataset(params.dataset, root, indicators=params.indicators)
    rows = len(dataset.observations)
else:  # an older load_dataset: every row, then the committee's
    dataset = reporting.load_dataset(params.dataset, root)
    rows = int(dataset.observations["indicator_id"].isin(params.indicators).sum())
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "import": imported, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measured(command: list[str], cwd: Path, env: dict, timeout: float) -> dict:
    """Run `command`, watching its peak memory (VmHWM) so a measurement stopped at `timeout` still has one."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _high_water_mb(process.pid))
        if time.perf_counter() - started > timeout:
            process.kill()
            process.wait()
            return {"seconds": time.perf_counter() - started, "peak_mb": peak, "stopped": True}
        time.sleep(0.2)
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def _high_water_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "reporting-large-observations",
                        help="where the benchmark project is written, and reused (default: %(default)s)")
    parser.add_argument("--src", type=Path, default=PROJECT / "src", help="the package's src/ folder to measure")
    parser.add_argument("--run", action="store_true", help="also time a whole `reporting run` of the 3-KPI committee")
    parser.add_argument("--committees", nargs="+", choices=list(COMMITTEES), default=list(COMMITTEES))
    parser.add_argument("--caches", nargs="+", choices=("cold", "warm"), default=["cold", "warm"])
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a measurement is stopped")
    args = parser.parse_args()

    root = args.folder.resolve()
    started = time.perf_counter()
    generate(root)
    shutil.rmtree(root / "notebooks", ignore_errors=True)  # the notebooks of the code measured, fresh each time
    shutil.copytree(args.src.resolve().parent / "notebooks", root / "notebooks")
    observations = root / "data" / "large" / "observations.csv"
    print(f"dataset {observations} ({observations.stat().st_size / 1e6:.0f} MB, {INDICATORS:,} indicators x "
          f"{MONTHS} months), ready in {time.perf_counter() - started:.1f} s; code from {args.src}")
    env = {**os.environ, "PYTHONPATH": str(args.src.resolve()), "REPORTING_MAX_YAML_MB": "8"}  # the 20,000-entry catalogue is 2.3 MB
    print(f"{'committee':<10}{'cache':>6}{'rows':>7}{'load s':>9}{'peak MB':>9}")
    for committee in args.committees:
        for cache in args.caches:
            if cache == "cold":
                shutil.rmtree(root / ".cache", ignore_errors=True)
            result = measured([sys.executable, "-c", CHILD, str(root), committee], root, env, args.timeout)
            if result.get("stopped"):
                print(f"{committee:<10}{cache:>6}{'-':>7}{'>' + format(result['seconds'], '.0f'):>9}"
                      f"{result['peak_mb']:>9.0f}  stopped after --timeout {args.timeout:g} s (peak so far)")
                continue
            print(f"{committee:<10}{cache:>6}{result['rows']:>7}{result['seconds']:>9.2f}{result['peak_mb']:>9.0f}")
    if args.run:
        reporting = Path(sys.executable).with_name("reporting")
        command = [sys.executable, "-c", "import resource, subprocess, sys, time, json\n"
                   "t = time.perf_counter(); done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
                   "sys.stderr.write(done.stderr[-3000:])\n"
                   "print(json.dumps({'seconds': time.perf_counter() - t, 'status': done.returncode, "
                   "'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))",
                   str(reporting), "run", "--committee", "large-3", "--project", str(root), "--renderer", "builtin"]
        result = measured(command, root, env, args.timeout)
        print(f"reporting run --committee large-3 (warm): {result.get('seconds', 0):.1f} s, exit {result.get('status')}, "
              f"largest process {result['peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
