"""The covering paper's Markdown: title block and cover items, recommendation, officer contact, background, key,
counts, not updated, examples, movements."""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import attribute_text, md_link, md_text
from .blocks import Block, block
from .report import nest_headings, rating_key, summary_table
from ..params import CommitteeParams
from ..quarters import Quarter
from ..measures.summary import CHANGED, DECLINED, IMPROVED, NEW, UNCHANGED, ExampleChoice, movement_counts


def _indicators(n: int) -> str:
    return f"{n} indicator{'s' if n != 1 else ''}"


def _name(row) -> str:
    return f"Indicator {md_text(row.indicator_id)}: {md_text(row.title)}"


# The report is published beside the paper, in the same folder, under these names.
REPORT_PAGE, REPORT_PDF = "report.html", "report.pdf"


def _line(label: str, value: str) -> str:
    """One labelled line of the paper's cover: the label in bold, the value (already Markdown) after it."""
    return f"**{label}:** {value}"


def _day(day: date) -> str:
    """A date as committee papers and GOV.UK write it: 8 January 2024."""
    return f"{day.day} {day:%B %Y}"


def cover_lines(params: CommitteeParams, quarter: Quarter, produced_on: date) -> list[str]:
    """The items a committee paper opens with, as labelled lines; items the params leave out are omitted
    (no date, name or decision is ever invented for the council)."""
    paper = params.paper
    lines = [_line("To", md_text(params.committee_name))]
    if paper.meeting_date:
        lines.append(_line("Meeting date", _day(paper.meeting_date)))
    if paper.report_from:
        lines.append(_line("From", md_text(paper.report_from)))
    if paper.electoral_divisions:
        lines.append(_line("Electoral divisions", md_text(paper.electoral_divisions)))
    if paper.key_decision is not None:
        lines.append(_line("Key decision", "Yes" if paper.key_decision else "No"))
    if paper.forward_plan_reference:
        lines.append(_line("Forward plan reference", md_text(paper.forward_plan_reference)))
    lines += [
        _line("Period covered", f"{quarter.label}: {quarter.months}"),
        _line("Produced on", _day(produced_on)),
    ]
    return lines


def report_link(params: CommitteeParams, quarter: Quarter) -> str:
    """The accompanying report: on screen a link to report.html beside the paper; in print its name and
    file, report.pdf (a PDF cannot link to a file beside it without writing a local path into the link)."""
    name = f"{md_text(params.title)} for {quarter.label}"
    return (
        f"[[{name}]({REPORT_PAGE})]{{.screen-only}}"
        f"[{name}, published with this paper as {REPORT_PDF}]{{.print-only}}"
    )


@block("title")
def paper_title_block(params: CommitteeParams, quarter: str | Quarter, produced_on: date) -> Block:
    """The paper's heading, the labelled lines committee papers open with, and what the paper is, with a link to its report."""
    q = Quarter.parse(quarter)
    # Two spaces end each line but the last: one paragraph, a line per item, in every reader.
    cover = "  \n".join(cover_lines(params, q, produced_on))
    return (
        f"# {md_text(params.paper.title)}: {q.label}\n\n**{md_text(params.council)}**\n\n{cover}"
        f"\n\nThis paper summarises the performance of the {md_text(params.committee_name)}'s key performance "
        f"indicators for {q.label} ({q.months}). The full figures, charts and commentary for every indicator "
        f"are in the report that accompanies it: {report_link(params, q)}."
    )


@block("section")
def recommendation_section(params: CommitteeParams) -> Block:
    """What the committee is asked to do, in the council's words; nothing when the params give no recommendation."""
    text = nest_headings(params.paper.recommendation, 2)
    return f"## Recommendation {{#recommendation}}\n\n{text}" if text else ""


@block("section")
def officer_contact_section(params: CommitteeParams) -> Block:
    """Who to ask about the paper: the officer from the paper's params, else the report's contact team;
    nothing when the params name neither."""
    officer = params.paper.officer_contact
    if officer is not None:
        lines = [_line("Name", md_text(officer.name))]
        if officer.role:
            lines.append(_line("Role", md_text(officer.role)))
        email = officer.email
    else:
        team = (params.contact or {}).get("team") or ""
        email = (params.contact or {}).get("email") or ""
        lines = [_line("Team", md_text(team))] if team else []
    if email:
        lines.append(_line("Email", md_link(email, f"mailto:{email}")))
    if officer is not None and officer.phone:
        lines.append(_line("Telephone", md_text(officer.phone)))
    if not lines:
        return ""
    return "## Officer contact {#officer-contact}\n\n" + "  \n".join(lines)


@block("section")
def background_section(params: CommitteeParams) -> Block:
    text = nest_headings(params.paper.background, 2)
    return f"## Background {{#background}}\n\n{text}" if text else ""


@block("key")
def key_section(params: CommitteeParams, kpis: pd.DataFrame) -> Block:
    """The council's own wording of the key when params give one, else the key of the scheme in force."""
    own = nest_headings(params.paper.rating_key, 2)
    if own:
        return f"## Key to ratings {{#key}}\n\n{own}"
    return rating_key(params.scheme, kpis)


@block("table")
def counts_section(counts: pd.DataFrame, left_out: int = 0) -> Block:
    text = summary_table(counts).replace("## Summary of ratings {#summary}", "## Current performance {#summary}", 1)
    if left_out:
        text += (
            f"\n\nThis paper reports on an exception basis: {_indicators(left_out)} not updated this quarter "
            f"{'is' if left_out == 1 else 'are'} left out of these figures."
        )
    return text


@block("section")
def not_updated_section(stale: pd.DataFrame) -> Block:
    if stale.empty:
        return "## Not updated this quarter {#not-updated}\n\nEvery indicator has a new figure this quarter."
    lines = [f"## Not updated this quarter {{#not-updated}}\n\n{_indicators(len(stale))} did not have a new figure this quarter:"]
    for row in stale.itertuples(index=False):
        latest = f" Latest figure: {md_text(row.period_label)}." if isinstance(row.period_label, str) else " No figure yet."
        lines.append(f"\n### {_name(row)}\n\n{nest_headings(row.reason, 3)}{latest}")
    return "\n".join(lines)


def _were(n: int) -> str:
    """The verb for a count of indicators: '1 was', '3 were'."""
    return "was" if n == 1 else "were"


def examples_intro(choice: ExampleChoice, label: str) -> str:
    """What one group's examples were chosen from, in three sentences: how many KPIs have these ratings,
    how many of them were updated this quarter (examples come only from those), and how many are shown.
    `label` is Markdown."""
    rated, updated, shown = choice.rated, choice.updated, len(choice.chosen)
    parts = [f"There {'is' if rated == 1 else 'are'} {_indicators(rated)} rated {label} this quarter."]
    if updated == rated:
        parts.append("It was updated this quarter." if rated == 1 else f"All {rated} were updated this quarter.")
    elif updated == 0:
        parts.append("It was not updated this quarter." if rated == 1 else "None of them was updated this quarter.")
    else:
        parts.append(f"{updated} of them {_were(updated)} updated this quarter.")
    rule = "Examples are chosen only among indicators updated this quarter"
    everything = "the report has it" if rated == 1 else f"the report has all {rated}"
    if updated == 0:
        parts.append(f"{rule}, so there are none here; {everything}.")
    elif shown == 0:
        parts.append(f"{rule}; none is shown here, and {everything}.")
    elif shown == updated == rated:
        parts.append(f"{rule}: {'it is' if shown == 1 else f'all {shown} are'} shown below.")
    elif shown == updated:
        parts.append(f"{rule}: {'that one is' if shown == 1 else f'those {shown} are'} shown below; {everything}.")
    else:
        parts.append(f"{rule}: below {'is one' if shown == 1 else f'are {shown}'} of the {updated}; {everything}.")
    return " ".join(parts)


@block("section")
def examples_section(choice: ExampleChoice, label: str, anchor: str) -> Block:
    """Examples of one group of ratings, each with its commentary, chosen among the KPIs updated this quarter
    (`measures.summary.choose_examples`); pinned KPIs without a new figure are named, not shown."""
    label = md_text(label)
    heading = f"## {label} indicators {{#{attribute_text(anchor).replace(' ', '-')}}}\n\n"
    if choice.rated == 0:
        return heading + f"There are no {label} indicators this quarter."
    parts = [heading + examples_intro(choice, label)]
    for row in choice.chosen.itertuples(index=False):
        commentary = nest_headings(getattr(row, "commentary", ""), 3) or "_No commentary has been provided._"
        parts.append(f"### {_name(row)} ({md_text(row.rating)})\n\n{commentary}")
    stale = list(choice.pinned_not_updated.itertuples(index=False))
    if stale:
        names = "; ".join(_name(row) for row in stale)
        parts.append(
            f"Always shown as {'an example' if len(stale) == 1 else 'examples'}, but not this quarter, as "
            f"{'it has' if len(stale) == 1 else 'they have'} no new figure: {names}."
        )
    return "\n\n".join(parts)


@block("section")
def movements_section(moved: pd.DataFrame, previous: Quarter) -> Block:
    """How ratings moved since the previous quarter: improvements, declines, unchanged, changed and new."""
    counts = movement_counts(moved)
    lines = [f"## Changes since {previous.label} {{#movements}}", ""]
    lines.append(
        f"Compared with ratings as at the end of {previous.label}, from the same data: "
        f"{counts[IMPROVED]} improved, {counts[DECLINED]} declined, {counts[UNCHANGED]} unchanged, "
        f"{counts[CHANGED]} changed between a rating and a status, and {counts[NEW]} had no earlier figure "
        f"({sum(counts.values())} in all)."
    )
    for category, title in ((IMPROVED, "Improved"), (DECLINED, "Declined")):
        group = moved[moved["movement"] == category]
        lines += ["", f"### {title}: {_indicators(len(group))}"]
        if group.empty:
            lines += ["", "None."]
        for (before, now), pair in group.groupby(["previous_rating", "rating"], sort=False):
            lines += ["", f"{_indicators(len(pair))} moved from **{md_text(before)} to {md_text(now)}**:", ""]
            lines += [f"- {_name(row)}" for row in pair.itertuples(index=False)]
    for category, title, explain in (
        (UNCHANGED, "Unchanged", "kept the same rating"),
        (CHANGED, "Changed between a rating and a status", "moved"),
        (NEW, "No earlier figure", "had no figure as at the previous quarter (new to the set, or no earlier data)"),
    ):
        group = moved[moved["movement"] == category]
        if category != UNCHANGED and group.empty:
            continue
        lines += ["", f"### {title}: {_indicators(len(group))}", ""]
        if group.empty:
            lines.append("None.")
            continue
        lines.append(f"{_indicators(len(group))} {explain}:")
        lines.append("")
        if category == CHANGED:
            lines += [f"- {_name(row)}: from {md_text(row.previous_rating)} to {md_text(row.rating)}" for row in group.itertuples(index=False)]
        else:
            lines += [f"- {_name(row)} ({md_text(row.rating)})" for row in group.itertuples(index=False)]
    return "\n".join(lines)


@block("section")
def spc_disagreements_section(disagreements: pd.DataFrame, total: int) -> Block:
    """The indicators whose rating and statistical process control view tell different stories, one sentence each."""
    heading = "## Where the rating and SPC disagree {#spc-disagreements}\n\n"
    intro = (
        "A rating compares one figure with the target; statistical process control (SPC) asks whether the figures vary "
        "only by chance or show a real change. "
    )
    if disagreements.empty:
        return heading + intro + f"For all {_indicators(total)}, the two tell the same story, or there are too few figures for SPC."
    parts = [heading + intro + f"For {_indicators(len(disagreements))} of {total} they tell different stories:"]
    for row in disagreements.itertuples(index=False):
        parts.append(
            f"### {_name(row)}\n\nRating: {md_text(row.rating)}. Variation: {md_text(row.variation).lower()}. "
            f"Assurance: {md_text(row.assurance).lower()}.\n\n{md_text(row.spc_disagreement)}"
        )
    return "\n\n".join(parts)
