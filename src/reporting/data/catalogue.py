"""The indicator catalogue, `indicators.yaml`: one entry per KPI, validated against the contract."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pandera.pandas as pa
from yaml.nodes import Node, ScalarNode

from ..errors import DataValidationError, Problem
from ..gcpause import no_cycle_collection
from .input_files import Allowed, for_data
from .yaml_files import items, mapping_pairs, node_at, not_as_written, read_yaml
from ._problems import problems_from

DIRECTIONS = ("higher", "lower", "none")
UNITS = ("percent", "rate", "number", "score")
STATUSES = ("target", "contextual", "baseline", "in_development", "suspended")
FREQUENCIES = ("monthly", "quarterly", "termly", "annual", "academic_year")
KINDS = ("key_target", "key_tracker")
REQUIRED = ("id", "title", "direction", "unit", "status")
OPTIONAL = (
    "decimals", "frequency", "rate_base", "committees", "description", "calculation",
    "numerator", "denominator", "sources", "links", "kind", "target_note", "target_against", "target_by",
    "spc_rebase",
)
COMPARATORS = ("england_mean", "regional_mean", "stat_neighbour_mean")
TEXT_FIELDS = ("title", "description", "calculation", "numerator", "denominator", "target_note")
LINK_KEYS = ("title", "url")
ENTRIES = "a list of indicator entries, each with id, title, direction, unit and status"
# Decimal places shown when an entry does not set `decimals`.
DEFAULT_DECIMALS = {"percent": 1, "rate": 1, "number": 0, "score": 1}


def _one_of(options) -> str:
    return "one of " + ", ".join(options)


_SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(str, pa.Check(lambda s: s.str.strip() != "", error="a non-empty id such as \"116\"")),
        "title": pa.Column(str, pa.Check(lambda s: s.str.strip() != "", error="a non-empty title")),
        "direction": pa.Column(str, pa.Check.isin(DIRECTIONS, error=_one_of(DIRECTIONS))),
        "unit": pa.Column(str, pa.Check.isin(UNITS, error=_one_of(UNITS))),
        "status": pa.Column(str, pa.Check.isin(STATUSES, error=_one_of(STATUSES))),
        "frequency": pa.Column(str, pa.Check.isin(FREQUENCIES, error=_one_of(FREQUENCIES)), nullable=True, required=False),
        "kind": pa.Column(str, pa.Check.isin(KINDS, error=_one_of(KINDS)), nullable=True, required=False),
        "decimals": pa.Column(object, pa.Check(lambda s: s.map(lambda v: v is None or (isinstance(v, int) and 0 <= v <= 4)), error="a whole number of decimal places from 0 to 4"), nullable=True, required=False),
        "rate_base": pa.Column(object, pa.Check(lambda s: s.map(lambda v: v is None or (isinstance(v, (int, float)) and v > 0)), error="a positive number such as 10000"), nullable=True, required=False),
    },
    strict=False,
)


def _is_iso_date(value) -> bool:
    if isinstance(value, date):
        return True
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def load_catalogue(path: str | Path, allowed: Allowed | None = None) -> pd.DataFrame:
    """Read and validate `indicators.yaml`; one row per indicator, in file order.

    `allowed` is where the file may be (after following links); by default the project it is in
    (or, outside any project, its own folder) or a folder listed in REPORTING_DATA_ROOTS.
    """
    with no_cycle_collection():  # a large catalogue is hundreds of thousands of objects, none in a cycle
        return _load_catalogue(Path(path), allowed)


def _load_catalogue(path: Path, allowed: Allowed | None) -> pd.DataFrame:
    name = str(path)
    document = read_yaml(
        path, allowed or for_data(None, path.parent), needs=ENTRIES,
        missing="file not found: every dataset needs an indicators.yaml catalogue",
    )
    entries, entries_node = document.data, document.node
    if isinstance(entries, dict) and "indicators" in entries:
        entries, entries_node = entries["indicators"], document.node_at("indicators")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DataValidationError([Problem(name, None, None, None, f"expected {ENTRIES}")])

    problems: list[Problem] = []
    for number, (entry, node) in enumerate(zip(entries, entries_node.value), start=1):
        written = _as_written(name, number, entry, node)
        problems += written
        for key in entry:
            if key not in REQUIRED + OPTIONAL:
                problems.append(Problem(name, number, str(key), None, f"unknown field; expected {_one_of(REQUIRED + OPTIONAL)}", "entry"))
        for key in REQUIRED:
            if entry.get(key) in (None, "") and not any(p.column == key for p in written):
                problems.append(Problem(name, number, key, None, "is required but missing", "entry"))
        against = entry.get("target_against")
        if against is not None and (not isinstance(against, list) or not against or set(against) - set(COMPARATORS)):
            problems.append(Problem(name, number, "target_against", against, f"a list of comparators to beat, from {', '.join(COMPARATORS)}", "entry"))
        by = entry.get("target_by")
        if by is not None and not (
            isinstance(by, dict) and set(by) == {"value", "year"}
            and isinstance(by["value"], (int, float)) and isinstance(by["year"], int)
        ):
            problems.append(Problem(name, number, "target_by", by, "a long-term target such as {value: 5, year: 2030}", "entry"))
        rebase = entry.get("spc_rebase")
        if rebase is not None and not (isinstance(rebase, list) and rebase and all(_is_iso_date(d) for d in rebase)):
            problems.append(Problem(name, number, "spc_rebase", rebase, "a list of dates written YYYY-MM-DD at which the SPC limits restart, e.g. [2022-10-01]", "entry"))

    frame = pd.DataFrame(entries, dtype=object)
    for key in REQUIRED:
        if key not in frame:
            frame[key] = None
    frame = frame.astype({k: object for k in frame.columns})
    frame = frame.where(frame.notna(), None)
    # Ids may be written as numbers in YAML (116); the contract makes them strings.
    frame["id"] = frame["id"].map(lambda v: None if v is None else str(v).strip())
    problems += _repeated_ids(name, frame["id"])
    present = frame.dropna(subset=list(REQUIRED))
    try:
        _SCHEMA.validate(present, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems += problems_from(errors, name, lambda i: i + 1, lambda c: "is required", "entry")
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: (p.row or 0)))

    if "decimals" not in frame:
        frame["decimals"] = None
    frame["decimals"] = [
        int(d) if d is not None else DEFAULT_DECIMALS[u] for d, u in zip(frame["decimals"], frame["unit"])
    ]
    for column in OPTIONAL:
        if column not in frame:
            frame[column] = None
    frame["spc_rebase"] = frame["spc_rebase"].map(lambda v: tuple(date.fromisoformat(str(d)) for d in v) if isinstance(v, list) else ())
    for column in ("committees", "sources", "links"):
        frame[column] = frame[column].map(lambda v: list(v) if isinstance(v, list) else ([] if v is None else [v]))
    return frame.reset_index(drop=True)


def _as_written(name: str, number: int, entry: dict, node: Node) -> list[Problem]:
    """The entry's id, committees and text fields checked to be the text as written (YAML reads
    `id: 010` as 8 and `title: [a, b]` as a list); values that read back as written become text."""
    problems = []
    # Each key's value node, as node_at finds it (keys as written; a key is never written twice in an entry).
    node_of = {k.value: v for k, v in mapping_pairs(node) if isinstance(k, ScalarNode)}.get
    for key in ("id", *TEXT_FIELDS):
        found = not_as_written(node_of(key), key, "id" if key == "id" else "text")
        if found:
            problems.append(Problem(name, number, key, found.shown, found.expected, "entry"))
            entry[key] = str(found.shown)  # validation goes on with the text as written; the problem is reported
        elif entry.get(key) is not None:
            entry[key] = str(entry[key])
    for key, kind, expected in (
        ("committees", "id", "a list of committee ids, e.g. [cambridgeshire-cyp]"),
        ("sources", "text", "a list of sources, e.g. [Department for Education]"),
    ):
        if isinstance(entry.get(key), dict):
            problems.append(Problem(name, number, key, entry[key], expected, "entry"))
            continue
        found = [f for f in (not_as_written(item, None, kind) for item in items(node_of(key))) if f]
        problems += [Problem(name, number, key, f.shown, f.expected, "entry") for f in found]
        if not found and entry.get(key) is not None:
            entry[key] = [str(v) for v in entry[key] if v is not None] if isinstance(entry[key], list) else str(entry[key])
    problems += _link_problems(name, number, entry.get("links"), node_of("links"))
    return problems


def _link_problems(name: str, number: int, links, node: Node | None) -> list[Problem]:
    """Each link needs a url that is a full web or email address; its title, if any, is text."""
    if links is None:
        return []
    expected = "a list of links, each with title: and url:, e.g. - {title: LG Inform, url: https://lginform.local.gov.uk/}"
    if not isinstance(links, list):
        return [Problem(name, number, "links", links, expected, "entry")]
    problems = []
    for position, (link, link_node) in enumerate(zip(links, node.value), start=1):
        if not isinstance(link, dict) or set(link) - set(LINK_KEYS) or "url" not in link:
            problems.append(Problem(name, number, "links", link, f"link {position}: expected title: and url:, e.g. {{title: LG Inform, url: https://lginform.local.gov.uk/}}", "entry"))
            continue
        found = {key: not_as_written(node_at(link_node, key), key) for key in LINK_KEYS}
        for key in LINK_KEYS:
            if found[key]:
                problems.append(Problem(name, number, "links", found[key].shown, f"link {position}'s {key}: {found[key].expected}", "entry"))
            elif link.get(key) is not None:
                link[key] = str(link[key])
        if not found["url"] and not is_address(link["url"] or ""):
            problems.append(Problem(
                name, number, "links", link["url"],
                f"link {position}'s url must be a full web or email address starting https://, http:// or mailto: "
                "(such as https://www.gov.uk/), with no spaces",
                "entry",
            ))
    return problems


def is_address(url: str) -> bool:
    """An absolute http or https URL with a host, or a mailto: address, with no spaces or control characters."""
    if any(c.isspace() or ord(c) < 32 or c in '<>"' for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return parts.scheme == "mailto" and bool(parts.path)


def _repeated_ids(name: str, ids: pd.Series) -> list[Problem]:
    """Each id used by a second entry, naming the entry that has it first."""
    first: dict[str, int] = {}
    problems = []
    for number, indicator_id in enumerate(ids, start=1):
        if indicator_id is None or indicator_id == "":
            continue
        if indicator_id in first:
            problems.append(Problem(
                name, number, "id", indicator_id,
                f"the id {indicator_id!r} is already used by entry {first[indicator_id]}; each indicator needs its own id",
                "entry",
            ))
        else:
            first[indicator_id] = number
    return problems

