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
    run.add_argument("--strict", action="store_true", help="refuse to publish when the commentary check finds problems")

    commentary = commands.add_parser("commentary", help="write and check the commentary for a quarter")
    steps = commentary.add_subparsers(dest="step", required=True)
    new = steps.add_parser("new", help="create the commentary notebook for a committee and quarter")
    check = steps.add_parser("check", help="list missing, carried-over and misplaced commentary")
    for step in (new, check):
        step.add_argument("--committee", required=True, help="committee id (its params/<id>.yaml)")
        step.add_argument("--quarter", required=True, help="quarter id such as 2023-24-Q4")
        step.add_argument("--project", default=".", type=Path, help="the project folder")
    new.add_argument("--force", action="store_true", help="replace an existing commentary notebook (its text is lost)")
    check.add_argument("--strict", action="store_true", help="exit 1 when anything is found (for scheduled runs)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "commentary":
        try:
            return _commentary(args)
        except ReportingError as error:
            print(f"FAILED: {error}", file=sys.stderr)
            return 1
    return 2


def _commentary(args) -> int:
    from .commentary import check_commentary, new_commentary_notebook

    if args.step == "new":
        path = new_commentary_notebook(args.committee, args.quarter, args.project, force=args.force)
        print(f"Created {path}. Open it in JupyterLab, write the commentary and actions, then run "
              f"`reporting commentary check --committee {args.committee} --quarter {args.quarter}`.")
        return 0
    findings = check_commentary(args.committee, args.quarter, args.project)
    for finding in findings:
        print(f"{'error' if args.strict else 'warning'}: {finding}")
    print(f"{len(findings)} problem{'s' if len(findings) != 1 else ''} found in the commentary for {args.committee}, {args.quarter}.")
    return 1 if (findings and args.strict) else 0


def _run(args) -> int:
    committees = committee_ids(args.project / "params") if args.all else args.committee
    if not committees:
        print(f"No committees found in {args.project / 'params'}.", file=sys.stderr)
        return 2
    failures = 0
    for committee in committees:
        try:
            result = run_committee(committee, args.quarter, args.project, args.renderer, args.produced_on, strict=args.strict)
        except ReportingError as error:
            failures += 1
            print(f"FAILED {committee}: {error}", file=sys.stderr)
            continue
        except Exception as error:  # an unexpected fault: still report it and go on to the next committee
            failures += 1
            print(f"FAILED {committee}: unexpected {type(error).__name__}: {error}", file=sys.stderr)
            continue
        for warning in result.warnings:
            print(f"warning {committee}: {warning}", file=sys.stderr)
        t = result.timings
        print(
            f"ok {committee} {result.quarter}: {result.output_dir} "
            f"(renderer {result.renderer}; execute {t['execute']:.1f}s, render {t['render']:.1f}s, total {t['total']:.1f}s)"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
