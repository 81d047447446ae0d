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


PAPER = VALID + """\
paper:
  meeting_date: 2024-03-19
  from: Executive Director, Children, Education and Families
  electoral_divisions: All
  key_decision: no
  forward_plan_reference: none
  recommendation: |
    The Committee is asked to note the report.
  officer_contact:
    name: Jordan Ellery
    role: Performance Manager
    email: jordan.ellery@example.gov.uk
    phone: "01632 960 184"
"""


def test_the_committee_paper_items_come_from_the_paper_settings(project):
    paper = reporting.load_params(write_params(project, PAPER)).paper

    assert str(paper.meeting_date) == "2024-03-19"
    assert paper.report_from == "Executive Director, Children, Education and Families"
    assert paper.electoral_divisions == "All"
    assert paper.key_decision is False
    assert paper.forward_plan_reference == "Not applicable"
    assert paper.recommendation.strip() == "The Committee is asked to note the report."
    assert paper.officer_contact == reporting.OfficerContact(
        "Jordan Ellery", "Performance Manager", "jordan.ellery@example.gov.uk", "01632 960 184")


def test_committee_paper_items_left_out_are_empty(project):
    paper = reporting.load_params(write_params(project, VALID)).paper

    assert paper.meeting_date is None and paper.key_decision is None and paper.officer_contact is None
    assert paper.recommendation == paper.electoral_divisions == paper.forward_plan_reference == ""


@pytest.mark.parametrize("written, read", [("yes", True), ("No", False), ("'yes'", True), ("\"no\"", False), ("true", True)])
def test_key_decision_is_yes_or_no(project, written, read):
    path = write_params(project, PAPER.replace("key_decision: no", f"key_decision: {written}"))

    assert reporting.load_params(path).paper.key_decision is read


@pytest.mark.parametrize("written, read", [("none", "Not applicable"), ("None", "Not applicable"), ("~", "Not applicable"),
                                           ("", "Not applicable"), ("\"2024/041\"", "2024/041"), ("KD2024/07", "KD2024/07")])
def test_forward_plan_reference_is_text_or_none(project, written, read):
    path = write_params(project, PAPER.replace("forward_plan_reference: none", f"forward_plan_reference: {written}"))

    assert reporting.load_params(path).paper.forward_plan_reference == read


@pytest.mark.parametrize("old, new, words", [
    ("meeting_date: 2024-03-19", "meeting_date: 19/03/2024", ["paper.meeting_date", "19/03/2024", "YYYY-MM-DD"]),
    ("key_decision: no", "key_decision: maybe", ["paper.key_decision", "'maybe'", "yes or no"]),
    ("key_decision: no", "key_decision: 0", ["paper.key_decision", "0", "yes or no"]),
    ("electoral_divisions: All", "electoral_divisions: [North, South]", ["paper.electoral_divisions", "expected text, not a list"]),
    ("forward_plan_reference: none", "forward_plan_reference: no", ["paper.forward_plan_reference", "'no'", "quotes"]),
    ("recommendation: |", "recommendation: {note: it}\n  x: |", ["paper.recommendation", "expected text"]),
    ("officer_contact:\n    name: Jordan Ellery", "officer_contact:\n    name: ''", ["paper.officer_contact.name", "required"]),
    ("    name: Jordan Ellery\n", "    name: Jordan Ellery\n    mobile: '07700 900123'\n", ["paper.officer_contact.mobile", "not a known setting", "name, role, email, phone"]),
    ("email: jordan.ellery@example.gov.uk", "email: mailto:jordan.ellery@example.gov.uk", ["paper.officer_contact.email", "'mailto:jordan.ellery@example.gov.uk'", "not an email address"]),
    ("email: jordan.ellery@example.gov.uk", "email: Jordan Ellery <jordan@example.gov.uk>", ["paper.officer_contact.email", "not an email address"]),
    ("email: jordan.ellery@example.gov.uk", "email: javascript:alert(1)", ["paper.officer_contact.email", "not an email address"]),
    ("phone: \"01632 960 184\"", "phone: ask at reception", ["paper.officer_contact.phone", "'ask at reception'", "not a telephone number"]),
    ("phone: \"01632 960 184\"", "phone: 01234567", ["paper.officer_contact.phone", "01234567", "quotes"]),
    (PAPER[PAPER.index("  officer_contact:"):], "  officer_contact: Jordan Ellery, 01632 960 184\n",
     ["paper.officer_contact", "'Jordan Ellery, 01632 960 184'", "name:"]),
])
def test_a_wrong_committee_paper_item_is_an_error_naming_the_file_key_and_value(project, old, new, words):
    assert old in PAPER
    path = write_params(project, PAPER.replace(old, new, 1))

    with pytest.raises(ParamsError) as caught:
        reporting.load_params(path)

    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message, (word, message)
