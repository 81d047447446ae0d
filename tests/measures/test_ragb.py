"""The ragb key (Cambridgeshire's appendix): Red, Amber, Green or Blue by the deviation from target.

d = (value - target) / |target| when higher is better, (target - value) / |target| when lower
is, so positive d is better. Red: d < -10%; Amber: -10% <= d < 0; Green: 0 <= d <= 5%;
Blue: d > 5%. An exact boundary rates as the key says whatever the floating-point noise.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import reporting
from reporting import SchemeError

RAGB = {"name": "ragb"}
BAND_ORDER = {"Red": 0, "Amber": 1, "Green": 2, "Blue": 3}


def kpis(rows) -> pd.DataFrame:
    """As-at KPIs from (current, target, direction[, status]) tuples."""
    rows = [row if len(row) == 4 else (*row, "target") for row in rows]
    frame = pd.DataFrame(rows, columns=["current", "target", "direction", "status"])
    frame.insert(0, "indicator_id", [str(i) for i in range(1, len(frame) + 1)])
    return frame.astype({"current": float, "target": float})


def rating(current, target, direction, status="target", scheme=RAGB) -> str:
    return reporting.rate(kpis([(current, target, direction, status)]), scheme)["rating"].iloc[0]


# Every band, both directions ------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, band",
    [(80, "Red"), (95, "Amber"), (100, "Green"), (103, "Green"), (110, "Blue")],
)
def test_band_when_higher_is_better(current, band):
    assert rating(current, 100, "higher") == band


@pytest.mark.parametrize(
    "current, band",
    [(120, "Red"), (105, "Amber"), (100, "Green"), (97, "Green"), (90, "Blue")],
)
def test_band_when_lower_is_better(current, band):
    assert rating(current, 100, "lower") == band


def test_rating_adds_a_rating_column_and_keeps_the_rest():
    frame = kpis([(80, 100, "higher"), (90, 100, "lower")])

    rated = reporting.rate(frame, RAGB)

    assert rated["rating"].tolist() == ["Red", "Blue"]
    pd.testing.assert_frame_equal(rated[frame.columns], frame)
    assert "rating" not in frame  # the input is not changed


# Exact boundaries -----------------------------------------------------------------------------


@pytest.mark.parametrize("current, direction", [(90, "higher"), (110, "lower")])
def test_amber_at_exactly_ten_percent_off_target(current, direction):
    assert rating(current, 100, direction) == "Amber"


@pytest.mark.parametrize("current, direction", [(89.99, "higher"), (110.01, "lower")])
def test_red_just_beyond_ten_percent_off_target(current, direction):
    assert rating(current, 100, direction) == "Red"


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_green_exactly_on_target(direction):
    assert rating(100, 100, direction) == "Green"


@pytest.mark.parametrize("current, direction", [(99.99, "higher"), (100.01, "lower")])
def test_amber_just_short_of_target(current, direction):
    assert rating(current, 100, direction) == "Amber"


@pytest.mark.parametrize("current, direction", [(105, "higher"), (95, "lower")])
def test_green_at_exactly_five_percent_better_than_target(current, direction):
    assert rating(current, 100, direction) == "Green"


@pytest.mark.parametrize("current, direction", [(105.01, "higher"), (94.99, "lower")])
def test_blue_just_beyond_five_percent_better_than_target(current, direction):
    assert rating(current, 100, direction) == "Blue"


def test_negative_target_uses_its_size_for_the_percentage():
    # Higher is better: -11 against -10 is 10% off; -9 is 10% better.
    assert rating(-11, -10, "higher") == "Amber"
    assert rating(-11.01, -10, "higher") == "Red"
    assert rating(-9, -10, "higher") == "Blue"


# Floating-point noise at the boundary ---------------------------------------------------------


@pytest.mark.parametrize(
    "current, target, direction, band",
    [
        (6.3, 7.0, "higher", "Amber"),  # naive d = -0.10000000000000002
        (0.99, 1.1, "higher", "Amber"),  # naive d = -0.10000000000000007
        (0.33, 0.3, "lower", "Amber"),  # naive d = -0.10000000000000009
        (0.315, 0.3, "higher", "Green"),  # naive d = 0.050000000000000044
        (0.285, 0.3, "lower", "Green"),  # naive d = 0.050000000000000044
    ],
)
def test_boundary_value_rates_as_the_key_says_though_the_arithmetic_lands_beyond_it(current, target, direction, band):
    sign = 1 if direction == "higher" else -1
    naive = sign * (current - target) / abs(target)
    assert naive < -0.10 if band == "Amber" else naive > 0.05  # the noise this test is about

    assert rating(current, target, direction) == band


@pytest.mark.parametrize(
    "current, target, direction, band",
    [
        (0.27, 0.3, "higher", "Amber"),
        (22, 20, "lower", "Amber"),
        (1.1, 1.0, "lower", "Amber"),
        (2.2, 2.0, "lower", "Amber"),
        (11.7, 13, "higher", "Amber"),
        (21.0, 20.0, "higher", "Green"),
        (0.7 * 1.05, 0.7, "higher", "Green"),
        (2.415, 2.3, "higher", "Green"),
        (0.19, 0.2, "lower", "Green"),
    ],
)
def test_exact_boundaries_rate_as_the_key_says_whatever_the_float_noise(current, target, direction, band):
    assert rating(current, target, direction) == band


def test_deviation_at_the_boundary_is_reported_as_exactly_ten_percent():
    rated = reporting.rate(kpis([(6.3, 7.0, "higher")]), RAGB)

    assert rated["deviation"].iloc[0] == -0.10


# Zero target ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, direction, band",
    [(1, "higher", "Blue"), (-1, "higher", "Red"), (1, "lower", "Red"), (-1, "lower", "Blue")],
)
def test_zero_target_rates_any_miss_or_beat_without_error_or_warning(current, direction, band):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rating(current, 0, direction) == band


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_zero_value_on_a_zero_target_is_green(direction):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rating(0, 0, direction) == "Green"


# Statuses and what cannot be rated ------------------------------------------------------------


@pytest.mark.parametrize(
    "status, label",
    [
        ("contextual", "Contextual"),
        ("baseline", "Baseline"),
        ("in_development", "In development"),
        ("suspended", "Suspended"),
    ],
)
@pytest.mark.parametrize(
    "current, target, direction",
    [(80, 100, "higher"), (120, 100, "higher"), (100, 100, "lower"), (np.nan, np.nan, "none"), (5, 0, "higher")],
)
def test_indicator_not_rated_against_target_gets_its_status_whatever_the_values(status, label, current, target, direction):
    assert rating(current, target, direction, status) == label


@pytest.mark.parametrize("current, target", [(np.nan, 100), (80, np.nan), (np.nan, np.nan)])
def test_missing_value_or_target_is_not_rated(current, target):
    assert rating(current, target, "higher") == "Not rated"


def test_direction_none_with_a_target_is_not_rated():
    assert rating(80, 100, "none") == "Not rated"


def test_mixed_table_rates_each_row_on_its_own():
    frame = kpis(
        [
            (36.0, 20.0, "lower"),
            (86.5, 91.0, "higher"),
            (91.2, 90.0, "higher"),
            (3.5, 3.9, "lower"),
            (44.0, np.nan, "lower", "contextual"),
            (np.nan, 50.0, "higher"),
        ]
    )

    assert reporting.rate(frame, RAGB)["rating"].tolist() == ["Red", "Amber", "Green", "Blue", "Contextual", "Not rated"]


def test_default_scheme_is_ragb():
    frame = kpis([(90, 100, "higher")])

    assert reporting.rate(frame)["rating"].tolist() == reporting.rate(frame, RAGB)["rating"].tolist() == ["Amber"]


# Configurable boundaries ----------------------------------------------------------------------


@pytest.mark.parametrize("current, target, direction", [(90, 100, "higher"), (110, 100, "lower"), (0.27, 0.3, "higher"), (6.3, 7.0, "higher")])
def test_red_at_exactly_ten_percent_off_when_the_boundary_is_set_to_red(current, target, direction):
    assert rating(current, target, direction, scheme={"name": "ragb", "at_red_amber": "red"}) == "Red"


@pytest.mark.parametrize("current, target, direction", [(105, 100, "higher"), (95, 100, "lower"), (21.0, 20.0, "higher"), (0.315, 0.3, "higher")])
def test_blue_at_exactly_five_percent_better_when_the_boundary_is_set_to_blue(current, target, direction):
    assert rating(current, target, direction, scheme={"name": "ragb", "at_green_blue": "blue"}) == "Blue"


def test_amber_exactly_on_target_when_the_boundary_is_set_to_amber():
    assert rating(100, 100, "higher", scheme={"name": "ragb", "at_amber_green": "amber"}) == "Amber"
    assert rating(100.01, 100, "higher", scheme={"name": "ragb", "at_amber_green": "amber"}) == "Green"


def test_boundary_settings_leave_values_off_the_boundary_alone():
    scheme = {"name": "ragb", "at_red_amber": "red", "at_green_blue": "blue"}

    assert rating(95, 100, "higher", scheme=scheme) == "Amber"
    assert rating(102, 100, "higher", scheme=scheme) == "Green"


def test_thresholds_can_be_moved():
    scheme = {"name": "ragb", "red_amber": -0.2, "green_blue": 0.1}

    assert rating(85, 100, "higher", scheme=scheme) == "Amber"
    assert rating(80, 100, "higher", scheme=scheme) == "Amber"
    assert rating(79.99, 100, "higher", scheme=scheme) == "Red"
    assert rating(108, 100, "higher", scheme=scheme) == "Green"
    assert rating(110.01, 100, "higher", scheme=scheme) == "Blue"


def test_thresholds_out_of_order_are_a_scheme_error_naming_the_file_and_thresholds():
    with pytest.raises(SchemeError) as caught:
        reporting.scheme_config({"name": "ragb", "red_amber": 0.1, "amber_green": 0.0}, source="params/x.yaml")

    message = str(caught.value)
    assert "params/x.yaml" in message
    assert "key scheme" in message
    assert "red_amber" in message


def test_unknown_scheme_option_is_a_scheme_error_naming_the_key():
    with pytest.raises(SchemeError) as caught:
        reporting.scheme_config({"name": "ragb", "amber_red": "red"}, source="params/x.yaml")

    message = str(caught.value)
    assert "params/x.yaml" in message
    assert "scheme.amber_red" in message
    assert "at_red_amber" in message  # lists the settings there are


def test_boundary_side_outside_its_choices_is_a_scheme_error_naming_the_key():
    with pytest.raises(SchemeError) as caught:
        reporting.scheme_config({"name": "ragb", "at_red_amber": "green"}, source="params/x.yaml")

    message = str(caught.value)
    assert "params/x.yaml" in message
    assert "at_red_amber" in message
    assert "'green'" in message


@pytest.mark.parametrize(
    "options",
    [
        {"red_amber": "-10%"},
        {"red_amber": "-0.2", "amber_green": "0", "green_blue": "0.05"},
    ],
    ids=["one-string-threshold", "all-string-thresholds"],
)
def test_threshold_that_is_not_a_number_is_a_scheme_error_naming_the_key(options):
    with pytest.raises(SchemeError) as caught:
        reporting.scheme_config({"name": "ragb", **options}, source="params/x.yaml")

    assert "params/x.yaml" in str(caught.value)
    assert "red_amber" in str(caught.value)


def test_unknown_scheme_name_is_a_scheme_error():
    with pytest.raises(SchemeError) as caught:
        reporting.scheme_config({"name": "traffic-lights"}, source="params/x.yaml")

    message = str(caught.value)
    assert "params/x.yaml" in message
    assert "traffic-lights" in message
    assert "ragb" in message  # says which schemes there are


def test_unknown_scheme_name_given_to_rate_is_a_scheme_error():
    with pytest.raises(SchemeError, match="traffic-lights"):
        reporting.rate(kpis([(90, 100, "higher")]), {"name": "traffic-lights"})


# Monotonic in d ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme",
    [
        RAGB,
        {"name": "ragb", "at_red_amber": "red", "at_green_blue": "blue"},
        {"name": "ragb", "at_amber_green": "amber"},
        {"name": "ragb", "red_amber": -0.2, "amber_green": 0.02, "green_blue": 0.1},
    ],
    ids=["default", "red-and-blue-at-edges", "amber-on-target", "moved-thresholds"],
)
@pytest.mark.parametrize("target", [100.0, 0.3, 20.0, -10.0, 7.0])
@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_a_better_value_never_gets_a_worse_band(scheme, target, direction):
    size = abs(target)
    # A fine grid from 30% worse to 30% better, plus every boundary hit exactly.
    grid = np.linspace(target - 0.3 * size, target + 0.3 * size, 1201)
    edges = [target + f * size for f in (-0.2, -0.1, 0.0, 0.02, 0.05, 0.1)] + [target - f * size for f in (-0.2, -0.1, 0.02, 0.05, 0.1)]
    values = np.unique(np.concatenate([grid, edges]))
    worst_to_best = values if direction == "higher" else values[::-1]

    rated = reporting.rate(kpis([(v, target, direction) for v in worst_to_best]), scheme)

    bands = rated["rating"].map(BAND_ORDER)
    assert bands.notna().all()
    assert (bands.diff().dropna() >= 0).all(), "a better value got a worse band"
    assert set(rated["rating"]) == set(BAND_ORDER)
