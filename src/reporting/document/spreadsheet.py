"""`kpis.xlsx`: the committee's figures as an accessible spreadsheet, beside `kpis.csv`.

Built with gptables, the Government Statistical Service's package for good-practice
spreadsheets: a cover sheet, a contents sheet, a notes sheet (the rating key, the symbols, the
comparators) and one table of figures. Figures are stored as numbers, ratings are words,
missing values are [x] (not available) or [z] (not applicable), nothing is merged, and the
same inputs give the same bytes: the workbook's created date is the produced-on date.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.exceptions import FileCreateError, XlsxWriterException

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ResourceWarning)  # gptables 2.0 leaves its theme file open on import
    import gptables as gpt

from . import one_line, safe_url
from ..errors import ReportingError
from .formatting import DIRECTION_WORDS
from ..measures.kpis import CONTRACT_COLUMNS
from ..params import CommitteeParams
from ..quarters import Quarter
from ..measures.periods import produced_on as produced_date

NOT_AVAILABLE = "[x]"  # GSS shorthand: the figure is not available
NOT_APPLICABLE = "[z]"  # GSS shorthand: there is nothing to give here
TABLE_SHEET = "KPIs"
REQUIRED = (*CONTRACT_COLUMNS, "unit", "decimals", "status")
UNIT_WORDS = {"percent": "Percentage", "rate": "Rate", "number": "Number", "score": "Score"}
JUDGEMENT_HEADERS = {
    "judgement_d": "D: direction of travel",
    "judgement_t": "T: against target",
    "judgement_c": "C: against England",
    "judgement_g": "G: gap to England",
}

CONTENTS_INSTRUCTIONS = (
    "This worksheet contains one table, linking to the table of figures. The Notes worksheet, after this one, "
    "explains the ratings, the symbols and the comparators."
)
NOTES_INSTRUCTIONS = (
    "This worksheet contains one table: the key to the ratings, what the symbols mean and what each "
    "comparator is. The lines above the KPIs table refer to these notes by number."
)


def write_kpis_xlsx(
    kpis: pd.DataFrame,
    params: CommitteeParams,
    quarter: str | Quarter,
    produced_on: date | str | None,
    path: str | Path,
) -> Path:
    """Write `kpis.xlsx`: cover, contents, notes and the KPI table, byte-identical for the same inputs."""
    path = Path(path)
    check_kpis(kpis)
    q = Quarter.parse(quarter)
    day = produced_date(produced_on)
    notes, subtitles, legend = notes_and_references(kpis, params, q)
    sheets = {TABLE_SHEET: kpi_table(kpis, params, q, subtitles, legend)}
    try:
        with quiet_gptables():
            workbook = gpt.produce_workbook(
                filename=str(path),
                workbook_options=WORKBOOK_OPTIONS,
                sheets=sheets,
                cover=cover(params, q, day),
                contentsheet_options={"instructions": CONTENTS_INSTRUCTIONS},
                notes_table=notes,
                notesheet_options={"title": "Notes", "instructions": NOTES_INSTRUCTIONS},
            )
            workbook.set_properties(properties(params, q, day))
            workbook.close()
    except (OSError, FileCreateError) as error:
        reason = getattr(error.args[0], "strerror", None) if error.args else None
        raise ReportingError(
            f"Could not write {path}: {reason or error}. Check that the folder exists and that the file is not open in Excel."
        ) from None
    except (ValueError, XlsxWriterException) as error:
        raise ReportingError(f"Could not build the spreadsheet {path.name}: {error}") from None
    return path


# Text is text: xlsxwriter would otherwise turn a cell starting with "=" into a live formula (or
# a DDE command) and anything that looks like a web address into a live hyperlink.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


@contextmanager
def quiet_gptables():
    """gptables with nothing read into our text: its deprecation warnings in newer pandas silenced
    (about gptables' own code; they would print into the report notebook), and its Markdown-style
    links switched off. gptables turns any "[text](url)" in a cell, title or note into a live
    hyperlink, and those cells hold text from data and params; the one link we mean, the contact
    email, is passed as {text: url}, which gptables writes as a link without parsing any text."""
    from gptables.core.wrappers import GPWorksheet

    original = GPWorksheet.__dict__["_replace_url"]
    GPWorksheet._replace_url = staticmethod(lambda string: string)
    try:
        with warnings.catch_warnings():
            for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
                warnings.filterwarnings("ignore", category=category, module=r"gptables\b")
            yield
    finally:
        GPWorksheet._replace_url = original


def cell_text(value) -> str:
    """Text from data or params for a sheet's titles, notes and cells: on one line, and with gptables'
    note markers ($$name$$) broken by an invisible space, so they show as written."""
    return one_line(value).replace("$$", "$\u200b$")


def check_kpis(kpis: pd.DataFrame) -> None:
    """Say which kpis.csv columns are missing, or that there are no KPIs, rather than failing inside gptables."""
    missing = [c for c in REQUIRED if c not in kpis]
    if missing:
        raise ReportingError(
            f"The KPI table lacks the columns {', '.join(missing)}, so kpis.xlsx cannot be written. "
            "Build it with reporting.build_kpis."
        )
    if kpis.empty:
        raise ReportingError(
            "There are no KPIs to write to kpis.xlsx. List the committee's indicators in its params file "
            "(indicators:) or tag them for the committee in the dataset's indicators.yaml (committees:)."
        )


def properties(params: CommitteeParams, q: Quarter, day: date) -> dict:
    """Document properties; `created` is the produced-on date, so reruns give the same bytes."""
    return {
        "title": f"{cell_text(params.title)} figures: {cell_text(params.committee_name)}, {q.label}",
        "subject": f"Key performance indicators as at {q.label}",
        "author": cell_text(params.council),
        "company": cell_text(params.council),
        "keywords": "key performance indicators, committee report",
        "created": datetime(day.year, day.month, day.day, tzinfo=timezone.utc),
    }


def cover(params: CommitteeParams, q: Quarter, day: date) -> gpt.Cover:
    """The cover sheet: who the figures are for, which quarter, when produced, and who to contact."""
    intro = [
        f"Council: {cell_text(params.council)}",
        f"Committee: {cell_text(params.committee_name)}",
        f"Quarter: {q.label} ({q.months})",
        f"Produced on: {day.day} {day:%B %Y}",
        "This workbook holds the figures of the committee's performance report: for each key performance "
        "indicator (KPI), its current and previous figures, target, comparators (statistical neighbours, "
        "England and the region), rating and change in performance, as at the quarter.",
    ]
    about = [
        "The Contents worksheet links to the table of figures. The Notes worksheet explains each rating, the "
        "symbols [x] (not available) and [z] (not applicable), and the comparators. The KPIs worksheet "
        "holds the figures, one row per KPI in report order.",
        f"Ratings follow the committee's key ({params.scheme.scheme.description.rstrip('.')}) and are "
        "written as words, never shown by colour alone.",
        "Figures are stored as numbers at full precision and shown to each indicator's decimal places.",
        "The same figures are in kpis.csv, beside this workbook, for other tools.",
    ]
    return gpt.Cover(title=f"{cell_text(params.title)} figures: {cell_text(params.committee_name)}, {q.label}", intro=intro, about=about,
                     contact=contact_lines(params.contact) or None)


def contact_lines(contact: dict) -> list:
    """The params `contact:` settings, one line each; a valid email address becomes a mail link."""
    lines = []
    for key, value in contact.items():
        text = cell_text(value)
        if not text:
            continue
        mail = safe_url(f"mailto:{text}") if key == "email" else None
        if mail:
            lines.append({f"Email: {text}": mail})
        else:
            lines.append(f"{cell_text(key).replace('_', ' ').capitalize()}: {text}")
    return lines


def notes_and_references(kpis: pd.DataFrame, params: CommitteeParams, q: Quarter) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The notes table and the KPI sheet's subtitles and legend that refer to every note (gptables
    numbers the `$$reference$$` markers and warns about any note nobody refers to)."""
    groups = note_groups(kpis, params, q)
    subtitles = [line + " " + "".join(f"$${ref}$$" for ref, _, _ in notes) for line, notes in groups[:-1]]
    symbols = groups[-1][1]
    legend = [f"{term} = {text.split(':')[0].lower()} $${ref}$$" for ref, term, text in symbols]
    rows = [note for _, notes in groups for note in notes]
    table = pd.DataFrame(rows, columns=["Note reference", "Term", "Note text"])
    return table, subtitles, legend


def note_groups(kpis: pd.DataFrame, params: CommitteeParams, q: Quarter) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(line above the table, [(reference, term, note text)]) in reading order; the last group is the symbols."""
    region = region_heading(params)
    groups = [
        (
            f"{cell_text(params.council)}, {cell_text(params.committee_name)}. As at {q.label} ({q.months}): one row per key "
            "performance indicator (KPI), in the order of the committee's report.",
            [("figures", "Figures", "Stored as numbers at full precision and shown to each indicator's decimal places. "
              "The Unit column says whether a figure is a percentage (0 to 100), a rate (per the population "
              "base given), a number or a score.")],
        ),
        ("Rating: a word from the committee's key, or the indicator's status.", rating_notes(kpis, params)),
        ("Change in performance: Improving, Declining or Unchanged.", [(
            "change", "Change in performance",
            "Compares the current figure with the previous one at the decimal places shown, using the direction "
            "for improvement: Improving, Declining or Unchanged. [z] where the indicator has no preferred "
            "direction and the figure changed; [x] where there is no previous figure.",
        )]),
        ("Updated this quarter: Yes, or No (not updated this quarter).", [(
            "updated", "Updated this quarter",
            f"Yes: the indicator has a figure for a period ending in {q.label} ({q.months}). No: it was not "
            "updated this quarter; the latest figure available is shown, with its period, and the Data note "
            "column or the report's commentary says why.",
        )]),
        (f"Comparators: statistical neighbour, England and {region} means.", [
            ("stat-neighbours", "Statistical neighbour mean",
             "The average for the council's statistical neighbours, the councils most like it (on measures "
             "such as population and deprivation), as published with the figure."),
            ("england", "England mean", "The average for England, as published with the figure."),
            ("region", f"{region} mean", f"The average for the council's region{'' if region == 'Regional' else f' ({region})'}, "
             "as published with the figure."),
        ]),
    ]
    groups += optional_groups(kpis, params)
    groups.append(("Symbols", [
        ("x", NOT_AVAILABLE, "Not available: for example no figure yet, no earlier figure to compare with, "
         "or no comparator published."),
        ("z", NOT_APPLICABLE, "Not applicable: for example no target for an indicator tracked for context, "
         "or no data note."),
    ]))
    return groups


def optional_groups(kpis: pd.DataFrame, params: CommitteeParams) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Notes for the columns only some schemes give: the difference from target, the trend, 12 months earlier."""
    groups = []
    if "deviation" in kpis:
        groups.append(("Difference from target: how far from target, as a percentage of the target.", [(
            "deviation", "Difference from target (per cent of target)",
            "How far the current figure is from its target, as a percentage of the target, signed so that a "
            "positive difference is better than target; the ratings against target are based on it. [z] where "
            "the indicator has no target by design; [x] where there is no figure or target, or the target is zero.",
        )]))
    if "projected_next" in kpis:
        groups.append(("Projected next period: the indicator's linear trend, one period ahead.", [(
            "trend", "Projected next period (linear trend)",
            f"A least-squares straight line through the indicator's last {params.trend_points} figures (all of "
            "them if there are fewer), projected one period ahead. [x] where there are fewer than 3 figures.",
        )]))
    if all(c in kpis for c in JUDGEMENT_HEADERS):
        groups.append(("12 months earlier: the figures D and G compare with.", [(
            "year-earlier", "12 months earlier",
            "The indicator's figure for the period 12 months before the current one, and the England mean "
            "then. D compares the current figure with it; G compares the gap to England now and then.",
        )]))
    return groups


def rating_notes(kpis: pd.DataFrame, params: CommitteeParams) -> list[tuple[str, str, str]]:
    """One note per rating of the committee's key, in its own words, then each status rating that appears."""
    scheme = params.scheme
    rows = scheme.key_rows(set(kpis["rating"].astype(str)))
    if not scheme.scheme.key:
        rows = [(label, f"A rating of the {scheme.name} scheme; see the committee's report.") for label in scheme.scheme.scale] + rows
    return [(f"rating-{n}", cell_text(scheme.label(label)), sentence(cell_text(meaning))) for n, (label, meaning) in enumerate(rows, 1)]


def sentence(text: str) -> str:
    """Text ending with a full stop, as every note does."""
    text = str(text).strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def region_heading(params: CommitteeParams) -> str:
    """How the regional comparator is headed: the region's name, or 'Regional'."""
    return cell_text(params.region) or "Regional"


def kpi_table(kpis: pd.DataFrame, params: CommitteeParams, q: Quarter, subtitles: list[str], legend: list[str]) -> gpt.GPTable:
    """The table of figures, one row per KPI, with its title, the lines that refer to the notes, and its source."""
    table = kpi_frame(kpis, params)
    return gpt.GPTable(
        table=table,
        table_name="kpi_figures",
        title=f"Key performance indicators: {cell_text(params.committee_name)}, {q.label}",
        subtitles=subtitles,
        instructions="This worksheet contains one table. The lines above it refer to notes, which are on the Notes worksheet.",
        legend=legend,
        source=f"Source: {cell_text(params.council)}, performance data for the {cell_text(params.committee_name)}.",
        index_columns={2: 0},
        additional_formatting=number_formats(table, kpis),
    )


def kpi_frame(kpis: pd.DataFrame, params: CommitteeParams) -> pd.DataFrame:
    """The figures as the sheet shows them: plain headers, numbers as numbers, words for ratings, [x]/[z] for gaps."""
    k = kpis.reset_index(drop=True)
    get = lambda name: optional(k, name)  # noqa: E731
    target_missing = target_gap(k)
    columns = {
        "Indicator ID": k["indicator_id"].map(cell_text),
        "Indicator": text(k["title"], NOT_AVAILABLE),
        "Direction for improvement": k["direction"].map(DIRECTION_WORDS).fillna(NOT_AVAILABLE),
        "Unit": unit_words(k),
        "Period": text(k["period_label"], NOT_AVAILABLE),
        "Period end": dates(k["period_end"]),
        "Current value": numbers(k["current"]),
        "Previous period": text(get("previous_period_label"), NOT_AVAILABLE),
        "Previous value": numbers(k["previous"]),
        "Target": numbers(k["target"]).where(k["target"].notna(), target_missing),
        "Target notes": text(target_notes(k), NOT_APPLICABLE),
        "Statistical neighbour mean": numbers(k["stat_neighbour_mean"]),
        "England mean": numbers(k["england_mean"]),
        f"{region_heading(params)} mean": numbers(k["regional_mean"]),
        "Rating": text(k["rating"], NOT_AVAILABLE),
        "Change in performance": change_words(k),
        "Updated this quarter": k["updated_this_quarter"].map(lambda v: "Yes" if bool(v) else "No"),
    }
    if "deviation" in k:
        difference = numbers(pd.to_numeric(k["deviation"], errors="coerce") * 100)
        columns["Difference from target (per cent of target)"] = difference.where(k["target"].notna(), target_missing)
    if all(c in k for c in JUDGEMENT_HEADERS):
        columns["12 months earlier period"] = text(get("year_earlier_period_label"), NOT_AVAILABLE)
        columns["12 months earlier value"] = numbers(get("year_earlier"))
        columns["England mean 12 months earlier"] = numbers(get("england_mean_year_earlier"))
        for column, header in JUDGEMENT_HEADERS.items():
            columns[header] = text(k[column], NOT_AVAILABLE).map(lambda v: v[:1].upper() + v[1:])
    if "projected_next" in k:
        columns["Projected next period (linear trend)"] = numbers(k["projected_next"])
    if "national_rank" in k:  # a dataset with benchmarks: where the council stands (1 is the best)
        columns["Rank among all councils (1 is the best)"] = numbers(k["national_rank"])
        columns["Councils with a figure"] = numbers(k["national_count"])
        columns["Quartile band (A is the best quarter, D the worst)"] = text(k["quartile_band"], NOT_APPLICABLE)
        columns["Rank among statistical neighbours (1 is the best)"] = numbers(k["neighbour_rank"])
        columns["Council and neighbours with a figure"] = numbers(k["neighbour_count"])
    columns["Data note"] = text(get("note"), NOT_APPLICABLE)
    columns["Data sources"] = text(get("sources").map(join_sources), NOT_AVAILABLE)
    return pd.DataFrame(columns).astype(object)


def optional(kpis: pd.DataFrame, name: str) -> pd.Series:
    """An optional kpis.csv column, or an empty one where this run has none."""
    return kpis[name] if name in kpis else pd.Series(None, index=kpis.index, dtype=object)


def numbers(values: pd.Series) -> pd.Series:
    """Finite figures as Python floats (written as numbers); [x] where missing or not finite."""
    values = pd.to_numeric(values, errors="coerce").astype(float)
    finite = np.isfinite(values.to_numpy())
    return pd.Series([float(v) if ok else NOT_AVAILABLE for v, ok in zip(values, finite)], index=values.index, dtype=object)


def dates(values: pd.Series) -> pd.Series:
    """Period ends as dates (written as Excel dates); [x] where missing."""
    cells = [v.to_pydatetime() if pd.notna(v) else NOT_AVAILABLE for v in pd.to_datetime(values)]
    return pd.Series(cells, index=values.index, dtype=object)


def text(values: pd.Series, missing: str) -> pd.Series:
    """Text cells; `missing` where empty or without a letter or digit (gptables refuses symbol-only cells)."""
    words = values.map(lambda v: "" if blank(v) else cell_text(v))
    return words.map(lambda v: v if re.search(r"[A-Za-z0-9]", v) else missing).astype(object)


def blank(value) -> bool:
    """Whether a single cell is empty: None, NaN, NaT or pandas' NA (never asks a list for its truth)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def join_sources(sources) -> str:
    """A catalogue `sources` list as one line."""
    if isinstance(sources, (list, tuple)):
        return "; ".join(str(s) for s in sources if str(s).strip())
    return "" if blank(sources) else str(sources)


def unit_words(kpis: pd.DataFrame) -> pd.Series:
    """The unit in words; a rate says its population base, e.g. 'Rate per 10,000'."""
    base = kpis["rate_base"] if "rate_base" in kpis else pd.Series(None, index=kpis.index)
    words = kpis["unit"].map(UNIT_WORDS).fillna(kpis["unit"].astype(str))
    with_base = [
        f"{w} per {float(b):,.0f}" if u == "rate" and pd.notna(b) and str(b).strip() and is_number(b) else w
        for w, u, b in zip(words, kpis["unit"], base)
    ]
    return pd.Series(with_base, index=kpis.index, dtype=object)


def is_number(value) -> bool:
    """Whether a catalogue value reads as a number."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def target_gap(kpis: pd.DataFrame) -> pd.Series:
    """What a missing target shows: [z] when the indicator has no target by design, else [x]."""
    kind = kpis["kind"] if "kind" in kpis else pd.Series(None, index=kpis.index)
    by_design = kpis["status"].ne("target") | kind.eq("key_tracker")
    return pd.Series(np.where(by_design, NOT_APPLICABLE, NOT_AVAILABLE), index=kpis.index, dtype=object)


def target_notes(kpis: pd.DataFrame) -> pd.Series:
    """The published wording of a target that is not a plain number, where there is one."""
    basis = kpis["target_basis"] if "target_basis" in kpis else pd.Series("", index=kpis.index)
    note = kpis["target_note"] if "target_note" in kpis else pd.Series("", index=kpis.index)
    basis = basis.fillna("").astype(str)
    return basis.where(basis.str.strip() != "", note.fillna("").astype(str))


def change_words(kpis: pd.DataFrame) -> pd.Series:
    """Improving, Declining or Unchanged; [z] with no preferred direction, [x] with nothing to compare."""
    change = kpis["change"].fillna("").astype(str)
    comparable = kpis["current"].notna() & kpis["previous"].notna()
    gap = pd.Series(np.where(comparable, NOT_APPLICABLE, NOT_AVAILABLE), index=kpis.index)
    return change.where(change.str.strip() != "", gap).astype(object)


def number_format(decimals: int) -> str:
    """An Excel number format with thousands separators and the indicator's decimal places."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


RANK_COLUMNS = ("Rank among all councils (1 is the best)", "Councils with a figure",
                "Rank among statistical neighbours (1 is the best)", "Council and neighbours with a figure")


def number_formats(table: pd.DataFrame, kpis: pd.DataFrame) -> list[dict]:
    """Show each row's figures to its indicator's decimal places (the stored value keeps full precision);
    dates as dates and the difference from target to one place."""
    decimals = pd.to_numeric(kpis["decimals"], errors="coerce").fillna(1).astype(int).reset_index(drop=True)
    formats = [
        # Row 0 of gptables' format grid is the header row, so data row i is grid row i + 1.
        {"row": {"rows": [i + 1 for i in decimals.index[decimals == d]], "format": {"num_format": number_format(d)}}}
        for d in sorted(decimals.unique())
    ]
    formats.append({"column": {"columns": ["Period end"], "format": {"num_format": "d mmmm yyyy"}, "include_names": False}})
    difference = "Difference from target (per cent of target)"
    if difference in table:
        formats.append({"column": {"columns": [difference], "format": {"num_format": "#,##0.0"}, "include_names": False}})
    counts = [c for c in table.columns if c in RANK_COLUMNS]
    if counts:  # ranks and counts are whole numbers, whatever the indicator's decimals
        formats.append({"column": {"columns": counts, "format": {"num_format": "0"}, "include_names": False}})
    return formats
