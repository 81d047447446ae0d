"""Statistical process control as a reader of the reports sees it: the synthetic SPC committee shows
every kind of XmR result beside its rating, and the real committees say why they have no limits.

The synthetic-spc committee is run once for the module in a private copy of the project; the other
checks use the data and params in place (read only) or temporary files.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pikepdf
import pytest
from bs4 import BeautifulSoup

import reporting
from reporting.document.markdown_html import markdown_to_html
from reporting import DataValidationError, ParamsError, format_value
from reporting.publish.pdfcheck import check_pdf, figures, structure_tree
from reporting.measures.spc import (
    COMMON, CONCERNING, FAILING, HIT_AND_MISS, IMPROVING, NO_DIRECTION, NOT_ASSESSED, PASSING, RULES,
)

from support import copy_project
from support import PROJECT

COMMITTEE = "synthetic-spc"
QUARTER = "2023-24-Q4"
SYNTHETIC = PROJECT / "data" / "synthetic-spc"

# As data/synthetic-spc/README.md designs it: id -> (rating, variation, assurance).
DESIGNED = {
    "SP01": ("Amber", CONCERNING, HIT_AND_MISS),
    "SP02": ("Blue", CONCERNING, PASSING),
    "SP03": ("Blue", IMPROVING, HIT_AND_MISS),
    "SP04": ("Green", IMPROVING, HIT_AND_MISS),
    "SP05": ("Green", COMMON, HIT_AND_MISS),
    "SP06": ("Red", COMMON, FAILING),
    "SP07": ("Red", COMMON, HIT_AND_MISS),
    "SP08": ("Contextual", COMMON, NO_DIRECTION),
    "SP09": ("Blue", COMMON, PASSING),
    "SP10": ("Green", COMMON, HIT_AND_MISS),
    "SP11": ("Amber", NOT_ASSESSED, NOT_ASSESSED),
}
SPC_COLUMNS = ["variation", "assurance", "spc_points", "mean", "lower_limit", "upper_limit"]


# Shared inputs -------------------------------------------------------------------------------


def synthetic_inputs(project: Path = PROJECT):
    """The synthetic committee's params, dataset and KPIs as at 2023-24-Q4, as the report notebook builds them."""
    params = reporting.load_params(project / "params" / f"{COMMITTEE}.yaml")
    dataset = reporting.load_dataset(params.dataset)
    kpis = reporting.build_kpis(dataset, QUARTER, params.scheme, params.id, params.indicators, params.trend_points, params.spc)
    return params, dataset, kpis


@pytest.fixture(scope="module")
def built():
    return synthetic_inputs()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("spc-project"))


@pytest.fixture(scope="module")
def published(project) -> Path:
    """The output folder of one synthetic-spc run at its default quarter (2023-24-Q4)."""
    result = reporting.run_committee(COMMITTEE, None, project, renderer="builtin", produced="2024-04-15")
    assert result.quarter == QUARTER
    return result.output_dir


@pytest.fixture(scope="module")
def kpis_csv(published) -> pd.DataFrame:
    kpis = pd.read_csv(published / "kpis.csv", dtype={"indicator_id": str})
    kpis[["spc_disagreement", "spc_note", "spc_latest_rules"]] = kpis[["spc_disagreement", "spc_note", "spc_latest_rules"]].fillna("")
    return kpis.set_index("indicator_id", drop=False)


@pytest.fixture(scope="module")
def report(published) -> BeautifulSoup:
    return BeautifulSoup((published / "report.html").read_text(encoding="utf-8"), "html.parser")


def words(element) -> str:
    return " ".join(element.get_text(" ").split())


def card(soup: BeautifulSoup, indicator: str) -> BeautifulSoup:
    """The elements of one KPI card: from its heading up to the next <h2>, as their own document."""
    heading = soup.find("h2", id=f"kpi-{indicator}")
    assert heading is not None, f"no card for {indicator}"
    parts = []
    for sibling in heading.next_siblings:
        if getattr(sibling, "name", None) == "h2":
            break
        parts.append(str(sibling))
    return BeautifulSoup("".join(parts), "html.parser")


def table_rows(table) -> tuple[list[str], list[list[str]]]:
    """A table's header cells and each body row's cells (row headers included), as text."""
    header = [words(th) for th in table.find("thead").find_all("th")]
    rows = [[words(c) for c in tr.find_all(["th", "td"])] for tr in table.find("tbody").find_all("tr")]
    return header, rows


def with_labels(points: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """SPC points with each observation's period label, for matching the report's tables."""
    labels = observations[["indicator_id", "period_end", "period_label"]]
    return points.merge(labels, on=["indicator_id", "period_end"], how="left", validate="one_to_one")


# 1. The data exercises every rule and outcome ---------------------------------------------


def test_synthetic_data_fires_every_rule_and_has_a_rebased_indicator(built):
    params, dataset, kpis = built
    points = reporting.spc_points(dataset.observations, QUARTER, kpis, params.spc)
    assert set(points["indicator_id"]) == set(DESIGNED)
    for rule in RULES:
        fired = points.loc[points[f"rule_{rule}"] != 0, "indicator_id"]
        assert not fired.empty, f"rule {rule} never fires in data/synthetic-spc"
    rebased = set(points.loc[points["segment"] > 0, "indicator_id"])
    assert rebased == {"SP05"}
    sp05 = points[points["indicator_id"] == "SP05"]
    assert sp05.loc[sp05["segment"] > 0, "period_end"].min() == pd.Timestamp("2022-10-31")
    assert sp05.groupby("segment")["mean"].nunique().tolist() == [1, 1]
    assert sp05["mean"].nunique() == 2  # each segment has its own mean


def test_synthetic_kpis_give_every_outcome_the_readme_designs(built):
    _, dataset, kpis = built
    by_id = kpis.set_index("indicator_id")
    got = {i: (r.rating, r.variation, r.assurance) for i, r in by_id.iterrows()}
    assert got == DESIGNED
    assurances = set(kpis["assurance"])
    assert {PASSING, FAILING, HIT_AND_MISS, NO_DIRECTION, NOT_ASSESSED} <= assurances
    assert by_id.loc["SP08", "direction"] == "none" and by_id.loc["SP08", "assurance"] == NO_DIRECTION
    provisional = kpis[kpis["spc_provisional"]]
    assert list(provisional["indicator_id"]) == ["SP10"]
    assert all(6 <= n <= 11 for n in provisional["spc_points"])
    short = kpis[kpis["variation"] == NOT_ASSESSED]
    assert list(short["indicator_id"]) == ["SP11"]
    assert all(n < 6 for n in short["spc_points"]) and short["mean"].isna().all()
    assert list(kpis.loc[kpis["spc_rebased"], "indicator_id"]) == ["SP05"]
    for title in list(dataset.catalogue["title"]) + list(kpis["title"]):
        assert "(synthetic)" in title, title


# 2. The generator is deterministic and its output is what is committed -------------------


def run_generator(folder: Path) -> dict[str, bytes]:
    """Run the generator as if `folder` were the project root; the files it writes there."""
    (folder / "scripts").mkdir(parents=True)
    for script in ("make_synthetic_spc_data.py", "synthetic.py"):  # the generator and the helpers it imports
        shutil.copy2(PROJECT / "scripts" / script, folder / "scripts")
    subprocess.run([sys.executable, str(folder / "scripts" / "make_synthetic_spc_data.py")], cwd=folder, check=True, capture_output=True)
    return {p.name: p.read_bytes() for p in sorted((folder / "data" / "synthetic-spc").iterdir())}


def test_generator_is_deterministic_and_matches_the_committed_data(tmp_path):
    committed = {p.name: p.read_bytes() for p in sorted(SYNTHETIC.iterdir())}
    first, second = run_generator(tmp_path / "one"), run_generator(tmp_path / "two")
    assert sorted(first) == sorted(committed) == ["README.md", "indicators.yaml", "observations.csv"]
    assert first == second
    for name, content in committed.items():
        assert first[name] == content, f"data/synthetic-spc/{name} differs from what the script writes"
    # The real files were never touched.
    assert {p.name: p.read_bytes() for p in sorted(SYNTHETIC.iterdir())} == committed


# 3. The synthetic-spc report ----------------------------------------------------------------


@pytest.mark.e2e
def test_every_kpi_with_six_points_has_an_xmr_chart_with_its_limits_in_words(report, kpis_csv):
    charted = kpis_csv[kpis_csv["spc_points"] >= 6]
    assert len(charted) == 10
    for kpi in kpis_csv.itertuples():
        fmt = lambda v: format_value(v, kpi.unit, int(kpi.decimals))  # noqa: E731
        images = card(report, kpi.indicator_id).find_all("img")
        assert len(images) == 1, kpi.indicator_id
        alt = images[0]["alt"]
        if kpi.spc_points < 6:
            assert not alt.startswith("XmR chart of"), kpi.indicator_id
            assert "too few figures for process limits" in alt, kpi.indicator_id
            continue
        assert alt.startswith(f"XmR chart of Indicator {kpi.indicator_id}:"), alt
        assert f"Mean {fmt(kpi.mean)}," in alt, alt
        assert f"process limits {fmt(kpi.lower_limit)} to {fmt(kpi.upper_limit)}" in alt, alt
        assert f"Variation: {kpi.variation.lower()}" in alt, alt
        if pd.notna(kpi.target):
            assert f"Assurance: {kpi.assurance.lower()} against the target of {fmt(kpi.target)}" in alt, alt
        if kpi.spc_provisional:
            assert "provisional" in alt, alt
        if kpi.spc_rebased:
            assert "rebased from October 2022" in alt, alt


@pytest.mark.e2e
def test_xmr_chart_data_table_has_the_limits_and_flags_the_special_cause_points(report, kpis_csv, project):
    params, dataset, kpis = synthetic_inputs(project)
    points = with_labels(reporting.spc_points(dataset.observations, QUARTER, kpis, params.spc), dataset.observations)
    expected_word = {IMPROVING: "Improving", CONCERNING: "Concerning"}
    flagged_somewhere = 0
    for kpi in kpis_csv[kpis_csv["spc_points"] >= 6].itertuples():
        fmt = lambda v: format_value(v, kpi.unit, int(kpi.decimals))  # noqa: E731
        details = card(report, kpi.indicator_id).find("details", class_="chart-data")
        assert details is not None and not details.has_attr("open"), kpi.indicator_id  # collapsed
        header, rows = table_rows(details.find("table"))
        assert header[-4:] == ["Mean", "Lower process limit", "Upper process limit", "Special cause"], header
        mine = points[points["indicator_id"] == kpi.indicator_id].tail(len(rows))
        assert [r[0] for r in rows] == list(mine["period_label"]), kpi.indicator_id
        flags = {r[0]: r[-1] for r in rows if r[-1] != "–"}
        special = mine[mine["special_cause"]]
        assert flags == {row.period_label: expected_word[row.point_type] for row in special.itertuples()}, kpi.indicator_id
        flagged_somewhere += len(flags)
        # The latest row carries the limits in force, as the card and kpis.csv give them.
        assert rows[-1][-4:-1] == [fmt(kpi.mean), fmt(kpi.lower_limit), fmt(kpi.upper_limit)], kpi.indicator_id
        if kpi.spc_rebased:  # each segment's own limits
            means = {r[0]: r[-4] for r in rows}
            assert means["Sep 2022"] != means["Oct 2022"] == fmt(kpi.mean)
    assert flagged_somewhere >= 8  # SP01, SP02 (five), SP03 (two), SP04


@pytest.mark.e2e
def test_index_has_variation_and_assurance_badges_in_symbol_and_words(report, kpis_csv, project):
    params, dataset, kpis = synthetic_inputs(project)
    latest = reporting.spc_points(dataset.observations, QUARTER, kpis, params.spc).groupby("indicator_id").tail(1).set_index("indicator_id")
    index = report.find("h2", id="index").find_next("table")
    header = [words(th) for th in index.find("thead").find_all("th")]
    assert header[-1] == "Variation and assurance"
    body = index.find("tbody").find_all("tr")
    assert len(body) == len(kpis_csv) == 11
    for tr in body:
        cells = tr.find_all("td")
        indicator = words(cells[0])
        kpi = kpis_csv.loc[indicator]
        badges = [words(b) for b in cells[-1].find_all("span", class_="rating")]
        if kpi["variation"] == NOT_ASSESSED:  # too few figures: one badge says so
            assert badges == ["– Not assessed"], (indicator, badges)
            continue
        assert len(badges) == 2, (indicator, badges)
        for badge, full in zip(badges, (kpi["variation"], kpi["assurance"])):
            symbol, _, text = badge.partition(" ")
            assert len(symbol) == 1 and not symbol.isalnum(), badge
            assert re.search(r"[A-Za-z]", text), badge
            if full == NO_DIRECTION:
                assert text == "No direction", (indicator, text)
            else:
                assert text.lower() in full.lower(), (indicator, text, full)
        if kpi["variation"] in (IMPROVING, CONCERNING):  # ▲ above the mean, ▼ below it
            side = latest.loc[indicator, "side"]
            assert badges[0][0] == {"high": "▲", "low": "▼"}[side], indicator


@pytest.mark.e2e
def test_report_has_the_spc_key(report):
    key = report.find("h2", id="spc-key")
    assert key is not None
    following = []
    for sibling in key.next_siblings:
        if getattr(sibling, "name", None) == "h2":
            break
        following.append(sibling.get_text(" ") if hasattr(sibling, "get_text") else str(sibling))
    text = " ".join(" ".join(following).split())
    for phrase in ("XmR chart", "process limits", "Common cause", "Special cause improving", "Special cause concerning",
                   "Consistently passing", "Hit and miss", "Consistently failing", "at least 6 figures"):
        assert phrase in text, phrase


@pytest.mark.e2e
def test_disagreement_sentences_appear_exactly_where_kpis_csv_has_one(report, kpis_csv):
    disagreeing = set(kpis_csv.loc[kpis_csv["spc_disagreement"] != "", "indicator_id"])
    assert disagreeing == {"SP02", "SP05", "SP07", "SP10"}  # a Blue with a real decline, a Red by chance, ...
    for kpi in kpis_csv.itertuples():
        text = words(card(report, kpi.indicator_id))
        if kpi.indicator_id in disagreeing:
            assert f"Rating and SPC disagree: {kpi.spc_disagreement}" in text, kpi.indicator_id
        else:
            assert "Rating and SPC disagree:" not in text, kpi.indicator_id
    page = words(report)
    assert page.count("Rating and SPC disagree:") == len(disagreeing)


@pytest.mark.e2e
def test_short_and_provisional_indicators_say_so_on_their_cards(report, kpis_csv):
    short = card(report, "SP11")
    benchmarks = short.find("caption", string=re.compile("Benchmarks and rating")).find_parent("table")
    cells = dict(zip([words(th) for th in benchmarks.find_all("th")], [words(td) for td in benchmarks.find_all("td")]))
    assert cells["SPC"] == "Too few points for process limits: 4 (at least 6 needed)"
    assert short.find("caption", string=re.compile("Statistical process control for")) is None
    provisional = words(card(report, "SP10"))
    assert "The process limits are provisional: they rest on 8 points" in provisional
    for kpi in kpis_csv.itertuples():
        if kpi.indicator_id not in ("SP10", "SP11"):
            assert "provisional" not in words(card(report, kpi.indicator_id)).split("Indicator description")[0], kpi.indicator_id


# 4. kpis.csv and the card's figures -------------------------------------------------------


@pytest.mark.e2e
def test_kpis_csv_spc_columns_match_build_kpis(kpis_csv, project):
    _, _, kpis = synthetic_inputs(project)
    for column in SPC_COLUMNS:
        assert column in kpis_csv.columns, column
    expected = kpis.set_index("indicator_id")
    assert list(kpis_csv.index) == list(expected.index)
    for indicator, row in kpis_csv.iterrows():
        want = expected.loc[indicator]
        assert (row["variation"], row["assurance"], int(row["spc_points"])) == (want["variation"], want["assurance"], int(want["spc_points"])), indicator
        for column in ("mean", "lower_limit", "upper_limit"):
            if pd.isna(want[column]):
                assert pd.isna(row[column]), (indicator, column)
            else:
                assert float(row[column]) == pytest.approx(float(want[column]), rel=1e-9, abs=1e-7), (indicator, column)
        assert row["spc_disagreement"] == want["spc_disagreement"], indicator
        assert row["spc_note"] == (want["spc_note"] or ""), indicator


@pytest.mark.e2e
def test_card_mean_and_limits_are_kpis_csv_values_as_formatted(report, kpis_csv):
    for kpi in kpis_csv[kpis_csv["mean"].notna()].itertuples():
        fmt = lambda v: format_value(v, kpi.unit, int(kpi.decimals))  # noqa: E731
        caption = card(report, kpi.indicator_id).find("caption", string=re.compile(f"Statistical process control for indicator {kpi.indicator_id}$"))
        assert caption is not None, kpi.indicator_id
        header, rows = table_rows(caption.find_parent("table"))
        assert header == ["Variation", "Assurance", "Mean", "Process limits", "Points"]
        (row,) = rows
        assert row[2] == fmt(kpi.mean), kpi.indicator_id
        assert row[3] == f"{fmt(kpi.lower_limit)} to {fmt(kpi.upper_limit)}", kpi.indicator_id
        assert row[4] == str(kpi.spc_points), kpi.indicator_id
        assert kpi.variation in row[0] and kpi.assurance in row[1], (kpi.indicator_id, row)


# 5. The covering paper -------------------------------------------------------------------------


@pytest.mark.e2e
def test_paper_lists_exactly_the_disagreements_and_summary_json_agrees(published, kpis_csv):
    paper = BeautifulSoup((published / "paper.html").read_text(encoding="utf-8"), "html.parser")
    section = paper.find("h2", id="spc-disagreements")
    assert section is not None and words(section) == "Where the rating and SPC disagree"
    listed, text = [], []
    for sibling in section.next_siblings:
        if getattr(sibling, "name", None) == "h2":
            break
        if getattr(sibling, "name", None) == "h3":
            listed.append(re.match(r"Indicator (\S+):", words(sibling)).group(1))
        if hasattr(sibling, "get_text"):
            text.append(words(sibling))
    expected = list(kpis_csv.loc[kpis_csv["spc_disagreement"] != "", "indicator_id"])
    assert listed == expected
    body = " ".join(text)
    for indicator in expected:
        assert kpis_csv.loc[indicator, "spc_disagreement"] in body, indicator
    summary = json.loads((published / "summary.json").read_text(encoding="utf-8"))
    assert [d["indicator_id"] for d in summary["spc_disagreements"]] == expected
    for entry in summary["spc_disagreements"]:
        assert entry["spc_disagreement"] == kpis_csv.loc[entry["indicator_id"], "spc_disagreement"]


# 6. Cambridgeshire: too few figures for limits ------------------------------------------------


def test_cambridgeshire_cards_say_there_are_too_few_points_for_limits(tmp_path):
    params = reporting.load_params(PROJECT / "params" / "cambridgeshire-cyp.yaml")
    dataset = reporting.load_dataset(params.dataset)
    kpis = reporting.build_kpis(dataset, params.default_quarter, params.scheme, params.id, params.indicators, params.trend_points, params.spc)
    assert len(kpis) == 20
    assert kpis["spc_points"].between(1, 2).all()
    for _, kpi in kpis.iterrows():
        shown = markdown_to_html(reporting.kpi_card(kpi))
        assert '<th scope="col">SPC</th>' in shown, kpi["indicator_id"]
        assert f"<td>Too few points for process limits: {kpi['spc_points']} (at least 6 needed)</td>" in shown, kpi["indicator_id"]
        assert "Process limits" not in shown and "Rating and SPC disagree" not in shown, kpi["indicator_id"]
    reporting.write_kpis(kpis, tmp_path / "kpis.csv")
    written = pd.read_csv(tmp_path / "kpis.csv", dtype={"indicator_id": str})
    assert set(written["variation"]) == {NOT_ASSESSED}
    assert set(written["assurance"]) == {NOT_ASSESSED}
    assert written["mean"].isna().all()


# 7. Params and catalogue errors -----------------------------------------------------------


@pytest.fixture
def params_project(tmp_path: Path) -> Path:
    (tmp_path / "params").mkdir()
    (tmp_path / "data" / "x").mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize("spc, key", [
    ("{shift_length: -1}", "spc.shift_length"),
    ('{screen_outliers: "yes"}', "spc.screen_outliers"),
    ("{unknown_key: 1}", "spc.unknown_key"),
    ('{rebase: {"S01": ["not a date"]}}', "spc.rebase"),
    ("{direction_precedence: rules_first}", "spc.direction_precedence"),
    ("{target_on_limit: maybe}", "spc.target_on_limit"),
])
def test_bad_spc_setting_is_a_params_error_naming_the_file_and_key(params_project, spc, key):
    path = params_project / "params" / "cyp.yaml"
    path.write_text(f"council: A council\ncommittee_name: A committee\ndataset: data/x\nspc: {spc}\n", encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        reporting.load_params(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"key {key}" in message


def test_valid_spc_block_loads_into_settings(params_project):
    path = params_project / "params" / "cyp.yaml"
    path.write_text("council: A\ncommittee_name: B\ndataset: data/x\nspc: {shift_length: 8, rebase: {S01: [2022-10-01]},"
                    " direction_precedence: trend_last, target_on_limit: hit_and_miss}\n", encoding="utf-8")
    settings = reporting.load_params(path).spc
    assert settings.shift_length == 8 and settings.trend_length == 7
    assert settings.direction_precedence == "trend_last" and settings.target_on_limit == "hit_and_miss"
    assert {k: [d.isoformat() for d in v] for k, v in settings.rebase.items()} == {"S01": ["2022-10-01"]}


@pytest.mark.parametrize("written", ['"2022-10-01"', "[not-a-date]"])
def test_bad_spc_rebase_in_the_catalogue_is_refused_naming_file_entry_and_key(tmp_path, written):
    folder = tmp_path / "data" / "synthetic-spc"
    shutil.copytree(SYNTHETIC, folder)
    catalogue = folder / "indicators.yaml"
    original = catalogue.read_text(encoding="utf-8")
    assert original.count("spc_rebase: [2022-10-01]") == 1
    catalogue.write_text(original.replace("spc_rebase: [2022-10-01]", f"spc_rebase: {written}"), encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        reporting.load_dataset(folder)
    (problem,) = [p for p in caught.value.problems if p.column == "spc_rebase"]
    assert problem.file == str(catalogue)
    assert (problem.row_name, problem.row) == ("entry", 5)  # SP05, the fifth entry
    message = str(caught.value)
    assert f"{catalogue}, entry 5, column spc_rebase" in message


# 8. The PDF ----------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_report_pdf_figures_have_the_html_alt_text(published):
    page = (published / "report.html").read_text(encoding="utf-8")
    alts = [html.unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]*)"', page)]
    with pikepdf.open(published / "report.pdf") as pdf:
        tagged = figures(structure_tree(pdf))
    assert tagged == alts
    assert sum(a.startswith("XmR chart of") for a in tagged) == 10
    assert check_pdf(published / "report.pdf", published / "report.html") == []


@pytest.mark.e2e
def test_xmr_cards_fit_one_page_each_and_no_page_is_nearly_empty(published):
    from reporting.publish.pagecheck import card_pages, near_empty_pages

    cards = card_pages(published / "report.pdf")
    assert len(cards) == 11 and set(cards.values()) == {1}, cards
    assert near_empty_pages(published / "report.pdf") == [] and near_empty_pages(published / "paper.pdf") == []


@pytest.mark.e2e
def test_icons_sit_beside_their_words_in_the_index_cards_and_key_and_pass_the_audit(published):
    from bs4 import BeautifulSoup

    from reporting.publish.audit import audit_folder, format_audit, unavailable_reason

    soup = BeautifulSoup((published / "report.html").read_text(encoding="utf-8"), "html.parser")
    icons = soup.select("main span.spc-icon")
    assert icons and all(not icon.get_text(strip=True) for icon in icons)  # drawn by CSS, no text of their own
    for icon in icons:
        words = icon.find_next_sibling("span")
        assert words is not None and "rating" in words["class"] and words.get_text(strip=True)  # the words beside it
    index = soup.find(id="index").find_next("table")
    # Variation for the ten KPIs with limits, assurance for the nine of them with a direction (SP08 has none).
    assert len(index.select("span.spc-icon")) == 10 + 9
    assert soup.find(id="spc-key").find_next("table").select("span.spc-icon-improving-high")
    card = ""
    for element in soup.find(id="kpi-SP05").find_next_siblings():
        if element.name == "h2":
            break
        card += str(element)
    assert "spc-icon-common" in card and "spc-icon-hit-and-miss" in card  # the card's SPC view too
    assert check_pdf(published / "report.pdf", published / "report.html") == []
    if unavailable_reason() is None:
        report = audit_folder(published)
        assert report.passed, "\n" + format_audit(report)
