"""A committee's params file: every mistake names the file and the key to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import reporting
from reporting import ParamsError, SchemeError

VALID = """\
council: Cambridgeshire County Council
committee_name: Children and Young People Committee
dataset: data/x
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with params/ and an (empty) dataset folder data/x."""
    (tmp_path / "params").mkdir()
    (tmp_path / "data" / "x").mkdir(parents=True)
    return tmp_path


def write_params(project: Path, text: str, committee: str = "cyp") -> Path:
    path = project / "params" / f"{committee}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_params_load_with_the_dataset_resolved_from_the_project_folder(project):
    params = reporting.load_params(write_params(project, VALID))

    assert params.id == "cyp"
    assert params.council == "Cambridgeshire County Council"
    assert params.committee_name == "Children and Young People Committee"
    assert params.dataset == (project / "data" / "x").resolve()
    assert params.scheme.name == "ragb"
    assert params.default_quarter is None
    assert params.indicators is None


def test_scheme_settings_and_indicator_order_come_from_the_file(project):
    text = VALID + "scheme:\n  name: ragb\n  at_red_amber: red\nindicators: [116, '2', '1']\ndefault_quarter: 2023-24-Q3\n"

    params = reporting.load_params(write_params(project, text))

    assert params.scheme.settings.at_red_amber == "red"
    assert params.indicators == ("116", "2", "1")
    assert params.default_quarter == reporting.Quarter.parse("2023-24-Q3")


@pytest.mark.parametrize("key", ["council", "committee_name", "dataset"])
def test_missing_required_setting_is_an_error_naming_the_file_and_key(project, key):
    text = "".join(line + "\n" for line in VALID.splitlines() if not line.startswith(f"{key}:"))
    path = write_params(project, text)

    with pytest.raises(ParamsError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert f"key {key}" in message
    assert "missing" in message


def test_empty_council_counts_as_missing(project):
    path = write_params(project, VALID.replace("Cambridgeshire County Council", "''"))

    with pytest.raises(ParamsError, match="key council: required but missing"):
        reporting.load_params(path)


def test_unknown_setting_is_an_error_naming_it(project):
    path = write_params(project, VALID + "colour_scheme: red\n")

    with pytest.raises(ParamsError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "colour_scheme" in message
    assert "council" in message  # lists the settings there are


def test_dataset_folder_not_found_is_an_error_naming_the_folder(project):
    path = write_params(project, VALID.replace("data/x", "data/missing"))

    with pytest.raises(ParamsError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "key dataset" in message
    assert "data/missing" in message


def test_dataset_that_is_a_file_not_a_folder_is_an_error(project):
    (project / "data" / "file.csv").write_text("a,b\n", encoding="utf-8")
    path = write_params(project, VALID.replace("data/x", "data/file.csv"))

    with pytest.raises(ParamsError, match="key dataset"):
        reporting.load_params(path)


def test_missing_params_file_is_an_error(project):
    path = project / "params" / "nobody.yaml"

    with pytest.raises(ParamsError) as caught:
        reporting.load_params(path)

    assert str(path) in str(caught.value)


def test_params_that_are_not_key_value_settings_are_an_error(project):
    path = write_params(project, "- council\n- dataset\n")

    with pytest.raises(ParamsError, match="key: value"):
        reporting.load_params(path)


def test_id_that_does_not_match_the_file_name_is_an_error(project):
    path = write_params(project, VALID + "id: other\n")

    with pytest.raises(ParamsError, match="key id"):
        reporting.load_params(path)


def test_bad_default_quarter_is_a_params_error_naming_the_key(project):
    path = write_params(project, VALID + "default_quarter: 2023-Q3\n")

    with pytest.raises(ParamsError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "key default_quarter" in message
    assert "2023-24-Q3" in message


def test_bad_scheme_option_is_a_scheme_error_naming_the_file_and_key(project):
    path = write_params(project, VALID + "scheme:\n  name: ragb\n  at_red_amber: purple\n")

    with pytest.raises(SchemeError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "at_red_amber" in message
    assert "'purple'" in message


def test_unknown_scheme_setting_is_a_scheme_error_naming_the_file_and_key(project):
    path = write_params(project, VALID + "scheme:\n  name: ragb\n  amber_tolerance: 0.2\n")

    with pytest.raises(SchemeError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "scheme.amber_tolerance" in message


def test_unknown_scheme_name_is_a_scheme_error_naming_the_file(project):
    path = write_params(project, VALID + "scheme: durham-traffic-lights\n")

    with pytest.raises(SchemeError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    assert "scheme.name" in message
    assert "durham-traffic-lights" in message
