"""Durham's England figures 12 months earlier from the DfE's LAIT (scripts/durham_england_from_lait.py).

data/durham-cyp/lait-england.yaml maps a Durham KPI to a LAIT measure and year Y where the England
figure Durham printed on the KPI's current row is LAIT's England figure for that measure and year;
the script fills `england_mean` on the KPI's row 12 months earlier with LAIT's England figure for
Y-1, the same national figure a year before. Expected figures are read here straight from LAIT's
parquet with plain pandas, not with the project's code. The filling is checked on a private copy
of the dataset as published (the filled cells emptied again), and on copies with one thing changed.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
import yaml

import reporting
from reporting.data import lait
from reporting.measures.ratings.dtcg import DtcgSettings, dtcg_key
from support import PROJECT

SOURCE = PROJECT / "data" / "lait"
DATASET = PROJECT / "data" / "durham-cyp"
MAPPING = DATASET / "lait-england.yaml"
SCRIPT = PROJECT / "scripts" / "durham_england_from_lait.py"
ENGLAND, NORTH_EAST = "England", "North East"
# When a LAIT year ends (its label is the year ending); "Annual" measures are figures at 31 March.
YEAR_ENDS = {"Academic Year": (8, 31), "Financial Year": (3, 31), "Calendar Year": (12, 31), "Annual": (3, 31)}
MARKER = "England figure from the DfE's LAIT (measure "
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
# What Durham's key makes of the KPIs that now have England's figure 12 months earlier (Q2 2023/24):
# (D, G, overall). D08: 470 against 479 is better; 12.6% better than England now, 13.4% then: the same.
# D10: 80 against 83 is 3.6% worse; 3.6% behind England now, 1.8% then: the same. D13, D14, D30: worse
# than a year ago by more than 2%, and further behind England (30.2% against 24.7%; 67.1% against
# 56.5%; 100% against 53.4%).
JUDGED = {
    "D08": ("green", "same", "Amber"),
    "D10": ("red", "same", "Amber"),
    "D13": ("red", "deteriorating", "Red"),
    "D14": ("red", "deteriorating", "Red"),
    "D30": ("red", "deteriorating", "Red"),
}


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("durham_england_from_lait", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def parquet() -> pd.DataFrame:
    table = pd.read_parquet(SOURCE / "bds_long_0.parquet", columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number"])
    return table.assign(Years=table["Years"].astype(str), figure=pd.to_numeric(table["Values"], errors="coerce"))


@pytest.fixture(scope="module")
def dictionary() -> pd.DataFrame:
    table = pd.read_csv(SOURCE / "lait_data_dictionary.csv", dtype=str, keep_default_na=False)
    return table.drop_duplicates("Measure_short").set_index("Measure_short")


@pytest.fixture(scope="module")
def mapping() -> dict:
    return yaml.safe_load(MAPPING.read_text(encoding="utf-8"))


def lait_figure(parquet, code: str, year, area: str = ENGLAND) -> float:
    rows = parquet[(parquet["Short Desc"] == code) & (parquet["Years"] == str(year)) & (parquet["LA and Regions"] == area)]
    assert len(rows) == 1, (code, year, area)
    return float(rows["figure"].iloc[0])


def lait_end(dictionary, code: str, year) -> pd.Timestamp:
    month, day = YEAR_ENDS[dictionary.at[code, "Year_Type"]]
    return pd.Timestamp(int(year), month, day)


def rounds_to(value: float, printed: str) -> bool:
    """LAIT's figure rounded half up to the printed decimals (82.5 is printed 83) is the printed text."""
    shown = Decimal(printed)
    return Decimal(str(round(value, 9))).quantize(Decimal(1).scaleb(shown.as_tuple().exponent), ROUND_HALF_UP) == shown


def observations(folder=DATASET) -> pd.DataFrame:
    return pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)


def current_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Each KPI's latest row with a value."""
    return table[table["value"] != ""].sort_values("period_end").groupby("indicator_id").tail(1).set_index("indicator_id")


def durham_kpis(folder=DATASET) -> pd.DataFrame:
    params = reporting.load_params(PROJECT / "params" / "durham-cyp.yaml")
    dataset = reporting.load_dataset(folder)
    return reporting.build_kpis(dataset, params.default_quarter, params.scheme, committee=params.id,
                                indicators=params.indicators).set_index("indicator_id")


def as_published(tmp_path, crlf: bool = False):
    """A private copy of Durham's dataset as published: the filled cells (and their notes) empty again."""
    folder = tmp_path / "durham-cyp"
    shutil.copytree(DATASET, folder)
    lines = []
    for line in (DATASET / "observations.csv").read_text(encoding="utf-8").splitlines():
        if MARKER in line:
            cells = next(csv.reader([line]))
            assert cells[-1].startswith(MARKER)  # the note was empty before
            cells[-3] = cells[-1] = ""  # england_mean, note
            written = io.StringIO()
            csv.writer(written, lineterminator="").writerow(cells)
            line = written.getvalue()
        lines.append(line)
    text = "\n".join(lines) + "\n"
    (folder / "observations.csv").write_bytes((text.replace("\n", "\r\n") if crlf else text).encode("utf-8"))
    return folder


def edit(folder, old: str, new: str):
    path = folder / "observations.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def run(script, folder, *extra) -> int:
    return script.main(["--dataset", str(folder), "--source", str(SOURCE), *extra])


# The mapping -------------------------------------------------------------------------------------


def test_every_kpi_is_mapped_or_has_a_reason(mapping):
    catalogue = [entry["id"] for entry in yaml.safe_load((DATASET / "indicators.yaml").read_text(encoding="utf-8"))]
    mapped, unmapped = mapping["mapped"], mapping["unmapped"]
    ids = [entry["id"] for entry in mapped + unmapped]
    assert sorted(ids) == sorted(catalogue) == [f"D{i:02d}" for i in range(1, 32)]
    assert all(entry["code"] and isinstance(entry["england_year"], int) and len(entry["evidence"]) > 40 for entry in mapped)
    assert all(len(entry["reason"]) > 10 for entry in unmapped)
    assert "FirstYJS" not in {entry["code"] for entry in mapped}
    assert [entry["id"] for entry in mapped] == ["D08", "D10", "D13", "D14", "D17", "D30"]


def test_each_mapped_kpi_prints_lait_s_england_figure_for_its_year(mapping, parquet, dictionary):
    """(b) The England figure on the current row is LAIT's for the mapped measure and year Y, to the
    printed decimals, and Y ends no later than Durham's current period."""
    current = current_rows(observations())
    for entry in mapping["mapped"]:
        row = current.loc[entry["id"]]
        figure = lait_figure(parquet, entry["code"], entry["england_year"])
        assert row["england_mean"] and rounds_to(figure, row["england_mean"]), (entry["id"], figure, row["england_mean"])
        assert lait_end(dictionary, entry["code"], entry["england_year"]) <= pd.Timestamp(row["period_end"]), entry["id"]
        assert not np.isnan(lait_figure(parquet, entry["code"], entry["england_year"] - 1)), entry["id"]


def test_each_mapped_measure_is_the_kpi_s_quantity(mapping, dictionary):
    """The same unit: a rate per 10,000 for a rate per 10,000, a percentage for a percentage."""
    catalogue = {entry["id"]: entry for entry in yaml.safe_load((DATASET / "indicators.yaml").read_text(encoding="utf-8"))}
    for entry in mapping["mapped"]:
        kpi, axis = catalogue[entry["id"]], dictionary.at[entry["code"], "y_axis_name"]
        if kpi["unit"] == "rate":
            assert kpi["rate_base"] == 10000 and "rate per 10,000" in axis.casefold(), entry["id"]
        else:
            assert kpi["unit"] == "percent" and "%" in axis, entry["id"]
        assert f"measure {entry['code']}" in " ".join(kpi["sources"]) and OGL in kpi["sources"], entry["id"]


def test_the_year_chosen_where_two_years_print_the_same(parquet):
    """D13 and D14 print a figure two LAIT years share; the evidence for the year taken is in the figures."""
    # D13 (CPP_rate, 43): 2022 43.3 and 2023 42.7. D08 and D10, from the same census, are 2022/23 only.
    assert rounds_to(lait_figure(parquet, "CPP_rate", 2022), "43") and rounds_to(lait_figure(parquet, "CPP_rate", 2023), "43")
    assert [y for y in range(2016, 2026) if rounds_to(lait_figure(parquet, "CPP_Total_Rateper10,000", y), "538")] == [2023]
    # D14 (LAC, 70): 2022 and 2023. D17's England 7 and North East 2, from the same release, are 2022 only.
    assert lait_figure(parquet, "LAC", 2022) == lait_figure(parquet, "LAC", 2023) == 70
    assert (lait_figure(parquet, "Unacc_Asylmn_Seek_Childn%", 2022), lait_figure(parquet, "Unacc_Asylmn_Seek_Childn%", 2022, NORTH_EAST)) == (7, 2)
    assert (lait_figure(parquet, "Unacc_Asylmn_Seek_Childn%", 2023), lait_figure(parquet, "Unacc_Asylmn_Seek_Childn%", 2023, NORTH_EAST)) == (9, 4)


def test_figures_that_are_not_the_same_national_figure_are_not_mapped(mapping, parquet):
    unmapped = {entry["id"]: entry["reason"] for entry in mapping["unmapped"]}
    # D21: Durham printed its own 64.5 as England's; LAIT's England figure for 2021/22 is 65.2.
    assert lait_figure(parquet, "FSP_NEW_GOODDEV", 2022) == 65.2 and "65.2" in unmapped["D21"]
    # D09: ReReferral is 22.4 for 2022/23 and 21.5 for 2021/22, printed 22 both (half up, as D10's 82.5 is 83).
    assert not any(rounds_to(lait_figure(parquet, "ReReferral", y), "21") for y in (2022, 2023))
    assert rounds_to(lait_figure(parquet, "Continue_Assess_Comp", 2023), "83")
    # D18: Work_Force_Vac_Rate rounds to 17 in five scattered years, but not for September 2022 or 2023
    # (20.0 and 18.9), though Durham's own September 2023 figure, 14, is LAIT's.
    years = [y for y in range(2016, 2026) if rounds_to(lait_figure(parquet, "Work_Force_Vac_Rate", y), "17")]
    assert years == [2016, 2017, 2018, 2021, 2024] and "D18" in unmapped
    assert lait_figure(parquet, "Work_Force_Vac_Rate", 2023, "Durham") == 14
    # D11 and D15: LAIT's children in need rate and children looked after count are not the printed figures.
    assert not any(rounds_to(lait_figure(parquet, "CIN", y), "343") for y in range(2016, 2026))
    assert not any(rounds_to(lait_figure(parquet, "LACnum", y), "82170") for y in range(2016, 2026))


# Durham's data as committed ----------------------------------------------------------------------


def test_every_filled_england_figure_is_lait_s_for_the_year_before(mapping, parquet, dictionary):
    """(a) An england_mean the script filled is LAIT's England figure for the mapped measure and Y-1,
    on the row 12 months before the current row, with its source and the licence line in `note`."""
    entries = {entry["id"]: entry for entry in mapping["mapped"]}
    table = observations()
    current = current_rows(table)
    filled = table[table["note"].str.contains(MARKER, regex=False)]
    assert sorted(filled["indicator_id"]) == sorted(entries)  # every mapped KPI has its figure
    for row in filled.itertuples():
        code, year = entries[row.indicator_id]["code"], entries[row.indicator_id]["england_year"] - 1
        assert float(row.england_mean) == lait_figure(parquet, code, year), row.indicator_id
        end = lait_end(dictionary, code, year)
        assert row.note.startswith(f"{MARKER}{code}, year {year}, ending {end.day} {end:%B %Y}): "
                                   "the national figure a year before the one Durham printed for "), row.indicator_id
        assert row.note.endswith(OGL)
        wanted = pd.Timestamp(current.loc[row.indicator_id, "period_end"]) - pd.DateOffset(years=1)
        assert abs(pd.Timestamp(row.period_end) - wanted) <= pd.Timedelta(days=16), row.indicator_id


def test_the_figures_filled():
    table = observations().set_index(["indicator_id", "period_end"])
    filled = {ident: table.loc[(ident, end), "england_mean"] for ident, end in table.index if MARKER in table.loc[(ident, end), "note"]}
    assert filled == {"D08": "552.8", "D10": "84.5", "D13": "43.3", "D14": "69", "D17": "5", "D30": "57.9"}


def test_a_rerun_changes_nothing(script, tmp_path, capsys):
    """(c) A run on a copy of the dataset changes nothing, byte for byte; --check agrees."""
    folder = tmp_path / "durham-cyp"
    shutil.copytree(DATASET, folder)
    assert run(script, folder) == 0
    assert (folder / "observations.csv").read_bytes() == (DATASET / "observations.csv").read_bytes()
    assert run(script, DATASET, "--check") == 0
    assert "0 filled, 6 already filled, 0 left; observations.csv unchanged." in capsys.readouterr().out


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_from_the_published_tables_only_the_filled_cells_change(script, tmp_path, crlf):
    folder = as_published(tmp_path, crlf=crlf)
    path = folder / "observations.csv"
    before, mode = path.read_bytes(), path.stat().st_mode
    assert run(script, folder) == 0
    after = path.read_bytes()
    assert path.stat().st_mode == mode  # its permissions are kept
    assert after.replace(b"\r\n", b"\n") == (DATASET / "observations.csv").read_bytes()
    ending = b"\r\n" if crlf else b"\n"
    old, new = before.split(ending), after.split(ending)
    assert len(old) == len(new) and after.count(b"\r\n") == before.count(b"\r\n")
    changed = [(next(csv.reader([a.decode()])), next(csv.reader([b.decode()]))) for a, b in zip(old, new) if a != b]
    assert len(changed) == 6
    for a, b in changed:  # england_mean and note only
        assert [x for i, x in enumerate(a) if i not in (6, 8)] == [x for i, x in enumerate(b) if i not in (6, 8)]
        assert a[6] == a[8] == "" and b[6] and b[8].startswith(MARKER)
    assert run(script, folder) == 0 and path.read_bytes() == after  # and again: nothing


def test_durham_g_and_overall_are_judged_where_lait_gives_the_national_figure_a_year_before(mapping):
    """(d) Mapped KPIs with a direction get G and an overall judgement from all four figures; the
    others are still not assessed: the mapping says why, and the report's key says what it means."""
    kpis = durham_kpis()
    figures = ["current", "year_earlier", "england_mean", "england_mean_year_earlier"]
    for entry in mapping["mapped"]:
        kpi = kpis.loc[entry["id"]]
        assert kpi[figures].notna().all(), entry["id"]
        if kpi["direction"] == "none":  # D17, a share with no better side: no G
            assert entry["id"] == "D17" and kpi["judgement_g"] == "not assessed" and kpi["rating"] == "Not assessed"
            continue
        assert (kpi["judgement_d"], kpi["judgement_g"], kpi["rating"]) == JUDGED[entry["id"]], entry["id"]
    for entry in mapping["unmapped"]:
        kpi = kpis.loc[entry["id"]]
        assert pd.isna(kpi["england_mean_year_earlier"]) and kpi["judgement_g"] == "not assessed", entry["id"]
        if kpi["kind"] == "key_tracker":  # a key target (D04, D05, D06, D20) takes T instead
            assert kpi["rating"] == "Not assessed", entry["id"]
    assert (kpis["judgement_g"] != "not assessed").sum() == 5
    assert (kpis["rating"] == "Not assessed").sum() == 23
    key = dict(dtcg_key(DtcgSettings()))
    assert key["Not assessed"].startswith("An input is missing (e.g. no figure 12 months earlier")


# The script leaves what it cannot fill -----------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, left",
    [
        ("D08,2022-09-30,Sep 2022,479,,,,,", "D08,2022-09-30,Sep 2022,479,,,540,,",
         "D08 (CPP_Total_Rateper10,000): left: Sep 2022 already has an England figure (540), as published"),
        ("D08,2022-09-30,Sep 2022,479,,,,,\n", "",
         "D08 (CPP_Total_Rateper10,000): left: no row 12 months before Sep 2023"),
        ("D08,2023-09-30,Sep 2023,470,,,538,644,", "D08,2023-03-31,Mar 2023,475,,,,,\nD08,2023-09-30,Sep 2023,470,,,538,644,",
         "D08 (CPP_Total_Rateper10,000): left: Mar 2023 has no England figure, so a figure for Sep 2022 would be carried forward"),
        ("D08,2023-09-30,Sep 2023,470,,,538,644,", "D08,2023-09-30,Sep 2023,470,,,553,644,",
         "D08 (CPP_Total_Rateper10,000): left: the England figure printed for Sep 2023 (553) is not LAIT's 2023 figure (538.1)"),
        ("D08,2023-09-30,Sep 2023,470,,,538,644,", "D08,2023-09-30,Sep 2023,470,,,538.0,644,",
         "is not LAIT's 2023 figure (538.1)"),
    ],
    ids=["published-figure-kept", "no-row-invented", "not-carried-forward", "not-the-printed-figure", "printed-decimals"],
)
def test_a_kpi_is_left_as_it_is_when_it_cannot_be_filled(script, tmp_path, capsys, old, new, left):
    folder = as_published(tmp_path)
    edit(folder, old, new)
    before = (folder / "observations.csv").read_text(encoding="utf-8")
    assert run(script, folder) == 0
    after = (folder / "observations.csv").read_text(encoding="utf-8")
    assert [line for line in after.splitlines() if line.startswith("D08,")] == [line for line in before.splitlines() if line.startswith("D08,")]
    assert after.count(MARKER) == 5  # the other five are filled
    assert left in capsys.readouterr().out


def test_no_figure_is_filled_where_lait_has_none_for_the_year_before(script, tmp_path, capsys):
    """D21 mapped, in a copy, to a printed figure that is LAIT's 2021/22 one: LAIT has no 2020/21 figure."""
    folder = as_published(tmp_path)
    edit(folder, "D21,2022-08-31,2021/22,64.5,,,64.5,64.1,", "D21,2021-08-31,2020/21,63,,,,,\nD21,2022-08-31,2021/22,64.5,,,65.2,64.1,")
    table = yaml.safe_load((folder / "lait-england.yaml").read_text(encoding="utf-8"))
    table["unmapped"] = [entry for entry in table["unmapped"] if entry["id"] != "D21"]
    table["mapped"].append({"id": "D21", "code": "FSP_NEW_GOODDEV", "england_year": 2022, "evidence": "a test copy"})
    (folder / "lait-england.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")
    before = (folder / "observations.csv").read_text(encoding="utf-8")
    assert run(script, folder) == 0
    assert "D21,2021-08-31,2020/21,63,,,,," in (folder / "observations.csv").read_text(encoding="utf-8")
    assert "D21 (FSP_NEW_GOODDEV): left: LAIT has no England figure for 2021, the year before 2022 (2020/21)" in capsys.readouterr().out


def test_the_published_d21_is_refused_as_not_lait_s_figure(script, tmp_path, capsys):
    folder = as_published(tmp_path)
    table = yaml.safe_load((folder / "lait-england.yaml").read_text(encoding="utf-8"))
    table["unmapped"] = [entry for entry in table["unmapped"] if entry["id"] != "D21"]
    table["mapped"].append({"id": "D21", "code": "FSP_NEW_GOODDEV", "england_year": 2022, "evidence": "a test copy"})
    (folder / "lait-england.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")
    assert run(script, folder) == 0
    assert ("D21 (FSP_NEW_GOODDEV): left: the England figure printed for 2021/22 (64.5) is not LAIT's 2022 figure (65.2)"
            in capsys.readouterr().out)


def test_a_figure_filled_earlier_that_is_no_longer_lait_s_is_reported(script, tmp_path, capsys):
    folder = tmp_path / "durham-cyp"
    shutil.copytree(DATASET, folder)
    edit(folder, "D08,2022-09-30,Sep 2022,479,,,552.8,", "D08,2022-09-30,Sep 2022,479,,,550,")
    before = (folder / "observations.csv").read_bytes()
    assert run(script, folder) == 0 and (folder / "observations.csv").read_bytes() == before
    assert "not LAIT's 2022 figure: clear the cell and its note, and run again" in capsys.readouterr().out


def test_check_says_a_run_would_change_the_file_and_writes_nothing(script, tmp_path):
    folder = as_published(tmp_path)
    before = (folder / "observations.csv").read_bytes()
    assert run(script, folder, "--check") == 1
    assert (folder / "observations.csv").read_bytes() == before


# england_series ----------------------------------------------------------------------------------


def test_england_series_is_lait_s_england_row(parquet):
    codes = ["FSP_NEW_GOODDEV", "SEN_EHC_All_20wks", "LAC", "CPP_Total_Rateper10,000"]
    series = lait.england_series(SOURCE, codes)
    for code in codes:
        rows = parquet[(parquet["Short Desc"] == code) & (parquet["LA and Regions"] == ENGLAND)].dropna(subset=["figure"])
        mine = series[series["measure"] == code].set_index("year")["value"]
        assert mine.to_dict() == rows.set_index("Years")["figure"].to_dict(), code
    by_year = series.set_index(["measure", "year"])
    assert (str(by_year.loc[("FSP_NEW_GOODDEV", "2022"), "period_end"]), by_year.loc[("FSP_NEW_GOODDEV", "2022"), "period_label"]) == ("2022-08-31", "2021/22")
    assert str(by_year.loc[("LAC", "2022"), "period_end"]) == "2022-03-31"  # an "Annual" measure: at 31 March


def test_england_series_never_uses_lait_s_wrong_first_time_entrants_series():
    with pytest.raises(lait.LaitImportError, match="FirstYJS.*sum of the nine regional rates"):
        lait.england_series(SOURCE, ["FirstYJS"])
