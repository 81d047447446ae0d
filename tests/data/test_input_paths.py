"""Paths stay in the project: committee ids that cannot leave their folders, a dataset inside the
project unless REPORTING_DATA_ROOTS allows another place, notebooks only from notebooks/, and no
input read through a symbolic link that leads outside (its contents never reach a message)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

import reporting as rp
from reporting import DataValidationError, ParamsError
from reporting.cli import main
from reporting.errors import SettingsError
from support import copy_project
from test_validation import CATALOGUE, VALID_CSV

SECRET = "SECRET-MARKER-41d07e"  # written in files outside the project; must never appear in a message
BAD_IDS = ["../../x", "A", "x/y", "-x", "a" * 65, "x\n", ""]

PARAMS = """\
council: Cambridgeshire County Council
committee_name: Children and Young People Committee
dataset: {dataset}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project (tmp/project) with params/, a valid dataset data/x and notebooks/; tmp/ itself is outside it."""
    root = tmp_path / "project"
    (root / "params").mkdir(parents=True)
    (root / "notebooks").mkdir()
    make_dataset(root / "data" / "x")
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project, holding a file with a secret in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.yaml").write_text(f"council: {SECRET}\n\"116\": {SECRET}\n", encoding="utf-8")
    return folder


def make_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "indicators.yaml").write_text(CATALOGUE, encoding="utf-8")
    (folder / "observations.csv").write_text(VALID_CSV, encoding="utf-8")
    return folder


def write_params(project: Path, text: str, committee: str = "cyp") -> Path:
    path = project / "params" / f"{committee}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def every_file(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# Committee ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize("committee", BAD_IDS)
def test_a_bad_committee_id_is_a_params_error_saying_what_ids_look_like(committee):
    with pytest.raises(ParamsError) as caught:
        rp.check_committee_id(committee)
    message = str(caught.value)
    assert repr(committee) in message
    assert "1 to 64 lower-case letters, digits and hyphens" in message


@pytest.mark.parametrize("committee", ["cambridgeshire-cyp", "cyp", "010", "a" * 64, "durham-cyp-2"])
def test_good_committee_ids_pass(committee):
    assert rp.check_committee_id(committee) == committee


@pytest.mark.parametrize("committee", BAD_IDS[:4])
@pytest.mark.parametrize("command", [
    ["commentary", "new", "--quarter", "2023-24-Q4"],
    ["commentary", "check", "--quarter", "2023-24-Q4"],
    ["run", "--quarter", "2023-24-Q4"],
])
def test_a_bad_committee_id_on_the_command_line_is_a_usage_error_and_writes_nothing(tmp_path, project, committee, command, capsys):
    before = every_file(tmp_path)
    with pytest.raises(SystemExit) as caught:
        main([*command, f"--committee={committee}", "--project", str(project)])
    assert caught.value.code == 2
    assert "not allowed" in capsys.readouterr().err
    assert every_file(tmp_path) == before


def test_commentary_new_with_a_climbing_id_writes_nothing_anywhere(tmp_path, project):
    before = every_file(tmp_path)
    with pytest.raises(ParamsError):
        rp.new_commentary_notebook("../../x", "2023-24-Q4", project, execute=False)
    assert every_file(tmp_path) == before
    assert not (tmp_path / "x").exists() and not (project / "x").exists()


@pytest.mark.parametrize("call", [
    lambda project: rp.run_committee("x/y", "2023-24-Q4", project),
    lambda project: rp.check_commentary("A", "2023-24-Q4", project),
    lambda project: rp.commentary_path(project, "../x", "2023-24-Q4"),
    lambda project: rp.find_commentary(project, "-x", "2023-24-Q4"),
])
def test_every_entry_point_checks_the_committee_id(project, call):
    with pytest.raises(ParamsError, match="not allowed"):
        call(project)


def test_a_params_file_whose_name_is_not_a_committee_id_is_refused(project):
    path = write_params(project, PARAMS.format(dataset="data/x"), committee="Children_Committee")
    with pytest.raises(ParamsError) as caught:
        rp.load_params(path)
    assert str(path) in str(caught.value) and "'Children_Committee'" in str(caught.value)


@pytest.mark.parametrize("quarter", ["../2023-24-Q4", "2023-24-Q5", "Q4"])
def test_a_bad_quarter_on_the_command_line_is_a_usage_error(tmp_path, project, quarter, capsys):
    before = every_file(tmp_path)
    with pytest.raises(SystemExit) as caught:
        main(["commentary", "new", "--committee", "cyp", "--quarter", quarter, "--project", str(project)])
    assert caught.value.code == 2
    assert "YYYY-YY-QN" in capsys.readouterr().err
    assert every_file(tmp_path) == before


# The dataset folder --------------------------------------------------------------------------------


def test_a_dataset_outside_the_project_is_refused_naming_the_rule(project, outside, monkeypatch):
    monkeypatch.delenv("REPORTING_DATA_ROOTS", raising=False)
    make_dataset(outside / "data")
    path = write_params(project, PARAMS.format(dataset="../elsewhere/data"))
    with pytest.raises(ParamsError) as caught:
        rp.load_params(path)
    message = str(caught.value)
    assert f"{path}, key dataset: '../elsewhere/data'" in message
    assert "outside the project folder" in message and "REPORTING_DATA_ROOTS" in message


def test_a_dataset_outside_the_project_is_allowed_in_a_folder_named_in_reporting_data_roots(project, outside, monkeypatch):
    data = make_dataset(outside / "data")
    monkeypatch.setenv("REPORTING_DATA_ROOTS", os.pathsep.join(["/nonexistent-root", str(outside)]))
    params = rp.load_params(write_params(project, PARAMS.format(dataset=str(data))))
    assert params.dataset == data.resolve()
    assert len(rp.load_dataset(params.dataset, project).catalogue) == 3


def test_a_dataset_folder_linked_to_outside_the_project_is_refused(project, outside, monkeypatch):
    monkeypatch.delenv("REPORTING_DATA_ROOTS", raising=False)
    make_dataset(outside / "data")
    (project / "data" / "linked").symlink_to(outside / "data", target_is_directory=True)
    with pytest.raises(ParamsError, match="key dataset: 'data/linked' leads to .*outside the project folder"):
        rp.load_params(write_params(project, PARAMS.format(dataset="data/linked")))


def test_a_relative_folder_in_reporting_data_roots_is_a_clear_error(project, monkeypatch):
    monkeypatch.setenv("REPORTING_DATA_ROOTS", "data")
    with pytest.raises(SettingsError, match="REPORTING_DATA_ROOTS lists 'data', which is not an absolute folder"):
        rp.load_params(write_params(project, PARAMS.format(dataset="data/x")))


def test_a_catalogue_linked_to_outside_the_project_is_not_read(project, outside, monkeypatch):
    monkeypatch.delenv("REPORTING_DATA_ROOTS", raising=False)
    catalogue = project / "data" / "x" / "indicators.yaml"
    catalogue.unlink()
    catalogue.symlink_to(outside / "secret.yaml")
    with pytest.raises(DataValidationError) as caught:
        rp.load_dataset(project / "data" / "x", project)
    message = str(caught.value)
    assert str(catalogue) in message and "was not read" in message and "REPORTING_DATA_ROOTS" in message
    assert SECRET not in message


def test_a_catalogue_linked_into_a_data_root_is_read(project, outside, monkeypatch):
    (outside / "indicators.yaml").write_text(CATALOGUE, encoding="utf-8")
    catalogue = project / "data" / "x" / "indicators.yaml"
    catalogue.unlink()
    catalogue.symlink_to(outside / "indicators.yaml")
    monkeypatch.setenv("REPORTING_DATA_ROOTS", str(outside))
    assert len(rp.load_dataset(project / "data" / "x", project).catalogue) == 3


def test_observations_linked_to_outside_the_project_are_not_read(project, outside, monkeypatch):
    monkeypatch.delenv("REPORTING_DATA_ROOTS", raising=False)
    (outside / "observations.csv").write_text(f"indicator_id,period_end,value\n{SECRET},2023-12-31,1\n", encoding="utf-8")
    observations = project / "data" / "x" / "observations.csv"
    observations.unlink()
    observations.symlink_to(outside / "observations.csv")
    with pytest.raises(DataValidationError) as caught:
        rp.load_dataset(project / "data" / "x", project)
    assert str(observations) in str(caught.value) and SECRET not in str(caught.value)


def test_a_dataset_loaded_on_its_own_keeps_to_the_project_it_is_in(project, outside, monkeypatch):
    monkeypatch.delenv("REPORTING_DATA_ROOTS", raising=False)
    catalogue = project / "data" / "x" / "indicators.yaml"
    catalogue.unlink()
    catalogue.symlink_to(outside / "secret.yaml")
    with pytest.raises(DataValidationError, match=f"only from inside the project folder {project}"):
        rp.load_dataset(project / "data" / "x")  # as the report notebook does


def test_a_dataset_in_no_project_keeps_to_its_own_folder(tmp_path, outside, monkeypatch):
    monkeypatch.delenv("REPORTING_DATA_ROOTS", raising=False)
    folder = make_dataset(tmp_path / "loose" / "data")
    (folder / "indicators.yaml").unlink()
    (folder / "indicators.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(DataValidationError, match="the dataset folder") as caught:
        rp.load_dataset(folder)
    assert SECRET not in str(caught.value)


# Notebooks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting, key", [
    ("notebook: ../elsewhere/report.ipynb\n", "notebook"),
    ("notebook: params/report.ipynb\n", "notebook"),
    ("notebook: /tmp/report.ipynb\n", "notebook"),
    ("paper:\n  notebook: notebooks/../data/paper.ipynb\n", "paper.notebook"),
])
def test_a_notebook_outside_notebooks_is_refused(project, setting, key, monkeypatch):
    monkeypatch.setenv("REPORTING_DATA_ROOTS", "/tmp")  # no setting allows notebooks elsewhere
    path = write_params(project, PARAMS.format(dataset="data/x") + setting)
    with pytest.raises(ParamsError) as caught:
        rp.load_params(path)
    message = str(caught.value)
    assert f"{path}, key {key}: " in message
    assert "outside the project's notebooks folder" in message and "must be inside notebooks/" in message


def test_a_notebook_inside_notebooks_is_accepted(project):
    params = rp.load_params(write_params(project, PARAMS.format(dataset="data/x") + "notebook: notebooks/ours.ipynb\n"))
    assert params.notebook == (project / "notebooks" / "ours.ipynb").resolve()


# Params and commentary through symbolic links ------------------------------------------------------


def test_a_params_file_linked_to_outside_the_project_is_not_read(project, outside):
    path = project / "params" / "cyp.yaml"
    path.symlink_to(outside / "secret.yaml")
    with pytest.raises(ParamsError) as caught:
        rp.load_params(path)
    message = str(caught.value)
    assert str(path) in message and "inside the project folder" in message
    assert "was not read" in message and SECRET not in message


def test_a_link_that_stays_inside_the_project_is_followed(project):
    (project / "params" / "shared").mkdir()
    (project / "params" / "shared" / "base.yaml").write_text(PARAMS.format(dataset="data/x"), encoding="utf-8")
    (project / "params" / "cyp.yaml").symlink_to(project / "params" / "shared" / "base.yaml")
    assert rp.load_params(project / "params" / "cyp.yaml").council == "Cambridgeshire County Council"


def test_commentary_loaded_on_its_own_may_follow_a_link_inside_its_project(project):
    shared = project / "commentary" / "shared.yaml"
    shared.parent.mkdir()
    shared.write_text("\"116\": Referrals fell.\n", encoding="utf-8")
    link = project / "commentary" / "cyp" / "2023-24-Q3.yaml"
    link.parent.mkdir()
    link.symlink_to(shared)
    assert rp.load_commentary(link).loc[0, "commentary"] == "Referrals fell."


@pytest.fixture
def sample(tmp_path):
    """A copy of the sample project, with a file outside it holding a secret."""
    project = copy_project(tmp_path / "sample")
    (tmp_path / "secret.yaml").write_text(f"\"116\":\n  commentary: {SECRET}\n", encoding="utf-8")
    return project


def test_commentary_linked_to_outside_the_project_is_refused_without_quoting_it(sample, capsys):
    link = sample / "commentary" / "cambridgeshire-cyp" / "2023-24-Q4.yaml"
    link.symlink_to(sample.parent / "secret.yaml")

    with pytest.raises(DataValidationError) as caught:
        rp.check_commentary("cambridgeshire-cyp", "2023-24-Q4", sample)
    message = str(caught.value)
    assert str(link) in message and "was not read" in message and "inside the project folder" in message
    assert SECRET not in message

    with pytest.raises(DataValidationError) as caught:
        rp.load_commentary(link)
    assert SECRET not in str(caught.value)

    code = main(["commentary", "check", "--committee", "cambridgeshire-cyp", "--quarter", "2023-24-Q4", "--project", str(sample)])
    output = capsys.readouterr()
    assert code == 1 and SECRET not in output.out + output.err


def test_a_commentary_notebook_linked_to_outside_the_project_is_refused(sample):
    notebook = sample.parent / "outside.ipynb"
    cell = nbformat.v4.new_markdown_cell(SECRET, metadata={"tags": ["commentary", "kpi:116"]})
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), str(notebook))
    link = sample / "commentary" / "cambridgeshire-cyp" / "2023-24-Q4.ipynb"
    link.symlink_to(notebook)
    with pytest.raises(DataValidationError) as caught:
        rp.check_commentary("cambridgeshire-cyp", "2023-24-Q4", sample)
    assert str(link) in str(caught.value) and SECRET not in str(caught.value)


def test_a_commentary_folder_linked_outside_gets_no_new_notebook(sample, tmp_path):
    elsewhere = tmp_path / "elsewhere-commentary"
    elsewhere.mkdir()
    (sample / "commentary" / "durham-cyp").rename(tmp_path / "durham-kept")
    (sample / "commentary" / "durham-cyp").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(rp.ReportingError, match="outside the project folder"):
        rp.new_commentary_notebook("durham-cyp", "2023-24-Q3", sample, execute=False)
    assert not any(elsewhere.iterdir())
