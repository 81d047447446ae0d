"""A small committee project to attack: three KPIs, six months, commentary, and the real notebooks.

Each test gets its own copy (or the published copy), so a hostile input never touches the real project.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
COMMITTEE = "hostile"
QUARTER = "2023-24-Q3"
MONTHS = ["2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30", "2023-12-31"]


def catalogue() -> list[dict]:
    """Three indicators: a percentage with a target, a rate with a target, a contextual number."""
    return [
        {"id": "A1", "title": "Percentage of assessments completed in time", "direction": "higher", "unit": "percent",
         "status": "target", "decimals": 1, "frequency": "monthly", "description": "Assessments finished within the time allowed.",
         "calculation": "Completed in time divided by all completed", "numerator": "Completed in time",
         "denominator": "All completed", "sources": ["Case management system"],
         "links": [{"title": "Statutory guidance", "url": "https://www.gov.uk/government/publications"}]},
        {"id": "B2", "title": "Rate of children in care per 10,000", "direction": "lower", "unit": "rate", "rate_base": 10000,
         "status": "target", "decimals": 1, "frequency": "monthly"},
        {"id": "C3", "title": "Number of contacts received", "direction": "none", "unit": "number", "status": "contextual",
         "frequency": "monthly", "target_note": "Tracked for context"},
    ]


def observations() -> list[dict]:
    """Six months of each indicator, with comparators on the latest month."""
    rows = []
    for i, month in enumerate(MONTHS):
        rows.append({"indicator_id": "A1", "period_end": month, "value": 80 + i, "target": 85})
        rows.append({"indicator_id": "B2", "period_end": month, "value": 50 - i / 2, "target": 45})
        rows.append({"indicator_id": "C3", "period_end": month, "value": 1200 + 10 * i})
    rows[-1].update(stat_neighbour_mean=1100, england_mean=1000)
    return rows


def params() -> dict:
    return {
        "council": "Example Borough Council",
        "committee_name": "Children's Committee",
        "title": "Performance Report",
        "dataset": f"data/{COMMITTEE}",
        "default_quarter": QUARTER,
        "indicators": ["A1", "B2", "C3"],
        "contact": {"team": "Performance Team", "email": "performance@example.gov.uk"},
        "paper": {"title": "Performance report", "from": "Director of Children's Services",
                  "background": "The committee reviews its indicators every quarter.",
                  "meeting_date": "2024-03-19", "electoral_divisions": "All", "key_decision": False,
                  "forward_plan_reference": "none", "recommendation": "The Committee is asked to note the report.",
                  "officer_contact": {"name": "Alex Morgan", "role": "Performance Manager",
                                      "email": "alex.morgan@example.gov.uk", "phone": "01632 960 001"}},
    }


def commentary() -> dict:
    return {
        "A1": {"commentary": "Completion rose again this month.", "actions": "Keep the weekly review."},
        "B2": {"commentary": "The rate fell slightly.", "actions": "None needed."},
    }


def write_csv(path: Path, rows: list[dict]) -> None:
    columns = ["indicator_id", "period_end", "period_label", "value", "target", "stat_neighbour_mean",
               "england_mean", "regional_mean", "note"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def write_yaml(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def make_project(root: Path, *, catalogue_entries=None, observation_rows=None, params_settings=None,
                 commentary_text=None) -> Path:
    """Write the committee's params, dataset and commentary under `root`, with the project's notebooks."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROJECT / "notebooks", root / "notebooks", dirs_exist_ok=True)
    write_yaml(root / "params" / f"{COMMITTEE}.yaml", params() if params_settings is None else params_settings)
    write_yaml(root / "data" / COMMITTEE / "indicators.yaml", catalogue() if catalogue_entries is None else catalogue_entries)
    write_csv(root / "data" / COMMITTEE / "observations.csv", observations() if observation_rows is None else observation_rows)
    write_yaml(root / "commentary" / COMMITTEE / f"{QUARTER}.yaml", commentary() if commentary_text is None else commentary_text)
    return root


def output_folder(root: Path) -> Path:
    return root / "outputs" / QUARTER / COMMITTEE


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under a folder with its SHA-256: what 'earlier outputs are intact' compares."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(root: Path, *extra: str, committee: str = COMMITTEE, quarter: str | None = QUARTER,
        renderer: str = "builtin") -> tuple[int, str]:
    """`reporting run` for the committee, through the command line's own entry point; (exit status, what it printed)."""
    import contextlib
    import io

    from reporting.cli import main

    argv = ["run", "--committee", committee, "--project", str(root), "--renderer", renderer,
            "--produced-on", "2024-03-04", *extra]
    if quarter:
        argv += ["--quarter", quarter]
    said = io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse's usage errors
            status = stop.code
    return status, said.getvalue()
