"""Benchmarks: the council's rank among all councils and among its neighbours, and its quartile band.

LAIT's conventions: 1 is the best by the KPI's direction, tied figures share the better rank, a
council without a figure has no rank; quartiles are those of every council's figure (linear
interpolation, as R's and numpy's default), A the best quarter, D the worst, and a figure exactly
on a quartile belongs to the band below it in value. The national tables here are small and made
up, so each expected rank can be counted by eye.
"""

from __future__ import annotations

import pandas as pd
import pytest

from reporting import Benchmarks, benchmark_figures, benchmark_positions
from reporting.errors import DataValidationError
from reporting.data.benchmarks import load_benchmarks, read_national
from reporting.data.input_files import for_data

END = pd.Timestamp("2025-03-31")


def benchmarks(values: dict[str, float | None], council="C", neighbours=("A", "B"), unbanded=(), end=END) -> Benchmarks:
    national = pd.DataFrame({"indicator_id": "K", "period_end": end, "area_code": list(values),
                             "area": [f"Council {code}" for code in values], "value": [float("nan") if v is None else v for v in values.values()]})
    return Benchmarks((council, f"Council {council}"), tuple((n, f"Council {n}") for n in neighbours), national, (), frozenset(unbanded))


def kpis(direction="higher", period_end=END, england=None) -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": ["K"], "direction": [direction], "period_end": [period_end],
                         "england_mean": [england], "unit": ["number"], "decimals": [0]})


def position(direction, values, **options) -> dict:
    return benchmark_positions(kpis(direction), benchmarks(values, **options)).iloc[0].to_dict()


@pytest.mark.parametrize("direction, own, rank, band", [
    ("higher", 5, 1, "A"), ("higher", 4, 2, "B"), ("higher", 3, 3, "C"), ("higher", 2, 4, "D"), ("higher", 1, 5, "D"),
    ("lower", 1, 1, "A"), ("lower", 2, 2, "A"), ("lower", 3, 3, "B"), ("lower", 4, 4, "C"), ("lower", 5, 5, "D"),
])
def test_rank_and_band_follow_the_direction_and_laits_boundaries(direction, own, rank, band):
    """Five councils 1..5: quartiles 2, 3 and 4; a figure on a quartile is in the band below it in value."""
    others = {code: v for code, v in zip("VWXYZ", [1, 2, 3, 4, 5]) if v != own}
    found = position(direction, {"C": own, **others})
    assert (found["national_rank"], found["national_count"], found["quartile_band"]) == (rank, 5, band)


def test_ties_share_the_better_rank_and_councils_without_a_figure_are_not_counted():
    found = position("higher", {"C": 7, "A": 9, "B": 7, "X": 7, "Y": None, "Z": 1})
    assert (found["national_rank"], found["national_count"]) == (2, 5)
    assert (found["neighbour_rank"], found["neighbour_count"]) == (2, 3)  # A 9, then C and B tied on 7


def test_the_neighbour_rank_counts_only_the_council_and_its_neighbours():
    found = position("lower", {"C": 5, "A": 9, "B": 3, "X": 1, "Y": 2})
    assert (found["national_rank"], found["neighbour_rank"], found["neighbour_count"]) == (4, 2, 3)


@pytest.mark.parametrize("values, direction", [({"C": None, "A": 1, "B": 2}, "higher"), ({"C": 3, "A": 1, "B": 2}, "none")])
def test_no_figure_or_no_direction_means_no_rank_and_no_band(values, direction):
    found = position(direction, values)
    assert pd.isna(found["national_rank"]) and pd.isna(found["neighbour_rank"]) and found["quartile_band"] is None


def test_a_measure_the_source_does_not_band_is_ranked_but_not_banded():
    found = position("higher", {"C": 3, "A": 1, "B": 2}, unbanded=("K",))
    assert found["national_rank"] == 1 and found["quartile_band"] is None


def test_only_the_kpis_current_period_counts():
    older = benchmarks({"C": 1, "A": 9}, end=pd.Timestamp("2024-03-31"))
    current = benchmarks({"C": 9, "A": 1})
    both = Benchmarks(current.council, current.neighbours, pd.concat([older.national, current.national]), ())
    assert benchmark_positions(kpis("higher"), both).iloc[0]["national_rank"] == 1


def test_the_chart_shows_the_council_its_neighbours_and_england_best_first():
    found = benchmark_figures(benchmarks({"C": 5, "A": 9, "B": 3, "X": 1}), kpis("lower", england=4).iloc[0])
    assert list(found["area"]) == ["Council B", "England", "Council C", "Council A"]  # X is not a neighbour
    assert list(found["role"]) == ["neighbour", "england", "council", "neighbour"]
    assert benchmark_figures(benchmarks({"C": None, "A": 9}), kpis().iloc[0]).empty  # no figure: no chart


def test_the_charts_words_and_table_give_its_message_and_figures():
    from reporting import benchmark_alt_text, benchmark_chart_table

    kpi = kpis("lower", england=4).iloc[0].copy()
    kpi["title"], kpi["period_label"], kpi["indicator_id"] = "Made-up measure", "2024/25", "K"
    bench = benchmarks({"C": 5, "A": 9, "B": 3, "X": 1})
    kpi = pd.concat([kpi, benchmark_positions(kpis("lower", england=4), bench).iloc[0].drop("indicator_id")])
    figures = benchmark_figures(bench, kpi)
    alt = benchmark_alt_text(figures, kpi)
    assert "ranks 2nd of 3 among itself and its neighbours (lower is better)" in alt
    assert "England: 4" in alt and "from Council B (3) to Council A (9)" in alt and "ranks 3rd of 4 councils" in alt
    table = benchmark_chart_table(figures, kpi)
    assert table["rows"][2] == ["3", "Council C (this council)", "5"]


def write_national(folder, text: str):
    (folder / "national.csv").write_text(text, encoding="utf-8")
    (folder / "benchmarks.yaml").write_text("council: {code: '1', name: One}\nneighbours: []\nnational: national.csv\n", encoding="utf-8")


@pytest.mark.parametrize("row, column, expected", [
    ("K,2025-03-31,2,Two,lots", "value", "a number"),
    ("K,2025-3-31,2,Two,5", "period_end", "YYYY-MM-DD"),
    ("K,2025-03-31,,Two,5", "area_code", "must not be empty"),
    ("K,2025-03-31,1,One again,5", "indicator_id, period_end, area_code", "a second row"),
])
def test_a_bad_national_table_names_the_file_row_column_and_value(tmp_path, row, column, expected):
    write_national(tmp_path, f"indicator_id,period_end,area_code,area,value\nK,2025-03-31,1,One,4\n{row}\n")
    with pytest.raises(DataValidationError) as raised:
        load_benchmarks(tmp_path, for_data(tmp_path, tmp_path))
    problem = raised.value.problems[0]
    assert (problem.file, problem.row, problem.column) == (str(tmp_path / "national.csv"), 3, column)
    assert expected in str(raised.value)


def test_a_national_table_outside_the_project_is_not_read(tmp_path):
    project, outside = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir(), outside.mkdir()
    (outside / "national.csv").write_text("indicator_id,period_end,area_code,area,value\n", encoding="utf-8")
    (project / "benchmarks.yaml").write_text("council: {code: '1', name: One}\nnational: ../elsewhere/national.csv\n", encoding="utf-8")
    with pytest.raises(Exception) as raised:
        load_benchmarks(project, for_data(project, project))
    assert "national.csv" in str(raised.value)


def test_the_national_table_keeps_only_the_committees_indicators_when_asked(tmp_path):
    (tmp_path / "national.csv").write_text("indicator_id,period_end,area_code,area,value\nK,2025-03-31,1,One,4\nL,2025-03-31,1,One,\n")
    assert list(read_national(tmp_path / "national.csv", ["L"])["indicator_id"]) == ["L"]


def test_a_period_the_national_table_does_not_cover_has_no_ranks(tmp_path):
    """As the covering paper asks for last quarter's KPIs, with the national table as read from its file."""
    (tmp_path / "national.csv").write_text("indicator_id,period_end,area_code,area,value\nK,2025-03-31,C,One,4\nK,2025-03-31,A,Two,3\n")
    bench = benchmarks({"C": 3, "A": 1})
    bench = Benchmarks(bench.council, bench.neighbours, read_national(tmp_path / "national.csv"), ())
    assert benchmark_positions(kpis("higher"), bench).iloc[0]["national_rank"] == 1
    found = benchmark_positions(kpis("higher", period_end=pd.Timestamp("2019-03-31")), bench).iloc[0]
    assert pd.isna(found["national_rank"]) and found["quartile_band"] is None


def test_the_spreadsheet_gives_the_ranks_as_whole_numbers_and_the_band_as_text(tmp_path):
    import openpyxl

    import reporting as rp
    from support import PROJECT

    params = rp.load_params(PROJECT / "params" / "leeds-lait.yaml")
    dataset = rp.load_dataset(params.dataset, PROJECT, indicators=params.indicators, committee=params.id)
    kpis = rp.build_kpis(dataset, params.default_quarter, params.scheme, params.id, params.indicators)
    sheet = openpyxl.load_workbook(rp.write_kpis_xlsx(kpis, params, params.default_quarter, "2026-01-01", tmp_path / "kpis.xlsx"))["KPIs"]
    header = next(row for row in sheet.iter_rows() if any(c.value == "Indicator ID" for c in row))
    columns = {c.value: c.column_letter for c in header}
    first = header[0].row + 1
    rank = sheet[f"{columns['Rank among all councils (1 is the best)']}{first}"]
    band = sheet[f"{columns['Quartile band (A is the best quarter, D the worst)']}{first}"]
    assert (rank.value, rank.number_format) == (kpis.loc[0, "national_rank"], "0")
    assert band.value == kpis.loc[0, "quartile_band"]
