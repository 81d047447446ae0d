"""SPC in words: why an indicator has no (or provisional) limits, and where the rating and the
XmR chart tell different stories, each as one plain sentence a councillor can read aloud."""

from __future__ import annotations

import pandas as pd

from .figures import format_value
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


# Where the rating and SPC tell different stories: (rating group, variation, assurance) -> the sentence.
# None matches anything; the first row that matches speaks. {rated}, {rules}, {target} and {limits}
# are filled in from the KPI.
DISAGREEMENTS = [
    ("good", CONCERNING, None,
     "{rated}, but SPC shows special-cause variation for the worse{rules}: performance is getting worse "
     "by more than chance, even though it is still on target."),
    ("bad", IMPROVING, None,
     "{rated}, but SPC shows special-cause variation for the better{rules}: performance is improving "
     "by more than chance, even though it is not yet on target."),
    ("bad", COMMON, HIT_AND_MISS,
     "{rated}, but the figures vary only by chance and the {target} lies within the {limits}: "
     "the target will be met some months and missed others by chance, and only a change to the service "
     "will meet it reliably."),
    ("good", COMMON, HIT_AND_MISS,
     "{rated}, but the figures vary only by chance and the {target} lies within the {limits}: "
     "the target will be missed some months by chance, so this rating is not assured."),
    ("bad", None, PASSING,
     "{rated}, but the whole range between the {limits} is on the right side of the {target}: "
     "this figure is unusual for a process that usually passes."),
    ("good", None, FAILING,
     "{rated}, but the whole range between the {limits} is on the wrong side of the {target}: "
     "this figure is unusual for a process that usually fails."),
]


def disagreement(kpi: pd.Series, scheme: SchemeConfig) -> str:
    """One plain sentence where the rating and SPC tell different stories; empty where they agree."""
    group = _rating_group(kpi.get("rating"), scheme)
    variation, assurance = kpi.get("variation"), kpi.get("assurance")
    for wanted_group, wanted_variation, wanted_assurance, sentence in DISAGREEMENTS:
        if group == wanted_group and wanted_variation in (None, variation) and wanted_assurance in (None, assurance):
            fmt = lambda v: format_value(v, kpi["unit"], kpi["decimals"])  # noqa: E731
            return sentence.format(
                rated=f"Rated {kpi['rating']}",
                rules=f" ({kpi['spc_latest_rules']})" if kpi.get("spc_latest_rules") else "",
                target=f"target ({fmt(kpi['target'])})",
                limits=f"process limits ({fmt(kpi['lower_limit'])} to {fmt(kpi['upper_limit'])})",
            )
    return ""
