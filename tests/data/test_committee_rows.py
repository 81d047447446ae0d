"""A committee's load reads only its indicators' rows, and a large CSV's cells are cached between loads.

`load_dataset(..., indicators=...)` (or `committee=...`) must give exactly the frame the whole load
gives for those indicators, report a bad row by its row in the file, and behave as before for
indicators with no rows. The columnar cache must be used when it is this file's, and never when it
is stale, damaged or another file's.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import reporting
from reporting import DataValidationError
from reporting.data import cache, committee_rows
from reporting.data import dataset as dataset_module
from reporting.measures.kpis import select_indicators

PROJECT = Path(__file__).resolve().parents[2]
SAMPLES = ["cambridgeshire-cyp", "durham-cyp", "synthetic-demo", "synthetic-spc"]
CATALOGUE = """\
- id: "A"
  title: A percentage
  direction: higher
  unit: percent
  status: target
- id: "B"
  title: A rate
  direction: lower
  unit: rate
  status: target
- id: "C"
  title: A count
  direction: none
  unit: number
  status: contextual
"""
HEADER = "indicator_id,period_end,value,target,note\n"
START = date(2000, 1, 1).toordinal()


def restricted(full: pd.DataFrame, indicators) -> pd.DataFrame:
    return full[full["indicator_id"].isin(list(indicators))].reset_index(drop=True)


def project_with(tmp_path: Path, csv: str | None = None, rows: int | None = None) -> Path:
    """A project (params/ marks it) with one dataset, data/sample, holding `csv` or `rows` generated rows."""
    (tmp_path / "params").mkdir(parents=True, exist_ok=True)
    folder = tmp_path / "data" / "sample"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "indicators.yaml").write_text(CATALOGUE, encoding="utf-8")
    if rows is not None:  # A, B, C in turn, each on a day of its own from 1 January 2000
        csv = HEADER + "".join(
            f"{'ABC'[i % 3]},{date.fromordinal(START + i // 3):%Y-%m-%d},{i % 97}.5,50,note {i}\n" for i in range(rows)
        )
    (folder / "observations.csv").write_text(csv, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def committee_rows_for_any_size(monkeypatch):
    """Read by the committee's rows whatever the size (the test files are far below COMMITTEE_ROWS_FROM)."""
    monkeypatch.setattr(dataset_module, "COMMITTEE_ROWS_FROM", 0)


@pytest.fixture
def cache_everything(monkeypatch):
    """Cache files of any size (the sample and test files are far below MIN_BYTES)."""
    monkeypatch.setattr(cache, "MIN_BYTES", 0)


def cached_files(root: Path) -> list[Path]:
    return sorted((root / ".cache" / "observations").glob("*.parquet"))


# Same frame as the whole load -----------------------------------------------------------------


@pytest.mark.parametrize("committee", SAMPLES)
@pytest.mark.parametrize("cached", [False, True], ids=["parsed", "cached"])
def test_a_sample_committees_load_is_the_whole_load_restricted_to_its_kpis(committee, cached, tmp_path, monkeypatch):
    for folder in ("params", "data"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    if cached:
        monkeypatch.setattr(cache, "MIN_BYTES", 0)
    params = reporting.load_params(tmp_path / "params" / f"{committee}.yaml")
    whole = reporting.load_dataset(params.dataset, tmp_path)
    chosen = list(select_indicators(whole.catalogue, params.id, params.indicators)["id"])
    for _ in range(2):  # with caching on, the second load reads the cache
        filtered = reporting.load_dataset(params.dataset, tmp_path, indicators=params.indicators, committee=params.id)
        pd.testing.assert_frame_equal(filtered.observations, restricted(whole.observations, chosen))
        pd.testing.assert_frame_equal(filtered.catalogue, whole.catalogue)
        assert filtered.indicators == tuple(chosen)
    assert bool(cached_files(tmp_path)) == cached


@pytest.mark.parametrize("csv", [
    HEADER + "A,2024-01-31,1,2,x\n\nB,2024-01-31,3,,\n C ,2024-02-29, 4 ,, a note \n",  # blank line, spaces
    "\ufeff" + HEADER.replace("\n", "\r\n") + 'A,2024-01-31,1,2,"two\r\nlines"\r\nB,2024-01-31,3,,\r\n',  # BOM, CRLF
    HEADER + "A,2024-01-31,1\nB,2024-01-31,3,4,y\nA,2024-02-29,,\n",  # short rows: read by pandas
    "period_end, indicator_id ,value\n2024-01-31,A,1\n2024-01-31,B,2\n,,\n",  # other column order, spaced names
    HEADER + "A,2024-01-31,1,2,x\n,,,,\n   ,  , ,,\nC,2024-01-31,NA,,\n",  # empty rows; NA is text
], ids=["blank-line-and-spaces", "bom-crlf-quoted-newline", "short-rows", "column-order", "empty-rows"])
@pytest.mark.parametrize("cached", [False, True], ids=["parsed", "cached"])
def test_odd_but_readable_csv_gives_the_same_rows_or_the_same_problems(csv, cached, tmp_path, monkeypatch):
    folder = project_with(tmp_path, csv)
    if cached:
        monkeypatch.setattr(cache, "MIN_BYTES", 0)
    try:
        whole = reporting.load_dataset(folder).observations
    except DataValidationError as error:
        for _ in range(2):
            with pytest.raises(DataValidationError) as caught:
                reporting.load_dataset(folder, indicators=["A", "B", "C"])
            assert caught.value.problems == error.problems
        return
    for _ in range(2):
        for chosen in (["A"], ["B", "C"], ["A", "B", "C"]):
            filtered = reporting.load_dataset(folder, indicators=chosen).observations
            pd.testing.assert_frame_equal(filtered, restricted(whole, chosen))


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_parquet_and_xlsx_committee_loads_are_the_whole_load_restricted(suffix, tmp_path):
    folder = project_with(tmp_path, rows=90)
    frame = pd.read_csv(folder / "observations.csv", dtype=str)
    (folder / "observations.csv").unlink()
    if suffix == ".parquet":
        frame["value"] = frame["value"].astype(float)
        frame["period_end"] = pd.to_datetime(frame["period_end"])
        frame.to_parquet(folder / "observations.parquet", row_group_size=16)
    else:
        frame.to_excel(folder / "observations.xlsx", sheet_name="observations", index=False)
    whole = reporting.load_dataset(folder).observations
    for chosen in (["A"], ["B", "C"]):
        pd.testing.assert_frame_equal(reporting.load_dataset(folder, indicators=chosen).observations, restricted(whole, chosen))


def test_committee_alone_reads_the_kpis_tagged_for_it(tmp_path):
    folder = project_with(tmp_path, rows=30)
    (folder / "indicators.yaml").write_text(
        CATALOGUE.replace('- id: "B"\n', '- id: "B"\n  committees: [other]\n'), encoding="utf-8")
    dataset = reporting.load_dataset(folder, committee="mine")
    assert dataset.indicators == ("A", "C")  # B is another committee's; untagged entries are everyone's
    assert set(dataset.observations["indicator_id"]) == {"A", "C"}


# Problems: rows as numbered in the file -------------------------------------------------------


@pytest.mark.parametrize("cached", [False, True], ids=["parsed", "cached"])
@pytest.mark.parametrize("irregular", [False, True], ids=["regular", "with-a-short-row"])
def test_a_bad_value_deep_in_a_big_file_is_reported_at_its_row_in_the_file(cached, irregular, tmp_path, monkeypatch):
    folder = project_with(tmp_path, rows=30_000)
    lines = (folder / "observations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[24_001].startswith("A,")
    lines[24_001] = lines[24_001].replace(".5,50,", ".5,n/a,")  # row 24,002 of the file: A's target
    if irregular:
        lines[100] = "C,1999-12-31\n"  # fewer cells than the header: the careful (pandas) reader
    (folder / "observations.csv").write_text("".join(lines), encoding="utf-8")
    if cached:
        monkeypatch.setattr(cache, "MIN_BYTES", 0)
    for _ in range(2):
        with pytest.raises(DataValidationError) as caught:
            reporting.load_dataset(folder, tmp_path, indicators=["B", "A"])
        (problem,) = caught.value.problems
        assert (problem.file, problem.row, problem.column, problem.value) == (str(folder / "observations.csv"), 24_002, "target", "n/a")
        assert "a number" in problem.expected
    assert bool(cached_files(tmp_path)) == (cached and not irregular)  # a file pyarrow cannot parse is not cached


def test_bad_rows_of_other_indicators_are_not_checked_by_a_committees_load(tmp_path):
    csv = HEADER + "A,2024-01-31,1,2,x\nB,2024-01-31,lots,,\nZ,2024-01-31,3,,\n"
    folder = project_with(tmp_path, csv)
    dataset = reporting.load_dataset(folder, indicators=["A"])  # documented: only the committee's rows are checked
    assert list(dataset.observations["value"]) == [1.0]
    with pytest.raises(DataValidationError) as caught:
        reporting.load_dataset(folder)  # the whole load still checks every row
    assert {(p.row, p.column) for p in caught.value.problems} == {(3, "value"), (4, "indicator_id")}


def test_an_id_listed_but_not_in_the_catalogue_is_checked_as_before(tmp_path):
    folder = project_with(tmp_path, HEADER + "A,2024-01-31,1,2,x\nZ,2024-01-31,3,,\n")
    with pytest.raises(DataValidationError) as caught:
        reporting.load_dataset(folder, indicators=["A", "Z"])
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(3, "indicator_id", "Z")]


def test_a_committee_without_rows_gets_none_but_a_file_without_rows_is_still_refused(tmp_path):
    folder = project_with(tmp_path, HEADER + "A,2024-01-31,1,2,x\n")
    empty = reporting.load_dataset(folder, indicators=["B", "Q"]).observations
    assert empty.empty
    assert list(empty.columns) == list(reporting.load_dataset(folder).observations.columns)
    (folder / "observations.csv").write_text(HEADER + "\n,,,,\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="has no rows of data"):
        reporting.load_dataset(folder, indicators=["A"])


def test_a_run_reports_a_committee_whose_kpis_have_no_figures_as_before(tmp_path):
    folder = project_with(tmp_path, HEADER + "A,2024-01-31,1,2,x\n")
    (tmp_path / "params" / "none-here.yaml").write_text(
        'council: C\ncommittee_name: N\ndataset: data/sample\nindicators: ["B"]\n', encoding="utf-8")
    with pytest.raises(reporting.NoNewDataError, match="has no figures for none-here's KPIs"):
        reporting.resolve_quarter("none-here", "latest", tmp_path)
    assert folder.exists()


# The cache ------------------------------------------------------------------------------------


def test_the_second_load_reads_the_cache_not_the_csv(tmp_path, cache_everything, monkeypatch):
    folder = project_with(tmp_path, rows=600)
    first = reporting.load_dataset(folder, tmp_path, indicators=["A"]).observations
    (copy,) = cached_files(tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError("the CSV was parsed again")

    monkeypatch.setattr(committee_rows.pa_csv, "open_csv", refuse)
    monkeypatch.setattr(pd, "read_csv", refuse)
    for chosen in (["A"], ["B", "C"]):  # any committee's rows come from the one copy
        again = reporting.load_dataset(folder, tmp_path, indicators=chosen).observations
        if chosen == ["A"]:
            pd.testing.assert_frame_equal(again, first)
        else:
            assert set(again["indicator_id"]) == {"B", "C"}
    assert cached_files(tmp_path) == [copy]


def test_an_edited_file_is_read_again_not_taken_from_the_cache(tmp_path, cache_everything):
    folder = project_with(tmp_path, rows=60)
    before = reporting.load_dataset(folder, tmp_path, indicators=["A"]).observations
    path = folder / "observations.csv"
    stat = path.stat()
    text = path.read_text(encoding="utf-8").replace("A,2000-01-01,0.5,", "A,2000-01-01,7.5,")
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and time: only the content tells
    after = reporting.load_dataset(folder, tmp_path, indicators=["A"]).observations
    assert before.loc[0, "value"] == 0.5 and after.loc[0, "value"] == 7.5
    assert len(cached_files(tmp_path)) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped-byte", "another-files-copy"])
def test_a_damaged_or_foreign_cache_is_not_used(damage, tmp_path, cache_everything):
    folder = project_with(tmp_path, rows=300)
    expected = reporting.load_dataset(folder, tmp_path, indicators=["B"]).observations
    (copy,) = cached_files(tmp_path)
    data = copy.read_bytes()
    if damage == "garbage":
        copy.write_bytes(b"not parquet at all")
    elif damage == "truncated":
        copy.write_bytes(data[: len(data) // 2])
    elif damage == "flipped-byte":
        middle = len(data) // 3
        copy.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    else:
        other = project_with(tmp_path / "other", rows=301)
        reporting.load_dataset(other, tmp_path / "other", indicators=["B"])
        (foreign,) = cached_files(tmp_path / "other")
        shutil.copyfile(foreign, copy)
    pd.testing.assert_frame_equal(reporting.load_dataset(folder, tmp_path, indicators=["B"]).observations, expected)
    if damage != "flipped-byte":  # a flipped byte may land where a reader cannot tell; the data checked above still matched
        assert cache.Entry.of(folder / "observations.csv", tmp_path / cache.FOLDER).read(frozenset({"B"})) is not None


def test_a_cache_that_cannot_be_written_does_not_stop_a_load(tmp_path, cache_everything):
    folder = project_with(tmp_path, rows=60)
    (tmp_path / ".cache").write_text("a file where the cache folder would go", encoding="utf-8")
    dataset = reporting.load_dataset(folder, tmp_path, indicators=["A"])
    assert len(dataset.observations) == 20


def test_small_files_and_loads_outside_a_project_are_not_cached(tmp_path, monkeypatch):
    folder = project_with(tmp_path, rows=60)
    reporting.load_dataset(folder, tmp_path, indicators=["A"])  # far below MIN_BYTES
    assert cached_files(tmp_path) == []
    monkeypatch.setattr(cache, "MIN_BYTES", 0)
    shutil.rmtree(tmp_path / "params")  # no longer a project, and none given
    reporting.load_dataset(folder, indicators=["A"])
    assert not (tmp_path / ".cache").exists() and not (folder / ".cache").exists()


def test_the_cache_keeps_only_the_most_recently_used_copies(tmp_path, cache_everything, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 2)
    folder = project_with(tmp_path, rows=30)
    path = folder / "observations.csv"
    for extra in range(4):
        path.write_text(path.read_text(encoding="utf-8") + f"C,1990-{extra + 1:02d}-28,1,,\n", encoding="utf-8")
        reporting.load_dataset(folder, tmp_path, indicators=["C"])
    assert len(cached_files(tmp_path)) == 2


def test_a_small_file_is_checked_whole_even_for_one_committee(tmp_path, monkeypatch):
    """Below COMMITTEE_ROWS_FROM every row is checked: bad data for another committee's KPI is still refused."""
    monkeypatch.setattr(dataset_module, "COMMITTEE_ROWS_FROM", 4 * 1024 * 1024)
    folder = project_with(tmp_path, HEADER + "A,2024-01-31,1,2,x\nB,2024-01-31,lots,,\nZ,2024-01-31,3,,\n")
    with pytest.raises(DataValidationError) as caught:
        reporting.load_dataset(folder, indicators=["A"])
    assert {(p.row, p.column) for p in caught.value.problems} == {(3, "value"), (4, "indicator_id")}
