"""Change in performance: current against previous at the indicator's displayed precision.

Improving or Declining follows the direction; Unchanged when the two look the same in the
report; empty where there is nothing to compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import reporting


def change(current, previous, direction, decimals=1) -> str:
    frame = pd.DataFrame({"current": [current], "previous": [previous], "direction": [direction], "decimals": [decimals]})
    frame = frame.astype({"current": float, "previous": float})
    return reporting.change_in_performance(frame).iloc[0]


@pytest.mark.parametrize(
    "current, previous, direction, expected",
    [
        (78.3, 71.1, "higher", "Improving"),
        (71.1, 78.3, "higher", "Declining"),
        (37.0, 44.0, "lower", "Improving"),
        (44.0, 37.0, "lower", "Declining"),
    ],
)
def test_improving_or_declining_follows_the_direction(current, previous, direction, expected):
    assert change(current, previous, direction) == expected


@pytest.mark.parametrize("direction", ["higher", "lower", "none"])
def test_unchanged_when_equal(direction):
    assert change(79.8, 79.8, direction) == "Unchanged"


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_unchanged_when_equal_at_the_displayed_precision(direction):
    # 30.04 and 30.01 are both shown as 30.0 at one decimal place.
    assert change(30.04, 30.01, direction, decimals=1) == "Unchanged"


@pytest.mark.parametrize("direction, expected", [("higher", "Improving"), ("lower", "Declining")])
def test_the_same_difference_counts_when_shown_to_two_places(direction, expected):
    assert change(30.04, 30.01, direction, decimals=2) == expected


def test_a_difference_too_small_to_show_is_unchanged_at_zero_decimals():
    assert change(296.4, 295.6, "lower", decimals=0) == "Unchanged"  # both shown as 296
    assert change(296.4, 295.4, "lower", decimals=0) == "Declining"  # 296 against 295


def test_displayed_values_round_half_away_from_zero():
    # 5.185 is shown as 5.19 (not 5.18 as binary rounding would give), so it is higher than 5.18.
    assert change(5.185, 5.18, "higher", decimals=2) == "Improving"
    # -0.04 and 0.04 are both shown as 0.0.
    assert change(-0.04, 0.04, "higher", decimals=1) == "Unchanged"


@pytest.mark.parametrize("direction", ["higher", "lower", "none"])
def test_nothing_to_compare_when_previous_is_missing(direction):
    assert change(44.0, np.nan, direction) == ""


def test_nothing_to_compare_when_current_is_missing():
    assert change(np.nan, 44.0, "higher") == ""


@pytest.mark.parametrize("current, previous", [(5.0, 4.0), (4.0, 5.0)])
def test_no_preferred_direction_gives_no_judgement_when_different(current, previous):
    assert change(current, previous, "none", decimals=0) == ""


def test_no_preferred_direction_is_unchanged_when_equal_at_the_displayed_precision():
    assert change(5.2, 5.4, "none", decimals=0) == "Unchanged"


def test_each_row_uses_its_own_direction_and_precision():
    frame = pd.DataFrame(
        {
            "current": [30.04, 30.04, 37.0, 44.0, 5.0],
            "previous": [30.01, 30.01, 44.0, np.nan, 4.0],
            "direction": ["higher", "higher", "lower", "higher", "none"],
            "decimals": [1, 2, 1, 1, 0],
        },
        index=[10, 11, 12, 13, 14],
    )

    result = reporting.change_in_performance(frame)

    assert result.tolist() == ["Unchanged", "Improving", "Improving", "", ""]
    assert list(result.index) == [10, 11, 12, 13, 14]
    assert result.name == "change"
