"""Durham's England figures 12 months earlier from the DfE's LAIT (scripts/durham_england_from_lait.py).

data/durham-cyp/lait-england.yaml maps a Durham KPI to a LAIT measure only where LAIT publishes the
same measure; the script fills `england_mean` on the KPI's row 12 months before its current row.
Expected figures are read here straight from LAIT's parquet with plain pandas, not with the
project's code. Durham's own data has nothing to fill today (its one mapped KPI, D21, has no row
12 months earlier), so the filling itself is also checked on a private copy of the dataset with
D21 a year on: its 2022/23 row from LAIT beside the published 2021/22 one.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

import reporting
from reporting.data import lait
from support import PROJECT

SOURCE = PROJECT / "data" / "lait"
DATASET = PROJECT / "data" / "durham-cyp"
MAPPING = DATASET / "lait-england.yaml"
SCRIPT = PROJECT / "scripts" / "durham_england_from_lait.py"
DURHAM, ENGLAND = 840, "England"
YEAR_ENDS = {"Academic Year": (8, 31), "Financial Year": (3, 31), "Calendar Year": (12, 31)}
D21_PUBLISHED = "D21,2022-08-31,2021/22,64.5,,,64.5,64.1,"
# D21 a year on: 2021/22 as published but without its national average (kept on the current row), and
# 2022/23 with LAIT's figures for Durham, England and the North East.
D21_A_YEAR_ON = "D21,2022-08-31,2021/22,64.5,,,,,\nD21,2023-08-31,2022/23,66.2,,,67.2,66.3,"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("durham_england_from_lait", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def parquet() -> pd.DataFrame:
    table = pd.read_parquet(SOURCE / "bds_long_0.parquet", columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number"])
    return table.assign(Years=table["Years"].astype(str), figure=pd.to_numeric(table["Values"], errors="coerce"))


@pytest.fixture(scope="module")
def year_types() -> dict[str, str]:
    dictionary = pd.read_csv(SOURCE / "lait_data_dictionary.csv", dtype=str, keep_default_na=False)
    return dict(zip(dictionary["Measure_short"], dictionary["Year_Type"]))


@pytest.fixture(scope="module")
def mapping() -> dict:
    return yaml.safe_load(MAPPING.read_text(encoding="utf-8"))


def lait_year(year_type: str, period_end) -> str:
    """LAIT's label for the year ending at `period_end` (the year ending: Academic Year 2022 is 2021/22)."""
    end = pd.Timestamp(period_end)
    assert (end.month, end.day) == YEAR_ENDS[year_type], (year_type, end)
    return str(end.year)


def lait_figure(parquet, code: str, year: str, england: bool) -> float:
    rows = parquet[(parquet["Short Desc"] == code) & (parquet["Years"] == year)]
    rows = rows[rows["LA and Regions"] == ENGLAND] if england else rows[rows["LA Number"] == DURHAM]
    assert len(rows) == 1, (code, year, england)
    return float(rows["figure"].iloc[0])


def published(text: str) -> tuple[float, int]:
    """A published figure and its decimal places, from the CSV text (64.5: one place)."""
    return float(text), len(text.split(".")[1]) if "." in text else 0


def observations(folder=DATASET) -> pd.DataFrame:
    return pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)


def durham_kpis(folder=DATASET) -> pd.DataFrame:
    params = reporting.load_params(PROJECT / "params" / "durham-cyp.yaml")
    dataset = reporting.load_dataset(folder)
    return reporting.build_kpis(dataset, params.default_quarter, params.scheme, committee=params.id,
                                indicators=params.indicators).set_index("indicator_id")


def a_year_on(tmp_path, replacement: str = D21_A_YEAR_ON, crlf: bool = False):
    """A private copy of Durham's dataset with D21's row replaced."""
    folder = tmp_path / "durham-cyp"
    shutil.copytree(DATASET, folder)
    path = folder / "observations.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(D21_PUBLISHED + "\n") == 1
    text = text.replace(D21_PUBLISHED + "\n", replacement + "\n")
    path.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode("utf-8"))
    return folder


def run(script, folder, *extra) -> int:
    return script.main(["--dataset", str(folder), "--source", str(SOURCE), *extra])


# The mapping -------------------------------------------------------------------------------------


def test_every_kpi_is_mapped_or_has_a_reason(mapping):
    catalogue = [entry["id"] for entry in yaml.safe_load((DATASET / "indicators.yaml").read_text(encoding="utf-8"))]
    mapped, unmapped = mapping["mapped"], mapping["unmapped"]
    ids = [entry["id"] for entry in mapped + unmapped]
    assert sorted(ids) == sorted(catalogue) == [f"D{i:02d}" for i in range(1, 32)]
    assert all(entry["code"] and len(entry["evidence"]) > 40 for entry in mapped)
    assert all(len(entry["reason"]) > 10 for entry in unmapped)
    assert "FirstYJS" not in {entry["code"] for entry in mapped}


def test_each_mapped_kpi_is_lait_s_measure_by_its_figures(mapping, parquet, year_types):
    """LAIT's figure for Durham (or England) for the period of Durham's current row is the one published."""
    table = observations()
    for entry in mapping["mapped"]:
        rows = table[(table["indicator_id"] == entry["id"]) & (table["value"] != "")].sort_values("period_end")
        current = rows.iloc[-1]
        year = lait_year(year_types[entry["code"]], current["period_end"])
        agrees = []
        for column, england in (("value", False), ("england_mean", True)):
            if current[column]:
                figure, decimals = published(current[column])
                agrees.append(abs(lait_figure(parquet, entry["code"], year, england) - figure) <= 0.5 * 10 ** -decimals + 1e-9)
        assert any(agrees), entry["id"]


def test_d21_is_lait_s_good_level_of_development(parquet):
    assert lait_figure(parquet, "FSP_NEW_GOODDEV", "2022", england=False) == 64.5  # Durham, 2021/22, as published
    assert np.isnan(lait_figure(parquet, "FSP_NEW_GOODDEV", "2021", england=True))  # 2020/21: not collected


# Durham's data as committed ----------------------------------------------------------------------


def test_every_filled_england_figure_is_lait_s(mapping, parquet, year_types):
    """(a) An england_mean the script filled equals LAIT's England figure for the mapped code and year."""
    codes = {entry["id"]: entry["code"] for entry in mapping["mapped"]}
    table = observations()
    filled = table[table["note"].str.contains("from the DfE's LAIT", regex=False)]
    for row in filled.itertuples():
        code = codes[row.indicator_id]
        assert f"measure {code}, {row.period_label})" in row.note
        expected = lait_figure(parquet, code, lait_year(year_types[code], row.period_end), england=True)
        assert float(row.england_mean) == expected, row.indicator_id
    assert set(filled["indicator_id"]) <= set(codes)


def test_the_committed_data_is_as_the_script_leaves_it(script, tmp_path, capsys):
    """(b) A run on a copy of the dataset changes nothing, byte for byte; --check agrees."""
    folder = tmp_path / "durham-cyp"
    shutil.copytree(DATASET, folder)
    assert run(script, folder) == 0
    assert (folder / "observations.csv").read_bytes() == (DATASET / "observations.csv").read_bytes()
    assert run(script, DATASET, "--check") == 0
    out = capsys.readouterr().out
    assert "D21 (FSP_NEW_GOODDEV): left: no row 12 months before 2021/22" in out


def test_durham_g_and_overall_are_judged_wherever_lait_gives_england_12_months_earlier(mapping):
    """(c) Mapped KPIs with all four figures get G and an overall judgement; the rest are still not
    assessed, for want of England's figure 12 months earlier, and the mapping says why."""
    kpis = durham_kpis()
    figures = ["current", "year_earlier", "england_mean", "england_mean_year_earlier"]
    for entry in mapping["mapped"]:
        kpi = kpis.loc[entry["id"]]
        if kpi[figures].notna().all() and kpi["direction"] != "none":
            assert kpi["judgement_g"] != "not assessed" and kpi["rating"] != "Not assessed", entry["id"]
        else:
            assert kpi["judgement_g"] == "not assessed", entry["id"]
    assert kpis.loc["D21", ["year_earlier", "england_mean_year_earlier"]].isna().all()  # no 2020/21 row
    for entry in mapping["unmapped"]:
        kpi = kpis.loc[entry["id"]]
        assert pd.isna(kpi["england_mean_year_earlier"]) and kpi["judgement_g"] == "not assessed", entry["id"]
        assert entry["reason"].strip()
    # Key trackers without G take no overall judgement; D06 and D20 are key targets, judged on T.
    assert kpis["judgement_g"].eq("not assessed").all()
    assert (kpis["rating"] == "Not assessed").sum() == 28


# The filling, on D21 a year on --------------------------------------------------------------------


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_a_year_on_d21_gets_lait_s_england_figure_and_g(script, tmp_path, parquet, crlf):
    folder = a_year_on(tmp_path, crlf=crlf)
    before, mode = (folder / "observations.csv").read_bytes(), (folder / "observations.csv").stat().st_mode
    assert run(script, folder) == 0
    after = (folder / "observations.csv").read_bytes()
    assert (folder / "observations.csv").stat().st_mode == mode  # its permissions are kept
    ending = b"\r\n" if crlf else b"\n"
    old, new = before.split(ending), after.split(ending)
    assert len(old) == len(new) and after.count(b"\r\n") == before.count(b"\r\n")
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert len(changed) == 1  # only D21's 2021/22 row
    assert changed[0][0] == b"D21,2022-08-31,2021/22,64.5,,,,,"
    table = observations(folder).set_index(["indicator_id", "period_label"])
    row = table.loc[("D21", "2021/22")]
    assert float(row["england_mean"]) == lait_figure(parquet, "FSP_NEW_GOODDEV", "2022", england=True) == 65.2
    assert row["note"] == "England figure 12 months earlier from the DfE's LAIT (measure FSP_NEW_GOODDEV, 2021/22)"
    # Again: nothing changes.
    assert run(script, folder) == 0 and (folder / "observations.csv").read_bytes() == after
    kpis = durham_kpis(folder)
    d21 = kpis.loc["D21"]
    assert (d21["current"], d21["year_earlier"], d21["england_mean"], d21["england_mean_year_earlier"]) == (66.2, 64.5, 67.2, 65.2)
    # D: 66.2 against 64.5 is better. G: 1.49% behind England now, 1.07% then: within 2%, the same.
    assert (d21["judgement_d"], d21["judgement_g"], d21["rating"]) == ("green", "same", "Amber")


@pytest.mark.parametrize(
    "replacement, left",
    [
        ("D21,2022-08-31,2021/22,64.5,,,64.5,64.1,\nD21,2023-08-31,2022/23,66.2,,,67.2,66.3,", "already has an England figure (64.5), as published"),
        ("D21,2023-08-31,2022/23,66.2,,,67.2,66.3,", "no row 12 months before 2022/23"),
        ("D21,2022-08-31,2021/22,64.5,,,,,\nD21,2023-08-31,2022/23,66.2,,,,66.3,", "would be carried forward"),
        ("D21,2021-08-31,2020/21,,,,,,\nD21,2022-08-31,2021/22,64.5,,,64.5,64.1,", "LAIT has no England figure for a period ending 31 August 2021"),
    ],
    ids=["published-figure-kept", "no-row-invented", "not-carried-forward", "no-lait-figure"],
)
def test_a_kpi_is_left_as_it_is_when_it_cannot_be_filled(script, tmp_path, capsys, replacement, left):
    folder = a_year_on(tmp_path, replacement)
    before = (folder / "observations.csv").read_bytes()
    assert run(script, folder) == 0
    assert (folder / "observations.csv").read_bytes() == before
    out = capsys.readouterr().out
    assert "D21 (FSP_NEW_GOODDEV): left: " in out and left in out


def test_check_says_a_run_would_change_the_file_and_writes_nothing(script, tmp_path):
    folder = a_year_on(tmp_path)
    before = (folder / "observations.csv").read_bytes()
    assert run(script, folder, "--check") == 1
    assert (folder / "observations.csv").read_bytes() == before


# england_series ----------------------------------------------------------------------------------


def test_england_series_is_lait_s_england_row(parquet):
    series = lait.england_series(SOURCE, ["FSP_NEW_GOODDEV", "SEN_EHC_All_20wks"])
    for code in ("FSP_NEW_GOODDEV", "SEN_EHC_All_20wks"):
        rows = parquet[(parquet["Short Desc"] == code) & (parquet["LA and Regions"] == ENGLAND)].dropna(subset=["figure"])
        mine = series[series["measure"] == code].set_index("year")["value"]
        assert mine.to_dict() == rows.set_index("Years")["figure"].to_dict(), code
    good_development = series[series["measure"] == "FSP_NEW_GOODDEV"].set_index("year")
    assert (str(good_development.loc["2022", "period_end"]), good_development.loc["2022", "period_label"]) == ("2022-08-31", "2021/22")


def test_england_series_never_uses_lait_s_wrong_first_time_entrants_series():
    with pytest.raises(lait.LaitImportError, match="FirstYJS.*sum of the nine regional rates"):
        lait.england_series(SOURCE, ["FirstYJS"])
