"""The covering paper's Markdown: title block, background, key, counts, not updated, examples, movements."""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import attribute_text, md_text
from .blocks import Block, block
from .report import nest_headings, rating_key, summary_table, table
from ..params import CommitteeParams
from ..quarters import Quarter
from ..measures.summary import CHANGED, DECLINED, IMPROVED, NEW, UNCHANGED, movement_counts


def _indicators(n: int) -> str:
    return f"{n} indicator{'s' if n != 1 else ''}"


def _name(row) -> str:
    return f"Indicator {md_text(row.indicator_id)}: {md_text(row.title)}"


@block("title")
def paper_title_block(params: CommitteeParams, quarter: str | Quarter, produced_on: date) -> Block:
    """The paper's heading and the table committee papers open with."""
    q = Quarter.parse(quarter)
    paper = params.paper
    rows = [["To", params.committee_name]]
    if paper.meeting_date:
        rows.append(["Meeting date", f"{paper.meeting_date:%d %B %Y}"])
    if paper.report_from:
        rows.append(["From", paper.report_from])
    rows += [
        ["Period covered", f"{q.label}: {q.months}"],
        ["Produced on", f"{produced_on:%d %B %Y}"],
    ]
    return (
        f"# {md_text(paper.title)}: {q.label}\n\n**{md_text(params.council)}**\n\n"
        + table(["Item", "Detail"], rows, "About this paper")
        + f"\n\nThis paper summarises the performance of the {md_text(params.committee_name)}'s key performance "
        f"indicators for {q.label} ({q.months}). The full figures, charts and commentary for every indicator "
        "are in the performance report that accompanies it."
    )


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


@block("section")
def examples_section(chosen: pd.DataFrame, total: int, label: str, anchor: str) -> Block:
    """Examples of one group of ratings, each with its commentary."""
    label = md_text(label)
    heading = f"## {label} indicators {{#{attribute_text(anchor).replace(' ', '-')}}}\n\n"
    if total == 0:
        return heading + f"There are no {label} indicators this quarter."
    intro = f"There {'is' if total == 1 else 'are'} {_indicators(total)} rated {label} this quarter."
    if len(chosen) < total:
        intro += f" Below {'is an example' if len(chosen) == 1 else f'are {len(chosen)} examples'}; the report has them all."
    parts = [heading + intro]
    for row in chosen.itertuples(index=False):
        commentary = nest_headings(getattr(row, "commentary", ""), 3) or "_No commentary has been provided._"
        parts.append(f"### {_name(row)} ({md_text(row.rating)})\n\n{commentary}")
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
