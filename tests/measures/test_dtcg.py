"""The dtcg key (Durham's "Data Tables"): four judgements per KPI and an overall assessment.

D: the value against the value 12 months earlier.   T: against target.
C: against the England average.   G: the gap to England against 12 months earlier.
D, T and C are green when meeting or better, amber when worse but within the tolerance (2%
of the comparison value by default, or 2 points), red when worse by more. G is improving,
the same (a change within the tolerance) or deteriorating. Overall: a key target takes T;
a key tracker is Green when D is green AND G improving, Red when D is worse AND G
deteriorating, Amber otherwise. A missing input is "not assessed", never a guess.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import reporting
from reporting import SchemeError

DTCG = {"name": "dtcg"}
POINTS = {"name": "dtcg", "tolerance_mode": "points"}
NUMBERS = ["current", "year_earlier", "target", "england_mean", "england_mean_year_earlier"]
N = np.nan


def kpi(
    current=N,
    year_earlier=N,
    target=N,
    england_mean=N,
    england_mean_year_earlier=N,
    direction="higher",
    status="target",
    kind="key_target",
) -> dict:
    return dict(
        current=current,
        year_earlier=year_earlier,
        target=target,
        england_mean=england_mean,
        england_mean_year_earlier=england_mean_year_earlier,
        direction=direction,
        status=status,
        kind=kind,
    )


def frame(*rows: dict) -> pd.DataFrame:
    """As-at KPIs with the columns the dtcg scheme reads."""
    table = pd.DataFrame(list(rows), columns=[*NUMBERS, "direction", "status", "kind"])
    table.insert(0, "indicator_id", [f"D{i:02d}" for i in range(1, len(table) + 1)])
    return table.astype({c: float for c in NUMBERS})


def rated(scheme=DTCG, **values) -> pd.Series:
    """The one rated row, with warnings as errors: no judgement may warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return reporting.rate(frame(kpi(**values)), scheme).iloc[0]


def d(current, year_earlier, direction="higher", scheme=DTCG) -> str:
    return rated(scheme, current=current, year_earlier=year_earlier, direction=direction)["judgement_d"]


def t(current, target, direction="higher", scheme=DTCG) -> str:
    return rated(scheme, current=current, target=target, direction=direction)["judgement_t"]


def c(current, england, direction="higher", scheme=DTCG) -> str:
    return rated(scheme, current=current, england_mean=england, direction=direction)["judgement_c"]


def g(current, england, year_earlier, england_year_earlier, direction="higher", scheme=DTCG) -> str:
    return rated(
        scheme,
        current=current,
        england_mean=england,
        year_earlier=year_earlier,
        england_mean_year_earlier=england_year_earlier,
        direction=direction,
    )["judgement_g"]


def tracker(d_pair, g_inputs, direction="higher", status="contextual") -> pd.Series:
    """A key tracker from (current, year_earlier) and (england, england_year_earlier)."""
    (current, year_earlier), (england, england_year_earlier) = d_pair, g_inputs
    return rated(
        current=current,
        year_earlier=year_earlier,
        england_mean=england,
        england_mean_year_earlier=england_year_earlier,
        direction=direction,
        status=status,
        kind="key_tracker",
    )


# D: direction of travel against 12 months earlier --------------------------------------------


@pytest.mark.parametrize(
    "current, year_earlier, direction, judgement",
    [
        (60, 50, "higher", "green"),
        (50, 50, "higher", "green"),  # equal counts as meeting the previous year
        (49.5, 50, "higher", "amber"),
        (49, 50, "higher", "amber"),  # exactly 2% of the earlier value worse
        (48.99, 50, "higher", "red"),
        (40, 50, "higher", "red"),
        (40, 50, "lower", "green"),
        (50, 50, "lower", "green"),
        (51, 50, "lower", "amber"),  # exactly 2% worse when lower is better
        (51.01, 50, "lower", "red"),
        (60, 50, "lower", "red"),
    ],
)
def test_d_judges_the_value_against_twelve_months_earlier(current, year_earlier, direction, judgement):
    assert d(current, year_earlier, direction) == judgement


def test_d_tolerance_is_two_percent_of_the_earlier_value_not_of_the_current_one():
    # 49 against 50 is 2% of 50 (amber); as a share of 49 it would be 2.04% (red).
    assert d(49, 50) == "amber"
    # 102 against 100 when lower is better: 2% of 100, amber; 1.96% of 102 would not tell them apart.
    assert d(102, 100, "lower") == "amber"
    assert d(102.01, 100, "lower") == "red"


@pytest.mark.parametrize(
    "current, year_earlier, direction",
    [
        (0.98, 1.0, "higher"),  # naive 100 * (0.98 - 1) / 1 = -2.0000000000000018
        (1.078, 1.1, "higher"),
        (29.4, 30.0, "higher"),
        (0.714, 0.7, "lower"),
        (1.224, 1.2, "lower"),
    ],
)
def test_d_exactly_two_percent_worse_is_amber_whatever_the_float_noise(current, year_earlier, direction):
    sign = 1 if direction == "higher" else -1
    assert 100 * sign * (current - year_earlier) / year_earlier < -2  # the noise this test is about

    assert d(current, year_earlier, direction) == "amber"


# T: against target ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, target, direction, judgement",
    [
        (92, 90, "higher", "green"),
        (90, 90, "higher", "green"),
        (88.2, 90, "higher", "amber"),  # exactly 2% short
        (88.19, 90, "higher", "red"),
        (10, 12, "lower", "green"),
        (12, 12, "lower", "green"),
        (12.24, 12, "lower", "amber"),  # exactly 2% over a lower-is-better target
        (12.25, 12, "lower", "red"),
    ],
)
def test_t_judges_the_value_against_target(current, target, direction, judgement):
    assert t(current, target, direction) == judgement


# C: against the England average --------------------------------------------------------------


@pytest.mark.parametrize(
    "current, england, direction, judgement",
    [
        (80, 75, "higher", "green"),
        (75, 75, "higher", "green"),
        (73.5, 75, "higher", "amber"),  # exactly 2% below England
        (73.4, 75, "higher", "red"),
        (70, 75, "lower", "green"),
        (76.5, 75, "lower", "amber"),  # exactly 2% above England when lower is better
        (77, 75, "lower", "red"),
    ],
)
def test_c_judges_the_value_against_the_england_average(current, england, direction, judgement):
    assert c(current, england, direction) == judgement


# Relative tolerance or percentage points -----------------------------------------------------


def test_relative_and_points_tolerances_judge_the_same_shortfall_differently():
    # 50 against a target of 51.5, higher is better: 1.5 short.
    # Relative: 1.5 / 51.5 = 2.91% of the target, beyond 2%: red.
    # Points: 1.5 percentage points, within 2 points: amber.
    assert t(50, 51.5) == "red"
    assert t(50, 51.5, scheme=POINTS) == "amber"


@pytest.mark.parametrize(
    "current, reference, direction, judgement",
    [
        (48, 50, "higher", "amber"),  # exactly 2 points short
        (47.99, 50, "higher", "red"),
        (52, 50, "lower", "amber"),
        (52.01, 50, "lower", "red"),
        (50, 50, "lower", "green"),
        (5, 8, "higher", "red"),  # 3 points (37.5%) short
        (98, 100, "higher", "amber"),  # 2 points is also 2% here
    ],
)
def test_points_tolerance_is_in_the_indicators_own_units(current, reference, direction, judgement):
    assert d(current, reference, direction, scheme=POINTS) == judgement
    assert t(current, reference, direction, scheme=POINTS) == judgement
    assert c(current, reference, direction, scheme=POINTS) == judgement


def test_points_exactly_on_the_tolerance_is_amber_whatever_the_float_noise():
    assert 0.7 - 0.8 < -0.1  # the noise this test is about: -0.10000000000000009
    assert t(0.7, 0.8, "higher", scheme={"name": "dtcg", "tolerance_mode": "points", "tolerance": 0.1}) == "amber"


def test_tolerance_can_be_changed():
    five = {"name": "dtcg", "tolerance": 5}

    assert t(95, 100, scheme=five) == "amber"
    assert t(94.99, 100, scheme=five) == "red"
    assert t(99.99, 100, scheme={"name": "dtcg", "tolerance": 0}) == "red"
    assert t(100, 100, scheme={"name": "dtcg", "tolerance": 0}) == "green"


# G: the gap to England against 12 months earlier ---------------------------------------------


@pytest.mark.parametrize(
    "current, england, year_earlier, england_year_earlier, direction, judgement",
    [
        # Gap now +10% of England (55 v 50), then 0% (50 v 50): better by 10 > 2.
        (55, 50, 50, 50, "higher", "improving"),
        # Gap now -10% (45 v 50), then 0%: worse by 10.
        (45, 50, 50, 50, "higher", "deteriorating"),
        # Gap now +2% (51 v 50), then +1% (50.5 v 50): a change of 1, within 2.
        (51, 50, 50.5, 50, "higher", "same"),
        # Both below England, but the gap closed from -20% (40 v 50) to -5% (57 v 60).
        (57, 60, 40, 50, "higher", "improving"),
        # Behind England by the same share although both figures rose.
        (45, 50, 36, 40, "higher", "same"),
        # Lower is better: 40 against 50 is 20% better than England; then level (50 v 50).
        (40, 50, 50, 50, "lower", "improving"),
        (60, 50, 50, 50, "lower", "deteriorating"),
    ],
)
def test_g_compares_the_gap_to_england_now_with_twelve_months_earlier(
    current, england, year_earlier, england_year_earlier, direction, judgement
):
    assert g(current, england, year_earlier, england_year_earlier, direction) == judgement


def test_g_gaps_are_in_per_cent_of_the_england_average():
    # Now 11 against 10 (+10%); then 105 against 100 (+5%): improving by 5 > 2, though in
    # points the gap shrank from 5 to 1.
    assert g(11, 10, 105, 100) == "improving"
    assert g(11, 10, 105, 100, scheme=POINTS) == "deteriorating"


@pytest.mark.parametrize(
    "current, england, year_earlier, england_year_earlier, judgement",
    [
        (51, 50, 50, 50, "same"),  # +2% against 0%: a change of exactly the tolerance is the same
        (49, 50, 50, 50, "same"),  # -2% against 0%
        (51.01, 50, 50, 50, "improving"),
        (48.99, 50, 50, 50, "deteriorating"),
    ],
)
def test_g_changes_within_the_tolerance_are_the_same(current, england, year_earlier, england_year_earlier, judgement):
    assert g(current, england, year_earlier, england_year_earlier) == judgement


def test_g_in_points_uses_the_points_tolerance():
    # Gap now +2 points (52 v 50), then 0: exactly 2 points, the same; 2.5 points improving.
    assert g(52, 50, 50, 50, scheme=POINTS) == "same"
    assert g(52.5, 50, 50, 50, scheme=POINTS) == "improving"
    assert g(47.5, 50, 50, 50, scheme=POINTS) == "deteriorating"


# Missing inputs: that judgement only is not assessed ------------------------------------------


@pytest.mark.parametrize(
    "missing, not_assessed",
    [
        ("year_earlier", {"judgement_d", "judgement_g"}),
        ("target", {"judgement_t"}),
        ("england_mean", {"judgement_c", "judgement_g"}),
        ("england_mean_year_earlier", {"judgement_g"}),
        ("current", {"judgement_d", "judgement_t", "judgement_c", "judgement_g"}),
    ],
)
def test_a_missing_input_leaves_only_the_judgements_that_need_it_not_assessed(missing, not_assessed):
    values = dict(current=55, year_earlier=50, target=52, england_mean=50, england_mean_year_earlier=50)
    values[missing] = N

    row = rated(**values)

    judgements = {"judgement_d": "green", "judgement_t": "green", "judgement_c": "green", "judgement_g": "improving"}
    for column, judgement in judgements.items():
        assert row[column] == ("not assessed" if column in not_assessed else judgement), column


def test_nothing_known_but_the_catalogue_gives_not_assessed_without_a_warning():
    row = rated()

    assert row["rating"] == "Not assessed"
    assert [row[j] for j in ("judgement_d", "judgement_t", "judgement_c", "judgement_g")] == ["not assessed"] * 4


# Overall: key target indicators take T ---------------------------------------------------------


@pytest.mark.parametrize(
    "current, target, rating",
    [(95, 90, "Green"), (88.2, 90, "Amber"), (80, 90, "Red"), (80, N, "Not assessed")],
)
def test_a_key_target_takes_its_t_judgement(current, target, rating):
    # D, C and G all point the other way: they do not move a key target's overall rating.
    row = rated(current=current, target=target, year_earlier=200, england_mean=200, england_mean_year_earlier=100)

    assert row["judgement_d"] == "red"
    assert row["judgement_g"] == "deteriorating"
    assert row["rating"] == rating


# Overall: key trackers on D and G --------------------------------------------------------------


@pytest.mark.parametrize(
    "d_pair, g_inputs, judgements, rating",
    [
        # D green, G improving (55 is 10% above England 50; a year ago 50 was level with 50).
        ((55, 50), (50, 50), ("green", "improving"), "Green"),
        # D green, G the same.
        ((50, 50), (50, 50), ("green", "same"), "Amber"),
        # D green, G deteriorating: England rose faster (55 is now 8% below England's 60).
        ((55, 50), (60, 50), ("green", "deteriorating"), "Amber"),
        # D amber, G deteriorating.
        ((49, 50), (55, 50), ("amber", "deteriorating"), "Red"),
        # D red, G deteriorating.
        ((40, 50), (50, 50), ("red", "deteriorating"), "Red"),
        # D red, G improving: England fell further still (40 is now a third above England's 30).
        ((40, 50), (30, 50), ("red", "improving"), "Amber"),
        # D amber, G the same.
        ((49, 50), (49, 50), ("amber", "same"), "Amber"),
    ],
)
def test_a_key_tracker_is_rated_on_d_and_g(d_pair, g_inputs, judgements, rating):
    row = tracker(d_pair, g_inputs)

    assert (row["judgement_d"], row["judgement_g"]) == judgements
    assert row["rating"] == rating


@pytest.mark.parametrize(
    "d_pair, g_inputs",
    [((55, N), (50, 50)), ((55, 50), (N, 50)), ((55, 50), (50, N))],
    ids=["no-year-earlier", "no-england-now", "no-england-then"],
)
def test_a_key_tracker_without_d_or_g_is_not_assessed(d_pair, g_inputs):
    assert tracker(d_pair, g_inputs)["rating"] == "Not assessed"


def test_a_key_tracker_ignores_its_t_judgement():
    row = rated(current=55, year_earlier=50, target=100, england_mean=50, england_mean_year_earlier=50, kind="key_tracker")

    assert row["judgement_t"] == "red"
    assert row["rating"] == "Green"


def test_a_contextual_key_tracker_is_assessed_not_labelled_contextual():
    assert tracker((55, 50), (50, 50), status="contextual")["rating"] == "Green"
    assert tracker((40, 50), (50, 50), status="contextual")["rating"] == "Red"


@pytest.mark.parametrize(
    "status, label",
    [("in_development", "In development"), ("baseline", "Baseline"), ("suspended", "Suspended")],
)
@pytest.mark.parametrize("kind", ["key_tracker", "key_target"])
def test_other_statuses_give_their_label_for_trackers_and_targets(status, label, kind):
    row = rated(current=55, year_earlier=50, target=50, england_mean=50, england_mean_year_earlier=50, status=status, kind=kind)

    assert row["rating"] == label


def test_a_contextual_key_target_is_labelled_contextual():
    row = rated(current=55, year_earlier=50, target=50, status="contextual", kind="key_target")

    assert row["rating"] == "Contextual"


def test_status_labelled_rows_keep_their_judgements():
    row = rated(current=55, year_earlier=50, target=50, england_mean=50, england_mean_year_earlier=50, status="baseline")

    assert row["rating"] == "Baseline"
    assert (row["judgement_d"], row["judgement_t"], row["judgement_c"], row["judgement_g"]) == ("green", "green", "green", "improving")


@pytest.mark.parametrize(
    "target, rating",
    [(N, "Green"), (50, "Green"), (60, "Red")],
    ids=["no-target-rated-as-tracker", "target-met", "target-missed"],
)
def test_without_a_kind_an_indicator_with_a_target_takes_t_and_one_without_is_a_tracker(target, rating):
    row = rated(current=55, year_earlier=50, target=target, england_mean=50, england_mean_year_earlier=50, kind=None)

    assert row["rating"] == rating


# Direction none and zero references -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["key_target", "key_tracker"])
def test_direction_none_assesses_nothing(kind):
    row = rated(current=55, year_earlier=50, target=50, england_mean=50, england_mean_year_earlier=50, direction="none", kind=kind)

    assert [row[j] for j in ("judgement_d", "judgement_t", "judgement_c", "judgement_g")] == ["not assessed"] * 4
    assert row["rating"] == "Not assessed"


@pytest.mark.parametrize("scheme", [DTCG, POINTS], ids=["relative", "points"])
@pytest.mark.parametrize(
    "current, direction, judgement",
    [(0, "higher", "green"), (5, "higher", "green"), (-5, "higher", "red"), (0, "lower", "green"), (5, "lower", "red"), (-5, "lower", "green")],
)
def test_a_zero_target_or_england_average_is_judged_without_error_or_warning(scheme, current, direction, judgement):
    row = rated(scheme, current=current, target=0, england_mean=0, year_earlier=0, england_mean_year_earlier=0, direction=direction)

    assert row["judgement_t"] == row["judgement_c"] == row["judgement_d"] == judgement


def test_a_gap_to_a_zero_england_average_is_judged_without_error_or_warning():
    # Relative to an England average of 0 the gap has no size; nothing may crash or warn.
    row = rated(current=5, england_mean=0, year_earlier=4, england_mean_year_earlier=0)

    assert row["judgement_g"] in ("improving", "same", "deteriorating", "not assessed")
    assert g(5, 0, 4, 0, scheme=POINTS) == "same"  # gap +5 points now, +4 then


# A table of KPIs ------------------------------------------------------------------------------


def test_rating_adds_the_judgement_columns_and_keeps_the_rest():
    table = frame(
        kpi(current=95, target=90),
        kpi(current=55, year_earlier=50, england_mean=50, england_mean_year_earlier=50, status="contextual", kind="key_tracker"),
        kpi(current=80, target=90, status="suspended"),
    )

    result = reporting.rate(table, DTCG)

    assert result["rating"].tolist() == ["Green", "Green", "Suspended"]
    for column in ("judgement_d", "judgement_t", "judgement_c", "judgement_g"):
        assert column in result
    pd.testing.assert_frame_equal(result[table.columns], table)
    assert "rating" not in table  # the input is not changed


# Settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, key",
    [
        ({"tolerance": -1}, "scheme.tolerance"),
        ({"tolerance": "2%"}, "scheme.tolerance"),
        ({"tolerance_mode": "percent"}, "scheme.tolerance_mode"),
        ({"tolerence": 2}, "scheme.tolerence"),
    ],
    ids=["negative-tolerance", "text-tolerance", "unknown-mode", "unknown-option"],
)
def test_invalid_settings_are_a_scheme_error_naming_the_params_file_and_key(options, key):
    with pytest.raises(SchemeError) as caught:
        reporting.scheme_config({"name": "dtcg", **options}, source="params/durham.yaml")

    message = str(caught.value)
    assert "params/durham.yaml" in message
    assert key in message


def test_unknown_option_error_lists_the_settings_there_are():
    with pytest.raises(SchemeError) as caught:
        reporting.scheme_config({"name": "dtcg", "tolerence": 2}, source="params/durham.yaml")

    assert "tolerance_mode" in str(caught.value)


def test_default_settings_are_two_percent_relative():
    config = reporting.scheme_config(DTCG)

    assert config.settings.tolerance == 2
    assert config.settings.tolerance_mode == "relative"
