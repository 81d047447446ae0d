"""The Red/Amber/Green/Blue key against target (Cambridgeshire's appendix key; the default scheme).

d is the relative deviation from target, signed so that positive is better:
(value - target) / |target| when higher is better, (target - value) / |target| when lower is.
Red: d < -10%; Amber: -10% <= d < 0; Green: 0 <= d <= 5%; Blue: d > 5%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .registry import NOT_RATED, direction_sign, labelled, register_scheme, require_columns, round_margin

BANDS = ("red", "amber", "green", "blue")
LABELS = ("Red", "Amber", "Green", "Blue", "Baseline", "Contextual", "In development", "Suspended", NOT_RATED)
# Deviations are compared after rounding to this many decimal places, so that 0.27 against a
# target of 0.3 (d = -0.10000000000000003 in floating point) is exactly 10% off target.
PRECISION = 9


@dataclass(frozen=True)
class RagbSettings:
    """Thresholds on d and which band an exact boundary value falls in."""

    red_amber: float = -0.10  # below this: Red
    amber_green: float = 0.0  # from here: Green
    green_blue: float = 0.05  # above this: Blue
    at_red_amber: str = "amber"
    at_amber_green: str = "green"
    at_green_blue: str = "green"

    def __post_init__(self):
        for threshold in ("red_amber", "amber_green", "green_blue"):
            value = getattr(self, threshold)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{threshold} must be a number, a fraction of the target such as -0.10 for 10%, not {value!r}")
        if not (self.red_amber <= self.amber_green <= self.green_blue):
            raise ValueError(
                "thresholds must be in order red_amber <= amber_green <= green_blue "
                f"(got {self.red_amber}, {self.amber_green}, {self.green_blue})"
            )
        for boundary, allowed in (
            ("at_red_amber", ("red", "amber")),
            ("at_amber_green", ("amber", "green")),
            ("at_green_blue", ("green", "blue")),
        ):
            if getattr(self, boundary) not in allowed:
                raise ValueError(f"{boundary} must be {' or '.join(allowed)}, not {getattr(self, boundary)!r}")


def deviation(kpis: pd.DataFrame) -> pd.Series:
    """d, the signed relative deviation from target (positive is better); NaN where it cannot be computed.

    A target of zero gives d = 0 when the value is on it, and +/- infinity otherwise (any
    miss of a zero target is further off than any percentage), never a division error.
    """
    value = kpis["current"].to_numpy(dtype=float)
    target = kpis["target"].to_numpy(dtype=float)
    better_by = direction_sign(kpis["direction"]) * (value - target)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        off_zero = np.where(better_by == 0, 0.0, np.sign(better_by) * np.inf)
        d = np.where(target == 0, off_zero, better_by / np.abs(target))
    d = round_margin(d, PRECISION)
    return pd.Series(d, index=kpis.index, name="deviation")


def _percent(fraction: float) -> str:
    return f"{abs(fraction) * 100:g}%"


def ragb_key(settings: RagbSettings) -> list[tuple[str, str]]:
    """The key in words, following the thresholds and boundary sides actually in force."""
    off = _percent(settings.red_amber)
    better = _percent(settings.green_blue)
    red_at_edge = settings.at_red_amber == "red"
    blue_at_edge = settings.at_green_blue == "blue"
    green_from = "On target" if settings.at_amber_green == "green" else "Better than target"
    if settings.amber_green != 0:
        green_from = f"Within {_percent(settings.amber_green)} of target"
    return [
        ("Red", f"Off target by {off} or more" if red_at_edge else f"Off target by more than {off}"),
        ("Amber", f"Off target by less than {off}" if red_at_edge else f"Off target by {off} or less"),
        ("Green", f"{green_from}, or better than target by " + (f"less than {better}" if blue_at_edge else f"up to {better}")),
        ("Blue", f"Better than target by {better} or more" if blue_at_edge else f"Better than target by more than {better}"),
    ]


@register_scheme("ragb", RagbSettings, LABELS, key=ragb_key, scale=("Red", "Amber", "Green", "Blue"))
def ragb(kpis: pd.DataFrame, settings: RagbSettings) -> pd.DataFrame:
    """Red, Amber, Green or Blue by the relative deviation from target."""
    require_columns(kpis, ("current", "target", "direction", "status"), "ragb")
    d = deviation(kpis).to_numpy()
    red_amber, amber_green, green_blue = (round(t, PRECISION) for t in (settings.red_amber, settings.amber_green, settings.green_blue))
    red = (d < red_amber) | ((d == red_amber) & (settings.at_red_amber == "red"))
    blue = (d > green_blue) | ((d == green_blue) & (settings.at_green_blue == "blue"))
    green = (d > amber_green) | ((d == amber_green) & (settings.at_amber_green == "green"))
    names = ("Red", "Amber", "Green", "Blue", NOT_RATED)
    codes = np.select([np.isnan(d), red, blue, green], [4, 0, 3, 2], 1)
    return pd.DataFrame({"rating": labelled(codes, names), "deviation": d}, index=kpis.index)
