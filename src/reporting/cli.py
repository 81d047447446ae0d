"""The command line: argument parsing only; every command calls a function of the package."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .batch import (
    EXECUTORS, Outcome, Plan, Stopped, default_jobs, outcome_record, plan_run, progress_printer, published_since, run_many,
    stop_on_signals, summary_table,
)
from .errors import DateError, ParamsError, QuarterError, ReportingError, UsageError
from .logs import LOG, log_to
from .publish.manifest import now_utc
from .params import check_committee_id, committee_ids
from .quarters import Quarter, produced_on
from .publish.render.choose import RENDERERS
from .run import QUARTER_CHOICES


def _committee(text: str) -> str:
    """A --committee value: a committee id safe in file names, else a usage error (exit status 2)."""
    try:
        return check_committee_id(text)
    except ParamsError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _quarter(text: str) -> str:
    """A --quarter value: a quarter id such as 2023-24-Q3, else a usage error (exit status 2)."""
    try:
        return Quarter.parse(text).id
    except QuarterError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _quarter_choice(text: str) -> str:
    """A `run --quarter` value: latest, current, or a quarter id such as 2023-24-Q3, else a usage error (exit status 2)."""
    if text.strip().lower() in QUARTER_CHOICES:
        return text.strip().lower()
    try:
        return Quarter.parse(text).id
    except QuarterError as error:
        raise argparse.ArgumentTypeError(f"{error} Or write latest or current.") from None


def _day(text: str) -> str:
    """A --produced-on value: a date written YYYY-MM-DD that is in the calendar, else a usage error (exit status 2)."""
    try:
        return produced_on(text).isoformat()
    except DateError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reporting", description="Committee performance reports from data, as HTML and PDF.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="produce a committee's report for a quarter")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--committee", action="append", type=_committee, help="committee id (its params/<id>.yaml); repeat for several")
    which.add_argument("--all", action="store_true", help="every committee in params/")
    run.add_argument("--quarter", type=_quarter_choice,
                     help="a quarter id such as 2023-24-Q3; latest: each committee's latest quarter with figures; current: "
                          "the latest quarter to end before the produced-on date; default: each committee's default_quarter")
    run.add_argument("--renderer", choices=RENDERERS, default="auto", help="quarto, builtin, or auto (quarto when on PATH)")
    run.add_argument("--project", default=".", type=Path, help="the project folder holding params/, data/ and notebooks/")
    run.add_argument("--produced-on", type=_day, help="the produced-on date (YYYY-MM-DD); default SOURCE_DATE_EPOCH or today")
    run.add_argument("--strict", action="store_true",
                     help="refuse to publish a committee whose commentary check finds problems or whose quarter has no new figures")
    run.add_argument("--jobs", type=int, default=None,
                     help=f"committees run at once, each in its own process (default: the number of cores, here {default_jobs()})")
    run.add_argument("--executor", choices=EXECUTORS, default="local",
                     help="local: a process pool on this machine; dask: tasks on a Dask cluster")
    run.add_argument("--scheduler", help="with --executor dask: the scheduler address, e.g. tcp://10.0.0.5:8786 "
                     "(default: a local cluster of --jobs workers)")

    run.add_argument("--report-json", type=Path,
                     help="also write each committee's outcome (status, time, folder, error, peak memory) to this JSON file")

    audit = commands.add_parser("audit", help="check a rendered folder's HTML (axe-core, WCAG 2.2 AA) and PDFs (tags) before publishing")
    audit.add_argument("folder", type=Path, help="a rendered folder, e.g. outputs/2023-24-Q3/cambridgeshire-cyp")

    verify = commands.add_parser("verify", help="check a published report folder against its manifest.json")
    verify.add_argument("folder", type=Path, help="a published folder, e.g. outputs/2023-24-Q3/cambridgeshire-cyp")
    verify.add_argument("--project", type=Path, help="the project the inputs are in (default: the one the folder is in)")
    verify.add_argument("--manifest-sha256", help="the manifest's own SHA-256, kept where the publisher cannot rewrite it (e.g. the minutes); checked too")

    commentary = commands.add_parser("commentary", help="write and check the commentary for a quarter")
    steps = commentary.add_subparsers(dest="step", required=True)
    new = steps.add_parser("new", help="create the commentary notebook for a committee and quarter")
    check = steps.add_parser("check", help="list missing, carried-over and misplaced commentary")
    refresh = steps.add_parser("refresh", help="run a commentary notebook's figure cells again (after git stripped them); its text is untouched")
    for step in (new, check, refresh):
        step.add_argument("--committee", required=True, type=_committee, help="committee id (its params/<id>.yaml)")
        step.add_argument("--quarter", required=True, type=_quarter, help="quarter id such as 2023-24-Q4")
        step.add_argument("--project", default=".", type=Path, help="the project folder")
    new.add_argument("--force", action="store_true", help="replace an existing commentary notebook (its text is lost)")
    check.add_argument("--strict", action="store_true", help="exit 1 when anything is found (for scheduled runs)")
    _add_import_commands(commands)
    return parser


# reporting import ... ---------------------------------------------------------------------------


def _add_import_commands(commands) -> None:
    """`reporting import wide|catalogue FILE --dataset FOLDER` (a council's own extract) and `reporting import lait` (national data)."""
    importing = commands.add_parser("import", help="write a dataset's files from a council's own extract or from national data")
    kinds = importing.add_subparsers(dest="kind", required=True)
    wide = kinds.add_parser("wide", help="a wide table (one KPI a row, one period a column) into FOLDER/observations.csv")
    catalogue = kinds.add_parser("catalogue", help="draft FOLDER/indicators.yaml from a wide table's KPI rows, to be checked")
    for kind in (wide, catalogue):
        kind.add_argument("file", type=Path, help="the extract: a .csv (UTF-8) or .xlsx file")
        kind.add_argument("--dataset", required=True, type=Path, help="the dataset folder to write into, e.g. data/my-council")
        kind.add_argument("--sheet", help="with an .xlsx: the sheet to read (default: the first)")
        kind.add_argument("--force", action="store_true", help="replace the file if it is already there")
    lait = kinds.add_parser("lait", help="a council's dataset, or every council's committee, from the DfE's Local Authority "
                            "Interactive Tool (LAIT) files",
                            description="One council: --council NAME --dataset FOLDER. Every current council at once: "
                            "--all-councils --project FOLDER (a project: params, datasets, the shared national table, notebooks).")
    lait.add_argument("--source", required=True, type=Path, help="the folder holding LAIT's files (bds_long_0.parquet and the rest)")
    lait.add_argument("--measures", required=True, type=Path, help="a YAML file listing the LAIT measure codes to import")
    which = lait.add_mutually_exclusive_group(required=True)
    which.add_argument("--council", help="the council's name as LAIT spells it, or its LA number")
    which.add_argument("--all-councils", action="store_true",
                       help="every current council in LAIT's statistical-neighbour model, each a committee of --project")
    lait.add_argument("--dataset", type=Path, help="with --council: the dataset folder to write (indicators.yaml, observations.csv, README.md)")
    lait.add_argument("--committee", type=_committee, help="with --council: tag the catalogue's entries for this committee id")
    lait.add_argument("--project", type=Path, help="with --all-councils: the project folder to write (params/, data/lait/, notebooks/)")
    lait.add_argument("--force", action="store_true", help="replace the files if they exist")


def _import(args) -> int:
    """Exit status: 0 written; 1 the extract has problems or the file is already there (nothing written)."""
    if args.kind == "lait":
        return _import_lait(args)
    from .data.wide import draft_catalogue, read_wide, write_new_file, write_observations

    try:
        if args.kind == "wide":
            target = args.dataset / "observations.csv"
            _refuse_existing(target, args.force)
            observations = read_wide(args.file, args.sheet)
            write_observations(observations, target, force=args.force)
            print(f"Wrote {target}: {len(observations)} rows for {observations['indicator_id'].nunique()} KPIs.")
        else:
            target = args.dataset / "indicators.yaml"
            _refuse_existing(target, args.force)
            write_new_file(target, draft_catalogue(args.file, args.sheet), force=args.force)
            print(f"Wrote {target}. Check each entry and every line marked TODO before the first report.")
    except ReportingError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    return 0


def _refuse_existing(target: Path, force: bool) -> None:
    """Stop before reading the extract when the file is already there and --force was not given."""
    if target.exists() and not force:
        raise ReportingError(f"{target} already exists, so it was left as it is; add --force to replace it.")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        with log_to(sys.stderr):
            return _run(args)
    if args.command == "verify":
        return _verify(args)
    if args.command == "audit":
        return _audit(args)
    if args.command == "import":
        return _import(args)
    if args.command == "commentary":
        try:
            return _commentary(args)
        except ReportingError as error:
            print(f"FAILED: {error}", file=sys.stderr)
            return 1
    return 2


def _import_lait(args) -> int:
    """Exit status: 0 written; 1 LAIT's files, the measures or the folder written to have problems (nothing
    written); 2 the options do not go together."""
    wrong = ([f"--{name} goes with --council, not --all-councils" for name in ("dataset", "committee") if getattr(args, name)]
             + (["--all-councils needs --project, the project folder to write"] if not args.project else [])
             if args.all_councils else
             (["--council needs --dataset, the dataset folder to write"] if not args.dataset else [])
             + (["--project goes with --all-councils, not --council"] if args.project else []))
    if wrong:
        print(f"reporting import lait: error: {'; '.join(wrong)}.", file=sys.stderr)
        return 2
    try:
        if args.all_councils:
            from .data.lait_all import import_all_councils, summary

            print(summary(import_all_councils(args.source, args.measures, args.project, args.force)))
            return 0
        from .data.lait import import_lait

        paths = import_lait(args.source, args.measures, args.council, args.dataset, args.committee, args.force)
    except ReportingError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {', '.join(str(p) for p in paths)}.")
    return 0


def _commentary(args) -> int:
    from .commentary import check_commentary, new_commentary_notebook

    if args.step == "refresh":
        from .commentary.notebook import refresh_commentary_notebook

        path = refresh_commentary_notebook(args.committee, args.quarter, args.project)
        print(f"Refreshed the figures and charts in {path}; its commentary and actions are as they were.")
        return 0
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
    """Exit status: 0 every committee published; 1 one or more failed (the others still published); 2 the command
    was wrong and nothing ran; 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM, with nothing half-published."""
    committees = committee_ids(args.project / "params") if args.all else args.committee
    if not committees:
        LOG.error(f"No committees found in {args.project / 'params'}.")
        return 2
    if args.jobs is not None and args.jobs < 1:
        LOG.error(f"--jobs must be 1 or more, not {args.jobs}.")
        return 2
    finished: dict[str, Outcome] = {}
    plan = None
    started = now_utc()
    with stop_on_signals():
        try:
            LOG.info(f"reporting run: {len(committees)} committee{'s' if len(committees) != 1 else ''}, quarter "
                     f"{args.quarter or 'default_quarter'}, renderer {args.renderer}{', strict' if args.strict else ''}")
            plan = plan_run(committees, args.quarter, args.project, args.renderer, args.produced_on)
            return _report(args, _run_many(args, committees, plan, finished))
        except Stopped as stop:
            return _stopped(args, committees, finished, plan, stop.signum, started)
        except KeyboardInterrupt:  # Ctrl-C before the handlers were in place
            return _stopped(args, committees, finished, plan, signal.SIGINT, started)
        except UsageError as error:
            LOG.error(f"{error}")
            return 2
        except ReportingError as error:
            LOG.error(f"FAILED: {error}")
            return 1


def _run_many(args, committees: list[str], plan: Plan, finished: dict) -> list[Outcome]:
    """run_many with a log line as each committee finishes; `finished` collects them, to say which a stop left."""
    progress, close = progress_printer(len(committees))

    def on_done(outcome: Outcome, count: int, total: int) -> None:
        finished[outcome.committee] = outcome
        progress(outcome, count, total)

    try:
        return run_many(committees, args.quarter, args.project, args.renderer, args.produced_on, args.strict,
                        jobs=args.jobs, executor=args.executor, scheduler=args.scheduler, on_done=on_done, plan=plan)
    finally:
        close()


def _report(args, outcomes: list[Outcome]) -> int:
    """Log each warning and failure in full, write --report-json, print the summary table; the exit status."""
    failed = [o for o in outcomes if not o.ok]
    for outcome in outcomes:
        for warning in outcome.warnings:
            LOG.warning(f"{outcome.committee} {outcome.quarter}: {warning}")
    for outcome in failed:
        LOG.error(f"FAILED {outcome.committee} {outcome.quarter}: {outcome.error}")
    if args.report_json:
        _write_report_json(args.report_json, outcomes)
    print(summary_table(outcomes))
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} committees published"
          + (f"; {len(failed)} failed." if failed else "."), flush=True)
    return 1 if failed else 0


def _stopped(args, committees: list[str], finished: dict[str, Outcome], plan: Plan | None, signum: int, started: str) -> int:
    """One log line for a stopped run: which committees were not published, and that nothing was half-published
    (run_many has removed any staging folder they left); --report-json marks them stopped. Returns 128 + signum."""
    name = signal.Signals(signum).name
    quarters = plan.quarters if plan else {}
    late = {c for c in committees if c not in finished and published_since(c, quarters.get(c), args.project, started)}
    stopped = [c for c in committees if c not in finished and c not in late]
    published = [c for c in committees if (c in finished and finished[c].ok) or c in late]
    LOG.error(
        f"Stopped by {name}{' (Ctrl-C)' if signum == signal.SIGINT else ''}: "
        + (f"{len(stopped)} committee{'s' if len(stopped) != 1 else ''} not published ({', '.join(stopped)}); "
           "nothing was half-published and their earlier outputs are intact" if stopped
           else "every committee had finished; nothing was half-published")
        + (f"; {len(published)} published before the stop ({', '.join(published)})." if published else ".")
    )
    if args.report_json:
        rows = [finished.get(c) or Outcome(c, "ok" if c in late else "stopped", 0.0, quarters.get(c), quarter_choice=args.quarter,
                                           error=None if c in late else f"stopped by {name} before it published")
                for c in committees]
        _write_report_json(args.report_json, rows)
    return 128 + signum


def _write_report_json(path: Path, outcomes: list[Outcome]) -> None:
    """Each committee's outcome as JSON, for dashboards."""
    import json

    path.write_text(json.dumps([outcome_record(o) for o in outcomes], indent=2) + "\n", encoding="utf-8")


def _audit(args) -> int:
    """Exit status: 0 safe and no violations; 1 an unsafe document or a violation; 2 the audit could not run."""
    from .publish.audit import audit_folder, format_audit
    from .errors import AuditUnavailableError
    from .publish.pdfcheck import check_folder
    from .publish.safety import check_folder as check_safety

    folder = args.folder
    if not folder.is_dir():
        print(f"FAILED: {folder} is not a folder. Give a rendered folder such as outputs/2023-24-Q3/cambridgeshire-cyp.", file=sys.stderr)
        return 2
    # Safety first: it needs no browser, and an unsafe document must never be published.
    unsafe = check_safety(folder)
    print(f"Safe to publish: {folder}\n\ndocument            unsafe items")
    for name, problems in unsafe.items():
        print(f"{name:<20}{len(problems):>12}")
        for problem in problems:
            print(f"  - {problem}")
    unsafe_count = sum(len(problems) for problems in unsafe.values())
    print()
    try:
        report = audit_folder(folder)
    except (AuditUnavailableError, FileNotFoundError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1 if unsafe_count else 2
    print(format_audit(report))
    checked = check_folder(folder)
    pdf_problems = sum(len(problems) for problems in checked.values())
    if checked:
        print("\ndocument            PDF problems")
        for name, problems in checked.items():
            print(f"{name:<20}{len(problems):>12}")
            for problem in problems:
                print(f"  - {problem}")
    ok = report.passed and not pdf_problems and not unsafe_count
    print("\nAudit passed: safe to publish, no WCAG A/AA violations and every PDF tagged." if ok
          else "\nAudit FAILED: fix the problems above before publishing.")
    return 0 if ok else 1


def _verify(args) -> int:
    """Exit status: 0 the outputs are as published and the inputs still match; 1 NOT VERIFIED: an output
    changed, missing, added or a link, the manifest missing, damaged, thin, another folder's or not matching
    --manifest-sha256, or an input outside the project (never hashed); 2 a malformed --manifest-sha256;
    3 the outputs are as published but an input has changed since the run.
    """
    from .publish.manifest import SHA256_HEX, verify

    kept = getattr(args, "manifest_sha256", None)  # the manifest's SHA-256, kept where the publisher cannot rewrite it
    if kept is not None and not SHA256_HEX.fullmatch(kept.strip()):
        print(f"--manifest-sha256 {kept!r} is not a SHA-256 hash: expected 64 hexadecimal characters "
              "(as printed by `sha256sum manifest.json`).", file=sys.stderr)
        return 2
    try:
        result = verify(args.folder, args.project, manifest_sha256=kept)
    except ReportingError as error:
        print(f"NOT VERIFIED: {error}", file=sys.stderr)
        return 1
    print("\n".join(result.lines()))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
