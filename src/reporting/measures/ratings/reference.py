"""Plain per-row Python versions of the rating rules: slow on purpose, written straight from the
keys, so tests can check the vectorised schemes against them and benchmarks can measure the gain.
Not used to produce reports."""

from __future__ import annotations

import math

from .dtcg import DtcgSettings
from .ragb import RagbSettings

_STATUS = {"contextual": "Contextual", "baseline": "Baseline", "in_development": "In development", "suspended": "Suspended"}


def _missing(*values) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


def ragb_row(current, target, direction, status="target", settings: RagbSettings = RagbSettings()) -> str:
    """One KPI's ragb rating, by the appendix key."""
    if status != "target":
        return _STATUS[status]
    if _missing(current, target) or direction not in ("higher", "lower"):
        return "Not rated"
    better_by = (current - target) if direction == "higher" else (target - current)
    if target == 0:
        d = 0.0 if better_by == 0 else math.copysign(math.inf, better_by)
    else:
        d = round(better_by / abs(target), 9)
    red_amber, amber_green, green_blue = (round(t, 9) for t in (settings.red_amber, settings.amber_green, settings.green_blue))
    if d < red_amber or (d == red_amber and settings.at_red_amber == "red"):
        return "Red"
    if d > green_blue or (d == green_blue and settings.at_green_blue == "blue"):
        return "Blue"
    if d > amber_green or (d == amber_green and settings.at_amber_green == "green"):
        return "Green"
    return "Amber"


def _margin(value, reference, direction, settings: DtcgSettings):
    if _missing(value, reference) or direction not in ("higher", "lower"):
        return None
    better_by = (value - reference) if direction == "higher" else (reference - value)
    if settings.tolerance_mode == "points":
        return round(better_by, 9)
    if reference == 0:
        return 0.0 if better_by == 0 else math.copysign(math.inf, better_by)
    return round(100 * better_by / abs(reference), 9)


def _judge(margin, tolerance) -> str:
    if margin is None:
        return "not assessed"
    if margin >= 0:
        return "green"
    return "amber" if margin >= -tolerance else "red"


def dtcg_row(current, year_earlier, target, england, england_year_earlier, direction, kind, status="target",
             settings: DtcgSettings = DtcgSettings()) -> tuple[str, str, str, str, str]:
    """One KPI's (overall, D, T, C, G) by Durham's key."""
    d = _judge(_margin(current, year_earlier, direction, settings), settings.tolerance)
    t = _judge(_margin(current, target, direction, settings), settings.tolerance)
    c = _judge(_margin(current, england, direction, settings), settings.tolerance)
    now = _margin(current, england, direction, settings)
    then = _margin(year_earlier, england_year_earlier, direction, settings)
    if now is None or then is None or (math.isinf(now) and math.isinf(then) and now == then):
        g = "not assessed"
    else:
        change = round(now - then, 9)
        g = "improving" if change > settings.tolerance else ("deteriorating" if change < -settings.tolerance else "same")
    kind = None if _missing(kind) else kind
    tracker = kind == "key_tracker" or (kind is None and _missing(target))
    if status != "target" and not (status == "contextual" and kind == "key_tracker"):
        overall = _STATUS[status]
    elif tracker:
        if d == "not assessed" or g == "not assessed":
            overall = "Not assessed"
        elif d == "green" and g == "improving":
            overall = "Green"
        elif d != "green" and g == "deteriorating":
            overall = "Red"
        else:
            overall = "Amber"
    else:
        overall = {"green": "Green", "amber": "Amber", "red": "Red"}.get(t, "Not assessed")
    return overall, d, t, c, g
