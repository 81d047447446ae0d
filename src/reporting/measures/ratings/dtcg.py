"""The Durham key: four judgements per KPI and an overall assessment (Durham's "Data Tables").

D, direction of travel: the value against the value 12 months earlier.
T, against target.  C, against the England average.
G, the gap to England: improving, the same or deteriorating against 12 months earlier.
D, T and C are green (meeting or better), amber (worse, but within the tolerance) or red
(worse by more than the tolerance). Overall: a key target indicator takes T; a key tracker is
green when D is green AND G is improving, red when D is worse AND G is deteriorating, amber
otherwise. A judgement whose inputs are missing is "not assessed", never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .registry import direction_sign, labelled, register_scheme, require_columns, round_margin

GREEN, AMBER, RED = "green", "amber", "red"
IMPROVING, SAME, DETERIORATING = "improving", "same", "deteriorating"
NOT_ASSESSED = "not assessed"
OVERALL_NOT_ASSESSED = "Not assessed"
LABELS = ("Red", "Amber", "Green", "Baseline", "Contextual", "In development", "Suspended", OVERALL_NOT_ASSESSED)
JUDGEMENTS = ("judgement_d", "judgement_t", "judgement_c", "judgement_g")
PRECISION = 9  # margins are rounded to this many places so an exact 2% is within tolerance


@dataclass(frozen=True)
class DtcgSettings:
    """`tolerance` is in per cent of the comparison value (relative) or in the indicator's own units
    (points: percentage points for a percentage)."""

    tolerance: float = 2.0
    tolerance_mode: str = "relative"

    def __post_init__(self):
        if isinstance(self.tolerance, bool) or not isinstance(self.tolerance, (int, float)) or self.tolerance < 0:
            raise ValueError(f"tolerance must be a number of 0 or more, such as 2 for 2%, not {self.tolerance!r}")
        if self.tolerance_mode not in ("relative", "points"):
            raise ValueError(f"tolerance_mode must be relative or points, not {self.tolerance_mode!r}")


def margin(value, reference, sign, settings: DtcgSettings) -> np.ndarray:
    """How much better `value` is than `reference` (negative: worse), in per cent of the
    reference or in points; NaN where either is missing or there is no direction."""
    value, reference = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        better_by = sign * (value - reference)
        if settings.tolerance_mode == "points":
            result = better_by
        else:
            off_zero = np.where(better_by == 0, 0.0, np.sign(better_by) * np.inf)
            result = np.where(reference == 0, off_zero, 100 * better_by / np.abs(reference))
    return round_margin(result, PRECISION)


JUDGED = (GREEN, AMBER, RED, NOT_ASSESSED)
GAP = (IMPROVING, SAME, DETERIORATING, NOT_ASSESSED)
OVERALL = ("Green", "Amber", "Red", OVERALL_NOT_ASSESSED)


def judge(m: np.ndarray, tolerance: float) -> np.ndarray:
    """Codes into JUDGED: green when meeting or better, amber when worse by no more than the
    tolerance, red beyond it, not assessed when an input is missing."""
    return np.select([np.isnan(m), m >= 0, m >= -tolerance], [3, 0, 1], 2)


def gap_trend(kpis: pd.DataFrame, sign, settings: DtcgSettings) -> np.ndarray:
    """G: whether the gap to England (signed so positive is better) has grown better, stayed the
    same within the tolerance, or grown worse since 12 months earlier."""
    now = margin(kpis["current"], kpis["england_mean"], sign, settings)
    then = margin(kpis["year_earlier"], kpis["england_mean_year_earlier"], sign, settings)
    with np.errstate(invalid="ignore", over="ignore"):
        change = round_margin(now - then, PRECISION)
    tolerance = settings.tolerance
    return np.select([np.isnan(change), change > tolerance, change < -tolerance], [3, 0, 2], 1)  # codes into GAP


def dtcg_key(settings: DtcgSettings) -> list[tuple[str, str]]:
    """The key in words, with the tolerance in force."""
    tol = f"{settings.tolerance:g}%" if settings.tolerance_mode == "relative" else f"{settings.tolerance:g} points"
    return [
        ("Green", f"D: meeting or exceeding 12 months earlier. T: meeting or better than target. C: as good as or better than the England average."),
        ("Amber", f"D, T or C: worse, but within {tol}."),
        ("Red", f"D, T or C: worse by more than {tol}."),
        ("Improving / Same / Deteriorating", f"G: the gap between our performance and the England average, against 12 months earlier (changes within {tol} count as the same)."),
        ("Overall", "A key target indicator takes its T judgement. A key tracker is Green when D is Green and G is improving, Red when D is worse and G is deteriorating, Amber otherwise."),
        (OVERALL_NOT_ASSESSED, "An input is missing (e.g. no figure 12 months earlier, no target or no England average), so no judgement is made."),
    ]


def status_rated(kpis: pd.DataFrame) -> pd.Series:
    """Rows labelled by their status instead: all non-target statuses except key trackers, which
    have no target by design and are assessed on D and G."""
    tracker = kpis["kind"].eq("key_tracker") if "kind" in kpis else pd.Series(False, index=kpis.index)
    return kpis["status"].ne("target") & ~(kpis["status"].eq("contextual") & tracker)


@register_scheme("dtcg", DtcgSettings, LABELS, key=dtcg_key, scale=("Red", "Amber", "Green"), status_rated=status_rated)
def dtcg(kpis: pd.DataFrame, settings: DtcgSettings) -> pd.DataFrame:
    """Durham's D, T, C and G judgements and the overall assessment."""
    require_columns(
        kpis, ("current", "year_earlier", "target", "england_mean", "england_mean_year_earlier", "direction", "status"), "dtcg"
    )
    sign = direction_sign(kpis["direction"])
    d = judge(margin(kpis["current"], kpis["year_earlier"], sign, settings), settings.tolerance)
    t = judge(margin(kpis["current"], kpis["target"], sign, settings), settings.tolerance)
    c = judge(margin(kpis["current"], kpis["england_mean"], sign, settings), settings.tolerance)
    g = gap_trend(kpis, sign, settings)
    kind = kpis["kind"] if "kind" in kpis else pd.Series(None, index=kpis.index)
    tracker = kind.eq("key_tracker").to_numpy() | (kind.isna().to_numpy() & kpis["target"].isna().to_numpy())
    d_green, d_missing, g_missing = d == 0, d == 3, g == 3
    tracker_rating = np.select(
        [d_missing | g_missing, d_green & (g == 0), ~d_green & (g == 2)], [3, 0, 2], 1
    )  # codes into OVERALL
    target_rating = t  # green, amber, red, not assessed: the same order as OVERALL
    return pd.DataFrame(
        {
            "rating": labelled(np.where(tracker, tracker_rating, target_rating), OVERALL),
            "judgement_d": labelled(d, JUDGED),
            "judgement_t": labelled(t, JUDGED),
            "judgement_c": labelled(c, JUDGED),
            "judgement_g": labelled(g, GAP),
        },
        index=kpis.index,
    )
