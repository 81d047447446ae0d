"""A committee's params file, `params/<committee>.yaml`: who it is for, which data, which scheme."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import InputFileError, ParamsError
from .data.input_files import COMMITTEE_ID, COMMITTEE_ID_RULE, DATA_ROOTS, check_committee_id, for_data, in_project  # noqa: F401
from .quarters import Quarter
from .measures.ratings.registry import SchemeConfig, scheme_config
from .measures.spc import SPCSettings
from .data.yaml_files import YamlFile, items, mapping_pairs, not_as_written, read_yaml

REQUIRED = ("council", "committee_name", "dataset")
KNOWN = REQUIRED + (
    "id", "default_quarter", "scheme", "indicators", "contact", "notebook", "title", "chart_periods", "paper",
    "trend_points", "region", "spc",
)
PAPER_KEYS = (
    "title", "meeting_date", "from", "recommendation", "electoral_divisions", "key_decision", "forward_plan_reference",
    "officer_contact", "background", "rating_key", "examples", "exception_reporting", "notebook",
)
EXAMPLE_KEYS = ("rule", "count", "pin")
EXAMPLE_RULES = ("all", "furthest")
OFFICER_KEYS = ("name", "role", "email", "phone")
TEXT_KEYS = ("council", "committee_name", "title", "region")  # settings that are the council's own words
PAPER_TEXT_KEYS = ("title", "from", "recommendation", "electoral_divisions", "forward_plan_reference", "background", "rating_key")
NOT_APPLICABLE = "Not applicable"  # how the paper shows `forward_plan_reference: none`
YES_NO = {"yes": True, "true": True, "no": False, "false": False}
# An email address as HTML's <input type=email> accepts it: no spaces, quotes, angle brackets or slashes.
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
# A committee id names its params file and its commentary and output folders, so it can never leave them.

@dataclass(frozen=True)
class OfficerContact:
    """The officer readers of the covering paper can ask about it: a name, and optionally role, email and phone."""

    name: str
    role: str = ""
    email: str = ""  # checked to be an email address, so the paper can link to it
    phone: str = ""


@dataclass(frozen=True)
class PaperSettings:
    """The covering paper's settings: the committee-paper items, the council's own wording and how examples are chosen.

    An empty item (or None) is one the params leave out; the paper then omits it (see `document.paper`).
    """

    title: str = "Performance report"
    meeting_date: date | None = None
    report_from: str = ""
    recommendation: str = ""  # Markdown: what the committee is asked to do
    electoral_divisions: str = ""  # e.g. "All"
    key_decision: bool | None = None
    forward_plan_reference: str = ""  # NOT_APPLICABLE when the params say none
    officer_contact: OfficerContact | None = None
    background: str = ""  # Markdown, the council's own words
    rating_key: str = ""  # Markdown; empty: the key generated from the scheme's settings
    examples_rule: str = "furthest"  # "all", or "furthest" from target
    examples_count: int = 2
    pinned: tuple[str, ...] = ()  # indicator ids always shown as examples
    exception_reporting: bool = False  # only KPIs updated this quarter
    notebook: Path | None = None


@dataclass(frozen=True)
class CommitteeParams:
    """The settings for one committee's report, read from its params file."""

    id: str
    council: str
    committee_name: str
    dataset: Path  # absolute
    scheme: SchemeConfig
    source: Path
    default_quarter: Quarter | None = None
    indicators: tuple[str, ...] | None = None  # report order; None: the catalogue's entries for this committee
    title: str = "Performance Report"
    contact: dict = field(default_factory=dict)
    notebook: Path | None = None
    chart_periods: int = 24  # most recent observations drawn on each KPI's chart
    paper: PaperSettings = field(default_factory=PaperSettings)
    trend_points: int = 6  # observations in each KPI's projected linear trend (3 or more)
    region: str = "Regional"  # how the regional comparator is headed, e.g. "North East"
    spc: SPCSettings = field(default_factory=SPCSettings)  # XmR limits and special-cause rules


PROJECT_VARIABLE = "REPORTING_PROJECT"


def project_folder(start: str | Path | None = None) -> Path:
    """The project a notebook works in, wherever it was started (JupyterLab in notebooks/, nbconvert,
    VS Code, papermill): the folder in REPORTING_PROJECT when set, else the nearest folder at or
    above `start` (default: the working folder) that holds params/ and notebooks/."""
    configured = os.environ.get(PROJECT_VARIABLE)
    if configured:
        return Path(configured).resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir() and (folder / "notebooks").is_dir():
            return folder
    raise ParamsError(
        f"No project folder (one holding params/ and notebooks/) at or above {here}. Open the notebook from "
        f"inside the project, or set the environment variable {PROJECT_VARIABLE} to the project folder."
    )


def project_root(params_file: Path) -> Path:
    """The folder that holds params/: relative paths in a params file start there. Found from the
    path as named, so a params file that is a link elsewhere does not move the project."""
    return Path(os.path.abspath(params_file)).parent.parent.resolve()


def load_params(path: str | Path) -> CommitteeParams:
    """Read and check a committee's params file; errors name the file and the key."""
    path = Path(path)
    source = str(path)
    check_committee_id(path.stem, source)
    if not path.exists():
        raise ParamsError(f"{source}: no such params file. Each committee needs params/<committee>.yaml.")
    root = project_root(path)
    try:
        document = read_yaml(path, in_project(root), needs="settings such as 'council: ...'")
    except InputFileError as error:
        raise ParamsError(str(error.problem)) from None
    raw = document.data
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: expected key: value settings such as 'council: ...'.")
    unknown = sorted(set(raw) - set(KNOWN), key=str)
    if unknown:
        raise ParamsError(f"{source}, key {unknown[0]}: not a known setting; the settings are {', '.join(KNOWN)}.")
    for key in REQUIRED:
        if not raw.get(key):
            raise ParamsError(f"{source}, key {key}: required but missing.")
    not_written = _not_as_written(document, source)
    if not_written:
        raise ParamsError("\n".join(not_written))
    committee_id = str(raw.get("id") or path.stem)
    if committee_id != path.stem:
        raise ParamsError(f"{source}, key id: {committee_id!r} must match the file name {path.stem!r}.")
    dataset = _dataset(raw["dataset"], source, root)
    indicators = raw.get("indicators")
    if indicators is not None:
        if not isinstance(indicators, list) or not indicators:
            raise ParamsError(f"{source}, key indicators: expected a list of indicator ids in report order.")
        indicators = tuple(str(i) for i in indicators)
    default_quarter = None
    if raw.get("default_quarter"):
        try:
            default_quarter = Quarter.parse(str(raw["default_quarter"]))
        except ValueError as error:
            raise ParamsError(f"{source}, key default_quarter: {error}") from None
    notebook = _notebook(raw.get("notebook"), "notebook", source, root)
    contact = raw.get("contact") or {}
    if not isinstance(contact, dict):
        raise ParamsError(f"{source}, key contact: expected settings such as 'team:' and 'email:'.")
    contact = {str(k): (v if v is None else str(v)) for k, v in contact.items()}
    chart_periods = raw.get("chart_periods", 24)
    if not isinstance(chart_periods, int) or chart_periods < 2:
        raise ParamsError(f"{source}, key chart_periods: expected a whole number of 2 or more.")
    paper = _paper_settings(raw.get("paper"), source, root)
    trend_points = raw.get("trend_points", 6)
    if isinstance(trend_points, bool) or not isinstance(trend_points, int) or trend_points < 3:
        raise ParamsError(f"{source}, key trend_points: expected a whole number of 3 or more (a line needs 3 points).")
    return CommitteeParams(
        id=committee_id,
        council=str(raw["council"]),
        committee_name=str(raw["committee_name"]),
        dataset=dataset,
        scheme=scheme_config(raw.get("scheme"), source),
        source=path.resolve(),
        default_quarter=default_quarter,
        indicators=indicators,
        title=str(raw.get("title") or "Performance Report"),
        contact=contact,
        notebook=notebook,
        chart_periods=chart_periods,
        paper=paper,
        trend_points=trend_points,
        region=str(raw.get("region") or "Regional"),
        spc=_spc_settings(raw.get("spc"), source),
    )


def _not_as_written(document: YamlFile, source: str) -> list[str]:
    """Ids and text settings that YAML read as something other than the text written (`id: 010` read
    as 8, `title: [a, b]` as a list), one message each."""
    raw = document.data
    paper = raw.get("paper") if isinstance(raw.get("paper"), dict) else {}
    examples = paper.get("examples") if isinstance(paper.get("examples"), dict) else {}
    checks = [("id", document.node_at("id"), "id", "id")]
    checks += [(key, document.node_at(key), key, "text") for key in TEXT_KEYS]
    checks += [(f"paper.{key}", document.node_at("paper", key), key, "text") for key in PAPER_TEXT_KEYS]
    checks += [(f"contact.{k.value}", v, k.value, "text") for k, v in mapping_pairs(document.node_at("contact"))]
    checks += [(f"paper.officer_contact.{k.value}", v, k.value, "text")
               for k, v in mapping_pairs(document.node_at("paper", "officer_contact"))]
    for key, listed in (("indicators", raw.get("indicators")), ("paper.examples.pin", examples.get("pin"))):
        if isinstance(listed, list):
            nodes = items(document.node_at(*key.split(".")))
            checks += [(f"{key}, item {n}", node, None, "id") for n, node in enumerate(nodes, start=1)]
    spc = raw.get("spc") if isinstance(raw.get("spc"), dict) else {}
    if isinstance(spc.get("rebase"), dict):
        checks += [("spc.rebase", k, None, "id") for k, _ in mapping_pairs(document.node_at("spc", "rebase"))]
    found = [(key, not_as_written(node, example_key, kind)) for key, node, example_key, kind in checks]
    return [f"{source}, key {key}: {f.shown!r}: {f.expected}." for key, f in found if f]


def _dataset(value, source: str, root: Path) -> Path:
    """The dataset folder: inside the project, or inside a folder listed in REPORTING_DATA_ROOTS."""
    dataset = (root / str(value)).resolve()
    if not for_data(root, dataset).allows(dataset):
        raise ParamsError(
            f"{source}, key dataset: {value!r} leads to {dataset}, outside the project folder {root}. "
            "A dataset folder must be inside the project, or inside a folder listed in the environment variable "
            f"{DATA_ROOTS} (absolute folders separated by {os.pathsep!r}) to allow data kept elsewhere."
        )
    if not dataset.is_dir():
        raise ParamsError(f"{source}, key dataset: folder {value!r} not found (looked in {dataset}).")
    return dataset


def _notebook(value, key: str, source: str, root: Path) -> Path | None:
    """A report or paper notebook: always inside the project's notebooks/ folder."""
    if not value:
        return None
    folder = (root / "notebooks").resolve()
    notebook = (root / str(value)).resolve()
    if not notebook.is_relative_to(folder):
        raise ParamsError(
            f"{source}, key {key}: {value!r} leads to {notebook}, outside the project's notebooks folder {folder}. "
            "Notebooks run with the project's data and settings, so they must be inside notebooks/, "
            "e.g. notebooks/committee_report.ipynb."
        )
    return notebook


def _paper_settings(raw, source: str, root: Path) -> PaperSettings:
    """Check the `paper:` block of a params file."""
    if raw is None:
        return PaperSettings()
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}, key paper: expected settings such as 'meeting_date:' and 'background:'.")
    unknown = sorted(set(raw) - set(PAPER_KEYS))
    if unknown:
        raise ParamsError(f"{source}, key paper.{unknown[0]}: not a known setting; the settings are {', '.join(PAPER_KEYS)}.")
    meeting = raw.get("meeting_date")
    if meeting is not None and not isinstance(meeting, date):
        try:
            meeting = date.fromisoformat(str(meeting))
        except ValueError:
            raise ParamsError(f"{source}, key paper.meeting_date: {meeting!r} is not a date; write it as YYYY-MM-DD.") from None
    examples = raw.get("examples") or {}
    if not isinstance(examples, dict) or set(examples) - set(EXAMPLE_KEYS):
        raise ParamsError(f"{source}, key paper.examples: expected rule ({' or '.join(EXAMPLE_RULES)}), count and pin.")
    rule = examples.get("rule", "furthest")
    if rule not in EXAMPLE_RULES:
        raise ParamsError(f"{source}, key paper.examples.rule: {rule!r} is not one of {', '.join(EXAMPLE_RULES)}.")
    count = examples.get("count", 2)
    if not isinstance(count, int) or count < 0:
        raise ParamsError(f"{source}, key paper.examples.count: expected a whole number, not {count!r}.")
    pin = examples.get("pin") or []
    if not isinstance(pin, list):
        raise ParamsError(f"{source}, key paper.examples.pin: expected a list of indicator ids.")
    exception = raw.get("exception_reporting", False)
    if not isinstance(exception, bool):
        raise ParamsError(f"{source}, key paper.exception_reporting: expected true or false.")
    return PaperSettings(
        title=str(raw.get("title") or "Performance report"),
        meeting_date=meeting,
        report_from=str(raw.get("from") or ""),
        recommendation=str(raw.get("recommendation") or ""),
        electoral_divisions=str(raw.get("electoral_divisions") or ""),
        key_decision=_key_decision(raw.get("key_decision"), source),
        forward_plan_reference=_forward_plan_reference(raw),
        officer_contact=_officer_contact(raw.get("officer_contact"), source),
        background=str(raw.get("background") or ""),
        rating_key=str(raw.get("rating_key") or ""),
        examples_rule=rule,
        examples_count=count,
        pinned=tuple(str(i) for i in pin),
        exception_reporting=exception,
        notebook=_notebook(raw.get("notebook"), "paper.notebook", source, root),
    )


def _key_decision(value, source: str) -> bool | None:
    """`paper.key_decision`: yes or no (YAML's true/false, or the words in quotes); None when left out."""
    if value is None or isinstance(value, bool):
        return value
    answer = YES_NO.get(str(value).strip().lower()) if isinstance(value, str) else None
    if answer is None:
        raise ParamsError(
            f"{source}, key paper.key_decision: {value!r} is not yes or no; write 'key_decision: no' "
            "(or yes, if the report is a key decision on the council's forward plan)."
        )
    return answer


def _forward_plan_reference(raw: dict) -> str:
    """`paper.forward_plan_reference`: the reference as written (text, checked by `_not_as_written`),
    NOT_APPLICABLE for `none` or no value, and "" when the setting is left out."""
    if "forward_plan_reference" not in raw:
        return ""
    value = raw["forward_plan_reference"]
    if value is None or str(value).strip().lower() in ("", "none"):
        return NOT_APPLICABLE
    return str(value)


def _officer_contact(raw, source: str) -> OfficerContact | None:
    """`paper.officer_contact`: name (required), role, email (an email address) and phone; None when left out."""
    if raw is None:
        return None
    key = "paper.officer_contact"
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}, key {key}: expected settings such as 'name:', 'role:', 'email:' and 'phone:', not {raw!r}.")
    unknown = sorted((str(k) for k in set(raw) - set(OFFICER_KEYS)))
    if unknown:
        raise ParamsError(f"{source}, key {key}.{unknown[0]}: not a known setting; the settings are {', '.join(OFFICER_KEYS)}.")
    values = {k: ("" if raw.get(k) is None else str(raw[k]).strip()) for k in OFFICER_KEYS}
    if not values["name"]:
        raise ParamsError(f"{source}, key {key}.name: required but missing; give the officer's name, e.g. 'name: Alex Morgan'.")
    if values["email"] and not EMAIL.fullmatch(values["email"]):
        raise ParamsError(
            f"{source}, key {key}.email: {values['email']!r} is not an email address; "
            "write one address such as 'email: performance@example.gov.uk' (no 'mailto:', spaces or brackets)."
        )
    if values["phone"] and not any(c.isdigit() for c in values["phone"]):
        raise ParamsError(
            f"{source}, key {key}.phone: {values['phone']!r} is not a telephone number; write the number, "
            "e.g. 'phone: \"01223 555 010\"' (in quotes, so YAML keeps it as written)."
        )
    return OfficerContact(**values)


SPC_WHOLE_NUMBERS = {
    "min_points": (2, "a whole number of 2 or more: the fewest points that get process limits"),
    "provisional_below": (0, "a whole number: limits from fewer points than this are called provisional"),
    "baseline_points": (2, "a whole number of 2 or more: limits are fixed after this many points (leave it out to use every point)"),
    "shift_length": (0, "a whole number: points in a row on one side of the mean that signal a shift (0 switches the rule off)"),
    "trend_length": (0, "a whole number: points in a row all rising or all falling that signal a trend (0 switches the rule off)"),
}
SPC_SWITCHES = ("screen_outliers", "outside_limits", "two_of_three")
SPC_CHOICES = {"direction_precedence": ("trend_first", "trend_last"), "target_on_limit": ("passing", "hit_and_miss"),
               "chart_runs": ("detected", "whole_run")}


def _spc_settings(raw, source: str) -> SPCSettings:
    """Check the `spc:` block of a params file: limits, rules and rebase dates per indicator."""
    if raw is None:
        return SPCSettings()
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}, key spc: expected settings such as 'min_points: 6' and 'shift_length: 7'.")
    known = (*SPC_WHOLE_NUMBERS, *SPC_SWITCHES, *SPC_CHOICES, "rebase")
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ParamsError(f"{source}, key spc.{unknown[0]}: not a known setting; the settings are {', '.join(known)}.")
    values = {}
    for key, (least, expected) in SPC_WHOLE_NUMBERS.items():
        if key in raw and raw[key] is not None:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ParamsError(f"{source}, key spc.{key}: {value!r} is not {expected}.")
            values[key] = value
    for key in SPC_SWITCHES:
        if key in raw:
            if not isinstance(raw[key], bool):
                raise ParamsError(f"{source}, key spc.{key}: expected true or false, not {raw[key]!r}.")
            values[key] = raw[key]
    for key, choices in SPC_CHOICES.items():
        if key in raw:
            if raw[key] not in choices:
                raise ParamsError(f"{source}, key spc.{key}: expected one of {', '.join(choices)}, not {raw[key]!r}.")
            values[key] = raw[key]
    rebase = raw.get("rebase") or {}
    if not isinstance(rebase, dict):
        raise ParamsError(f"{source}, key spc.rebase: expected indicator ids, each with a list of dates, e.g. '\"116\": [2023-04-01]'.")
    dates = {}
    for indicator, listed in rebase.items():
        listed = listed if isinstance(listed, list) else [listed]
        try:
            dates[str(indicator)] = tuple(d if isinstance(d, date) else date.fromisoformat(str(d)) for d in listed)
        except ValueError:
            raise ParamsError(f"{source}, key spc.rebase.{indicator}: {listed!r} is not a list of dates written YYYY-MM-DD.") from None
    return SPCSettings(**values, rebase=dates)


def committee_ids(params_dir: str | Path) -> list[str]:
    """Every committee with a params file in the folder, sorted."""
    return sorted(p.stem for p in Path(params_dir).glob("*.yaml"))
