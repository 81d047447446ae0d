"""Counts, movements, not-updated lists and examples for the covering paper."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reporting as rp
from reporting.document.markdown_html import markdown_to_html
from reporting.measures.summary import MOVEMENTS

SCALE = ("Red", "Amber", "Green", "Blue")
LABELS = ("Red", "Amber", "Green", "Blue", "Baseline", "Contextual", "In development", "Suspended", "Not rated")


def kpis(ratings: dict[str, str], current: dict[str, float] | None = None, **columns) -> pd.DataFrame:
    ids = list(ratings)
    frame = pd.DataFrame({
        "indicator_id": ids,
        "title": [f"Title {i}" for i in ids],
        "rating": [ratings[i] for i in ids],
        "current": [(current or {}).get(i, 1.0) for i in ids],
    })
    for name, values in columns.items():
        frame[name] = [values.get(i) for i in ids]
    return frame


def test_improvement_decline_and_unchanged_follow_the_scale():
    now = kpis({"117": "Blue", "9": "Amber", "131": "Amber", "1": "Red"})
    before = kpis({"117": "Red", "9": "Red", "131": "Green", "1": "Red"})
    moved = rp.movements(now, before, SCALE).set_index("indicator_id")
    assert moved.loc["117", "movement"] == "improved" and moved.loc["117", "previous_rating"] == "Red"
    assert moved.loc["9", "movement"] == "improved"
    assert moved.loc["131", "movement"] == "declined"
    assert moved.loc["1", "movement"] == "unchanged"


def test_biggest_improvement_is_listed_first():
    now = kpis({"9": "Amber", "117": "Blue"})
    before = kpis({"9": "Red", "117": "Red"})
    moved = rp.movements(now, before, SCALE)
    # Both from Red; the seed paper lists Red to Blue before Red to Amber.
    assert list(moved["indicator_id"]) == ["117", "9"]


def test_indicator_without_an_earlier_figure_is_listed_as_new_not_dropped():
    now = kpis({"1": "Red", "2": "Green"})
    before = kpis({"1": "Red", "2": "Not rated"}, current={"2": float("nan")})
    moved = rp.movements(now, before, SCALE).set_index("indicator_id")
    assert moved.loc["2", "movement"] == "new"
    assert pd.isna(moved.loc["2", "previous_rating"])


def test_indicator_missing_from_the_previous_set_is_new():
    moved = rp.movements(kpis({"1": "Red", "99": "Blue"}), kpis({"1": "Red"}), SCALE).set_index("indicator_id")
    assert moved.loc["99", "movement"] == "new"


def test_move_between_a_rating_and_a_status_is_changed():
    moved = rp.movements(kpis({"5": "Red"}), kpis({"5": "Baseline"}), SCALE)
    assert moved.loc[0, "movement"] == "changed"


def test_status_that_stays_the_same_is_unchanged():
    moved = rp.movements(kpis({"6": "Contextual"}), kpis({"6": "Contextual"}), SCALE)
    assert moved.loc[0, "movement"] == "unchanged"


ratings = st.sampled_from(LABELS)


@settings(max_examples=200, deadline=None)
@given(
    now=st.dictionaries(st.text("0123456789", min_size=1, max_size=3), ratings, min_size=1, max_size=30),
    before=st.dictionaries(st.text("0123456789", min_size=1, max_size=3), ratings, max_size=30),
    missing=st.sets(st.text("0123456789", min_size=1, max_size=3), max_size=10),
)
def test_counts_and_movements_always_add_up_to_the_number_of_kpis(now, before, missing):
    current = kpis(now)
    previous = kpis(before, current={i: float("nan") for i in missing}) if before else kpis({}).astype({"current": float})
    moved = rp.movements(current, previous, SCALE)
    counts = rp.movement_counts(moved)
    assert sum(counts.values()) == len(current)
    assert set(counts) == set(MOVEMENTS)
    assert sorted(moved["indicator_id"]) == sorted(current["indicator_id"])
    assert int(rp.rating_counts(current, LABELS)["count"].sum()) == len(current)


def test_not_updated_reason_comes_from_the_note_then_the_commentary():
    frame = kpis(
        {"11": "Green", "128": "Red", "133": "Red", "1": "Red"},
        updated_this_quarter={"11": False, "128": False, "133": False, "1": True},
        note={"11": "Published in July.", "128": None, "133": ""},
        commentary={"11": "Ignored", "128": "The new system is being tested.", "133": ""},
        period_label={"11": "Autumn 2022", "128": "Dec 2023", "133": "2021/22", "1": "Dec 2023"},
    )
    stale = rp.not_updated(frame).set_index("indicator_id")
    assert list(stale.index) == ["11", "128", "133"]
    assert stale.loc["11", "reason"] == "Published in July."
    assert stale.loc["128", "reason"] == "The new system is being tested."
    assert stale.loc["133", "reason"] == "No reason has been recorded."


def test_examples_furthest_from_target_with_a_pinned_indicator_first():
    frame = kpis({"a": "Red", "b": "Red", "c": "Red", "d": "Green"}, deviation={"a": -0.2, "b": -0.9, "c": -0.5, "d": 0.01})
    chosen = rp.examples(frame, ("Red",), rule="furthest", count=2, pin=("a",))
    assert list(chosen["indicator_id"]) == ["a", "b"]
    assert list(rp.examples(frame, ("Red",), rule="all")["indicator_id"]) == ["a", "b", "c"]


def test_exception_reporting_keeps_only_updated_kpis_and_counts_the_rest():
    frame = kpis({"1": "Red", "2": "Green", "3": "Blue"}, updated_this_quarter={"1": True, "2": False, "3": True})
    kept, left_out = rp.reported_kpis(frame, exception_reporting=True)
    assert list(kept["indicator_id"]) == ["1", "3"] and left_out == 1
    assert rp.reported_kpis(frame, exception_reporting=False)[1] == 0


def test_rounding_note_only_where_rounded_percentages_do_not_add_to_100():
    thirds = rp.rating_counts(kpis({"1": "Red", "2": "Amber", "3": "Green"}), LABELS)
    assert "may not add to 100" in rp.summary_table(thirds)  # 33% + 33% + 33% = 99%
    sevenths = rp.rating_counts(kpis({str(i): "Red" if i < 3 else "Green" for i in range(7)}), LABELS)
    text = markdown_to_html(rp.summary_table(sevenths))
    assert "43%" in text and "57%" in text and "may not add to 100" not in text


@pytest.mark.parametrize("n_red, n_green, n_blue", [(1, 1, 1), (11, 1, 1)])
def test_rounding_note_appears_when_rounded_percentages_miss_100(n_red, n_green, n_blue):
    ratings = {**{f"r{i}": "Red" for i in range(n_red)}, **{f"g{i}": "Green" for i in range(n_green)}, **{f"b{i}": "Blue" for i in range(n_blue)}}
    counts = rp.rating_counts(kpis(ratings), LABELS)
    shown = counts.loc[counts["count"] > 0, "percent"].round(0).sum()
    assert ("may not add to 100" in rp.summary_table(counts)) == (round(shown) != 100)
