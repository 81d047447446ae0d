"""A council can add its own rating scheme in one new module plus a line in its params file,
without touching ragb or dtcg; a params file naming a scheme that does not exist, or giving a
scheme bad settings, is refused with the file and the key to fix."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd
import pytest

import reporting
from reporting import SchemeError
from reporting.measures.ratings import registry

QUARTER = "2023-24-Q3"

# The council's whole scheme: a settings class and a function, registered by name.
PLUGIN = '''\
"""Pass or Fail: a KPI passes when its value reaches the target (times a threshold)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

import reporting


@dataclass(frozen=True)
class PassFailSettings:
    threshold: float = 1.0  # the share of the target to reach: 1.0 is the target itself

    def __post_init__(self):
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) or self.threshold <= 0:
            raise ValueError(f"threshold must be a positive number such as 0.9, not {self.threshold!r}")


@reporting.register_scheme("pass_fail", PassFailSettings, labels=("Fail", "Pass"), scale=("Fail", "Pass"))
def pass_fail(kpis, settings):
    """Pass when the value reaches the target."""
    current = kpis["current"].to_numpy(dtype=float)
    target = kpis["target"].to_numpy(dtype=float)
    known = ~(np.isnan(current) | np.isnan(target))
    with np.errstate(invalid="ignore"):
        passed = current >= settings.threshold * target
    return pd.Series(np.where(known, np.where(passed, "Pass", "Fail"), None), index=kpis.index)
'''

CATALOGUE = """\
- id: "P1"
  title: Percentage of assessments completed within 45 days
  direction: higher
  unit: percent
  status: target
- id: "P2"
  title: Percentage of plans reviewed on time
  direction: higher
  unit: percent
  status: target
- id: "P3"
  title: Percentage of re-referrals within 12 months
  direction: lower
  unit: percent
  status: target
- id: "P4"
  title: Percentage of visits recorded
  direction: higher
  unit: percent
  status: target
- id: "C1"
  title: Number of contacts to the front door
  direction: none
  unit: number
  status: contextual
"""

# P1 fails in Q2 (80 < 90) and passes in Q3 (95). P2 reaches 90% of its target but not the
# target itself. P3's target is a ceiling (lower is better), which the pass_fail scheme ignores.
# P4 has no figure for Q3.
OBSERVATIONS = """\
indicator_id,period_end,value,target,england_mean
P1,2022-12-31,70,90,75
P1,2023-09-30,80,90,80
P1,2023-12-31,95,90,82
P2,2022-12-31,84,90,85
P2,2023-12-31,85,90,86
P3,2022-12-31,25,20,22
P3,2023-12-31,25,20,22
P4,2023-12-31,,90,
C1,2023-12-31,296,,
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder: params/ and a small dataset in data/sample."""
    (tmp_path / "params").mkdir()
    data = tmp_path / "data" / "sample"
    data.mkdir(parents=True)
    (data / "indicators.yaml").write_text(CATALOGUE, encoding="utf-8")
    (data / "observations.csv").write_text(OBSERVATIONS, encoding="utf-8")
    return tmp_path


def write_params(project: Path, scheme: str, committee: str = "pf") -> Path:
    """params/<committee>.yaml with the given `scheme:` block (YAML text, already indented)."""
    path = project / "params" / f"{committee}.yaml"
    path.write_text(
        "council: Example County Council\n"
        "committee_name: Children and Young People Committee\n"
        "dataset: data/sample\n"
        f"scheme:\n{scheme}",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def add_pass_fail(tmp_path: Path, monkeypatch):
    """Writes the council's scheme module and returns a function that imports it, registering
    `pass_fail`; afterwards the registry is as it was, so other tests never see it."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "threshold_scheme.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "threshold_scheme", raising=False)
    assert "pass_fail" not in registry._SCHEMES

    def add():
        return importlib.import_module("threshold_scheme")

    yield add
    registry._SCHEMES.pop("pass_fail", None)
    sys.modules.pop("threshold_scheme", None)


def kpis_for(params: reporting.CommitteeParams, quarter: str = QUARTER) -> pd.DataFrame:
    dataset = reporting.load_dataset(params.dataset)
    return reporting.build_kpis(dataset, quarter, params.scheme, committee=params.id, indicators=params.indicators)


def ratings(kpis: pd.DataFrame) -> dict[str, str]:
    return dict(zip(kpis["indicator_id"], kpis["rating"]))


# A new scheme in one module ---------------------------------------------------------------------


def test_a_scheme_in_a_new_module_rates_the_kpis_its_params_name(project, add_pass_fail):
    add_pass_fail()
    params = reporting.load_params(write_params(project, "  name: pass_fail\n"))

    kpis = kpis_for(params)

    assert params.scheme.name == "pass_fail"
    assert ratings(kpis) == {
        "P1": "Pass",  # 95 against 90
        "P2": "Fail",  # 85 against 90
        "P3": "Pass",  # 25 reaches 20: this scheme ignores direction (ragb rates it Red)
        "P4": "Not rated",  # no figure this quarter
        "C1": "Contextual",  # statuses work as in every scheme
    }


def test_the_new_schemes_settings_come_from_the_params_file(project, add_pass_fail):
    add_pass_fail()
    params = reporting.load_params(write_params(project, "  name: pass_fail\n  threshold: 0.9\n"))

    kpis = kpis_for(params)

    assert params.scheme.settings.threshold == 0.9
    assert ratings(kpis)["P2"] == "Pass"  # 85 reaches 90% of 90 (81)


def test_the_new_scheme_is_listed_beside_ragb_and_dtcg(add_pass_fail):
    add_pass_fail()

    assert {"ragb", "dtcg", "pass_fail"} <= set(reporting.available_schemes())
    scheme = reporting.get_scheme("pass_fail")
    assert scheme.labels == ("Fail", "Pass")
    assert scheme.scale == ("Fail", "Pass")
    assert scheme.description == "Pass when the value reaches the target."


def test_adding_a_scheme_leaves_ragb_and_dtcg_results_unchanged(project, add_pass_fail):
    dataset = reporting.load_dataset(project / "data" / "sample")
    before = {name: reporting.build_kpis(dataset, QUARTER, name) for name in ("ragb", "dtcg")}
    schemes_before = {name: reporting.get_scheme(name) for name in ("ragb", "dtcg")}

    add_pass_fail()

    for name in ("ragb", "dtcg"):
        assert reporting.get_scheme(name) is schemes_before[name]
        pd.testing.assert_frame_equal(reporting.build_kpis(dataset, QUARTER, name), before[name])
    assert ratings(before["ragb"]) == {"P1": "Blue", "P2": "Amber", "P3": "Red", "P4": "Not rated", "C1": "Contextual"}


def test_movements_between_quarters_follow_the_new_schemes_scale(project, add_pass_fail):
    add_pass_fail()
    params = reporting.load_params(write_params(project, "  name: pass_fail\n"))

    moved = reporting.movements(kpis_for(params), kpis_for(params, "2023-24-Q2"), params.scheme.scheme.scale)

    p1 = moved.set_index("indicator_id").loc["P1"]
    assert (p1["previous_rating"], p1["rating"], p1["movement"]) == ("Fail", "Pass", "improved")


def test_a_bad_setting_of_the_new_scheme_is_a_scheme_error_naming_the_file_and_key(project, add_pass_fail):
    add_pass_fail()
    path = write_params(project, "  name: pass_fail\n  threshold: -1\n")

    with pytest.raises(SchemeError) as caught:
        reporting.load_params(path)

    assert str(path) in str(caught.value)
    assert "scheme.threshold" in str(caught.value)


def test_the_registry_holds_only_the_built_in_schemes_outside_these_tests():
    assert "pass_fail" not in reporting.available_schemes()
    assert {"ragb", "dtcg"} <= set(reporting.available_schemes())


# Params that name a scheme badly ------------------------------------------------------------------


def test_an_unknown_scheme_name_in_params_is_a_scheme_error_naming_the_file_and_key(project):
    path = write_params(project, "  name: pass_fail\n")  # the module that adds it was never imported

    with pytest.raises(SchemeError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "scheme.name" in message
    assert "pass_fail" in message
    assert "ragb" in message and "dtcg" in message  # says which schemes there are


def test_ragb_thresholds_out_of_order_in_params_are_a_scheme_error_naming_the_file(project):
    path = write_params(project, "  name: ragb\n  red_amber: 0.1\n  amber_green: 0.0\n")

    with pytest.raises(SchemeError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "key scheme" in message
    assert "red_amber" in message


def test_a_council_can_use_its_own_words_for_the_ratings(tmp_path):
    config = reporting.scheme_config({"name": "ragb", "labels": {"Blue": "Exceeding target", "Red": "Off track"}}, "params/x.yaml")
    frame = pd.DataFrame({
        "indicator_id": ["a", "b", "c"], "current": [120.0, 50.0, 10.0], "target": [100.0, 100.0, None],
        "direction": ["higher"] * 3, "status": ["target", "target", "contextual"],
    })
    rated = reporting.rate(frame, config)
    assert rated["rating"].astype(str).tolist() == ["Exceeding target", "Off track", "Contextual"]
    assert config.labels[:4] == ("Off track", "Amber", "Green", "Exceeding target")
    assert config.scale == ("Off track", "Amber", "Green", "Exceeding target")


def test_renaming_a_rating_the_scheme_does_not_have_is_refused():
    with pytest.raises(reporting.SchemeError, match=r"params/x.yaml, key scheme.labels.Purple"):
        reporting.scheme_config({"name": "ragb", "labels": {"Purple": "Superb"}}, "params/x.yaml")
