"""The report's Markdown: title block, key, index, summary and one card per KPI.

Everything is Markdown with pipe tables and pandoc-style attributes ({#id}, [text]{.class}),
which both Quarto and the built-in renderer understand. Only the workbook writes syntax: every
piece of text from data, params or commentary goes through `reporting.document` (plain text is
escaped with `md`, analysts' Markdown is reduced to a safe subset by `analyst_markdown`).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import Markdown, analyst_markdown, attribute_text, html_id, md, md_link, md_text
from .blocks import Block, block
from .icons import assurance_icon, variation_icon, with_icon
from .formatting import DIRECTION_TEXT, format_value, rating_badge
from ..params import CommitteeParams
from ..quarters import Quarter
from ..measures.benchmarks import BAND_TEXT, ordinal
from ..measures.ratings.registry import NOT_RATED, SchemeConfig
from ..measures.spc import (
    COMMON, CONCERNING, FAILING, HIT_AND_MISS, IMPROVING, LIMIT_FACTOR, NEITHER, NO_DIRECTION, NO_TARGET,
    NOT_ASSESSED, PASSING, SPCSettings,
)


def anchor(indicator_id) -> str:
    """The id of a KPI's card, used by the index links: `kpi-` and the id, made safe for HTML."""
    return html_id("kpi", indicator_id)


def card_link(title, indicator_id) -> Markdown:
    """A link from the index to a KPI's card: the title as plain text, the target the card's id."""
    return Markdown(f"[{md_text(title)}](#{anchor(indicator_id)})")


def table(header: list[str], rows: list[list], caption: str | None = None, widths: list[int] | None = None) -> str:
    """A Markdown pipe table; its first row is a real header row.

    `widths` (relative, one per column) set the dashes under the header, which pandoc (Quarto)
    reads as the columns' shares of the page: the index's title column gets room to read.

    Header and cells are plain text (escaped here), except cells the workbook built as `Markdown`
    (badges, links). `caption` names the table for screen readers (pandoc's `: caption` after the
    table, which Quarto and the built-in renderer both read); it is visually hidden, as a heading
    already shows it.
    """
    rule = "|".join("-" * max(3, int(w)) for w in (widths or [3] * len(header)))
    lines = ["| " + " | ".join(md_text(h) for h in header) + " |", f"|{rule}|"]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    if caption:
        lines += ["", f": [{md_text(caption)}]{{.visually-hidden}}"]
    return "\n".join(lines)


def nest_headings(markdown: str, under: int) -> str:
    """Analysts' Markdown, made safe, with its headings moved below level `under`, so the page's
    heading order never skips or restarts."""
    return analyst_markdown(markdown, heading_under=under)


@block("title")
def title_block(params: CommitteeParams, quarter: str | Quarter, produced_on: date | str) -> Block:
    q = Quarter.parse(quarter)
    produced = produced_on if isinstance(produced_on, str) else f"{produced_on:%d %B %Y}"
    lines = [
        f"# {md_text(params.title)}: {md_text(params.committee_name)}",
        "",
        f"**{md_text(params.council)}**  ",
        f"**{q.label}** ({q.months})  ",
        f"Produced on: {produced}",
    ]
    contact = params.contact or {}
    if contact:
        who = ", ".join(md_text(contact[k]) for k in ("team", "email") if contact.get(k))
        lines.append(f"  \nContact: {who}")
    return "\n".join(lines)


@block("key")
def rating_key(scheme: SchemeConfig, kpis: pd.DataFrame) -> Block:
    """The key to the ratings in force, with the status ratings that appear in this report."""
    rows = scheme.key_rows(set(kpis["rating"].astype(str)))
    body = [[rating_badge(scheme.label(label), css_of=label), meaning] for label, meaning in rows]
    return "## Key to ratings {#key}\n\n" + table(["Rating", "Meaning"], body, "Key to ratings") + (
        "\n\nChange in performance compares the current figure with the previous one, as shown"
        " (to the decimal places displayed), using the indicator's direction for improvement."
    )


# Shares of the page for the index's columns (pandoc reads them; markdown-it ignores them).
INDEX_WIDTHS = [8, 30, 8, 8, 8, 9, 9, 8, 14]
DATA_TABLE_WIDTHS = [7, 7, 7, 7, 18, 6, 7, 6, 6, 7, 7, 6, 9]


@block("table")
def index_table(kpis: pd.DataFrame) -> Block:
    """Every KPI in report order with its figures, rating and change, linked to its card."""
    rows = []
    for kpi in kpis.itertuples(index=False):
        fmt = lambda v: format_value(v, kpi.unit, kpi.decimals)  # noqa: E731
        rows.append([
            kpi.indicator_id,
            card_link(kpi.title, kpi.indicator_id),
            kpi.period_label if pd.notna(kpi.period_label) else "No data",
            fmt(kpi.current),
            fmt(kpi.target) if pd.notna(kpi.target) else (kpi.target_note or "–"),
            rating_badge(kpi.rating),
            kpi.change or "–",
            "Yes" if kpi.updated_this_quarter else "No",
            spc_badges(kpi.variation, kpi.spc_side, kpi.assurance),
        ])
    header = ["Indicator", "Title", "Period", "Current", "Target", "Rating", "Change", "Updated this quarter", "Variation and assurance"]
    return "## Index of indicators {#index}\n\n" + table(header, rows, "Index of indicators", INDEX_WIDTHS)


@block("table")
def summary_table(counts: pd.DataFrame) -> Block:
    """How many KPIs have each rating, with percentages; every rating in the scheme is listed."""
    # Every rating of the key is listed, "–" for none (as committee papers do); "Not rated" only when used.
    shown = counts[(counts["rating"] != NOT_RATED) | (counts["count"] > 0)]
    rows = [
        [rating_badge(r), str(c) if c else "–", f"{p:.0f}%" if c else "–"]
        for r, c, p in zip(shown["rating"], shown["count"], shown["percent"])
    ]
    total = int(counts["count"].sum())
    note = ""
    if counts["count"].sum() and round(counts.loc[counts["count"] > 0, "percent"].round(0).sum()) != 100:
        note = " Percentages may not add to 100 because of rounding."
    # The note goes before the table, not after it: in print the table and its chart sit side by side.
    return (
        f"## Summary of ratings {{#summary}}\n\n{total} indicators are reported.{note}\n\n"
        + table(["Rating", "Number of KPIs", "Percentage of KPIs"], rows, "Summary of ratings")
    )


def comparator_table(kpi: pd.Series) -> str:
    """Benchmarks and the rating; the regional mean appears only where the data has one."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    header = ["Statistical neighbour mean", "England mean"]
    row = [fmt(kpi["stat_neighbour_mean"]), fmt(kpi["england_mean"])]
    if pd.notna(kpi.get("regional_mean")):
        header.append("Regional mean")
        row.append(fmt(kpi["regional_mean"]))
    header.append("Rating")
    row.append(rating_badge(kpi["rating"]))
    # A series too short for SPC says so here, in a cell, rather than in a paragraph of its own
    # ("SPC", as the key and the cards call it: a longer heading would not fit a phone's width).
    if kpi.get("spc_brief"):
        header.append("SPC")
        row.append(kpi["spc_brief"])
    caption = f"Benchmarks and rating for indicator {kpi['indicator_id']}"
    return table(header, [row], caption)


def benchmark_table(kpi: pd.Series) -> str:
    """The card's table of where the council stands, or "" where the KPI has no ranks (no direction, no figure)."""
    if pd.isna(kpi.get("national_rank")) and pd.isna(kpi.get("neighbour_rank")):
        return ""
    rank = lambda r, n: f"{ordinal(r)} of {int(n)}" if pd.notna(r) else "–"  # noqa: E731
    band = kpi.get("quartile_band")
    band = f"{band} ({BAND_TEXT})" if isinstance(band, str) and band else "– (not banded)"
    return table(["Rank among all councils", "Quartile band", "Rank among statistical neighbours"],
                 [[rank(kpi.get("national_rank"), kpi.get("national_count")), band,
                   rank(kpi.get("neighbour_rank"), kpi.get("neighbour_count"))]],
                 f"Where the council stands on indicator {kpi['indicator_id']}, {kpi['period_label']}; 1st is the best")


JUDGEMENT_TEXT = {
    "green": ("✓ Green", "rating-green"),
    "amber": ("! Amber", "rating-amber"),
    "red": ("✗ Red", "rating-red"),
    "improving": ("↑ Improving", "rating-green"),
    "same": ("→ Same", "rating-amber"),
    "deteriorating": ("↓ Deteriorating", "rating-red"),
    "not assessed": ("– Not assessed", "rating-status"),
}
JUDGEMENT_COLUMNS = {"judgement_d": "D", "judgement_t": "T", "judgement_c": "C", "judgement_g": "G"}
# Shorter words for the many-columned data table; the key gives them in full.
JUDGEMENT_SHORT = {"improving": "↑ Better", "deteriorating": "↓ Worse", "not assessed": "– n/a"}


def judgement(value, short: bool = False) -> str:
    """A D/T/C/G judgement as a symbol and a word (never colour alone), styled as a badge."""
    value = value if isinstance(value, str) and value in JUDGEMENT_TEXT else "not assessed"
    text, css = JUDGEMENT_TEXT[value]
    if short:
        text = JUDGEMENT_SHORT.get(value, text)
    return Markdown(f"[{md_text(text)}]{{.rating .{css}}}")


def judgement_row(kpi: pd.Series) -> str:
    """The D, T, C and G judgements of one KPI as a table, where the scheme gives them."""
    if not all(c in kpi.index for c in JUDGEMENT_COLUMNS):
        return ""
    header = ["D: direction of travel", "T: against target", "C: against England", "G: gap to England"]
    caption = f"D, T, C and G judgements for indicator {kpi['indicator_id']}"
    return table(header, [[judgement(kpi[c]) for c in JUDGEMENT_COLUMNS]], caption)


@block("table")
def judgement_table(kpis: pd.DataFrame, region: str = "Regional") -> Block:
    """Durham's data table: D, T, C, G and the figures, one row per KPI; empty for other schemes."""
    if not all(c in kpis for c in JUDGEMENT_COLUMNS):
        return ""
    rows = []
    for kpi in kpis.itertuples(index=False):
        fmt = lambda v: format_value(v, kpi.unit, kpi.decimals)  # noqa: E731
        target = fmt(kpi.target) if pd.notna(kpi.target) else ("Tracker" if kpi.kind == "key_tracker" else (kpi.target_note or "–"))
        rows.append([
            *(judgement(getattr(kpi, c), short=True) for c in JUDGEMENT_COLUMNS),
            card_link(kpi.title, kpi.indicator_id),
            kpi.period_label if pd.notna(kpi.period_label) else "No data",
            fmt(kpi.current),
            target,
            fmt(kpi.year_earlier),
            fmt(kpi.england_mean),
            fmt(kpi.regional_mean),
            "Yes" if kpi.updated_this_quarter else "No",
            rating_badge(kpi.rating),
        ])
    header = ["D", "T", "C", "G", "Performance indicator", "Period", "Performance", "Target",
              "12 months earlier", "National average", f"{region} average", "Updated", "Overall"]
    return (
        "## Data tables {#data-tables}\n\nD: direction of travel against 12 months earlier. T: against target. "
        "C: against the England (national) average. G: the gap to England, against 12 months earlier "
        "(↑ better, → same, ↓ worse). n/a: not assessed, because an input is missing. "
        "The key above explains each judgement.\n\n" + table(header, rows, "Data tables: judgements and figures for every indicator", DATA_TABLE_WIDTHS)
    )


# Soft hyphens (U+00AD) let the longest header words break, with a hyphen, only where a phone's
# width needs it; they are invisible otherwise and screen readers ignore them.
FIGURE_HEADERS = {"direction": "Direction for improve\u00adment", "change": "Change in perform\u00adance"}


@block("card")
def kpi_card(kpi: pd.Series, description: bool = True) -> Block:
    """The card for one KPI: heading, figures, and (unless `description` is False) the description and
    sources, which the report shows after the chart instead (`kpi_description`), so that in print the
    description flows beside the chart."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    current_label = kpi["period_label"] if pd.notna(kpi["period_label"]) else "no data"
    previous = f"Previous ({kpi['previous_period_label']})" if pd.notna(kpi.get("previous_period_label")) else "Previous"
    target = fmt(kpi["target"]) if pd.notna(kpi["target"]) else (kpi.get("target_note") or ("–" if kpi["status"] == "target" else kpi["rating"]))
    if kpi.get("target_basis"):
        target = f"{target} ({kpi['target_basis']})" if pd.notna(kpi["target"]) else f"{kpi['target_basis']}"
    parts = [
        f"## Indicator {md_text(kpi['indicator_id'])}: {md_text(kpi['title'])} {{#{anchor(kpi['indicator_id'])}}}",
        "",
        f'[Return to index](#index){{aria-label="Return to index from indicator {attribute_text(kpi["indicator_id"])}"}}',
        "",
        table(
            ["Target", FIGURE_HEADERS["direction"], f"Current ({current_label})", previous, FIGURE_HEADERS["change"]],
            [[target, DIRECTION_TEXT[kpi["direction"]], fmt(kpi["current"]), fmt(kpi["previous"]), kpi["change"] or "–"]],
            f"Figures for indicator {kpi['indicator_id']}",
        ),
        "",
        comparator_table(kpi),
    ]
    ranks = benchmark_table(kpi)
    if ranks:
        parts += ["", ranks]
    judgements = judgement_row(kpi)
    if judgements:
        parts += ["", judgements]
    spc = spc_block(kpi)
    if spc:
        parts += ["", spc]
    if pd.notna(kpi.get("projected_next")):
        parts += ["", f"**Projected linear trend:** {md_text(fmt(kpi['projected_next']))} next period "
                  f"(least squares over the last {int(kpi['trend_points'])} figures)."]
    if not kpi["updated_this_quarter"]:
        latest = f"the latest figure is for {current_label}" if pd.notna(kpi["period_label"]) else "there is no figure yet"
        parts += ["", f"**Not updated this quarter:** {md_text(latest)}."]
    if isinstance(kpi.get("note"), str) and kpi["note"].strip():
        parts += ["", f"**Note:** {md_text(kpi['note'])}"]
    if not description:
        return "\n".join(parts)
    return "\n".join(parts + ["", kpi_description(kpi)])


@block("card")
def kpi_description(kpi: pd.Series) -> Block:
    """A KPI's description: what it measures, how it is calculated, its sources and useful links."""
    details = []
    if kpi.get("description"):
        details += ["### Indicator description", "", analyst_markdown(kpi["description"], heading_under=3)]
    if kpi.get("calculation"):
        details += ["", f"**Calculation:** {md_text(kpi['calculation'])}"]
    for field in ("numerator", "denominator"):
        definition = kpi.get(f"{field}_definition")
        if isinstance(definition, str) and definition.strip():
            details += ["", f"**{field.capitalize()}:** {md_text(definition)}"]
    if kpi.get("sources"):
        details += ["", "**Sources:** " + "; ".join(md_text(s) for s in kpi["sources"])]
    links = [link for link in (kpi.get("links") or []) if isinstance(link, dict) and link.get("url")]
    if links:
        details += ["", "**Useful links:**", ""] + [f"- {md_link(link.get('title') or link['url'], link['url'])}" for link in links]
    return "\n".join(details)


@block("commentary")
def commentary_block(kpi: pd.Series) -> Block:
    """Commentary and actions, as the analyst wrote them (sanitised); says so when they are missing."""
    commentary = analyst_markdown(kpi.get("commentary"), heading_under=3) or "_No commentary has been provided for this quarter._"
    actions = analyst_markdown(kpi.get("actions"), heading_under=3)
    if not actions:
        actions = "_No actions recorded, although this indicator is rated Red._" if kpi["rating"] == "Red" else "_None required._"
    return f"### Commentary\n\n{commentary}\n\n### Actions\n\n{actions}"


# SPC badges: a symbol and words (never colour alone), coloured as Making Data Count's icons are:
# blue for improvement or passing, orange for concern or failing, grey for common cause or hit and miss.
# The symbol of a special cause says which side it is on: ▲ high, ▼ low (the words say whether that is good).
VARIATION_STYLE = {
    COMMON: ("≈", "rating-status", "Common cause"),
    IMPROVING: (None, "rating-blue", "Improving"),
    CONCERNING: (None, "rating-amber", "Concerning"),
    NEITHER: (None, "spc-neither", "Special cause"),
    NOT_ASSESSED: ("–", "rating-status", "Not assessed"),
}
ASSURANCE_STYLE = {
    PASSING: ("✓", "rating-blue", "Passing"),
    FAILING: ("✗", "rating-amber", "Failing"),
    HIT_AND_MISS: ("?", "rating-status", "Hit and miss"),
    NO_TARGET: ("–", "rating-status", "No target"),
    NO_DIRECTION: ("–", "rating-status", "No direction"),
    NOT_ASSESSED: ("–", "rating-status", "n/a"),
}
SIDE_SYMBOL = {"high": "▲", "low": "▼"}
VARIATION_MEANING = {
    COMMON: "The figures vary only by chance: no point breaks a rule, so the process is stable.",
    IMPROVING: "The latest figure is special cause, for the better: a real change, not chance.",
    CONCERNING: "The latest figure is special cause, for the worse: a real change, not chance.",
    NEITHER: "The latest figure is special cause, on an indicator with no preferred direction.",
    NOT_ASSESSED: "Not assessed: too few figures for process limits (the card says how many).",
}
ASSURANCE_MEANING = {
    PASSING: "The whole range between the process limits is on the right side of the target: it will usually be met.",
    HIT_AND_MISS: "The target lies between the process limits: it will be met some months and missed others, by chance.",
    FAILING: "The whole range between the process limits is on the wrong side of the target: it will usually be missed.",
    NO_TARGET: "There is no target to assure against.",
    NO_DIRECTION: "The indicator has no preferred direction, so there is no assurance.",
}


def variation_badge(variation, side=None, short: bool = False) -> str:
    """An indicator's SPC variation as a badge: symbol (▲/▼ for the side of a special cause) and words."""
    variation = variation if variation in VARIATION_STYLE else NOT_ASSESSED
    symbol, css, brief = VARIATION_STYLE[variation]
    symbol = symbol or SIDE_SYMBOL.get(side, "●")
    badge = f"[{md_text(f'{symbol} {brief if short else variation}')}]{{.rating .{css}}}"
    return Markdown(with_icon(variation_icon(variation, side), badge))


def assurance_badge(assurance, short: bool = False) -> str:
    """An indicator's SPC assurance against its target as a badge: symbol and words."""
    assurance = assurance if assurance in ASSURANCE_STYLE else NOT_ASSESSED
    symbol, css, brief = ASSURANCE_STYLE[assurance]
    badge = f"[{md_text(f'{symbol} {brief if short else assurance}')}]{{.rating .{css}}}"
    return Markdown(with_icon(assurance_icon(assurance), badge))


def spc_badges(variation, side, assurance) -> str:
    """The index's SPC cell: the variation badge then the assurance badge (short words), or one
    "not assessed" badge where there are too few figures for limits."""
    if variation not in VARIATION_STYLE or variation == NOT_ASSESSED:
        return variation_badge(NOT_ASSESSED)
    return Markdown(f"{variation_badge(variation, side, short=True)} {assurance_badge(assurance, short=True)}")


@block("key")
def spc_key(settings: SPCSettings | None = None, kpis: pd.DataFrame | None = None) -> Block:
    """The key to variation and assurance, with how the limits are drawn and when they are not.

    With `kpis`, a report where no KPI has limits gets one sentence saying so instead of the key."""
    settings = settings or SPCSettings()
    if kpis is not None and "variation" in kpis and not kpis["variation"].isin([COMMON, IMPROVING, CONCERNING, NEITHER]).any():
        return (
            "## Variation and assurance {#spc-key}\n\n"
            f"No indicator in this report has the {settings.min_points} or more figures that statistical process control "
            "(SPC) needs for process limits, so variation and assurance are not assessed."
        )
    rows = [[variation_badge(v, "high"), VARIATION_MEANING[v]] for v in (COMMON, IMPROVING, CONCERNING, NEITHER)]
    rows.insert(3, [variation_badge(CONCERNING, "low"), "As above; ▲ marks a special cause above the mean, ▼ one below it."])
    rows += [[assurance_badge(a), ASSURANCE_MEANING[a]] for a in (PASSING, HIT_AND_MISS, FAILING, NO_TARGET, NO_DIRECTION)]
    rows.append([variation_badge(NOT_ASSESSED), VARIATION_MEANING[NOT_ASSESSED]])
    rules = []
    if settings.outside_limits:
        rules.append("a point outside the process limits")
    if settings.shift_length:
        rules.append(f"{settings.shift_length} points in a row on one side of the mean (a shift)")
    if settings.trend_length:
        rules.append(f"{settings.trend_length} points in a row all rising or all falling (a trend)")
    if settings.two_of_three:
        rules.append("two of three points beyond two-thirds of the way to a limit (but not beyond it), all three on the same side of the mean")
    screen = " (leaving out unusually large moving ranges)" if settings.screen_outliers else ""
    return (
        "## Key to variation and assurance {#spc-key}\n\n"
        "Beside each rating, statistical process control (SPC) asks whether the figures vary only by chance or show a "
        "real change. Each KPI's chart with enough figures is an XmR chart: the mean, and process limits at the mean plus "
        f"or minus {LIMIT_FACTOR} times the average change from one figure to the next{screen}. A figure is special cause "
        f"when it is part of {'; '.join(rules) or 'no rule (every rule is switched off)'}. "
        f"Limits need at least {settings.min_points} figures and are provisional with fewer than {settings.provisional_below}. "
        + ("Charts mark the whole run of a shift or trend once it is detected; the variation above counts from the point of detection."
           if settings.chart_runs == "whole_run" else "Charts mark special-cause points from the point each rule is met, as the variation does.")
        + "\n\n"
        + table(["Symbol", "Meaning"], rows, "Key to variation and assurance")
    )


def spc_block(kpi: pd.Series) -> str:
    """A card's SPC view: variation, assurance, mean and limits, why limits are missing or provisional,
    and one plain sentence where the rating and SPC disagree."""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    note = kpi.get("spc_note") if isinstance(kpi.get("spc_note"), str) else ""
    parts = []
    if pd.notna(kpi.get("mean")):
        parts.append(table(
            ["Variation", "Assurance", "Mean", "Process limits", "Points"],
            [[variation_badge(kpi["variation"], kpi.get("spc_side")), assurance_badge(kpi["assurance"]), fmt(kpi["mean"]),
              f"{fmt(kpi['lower_limit'])} to {fmt(kpi['upper_limit'])}", str(int(kpi["spc_points"]))]],
            f"Statistical process control for indicator {kpi['indicator_id']}",
        ))
        if note:
            parts.append(md_text(note))
    elif not kpi.get("spc_brief"):
        parts.append(f"**Statistical process control:** {md_text(note)}")
    if kpi.get("spc_disagreement"):
        parts.append(f"**Rating and SPC disagree:** {md_text(kpi['spc_disagreement'])}")
    return "\n\n".join(parts)
