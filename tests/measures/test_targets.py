"""Targets that are not numbers: comparator targets ("above N / NE") and long-term ones ("5 by 2030")."""

from __future__ import annotations

import pandas as pd
import pytest

import reporting as rp
from reporting.measures.targets import apply_target_rules


def frame(**columns) -> pd.DataFrame:
    base = {"indicator_id": ["a"], "direction": ["higher"], "target": [float("nan")], "england_mean": [95.0],
            "regional_mean": [93.9], "stat_neighbour_mean": [float("nan")]}
    base.update(columns)
    return pd.DataFrame(base)


def test_above_england_and_region_means_beating_the_higher_of_the_two():
    kpis = apply_target_rules(frame(target_against=[["england_mean", "regional_mean"]]))
    assert kpis.loc[0, "target"] == 95.0
    assert kpis.loc[0, "target_basis"] == "above the England average and the regional average"


def test_below_the_comparators_when_lower_is_better():
    kpis = apply_target_rules(frame(direction=["lower"], target_against=[["england_mean", "regional_mean"]]))
    assert kpis.loc[0, "target"] == 93.9
    assert kpis.loc[0, "target_basis"].startswith("below")


def test_comparator_target_without_comparator_figures_has_no_target_and_no_warning():
    kpis = apply_target_rules(frame(england_mean=[float("nan")], regional_mean=[float("nan")], target_against=[["england_mean", "regional_mean"]]))
    assert pd.isna(kpis.loc[0, "target"])


def test_long_term_target_is_explained_and_not_judged_each_quarter():
    kpis = apply_target_rules(frame(target_by=[{"value": 5, "year": 2030}]))
    assert pd.isna(kpis.loc[0, "target"])
    assert kpis.loc[0, "target_basis"] == "5 by 2030 (a long-term target, not judged each quarter)"


def test_durham_comparator_target_is_judged_against_the_stricter_average():
    kpis = rp.build_kpis(rp.load_dataset("data/durham-cyp"), "2023-24-Q2", "dtcg").set_index("indicator_id")
    assert kpis.loc["D06", "target"] == 95.0 and kpis.loc["D06", "judgement_t"] == "amber"  # 94.8 within 2%
    assert kpis.loc["D04", "judgement_t"] == "not assessed" and "2030" in kpis.loc["D04", "target_basis"]


@pytest.mark.parametrize("field, value", [("target_against", ["scotland_mean"]), ("target_against", "england_mean"), ("target_by", {"value": 5})])
def test_malformed_non_numeric_targets_are_reported(tmp_path, field, value):
    import yaml

    entry = {"id": "1", "title": "T", "direction": "higher", "unit": "percent", "status": "target", field: value}
    (tmp_path / "indicators.yaml").write_text(yaml.safe_dump([entry]))
    (tmp_path / "observations.csv").write_text("indicator_id,period_end,value\n1,2023-12-31,5\n")
    with pytest.raises(rp.DataValidationError) as error:
        rp.load_dataset(tmp_path)
    assert any(p.column == field for p in error.value.problems)
