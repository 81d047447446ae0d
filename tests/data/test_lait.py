"""`reporting import lait`: a council's dataset from the DfE's LAIT files, checked against the parquet itself.

The expected figures are computed here straight from LAIT's long parquet with plain pandas (the
council's row, England's, its region's, and the mean of its ten statistical neighbours from the
model's spreadsheet), not with the importer's code, for five measures of two councils: Leeds
(Yorkshire and The Humber) and Barnet (a London borough, whose region is London).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
import yaml

from reporting.cli import main
from reporting.data import lait
from reporting.data.dataset import load_dataset
from support import PROJECT

SOURCE = PROJECT / "data" / "lait"
MEASURES = PROJECT / "params" / "lait" / "childrens-services.yaml"
CHECKED = ["ReReferral", "CPP_Abuse_Rate", "FSP_NEW_GOODDEV", "SEN_EHC_All_20wks", "CareLeaverEET"]


@pytest.fixture(scope="module")
def parquet() -> pd.DataFrame:
    return pd.read_parquet(SOURCE / "bds_long_0.parquet")


@pytest.fixture(scope="module")
def model() -> pd.DataFrame:
    """The neighbour model as the spreadsheet shows it: LA number in column A, SN1..SN10 in F, H, J, ..., X."""
    sheet = pd.read_excel(SOURCE / "sn_may_2025.xlsx", header=None, skiprows=3)
    return sheet.set_index(0)


def import_to(tmp_path, council: str, measures=None) -> tuple[list[dict], pd.DataFrame]:
    measures_file = MEASURES
    if measures is not None:
        measures_file = tmp_path / "measures.yaml"
        measures_file.write_text(yaml.safe_dump({"measures": measures}))
    folder = tmp_path / council.replace(" ", "-")
    lait.import_lait(SOURCE, measures_file, council, folder)
    catalogue = yaml.safe_load((folder / "indicators.yaml").read_text(encoding="utf-8"))
    return catalogue, pd.read_csv(folder / "observations.csv", dtype={"indicator_id": str, "note": str})


@pytest.mark.parametrize("council, number, region", [("Leeds", 383, "Yorkshire and the Humber"), ("Barnet", 302, "London")])
def test_figures_match_the_parquet(tmp_path, parquet, model, council, number, region):
    _, table = import_to(tmp_path, council, CHECKED)
    neighbours = [int(model.loc[number, column]) for column in range(5, 25, 2)]
    assert len(neighbours) == 10
    checked = 0
    for code in CHECKED:
        rows = parquet[parquet["Short Desc"] == code]
        number_of = lambda area: pd.to_numeric(rows[rows["LA and Regions"] == area].set_index("Years")["Values"], errors="coerce")  # noqa: E731
        own = pd.to_numeric(rows[rows["LA Number"] == number].set_index("Years")["Values"], errors="coerce")
        england, regional = number_of("England"), number_of(region)
        by_neighbour = rows[rows["LA Number"].isin(neighbours)].assign(v=lambda f: pd.to_numeric(f["Values"], errors="coerce"))
        neighbour_mean = by_neighbour.groupby("Years")["v"].mean()
        imported = table[table["indicator_id"] == code].set_index("period_label")
        assert len(imported) == len(own), code
        for year, value in own.items():
            label = year if code == "SEN_EHC_All_20wks" else f"{int(year) - 1}/{int(year) % 100:02d}"
            row = imported.loc[label]
            assert row["value"] == pytest.approx(value, abs=1e-9, nan_ok=True), (code, year)
            assert row["england_mean"] == pytest.approx(england.get(year), nan_ok=True), (code, year)
            assert row["regional_mean"] == pytest.approx(regional.get(year), nan_ok=True), (code, year)
            assert row["stat_neighbour_mean"] == pytest.approx(neighbour_mean.get(year), abs=1e-4, nan_ok=True), (code, year)
            checked += pd.notna(value)
    assert checked >= 35


@pytest.mark.parametrize("council, number", [("Leeds", 383), ("Barnet", 302)])
def test_ranks_and_quartile_bands_match_the_parquet(tmp_path, parquet, model, council, number):
    """kpis.csv's ranks and bands, against LAIT's rules applied here to the parquet's latest year: rank 1
    the best by polarity (ties share the better rank), bands from numpy's quartiles of every council's
    figure with A the best quarter, and the rank among the council and its ten neighbours."""
    import numpy as np

    from reporting import build_kpis

    import_to(tmp_path, council, CHECKED)
    dataset = load_dataset(tmp_path / council, tmp_path)
    kpis = build_kpis(dataset, "2025-26-Q2").set_index("indicator_id")
    polarity = pd.read_csv(SOURCE / "lait_data_dictionary.csv", dtype=str).drop_duplicates("Measure_short").set_index("Measure_short")["Polarity"]
    neighbours = {int(model.loc[number, column]) for column in range(5, 25, 2)}
    checked = 0
    for code in CHECKED:
        kpi = kpis.loc[code]
        year = str(kpi["period_end"].year)  # the LAIT year label is the year the period ends in
        rows = parquet[(parquet["Short Desc"] == code) & (parquet["Years"] == year) & (parquet["LA Number"] < 970)]
        values = pd.to_numeric(rows.set_index("LA Number")["Values"], errors="coerce").dropna()
        own = values[number]
        assert kpi["current"] == pytest.approx(own)
        better = (values > own) if polarity[code] == "High" else (values < own)
        local = values[values.index.isin(neighbours | {number})]
        local_better = (local > own) if polarity[code] == "High" else (local < own)
        q1, q2, q3 = np.percentile(values, [25, 50, 75])
        step = int(own > q1) + int(own > q2) + int(own > q3)
        band = ("DCBA" if polarity[code] == "High" else "ABCD")[step]
        assert (kpi["national_rank"], kpi["national_count"]) == (better.sum() + 1, len(values)), code
        assert (kpi["neighbour_rank"], kpi["neighbour_count"]) == (local_better.sum() + 1, len(local)), code
        assert kpi["quartile_band"] == band, code
        checked += 1
    assert checked == 5


def test_period_ends_follow_the_year_type():
    assert lait.period("Financial Year", "2025") == (dt.date(2025, 3, 31), "2024/25")
    assert lait.period("Academic Year", "2025") == (dt.date(2025, 8, 31), "2024/25")
    assert lait.period("Calendar Year", "2024") == (dt.date(2024, 12, 31), "2024")
    assert lait.period("Financial Year", "2000") == (dt.date(2000, 3, 31), "1999/00")
    assert lait.period("Annual", "2023") == (dt.date(2023, 3, 31), "2022/23")  # CIN, CPP_rate, LAC...: at 31 March


def test_the_catalogue_comes_from_the_dictionary_with_the_licence_line(tmp_path):
    catalogue, _ = import_to(tmp_path, "Leeds", CHECKED)
    entries = {entry["id"]: entry for entry in catalogue}
    assert list(entries) == CHECKED
    assert entries["ReReferral"]["direction"] == "lower" and entries["ReReferral"]["unit"] == "percent"
    assert entries["CPP_Abuse_Rate"]["unit"] == "rate" and entries["CPP_Abuse_Rate"]["rate_base"] == 10000
    assert entries["FSP_NEW_GOODDEV"]["frequency"] == "academic_year" and entries["ReReferral"]["frequency"] == "annual"
    assert all(entry["status"] == "baseline" for entry in catalogue)  # no targets in LAIT
    assert all(lait.OGL in entry["sources"] for entry in catalogue)  # so every published card carries it
    header = (tmp_path / "Leeds" / "indicators.yaml").read_text(encoding="utf-8")
    readme = (tmp_path / "Leeds" / "README.md").read_text(encoding="utf-8")
    for text in (header, readme):
        assert "Contains public sector information licensed under the Open Government Licence v3.0." in text
    assert "31 August" in readme and "31 March" in readme and "unweighted mean" in readme
    dataset = load_dataset(tmp_path / "Leeds")  # the contract's own checks pass
    assert len(dataset.observations) > 40


def test_a_target_in_the_measures_file_is_rated_against(tmp_path):
    catalogue, table = import_to(tmp_path, "Leeds", [{"code": "ReReferral", "target": 21.5}, "CareLeaverEET"])
    assert [entry["status"] for entry in catalogue] == ["target", "baseline"]
    assert set(table.loc[table["indicator_id"] == "ReReferral", "target"]) == {21.5}


def test_suppressed_values_are_missing_with_the_code_in_the_note(tmp_path, parquet):
    """LAIT's file marks missing figures with `-`; its other codes (c, x, z, low, ..) are kept the same way."""
    dashes = parquet[(parquet["Values"] == "-") & (parquet["Short Desc"] == "CareLeaverEET") & (parquet["LA Number"] < 900)]
    example = dashes.iloc[0]
    _, table = import_to(tmp_path, example["LA and Regions"], ["CareLeaverEET"])
    row = table[table["period_end"] == f"{example['Years']}-03-31"].iloc[0]
    assert pd.isna(row["value"]) and "no figure published (LAIT code -)" in row["note"]
    # The same file with other codes in Leeds's re-referral rates, as the DfE's releases use them.
    source = tmp_path / "coded"
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns("*.parquet"))
    leeds = parquet[parquet["Short Desc"] == "ReReferral"].copy()
    years = sorted(leeds["Years"].unique())[:4]
    for year, code in zip(years, ["c", "x", "low", ".."]):
        leeds.loc[(leeds["LA and Regions"] == "Leeds") & (leeds["Years"] == year), "Values"] = code
    leeds.to_parquet(source / "bds_long_0.parquet")
    measures = tmp_path / "one.yaml"
    measures.write_text("measures: [ReReferral]\n")
    lait.import_lait(source, measures, "Leeds", tmp_path / "coded-out")
    coded = pd.read_csv(tmp_path / "coded-out" / "observations.csv", dtype={"note": str}).set_index("period_label")
    for year, code in zip(years, ["c", "x", "low", ".."]):
        label = f"{int(year) - 1}/{int(year) % 100:02d}"
        assert pd.isna(coded.at[label, "value"]) and f"LAIT code {code})" in coded.at[label, "note"], label
        assert pd.notna(coded.at[label, "england_mean"])


def test_the_wrong_england_series_is_left_out(tmp_path):
    _, table = import_to(tmp_path, "Leeds", ["FirstYJS"])
    assert table["england_mean"].isna().all() and table["note"].str.contains("England figure left out").all()


@pytest.mark.parametrize("council, measures, expected", [
    ("Leads", None, "Did you mean 'Leeds'?"),
    ("Leeds", ["NoSuchMeasure"], "no measure 'NoSuchMeasure'"),
    ("Leeds", ["ReReferral", "ReReferral"], "listed twice"),
    ("Leeds", [{"code": "ReReferral", "target": "high"}], "target: 'high': expected a number"),
    ("Leeds", [], "expected `measures:`"),
    ("Leeds", ['=HYPERLINK("http://example.org")'], "cannot start with = + - @"),
])
def test_bad_requests_say_what_to_do(tmp_path, capsys, council, measures, expected):
    measures_file = tmp_path / "measures.yaml"
    measures_file.write_text(yaml.safe_dump({"measures": measures}) if measures is not None else MEASURES.read_text())
    code = main(["import", "lait", "--source", str(SOURCE), "--measures", str(measures_file), "--council", council,
                 "--dataset", str(tmp_path / "out")])
    assert code == 1 and expected in capsys.readouterr().err
    assert not (tmp_path / "out" / "observations.csv").exists()


def test_existing_files_are_kept_without_force(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "observations.csv").write_text("kept\n")
    arguments = ["import", "lait", "--source", str(SOURCE), "--measures", str(MEASURES), "--council", "383", "--dataset", str(folder)]
    assert main(arguments) == 1 and "use --force" in capsys.readouterr().err
    assert (folder / "observations.csv").read_text() == "kept\n"
    assert main([*arguments, "--force"]) == 0
    assert (folder / "observations.csv").read_text().startswith("indicator_id,period_end")
    assert not list(folder.glob(".*importing"))


def test_the_sample_dataset_is_what_the_import_writes(tmp_path):
    """data/leeds-lait is the import's output as committed: importing again changes nothing."""
    shutil.copy(MEASURES, tmp_path / MEASURES.name)
    lait.import_lait(SOURCE, tmp_path / MEASURES.name, "Leeds", tmp_path / "leeds-lait", committee="leeds-lait")
    for name in ("indicators.yaml", "observations.csv", "README.md", "benchmarks.yaml", "national.csv"):
        assert (tmp_path / "leeds-lait" / name).read_bytes() == (PROJECT / "data" / "leeds-lait" / name).read_bytes(), name


@pytest.mark.e2e
def test_the_sample_lait_committee_publishes_its_benchmarks_and_the_licence_line(tmp_path):
    """leeds-lait as a reader sees it: each card's figure, benchmarks and the Open Government Licence line."""
    import html
    import subprocess

    from reporting import run_committee
    from support import copy_project

    project = copy_project(tmp_path / "project")
    result = run_committee("leeds-lait", None, project, renderer="builtin", produced="2026-01-15")
    folder = project / "outputs" / "2025-26-Q2" / "leeds-lait"
    assert result.output_dir == folder
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    observations = pd.read_csv(project / "data" / "leeds-lait" / "observations.csv")
    latest = observations[observations["indicator_id"] == "ReReferral"].iloc[-1]
    assert (latest["period_label"], latest["value"], latest["england_mean"]) == ("2024/25", 24.2, 22.6)
    for shown in ("24.2%", "22.6%", f"{latest['stat_neighbour_mean']:.1f}%", f"{latest['regional_mean']:.1f}%"):
        assert shown in page, shown
    assert page.count(lait.OGL) == 24  # one a card
    kpis = pd.read_csv(folder / "kpis.csv")
    assert len(kpis) == 24 and set(kpis["rating"]) == {"Baseline"}
    # Every card ranks the council and shows its benchmark chart, whose alt text states its position.
    from reporting.measures.benchmarks import ordinal

    assert page.count('class="chart chart-benchmark"') == 24
    for kpi in kpis.itertuples():
        assert f"{ordinal(kpi.national_rank)} of {kpi.national_count}" in page, kpi.indicator_id
        assert f"ranks {ordinal(kpi.neighbour_rank)} of {kpi.neighbour_count} among itself and its neighbours" in page
    assert "Leeds (this council)" in page and "quartile band D" in page
    text = subprocess.run(["pdftotext", str(folder / "report.pdf"), "-"], capture_output=True, text=True).stdout
    if text:  # poppler-utils installed
        assert "Open Government Licence v3.0" in " ".join(text.split())


def test_hostile_dictionary_text_reaches_the_catalogue_as_text_and_bad_links_are_left_out(tmp_path):
    """LAIT's dictionary is outside text: a title, description or owner with markup or a formula is written as
    YAML text (escaped where it is published), and an address the catalogue would refuse is not made a link."""
    source = tmp_path / "hostile"
    shutil.copytree(SOURCE, source)
    dictionary = pd.read_csv(source / "lait_data_dictionary.csv", dtype=str, keep_default_na=False)
    row = dictionary.index[dictionary["Measure_short"] == "ReReferral"][0]
    title = '<script>alert(1)</script> {{< include /etc/passwd >}} #image("/etc/passwd")'
    dictionary.loc[row, "Chart_title"] = title
    dictionary.loc[row, "Description"] = "[click](javascript:alert(1)) <iframe src=x></iframe>"
    dictionary.loc[row, "Data Owner (DO) /Supplier and Contact Details"] = '=HYPERLINK("http://evil.example")'
    dictionary.loc[row, "Hyperlink(s)"] = 'https://evil.example/"onmouseover="alert(1) https://example.org/ok.'
    dictionary.to_csv(source / "lait_data_dictionary.csv", index=False)
    measures = tmp_path / "one.yaml"
    measures.write_text("measures: [ReReferral]\n")
    lait.import_lait(source, measures, "Leeds", tmp_path / "out")
    (entry,) = yaml.safe_load((tmp_path / "out" / "indicators.yaml").read_text(encoding="utf-8"))
    assert entry["title"] == title and entry["description"].startswith("[click](javascript:")
    assert [link["url"] for link in entry["links"]][1:] == ["https://example.org/ok"]
    load_dataset(tmp_path / "out")  # the catalogue's own checks accept what the import wrote
