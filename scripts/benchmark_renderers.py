"""Quarto against the built-in renderer, measured side by side in one run, and where Quarto's time goes.

Usage: .venv/bin/python scripts/benchmark_renderers.py [--quarto PATH] [--repeat N]

On a private copy of the project (the real outputs/ are not touched), it times:

1. one committee (Cambridgeshire Q3 2023/24) through the built-in renderer, then through Quarto,
   split into executing the notebooks and rendering the report and paper;
2. the four sample committees in one batch through Quarto (notebooks in a process pool, then one
   `quarto render` of all eight documents), and the same batch through the built-in renderer;
3. where Quarto's render time goes: what any call costs (a one-line document to HTML and PDF:
   Deno, the theme's Sass, pandoc's start-up), the HTML of every document alone (pandoc and its Lua
   filters, embedding resources), and the PDFs alone, with Typst's own compile time logged by the
   workbook's `typst` command.

Figures are wall-clock seconds from Python's perf_counter, the median of `--repeat` runs (default 1).
Quarto: `--quarto`, else $REPORTING_QUARTO, else `quarto` on PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "src"))

import reporting  # noqa: E402
from reporting.publish.render import QuartoTimings, quarto_command  # noqa: E402
from reporting.publish.render.quarto import TEMPLATES, quarto_config  # noqa: E402
from reporting.publish.render.quarto_source import quarto_source  # noqa: E402
from reporting.publish.render.typst_compile import TIMINGS_ENV, command_file  # noqa: E402

COMMITTEE = "cambridgeshire-cyp"
COMMITTEES = ["cambridgeshire-cyp", "durham-cyp", "synthetic-demo", "synthetic-spc"]
PRODUCED = "2024-03-04"


def fresh_project(tmp: Path, name: str) -> Path:
    project = tmp / name
    for folder in ("params", "data", "notebooks", "commentary"):
        shutil.copytree(PROJECT / folder, project / folder)
    return project


def one_committee(tmp: Path, renderer: str) -> dict[str, float]:
    started = time.perf_counter()
    result = reporting.run_committee(COMMITTEE, None, fresh_project(tmp, f"one-{renderer}-{time.time_ns()}"), renderer=renderer,
                                     produced=PRODUCED)
    return {"execute": result.timings["execute"], "render": result.timings["render"], "total": time.perf_counter() - started}


def batch(tmp: Path, renderer: str) -> dict[str, float]:
    timings = QuartoTimings()
    started = time.perf_counter()
    outcomes = reporting.run_many(COMMITTEES, None, fresh_project(tmp, f"batch-{renderer}-{time.time_ns()}"), renderer=renderer,
                                  produced=PRODUCED, quarto_timings=timings)
    failed = [o.committee for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"{renderer} batch failed for {failed}: {[o.error for o in outcomes if not o.ok]}")
    figures = {"total": time.perf_counter() - started}
    if renderer == "quarto":
        figures |= {"quarto render (8 documents)": timings.render, "writing the Quarto documents": timings.prepare}
    return figures


def quarto_breakdown(tmp: Path, quarto: str) -> dict[str, float]:
    """Deno start-up, HTML only and PDF only, for the four committees' eight documents (already executed)."""
    project = fresh_project(tmp, f"breakdown-{time.time_ns()}")
    outcomes = reporting.run_many(COMMITTEES, None, project, renderer="builtin", produced=PRODUCED)
    work = tmp / f"quarto-project-{time.time_ns()}"
    work.mkdir()
    for name in ("reporting.scss", "reporting.lua", "typst-template.typ", "typst-show.typ"):
        shutil.copyfile(TEMPLATES / name, work / name)
    (work / "_quarto.yml").write_text(quarto_config(), encoding="utf-8")
    for n, outcome in enumerate(outcomes):
        for document in ("report", "paper"):
            folder = work / f"document-{n}-{document}"
            folder.mkdir()
            quarto_source(Path(outcome.output_dir) / f"{document}.ipynb").write(folder, document)
    log = tmp / f"typst-{time.time_ns()}.log"
    env = {**os.environ, "QUARTO_TYPST": str(command_file(tmp)), TIMINGS_ENV: str(log)}

    def timed(*arguments: str) -> float:
        started = time.perf_counter()
        subprocess.run([quarto, *arguments], cwd=work, env=env, check=True, capture_output=True)
        return time.perf_counter() - started

    figures = {"quarto --version": timed("--version")}
    tiny = tmp / f"quarto-tiny-{time.time_ns()}"
    shutil.copytree(work, tiny, ignore=shutil.ignore_patterns("document-*"))
    (tiny / "one").mkdir()
    (tiny / "one" / "tiny.qmd").write_text("---\npagetitle: t\nlang: en-GB\n---\n\n# A heading\n\nOne line.\n", encoding="utf-8")
    (tiny / "one" / "tiny.inputs.json").write_text('{"title": "t", "running-header": "h"}', encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([quarto, "render"], cwd=tiny, env=env, check=True, capture_output=True)
    figures["one-line document, HTML and PDF (per call)"] = time.perf_counter() - started
    figures["HTML only, 8 documents"] = timed("render", "--to", "html")
    figures["PDF only, 8 documents"] = timed("render", "--to", "typst")
    figures["of which Typst compiling"] = sum(float(line.split("\t")[0]) for line in log.read_text().splitlines())
    return figures


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def show(title: str, figures: dict[str, float]) -> None:
    print(f"\n{title}")
    for key, seconds in figures.items():
        print(f"  {key:<40} {seconds:7.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarto", help="the quarto command (default: $REPORTING_QUARTO, else quarto on PATH)")
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    if options.quarto:
        os.environ["REPORTING_QUARTO"] = options.quarto
    quarto = quarto_command()
    if quarto is None:
        raise SystemExit("Quarto is not installed: pass --quarto PATH or set REPORTING_QUARTO.")
    print(f"Quarto {subprocess.run([quarto, '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{os.cpu_count()} cores, median of {options.repeat} run(s)")
    with tempfile.TemporaryDirectory(prefix="benchmark-renderers-") as folder:
        tmp = Path(folder)
        for renderer in ("builtin", "quarto"):
            show(f"One committee ({COMMITTEE}), {renderer}", median_of([one_committee(tmp, renderer) for _ in range(options.repeat)]))
        for renderer in ("quarto", "builtin"):
            show(f"Four committees in one batch, {renderer}", median_of([batch(tmp, renderer) for _ in range(options.repeat)]))
        show("Where Quarto's time goes (the same 8 documents)", median_of([quarto_breakdown(tmp, quarto) for _ in range(options.repeat)]))


if __name__ == "__main__":
    main()
