"""How fast, and in how little memory, oversized and explosive inputs are refused.

Usage: .venv/bin/python scripts/benchmark_hostile_inputs.py

Each case breaks one file of a private copy of the Cambridgeshire sample (the real project is not
touched) and runs `reporting run` on it as a fresh process, timed, with its peak memory (maximum
resident set size of the command and anything it started, from getrusage of a wrapper process
that starts only it). The goal: each refused in under 5 s, with a peak under 500 MB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
COMMITTEE = "cambridgeshire-cyp"
# A "billion laughs": nine levels of nine-fold aliases, about 400 bytes that expand to 9^9 strings.
BOMB = "".join(
    f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9) if level else ', '.join(['lol'] * 9)}]\n" for level in range(10)
)


def catalogue_bomb(root: Path) -> None:
    path = root / "data" / COMMITTEE / "indicators.yaml"
    entry = "- id: '1'\n  title: t\n  direction: higher\n  unit: percent\n  status: target\n  description: *l9\n"
    path.write_text(_bomb_list(entry), encoding="utf-8")


def _bomb_list(entry: str) -> str:
    """The bomb as a catalogue: anchors defined in a first entry's fields, the last used by a second."""
    anchors = "".join(f"  x{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9) if level else ', '.join(['lol'] * 9)}]\n"
                      for level in range(10))
    return "- id: '0'\n" + anchors + entry


def params_bomb(root: Path) -> None:
    path = root / "params" / f"{COMMITTEE}.yaml"
    path.write_text(BOMB + path.read_text(encoding="utf-8").replace("council: Cambridgeshire County Council", "council: *l9"),
                    encoding="utf-8")


def commentary_bomb(root: Path) -> None:
    path = root / "commentary" / COMMITTEE / "2023-24-Q3.yaml"
    path.write_text(BOMB + '"1":\n  commentary: *l9\n', encoding="utf-8")


def oversized_yaml(root: Path) -> None:
    path = root / "data" / COMMITTEE / "indicators.yaml"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(("# padding " + "x" * 1000 + "\n") * 3000)  # 3 MB, over the 2 MB default


def oversized_observations(root: Path) -> None:
    path = root / "data" / COMMITTEE / "observations.csv"
    with open(path, "r+b") as handle:
        handle.truncate(600 * 1024 * 1024)  # a sparse 600 MB file, over the 512 MB default


CASES = {
    "catalogue alias bomb": catalogue_bomb,
    "params alias bomb": params_bomb,
    "commentary alias bomb": commentary_bomb,
    "indicators.yaml of 3 MB": oversized_yaml,
    "observations.csv of 600 MB": oversized_observations,
}


def measured(command: list[str], cwd: Path) -> dict:
    """Run `command` from a wrapper that starts nothing else, so its children's peak RSS is the command's."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'status': done.returncode, "
        "'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 'said': done.stderr[-600:]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *command], cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    reporting = Path(sys.executable).with_name("reporting")
    print(f"{'case':<30}{'exit':>5}{'seconds':>9}{'peak MB':>9}  first line of the message")
    worst_seconds = worst_mb = 0.0
    for name, breaks in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "project"
            for folder in ("params", "data", "notebooks", "commentary"):
                shutil.copytree(PROJECT / folder, root / folder)
            breaks(root)
            result = measured([str(reporting), "run", "--committee", COMMITTEE, "--project", str(root),
                               "--renderer", "builtin"], root)
        said = next((line.strip() for line in result["said"].splitlines() if line.strip().startswith("- ")),
                    result["said"].strip().splitlines()[-1] if result["said"].strip() else "")
        print(f"{name:<30}{result['status']:>5}{result['seconds']:>9.2f}{result['peak_mb']:>9.0f}  {said[:110]}")
        worst_seconds, worst_mb = max(worst_seconds, result["seconds"]), max(worst_mb, result["peak_mb"])
    print(f"\nslowest refusal {worst_seconds:.2f} s (goal under 5 s); largest peak {worst_mb:.0f} MB (goal under 500 MB)")
    return 0 if worst_seconds < 5 and worst_mb < 500 else 1


if __name__ == "__main__":
    os.environ.pop("REPORTING_MAX_YAML_MB", None)
    os.environ.pop("REPORTING_MAX_DATA_MB", None)
    sys.exit(main())
