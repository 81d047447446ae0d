"""`reporting import lait --all-councils`: every current council's committee from one read of LAIT's files.

Checked against the one-council import (`--council`), which tests/data/test_lait.py checks against
the parquet itself: each council's observations.csv and catalogue are byte for byte what that
import writes for it, for four councils (Leeds; Barnet, a London borough; Bournemouth, Christchurch
and Poole and Cumberland, which replaced councils in 2019 and 2023). Then two of the councils are
published end to end, each ranked among all councils through the one shared national table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import yaml

import reporting
from reporting.cli import main
from reporting.data import lait, lait_all
from reporting.params import load_params
from reporting.publish.manifest import verify
from support import PROJECT

SOURCE = PROJECT / "data" / "lait"
MEASURES = PROJECT / "params" / "lait" / "childrens-services.yaml"
COUNCILS = 153  # the current councils in the DfE's statistical-neighbour model of May 2025
REPLACED = {"909": "Cumbria", "928": "Northamptonshire", "835": "Dorset (Pre LG)", "836": "Poole (Pre LG)",
            "837": "Bournemouth (Pre LG)"}  # in the model's "Old SNs" and in national.csv, but no report


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The all-councils project, written once for the module by the command line."""
    folder = tmp_path_factory.mktemp("all") / "lait-all"
    measures = folder.parent / MEASURES.name
    shutil.copy(MEASURES, measures)
    assert main(["import", "lait", "--source", str(SOURCE), "--measures", str(measures), "--all-councils",
                 "--project", str(folder)]) == 0
    return folder


def test_every_current_council_is_a_committee_with_its_own_dataset(project):
    params = sorted(project.glob("params/*.yaml"))
    datasets = sorted(p for p in (project / "data" / "lait").iterdir() if p.is_dir())
    assert len(params) == len(datasets) == COUNCILS
    assert [p.stem.removeprefix("lait-") for p in params] == [d.name for d in datasets]
    for dataset in datasets:
        assert sorted(p.name for p in dataset.iterdir()) == ["README.md", "benchmarks.yaml", "indicators.yaml", "observations.csv"]
    assert sorted(p.name for p in (project / "notebooks").iterdir()) == ["committee_report.ipynb", "covering_paper.ipynb"]
    assert {"lait-leeds", "lait-bristol-city-of", "lait-st-helens", "lait-kingston-upon-hull-city-of",
            "lait-bournemouth-christchurch-and-poole"} <= {p.stem for p in params}
    assert not {f"lait-{lait_all.slug(name)}" for name in REPLACED.values()} & {p.stem for p in params}
    leeds = load_params(project / "params" / "lait-leeds.yaml")
    assert leeds.dataset == (project / "data" / "lait" / "leeds").resolve()
    assert leeds.default_quarter.id == "2025-26-Q2" and leeds.region == "Yorkshire and The Humber"
    assert load_params(project / "params" / "lait-barnet.yaml").region == "London"
    readme = (project / "data" / "lait" / "README.md").read_text(encoding="utf-8")
    assert "## Why a dataset for each council, sharing one national table" in readme and lait.OGL in readme


def test_one_national_table_is_shared_by_every_dataset(project):
    national = pd.read_csv(project / "data" / "lait" / "national.csv", dtype={"area_code": str})
    assert set(REPLACED) <= set(national["area_code"])  # replaced councils keep their years' figures
    assert national["area_code"].nunique() == COUNCILS + len(REPLACED)
    for dataset in (project / "data" / "lait").iterdir():
        if dataset.is_dir():
            assert yaml.safe_load((dataset / "benchmarks.yaml").read_text(encoding="utf-8"))["national"] == "../national.csv"
    for name in ("leeds", "isles-of-scilly", "cumberland"):
        loaded = reporting.load_dataset(project / "data" / "lait" / name)
        assert loaded.benchmarks is not None and loaded.benchmarks.files[1] == (project / "data" / "lait" / "national.csv").resolve()
        assert len(loaded.benchmarks.neighbours) == 10 and loaded.benchmarks.national["area_code"].nunique() == COUNCILS + len(REPLACED)


@pytest.mark.parametrize("council, folder", [
    ("Leeds", "leeds"), ("Barnet", "barnet"),
    ("Bournemouth, Christchurch and Poole", "bournemouth-christchurch-and-poole"),  # since 2019 (Bournemouth, Poole, part of Dorset)
    ("Cumberland", "cumberland"),  # since 2023 (part of Cumbria)
])
def test_each_council_is_what_the_one_council_import_writes(project, tmp_path, council, folder):
    one = tmp_path / folder
    lait.import_lait(SOURCE, MEASURES, council, one, committee=f"lait-{folder}")
    mine = project / "data" / "lait" / folder
    for name in ("observations.csv", "indicators.yaml"):
        assert (mine / name).read_bytes() == (one / name).read_bytes(), name
    # The same benchmarks and README, naming the shared table rather than a copy beside them.
    for name, shared, own in (("benchmarks.yaml", "national: ../national.csv", "national: national.csv"),
                              ("README.md", "`../national.csv` holds", "`national.csv` holds")):
        text = (mine / name).read_text(encoding="utf-8")
        assert shared in text and text.replace(shared, own) == (one / name).read_text(encoding="utf-8"), name


def test_nothing_is_replaced_without_force(project, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    observations = copy / "data" / "lait" / "leeds" / "observations.csv"
    observations.write_text("kept\n")
    arguments = ["import", "lait", "--source", str(SOURCE), "--measures", str(MEASURES), "--all-councils", "--project", str(copy)]
    assert main(arguments) == 1
    assert "use --force" in capsys.readouterr().err and observations.read_text() == "kept\n"
    (copy / "notebooks" / "committee_report.ipynb").write_text("{}")  # a project's own notebooks are left alone
    assert main([*arguments, "--force"]) == 0
    assert observations.read_bytes() == (project / "data" / "lait" / "leeds" / "observations.csv").read_bytes()
    assert (copy / "notebooks" / "committee_report.ipynb").read_text() == "{}"
    assert not [p for p in copy.rglob(".*") if p.name.endswith(".tmp")]


def test_the_files_can_be_read_as_any_new_file_can(project):
    """Written through temporary files (0o600), then given the mode any new file gets, so a Dask worker or a
    colleague who may read the project may read them."""
    mode = 0o666 & ~writing_umask()
    for path in (project / "params" / "lait-leeds.yaml", project / "data" / "lait" / "national.csv",
                 project / "data" / "lait" / "leeds" / "observations.csv", project / "notebooks" / "committee_report.ipynb"):
        assert path.stat().st_mode & 0o777 == mode, path


def writing_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


@pytest.mark.parametrize("arguments, expected", [
    (["--all-councils"], "--all-councils needs --project"),
    (["--all-councils", "--project", "{tmp}/p", "--dataset", "{tmp}/d"], "--dataset goes with --council"),
    (["--council", "Leeds", "--project", "{tmp}/p", "--dataset", "{tmp}/d"], "--project goes with --all-councils"),
    (["--council", "Leeds"], "--council needs --dataset"),
])
def test_options_that_do_not_go_together_are_refused(tmp_path, capsys, arguments, expected):
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    assert main(["import", "lait", "--source", str(SOURCE), "--measures", str(MEASURES), *arguments]) == 2
    assert expected in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_the_project_holding_laits_files_is_refused(tmp_path, capsys):
    project = tmp_path / "project"
    shutil.copytree(SOURCE, project / "data" / "lait")
    (project / "params").mkdir()
    assert main(["import", "lait", "--source", str(project / "data" / "lait"), "--measures", str(MEASURES),
                 "--all-councils", "--project", str(project)]) == 1
    assert "a folder of its own" in capsys.readouterr().err
    assert not list((project / "params").iterdir())


def test_council_names_become_committee_ids():
    assert lait_all.slug("Bristol, City of") == "bristol-city-of"
    assert lait_all.slug("St. Helens") == "st-helens"
    assert lait_all.slug("Kingston Upon Hull, City of") == "kingston-upon-hull-city-of"
    assert lait_all.slug("Brighton & Hove") == "brighton-and-hove"


@pytest.mark.e2e
def test_two_councils_publish_ranked_among_all_councils(project, tmp_path):
    """`reporting run --all` on two of the generated committees: each published with its national rank and
    quartile band, and its manifest records (and verify checks) the shared national table."""
    two = tmp_path / "two"
    shutil.copytree(project, two, ignore=lambda folder, names: [n for n in names if n.endswith(".yaml") and folder.endswith("params")
                                                                and n not in ("lait-leeds.yaml", "lait-barnet.yaml")])
    done = subprocess.run([sys.executable, "-m", "reporting.cli", "run", "--all", "--project", str(two), "--jobs", "2",
                           "--renderer", "builtin", "--produced-on", "2026-01-15"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 of 2 committees published." in done.stdout
    for committee in ("lait-leeds", "lait-barnet"):
        folder = two / "outputs" / "2025-26-Q2" / committee
        kpis = pd.read_csv(folder / "kpis.csv")
        assert len(kpis) == 24
        assert kpis["national_rank"].notna().all() and kpis["quartile_band"].isin(list("ABCD")).all(), committee
        assert (kpis["national_count"] <= COUNCILS).all() and (kpis["neighbour_count"] <= 11).all()
        record = json.loads((folder / "manifest.json").read_text())
        assert "data/lait/national.csv" in record["inputs"] and f"data/lait/{committee.removeprefix('lait-')}/observations.csv" in record["inputs"]
        assert verify(folder).exit_code == 0, verify(folder).lines()
    national = two / "data" / "lait" / "national.csv"
    national.write_text(national.read_text() + "\n")  # the shared table changed: each report's verify says so
    changed = verify(two / "outputs" / "2025-26-Q2" / "lait-leeds")
    assert changed.exit_code == 3 and changed.inputs_changed == ["data/lait/national.csv"]
