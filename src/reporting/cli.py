"""The command line: argument parsing only; every command calls a function of the package."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ReportingError
from .params import committee_ids
from .render.choose import RENDERERS
from .run import run_committee


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reporting", description="Committee performance reports from data, as HTML and PDF.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="produce a committee's report for a quarter")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--committee", action="append", help="committee id (its params/<id>.yaml); repeat for several")
    which.add_argument("--all", action="store_true", help="every committee in params/")
    run.add_argument("--quarter", help="quarter id such as 2023-24-Q3; default: each committee's default_quarter")
    run.add_argument("--renderer", choices=RENDERERS, default="auto", help="quarto, builtin, or auto (quarto when on PATH)")
    run.add_argument("--project", default=".", type=Path, help="the project folder holding params/, data/ and notebooks/")
    run.add_argument("--produced-on", help="the produced-on date (YYYY-MM-DD); default SOURCE_DATE_EPOCH or today")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    return 2


def _run(args) -> int:
    committees = committee_ids(args.project / "params") if args.all else args.committee
    if not committees:
        print(f"No committees found in {args.project / 'params'}.", file=sys.stderr)
        return 2
    failures = 0
    for committee in committees:
        try:
            result = run_committee(committee, args.quarter, args.project, args.renderer, args.produced_on)
        except ReportingError as error:
            failures += 1
            print(f"FAILED {committee}: {error}", file=sys.stderr)
            continue
        except Exception as error:  # an unexpected fault: still report it and go on to the next committee
            failures += 1
            print(f"FAILED {committee}: unexpected {type(error).__name__}: {error}", file=sys.stderr)
            continue
        t = result.timings
        print(
            f"ok {committee} {result.quarter}: {result.output_dir} "
            f"(renderer {result.renderer}; execute {t['execute']:.1f}s, render {t['render']:.1f}s, total {t['total']:.1f}s)"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
