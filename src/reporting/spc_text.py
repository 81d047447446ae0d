"""SPC in words: why an indicator has no (or provisional) limits, and where the rating and the
XmR chart tell different stories, each as one plain sentence a councillor can read aloud."""

from __future__ import annotations

import pandas as pd

from .formatting import format_value
from .ratings.registry import SchemeConfig
from .spc import CONCERNING, COMMON, FAILING, HIT_AND_MISS, IMPROVING, PASSING, SPCSettings


def spc_note(kpi: pd.Series, settings: SPCSettings) -> str:
    """Why SPC says what it says about this indicator's series: too short, provisional, fixed or rebased."""
    points, used = int(kpi.get("spc_points") or 0), int(kpi.get("spc_limit_points") or 0)
    if points == 0:
        return "There are no figures yet, so there is no SPC view."
    since = f" since the limits were rebased in {kpi['spc_segment_start']:%B %Y}" if kpi.get("spc_rebased") else ""
    if used < settings.min_points:
        return (
            f"Too few points for process limits: {points} figure{'s' if points != 1 else ''}{since}, and SPC needs "
            f"at least {settings.min_points} before limits are drawn, so no variation or assurance is given."
        )
    parts = []
    if kpi.get("spc_provisional"):
        parts.append(
            f"The process limits are provisional: they rest on {used} points, and at least "
            f"{settings.provisional_below} are needed for reliable limits."
        )
    if used < points:
        parts.append(f"The limits are fixed on the first {used} of the {points} points{since}.")
    if kpi.get("spc_rebased"):
        parts.append(f"The limits were recalculated from {kpi['spc_segment_start']:%B %Y} (rebased), after a change to the service.")
    return " ".join(parts)


def spc_brief(kpi: pd.Series, settings: SPCSettings) -> str:
    """For a series too short for limits, the few words a card's benchmark table shows; empty otherwise."""
    points, used = int(kpi.get("spc_points") or 0), int(kpi.get("spc_limit_points") or 0)
    if points == 0:
        return "No figures yet"
    if used < settings.min_points:
        return f"Too few points for process limits: {points} (at least {settings.min_points} needed)"
    return ""


def _rating_group(rating: str, scheme: SchemeConfig) -> str:
    """'good', 'bad' or '' for a rating on the scheme's scale (worst first): the worse half is bad."""
    scale = list(scheme.scale)
    if rating not in scale:
        return ""
    place = scale.index(rating)
    if place < len(scale) // 2:
        return "bad"
    return "good" if place >= (len(scale) + 1) // 2 else ""


def disagreement(kpi: pd.Series, scheme: SchemeConfig) -> str:
    """One plain sentence where the rating and SPC tell different stories; empty where they agree."""
    group = _rating_group(kpi.get("rating"), scheme)
    if not group:
        return ""
    fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
    rated = f"Rated {kpi['rating']}"
    limits = f"process limits ({fmt(kpi['lower_limit'])} to {fmt(kpi['upper_limit'])})"
    target = f"target ({fmt(kpi['target'])})"
    rules = f" ({kpi['spc_latest_rules']})" if kpi.get("spc_latest_rules") else ""
    variation, assurance = kpi.get("variation"), kpi.get("assurance")
    if group == "good" and variation == CONCERNING:
        return (
            f"{rated}, but SPC shows special-cause variation for the worse{rules}: performance is getting worse "
            "by more than chance, even though it is still on target."
        )
    if group == "bad" and variation == IMPROVING:
        return (
            f"{rated}, but SPC shows special-cause variation for the better{rules}: performance is improving "
            "by more than chance, even though it is not yet on target."
        )
    if group == "bad" and variation == COMMON and assurance == HIT_AND_MISS:
        return (
            f"{rated}, but the figures vary only by chance and the {target} lies within the {limits}: "
            "the target will be met some months and missed others by chance, and only a change to the service "
            "will meet it reliably."
        )
    if group == "good" and variation == COMMON and assurance == HIT_AND_MISS:
        return (
            f"{rated}, but the figures vary only by chance and the {target} lies within the {limits}: "
            "the target will be missed some months by chance, so this rating is not assured."
        )
    if group == "bad" and assurance == PASSING:
        return (
            f"{rated}, but the whole range between the {limits} is on the right side of the {target}: "
            "this figure is unusual for a process that usually passes."
        )
    if group == "good" and assurance == FAILING:
        return (
            f"{rated}, but the whole range between the {limits} is on the wrong side of the {target}: "
            "this figure is unusual for a process that usually fails."
        )
    return ""
