"""Every YAML file (params, indicators.yaml, commentary) is read safely and means what it says:
no anchors or aliases, a size limit, UTF-8, errors that name the file and line but never quote it,
and ids or text that YAML would silently retype (`id: 010` read as 8) reported, not used."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from pathlib import Path

import pytest

import reporting as rp
from reporting import DataValidationError, ParamsError
from reporting.errors import SettingsError
from test_validation import CATALOGUE, VALID_CSV
from support import PROJECT

SECRET = "SECRET-MARKER-7f3a9c"  # must never appear in a message

PARAMS = """\
council: Cambridgeshire County Council
committee_name: Children and Young People Committee
dataset: data/x
"""

ENTRY = """\
- id: {id}
  title: {title}
  direction: lower
  unit: percent
  status: target
"""

# About 1 KB that would expand to 10^9 strings if aliases were followed.
BOMB = "laughs0: &lol0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n" + "".join(
    f"laughs{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 10)}]\n" for n in range(1, 10)
) + f"# {SECRET}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with params/, a valid dataset data/x and notebooks/."""
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    data = tmp_path / "data" / "x"
    data.mkdir(parents=True)
    (data / "indicators.yaml").write_text(CATALOGUE, encoding="utf-8")
    (data / "observations.csv").write_text(VALID_CSV, encoding="utf-8")
    return tmp_path


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def params_error(path: Path) -> str:
    with pytest.raises(ParamsError) as caught:
        rp.load_params(path)
    return str(caught.value)


def catalogue_error(path: Path) -> str:
    with pytest.raises(DataValidationError) as caught:
        rp.load_catalogue(path)
    return str(caught.value)


def commentary_error(path: Path) -> str:
    with pytest.raises(DataValidationError) as caught:
        rp.load_commentary(path)
    return str(caught.value)


# Anchors and aliases ---------------------------------------------------------------------------


def test_the_bomb_is_about_one_kilobyte():
    assert 800 < len(BOMB) < 1300


@pytest.mark.parametrize("kind", ["params", "catalogue", "commentary"])
def test_an_alias_bomb_is_refused_at_once_naming_the_file_and_line(project, kind):
    path = {
        "params": project / "params" / "cyp.yaml",
        "catalogue": project / "data" / "x" / "indicators.yaml",
        "commentary": project / "commentary" / "cyp" / "2023-24-Q3.yaml",
    }[kind]
    write(path, BOMB)
    load = {"params": params_error, "catalogue": catalogue_error, "commentary": commentary_error}[kind]

    tracemalloc.start()
    started = time.perf_counter()
    message = load(path)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert elapsed < 5
    assert peak < 50 * 1024 * 1024  # far below 500 MB: nothing was expanded
    assert str(path) in message
    assert "line 1" in message
    assert "anchors and aliases (&name, *name) are not allowed in this file" in message
    assert SECRET not in message and "lol" not in message


def test_a_single_anchor_is_refused_too(project):
    path = write(project / "params" / "cyp.yaml", PARAMS + "title: &t Report\nregion: *t\n")
    message = params_error(path)
    assert "line 4" in message and "anchors and aliases" in message


# Size, encoding, emptiness, not a file ---------------------------------------------------------


def test_a_yaml_file_over_the_limit_is_refused_before_reading(project, monkeypatch):
    monkeypatch.setenv("REPORTING_MAX_YAML_MB", "0.001")  # about 1 KB
    path = write(project / "params" / "cyp.yaml", PARAMS + f"# {SECRET}\n" + "#" * 2000 + "\n")
    message = params_error(path)
    assert str(path) in message
    assert "more than the 0.001 MB allowed for a YAML file" in message
    assert "REPORTING_MAX_YAML_MB" in message
    assert SECRET not in message


def test_the_default_yaml_limit_is_two_megabytes(project, monkeypatch):
    monkeypatch.delenv("REPORTING_MAX_YAML_MB", raising=False)
    path = write(project / "data" / "x" / "indicators.yaml", CATALOGUE + "#" * (2 * 1024 * 1024) + "\n")
    assert "more than the 2 MB allowed" in catalogue_error(path)


def test_the_yaml_limit_can_be_raised(project, monkeypatch):
    monkeypatch.setenv("REPORTING_MAX_YAML_MB", "5")
    path = write(project / "data" / "x" / "indicators.yaml", CATALOGUE + "#" * (3 * 1024 * 1024) + "\n")
    assert len(rp.load_catalogue(path)) == 3


@pytest.mark.parametrize("value", ["lots", "0", "-1"])
def test_a_limit_setting_that_is_not_a_positive_number_is_a_clear_error(project, monkeypatch, value):
    monkeypatch.setenv("REPORTING_MAX_YAML_MB", value)
    path = write(project / "params" / "cyp.yaml", PARAMS)
    with pytest.raises(SettingsError, match=f"REPORTING_MAX_YAML_MB is {value!r}"):
        rp.load_params(path)


def test_a_file_that_is_not_utf8_names_the_file_line_and_how_to_save_it(project):
    path = write(project / "params" / "cyp.yaml", PARAMS.encode() + "title: Caf\u00e9 report\n".encode("cp1252"))
    message = params_error(path)
    assert str(path) in message and "line 4" in message
    assert "not UTF-8 text" in message and "save it with the encoding 'UTF-8'" in message
    assert "Caf" not in message


def test_a_byte_order_mark_is_allowed(project):
    path = write(project / "params" / "cyp.yaml", b"\xef\xbb\xbf" + PARAMS.encode())
    assert rp.load_params(path).council == "Cambridgeshire County Council"


def test_an_empty_params_file_says_so(project):
    path = write(project / "params" / "cyp.yaml", "# nothing yet\n")
    message = params_error(path)
    assert str(path) in message and "the file is empty" in message and "council" in message


def test_an_empty_catalogue_says_so(project):
    path = write(project / "data" / "x" / "indicators.yaml", "")
    message = catalogue_error(path)
    assert "the file is empty; expected a list of indicator entries" in message


def test_an_empty_commentary_file_is_no_commentary_yet(project):
    path = write(project / "commentary" / "cyp" / "2023-24-Q3.yaml", "")
    assert rp.load_commentary(path).empty


def test_a_folder_where_the_catalogue_should_be_is_named(project):
    folder = project / "data" / "y" / "indicators.yaml"
    folder.mkdir(parents=True)
    message = catalogue_error(folder)
    assert str(folder) in message and "is a folder, not a file" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_where_the_params_file_should_be_is_refused_without_waiting(project):
    path = project / "params" / "cyp.yaml"
    os.mkfifo(path)
    message = params_error(path)
    assert str(path) in message and "not an ordinary file" in message


# Errors never quote the file -------------------------------------------------------------------


@pytest.mark.parametrize("broken, line", [
    (f"council: x\n{SECRET}: [unclosed\ndataset: data/x\n", 3),
    (f"council: x\n  {SECRET}: indented wrongly\n", 2),
    (f"council: x\n\"{SECRET}\n", 3),
])
def test_a_syntax_error_names_the_line_but_never_quotes_the_file(project, broken, line):
    path = write(project / "params" / "cyp.yaml", broken)
    message = params_error(path)
    assert str(path) in message and f"line {line}" in message and "not valid YAML" in message
    assert SECRET not in message


def test_a_python_tag_is_refused_without_quoting_it(project):
    path = write(project / "params" / "cyp.yaml", PARAMS + f"title: !!python/object/apply:os.system ['{SECRET}']\n")
    message = params_error(path)
    assert "line 4" in message and "tag" in message and SECRET not in message


def test_a_key_written_twice_is_refused(project):
    path = write(project / "params" / "cyp.yaml", PARAMS + "council: Another council\n")
    message = params_error(path)
    assert "line 4" in message and "'council' is written twice" in message and "first on line 1" in message


def test_an_impossible_date_names_its_line(project):
    path = write(project / "params" / "cyp.yaml", PARAMS + "paper:\n  meeting_date: 2024-02-30\n")
    message = params_error(path)
    assert "line 5" in message and "not a real one" in message


def test_a_damaged_commentary_notebook_is_not_quoted(tmp_path):
    path = write(tmp_path / "c.ipynb", '{"cells": [\n  "' + SECRET + '"\n  oops\n')
    message = commentary_error(path)
    assert str(path) in message and "is not a readable notebook" in message and "line 3" in message
    assert SECRET not in message


def test_a_notebook_not_in_the_notebook_format_is_not_quoted(tmp_path):
    path = write(tmp_path / "c.ipynb", json.dumps({"cells": [{"cell_type": SECRET}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    message = commentary_error(path)
    assert "does not follow the Jupyter notebook format" in message and SECRET not in message


def test_a_commentary_notebook_over_its_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTING_MAX_NOTEBOOK_MB", "0.001")
    path = write(tmp_path / "c.ipynb", json.dumps({"cells": [], "metadata": {"x": "y" * 2000}, "nbformat": 4, "nbformat_minor": 5}))
    message = commentary_error(path)
    assert "allowed for a commentary notebook" in message and "REPORTING_MAX_NOTEBOOK_MB" in message


# Values YAML silently retypes ------------------------------------------------------------------


RETYPED = [
    ("010", "the number 8"),
    ("0x1A", "the number 26"),
    ("yes", "the true/false value true"),
    ("1_000", "the number 1000"),
    ("1.50", "the number 1.5"),
    ("null", "nothing (null)"),
    ("~", "nothing (null)"),
]


@pytest.mark.parametrize("written, read_as", RETYPED)
def test_a_catalogue_id_yaml_retypes_is_reported_with_how_to_quote_it(project, written, read_as):
    path = write(project / "data" / "x" / "indicators.yaml", CATALOGUE + ENTRY.format(id=written, title="New"))
    message = catalogue_error(path)
    assert (
        f"{path}, entry 4, column id: {written!r}: YAML reads this as {read_as}, not as the id written; "
        f"write it in quotes, e.g. id: \"{written}\""
    ) in message


def test_a_numeric_id_that_reads_back_as_written_is_fine(project):
    path = write(project / "data" / "x" / "indicators.yaml", CATALOGUE + ENTRY.format(id="200", title="New"))
    catalogue = rp.load_catalogue(path)
    assert catalogue["id"].iloc[-1] == "200"


@pytest.mark.parametrize("written, read_as", RETYPED[:5])
def test_a_committee_in_the_catalogue_yaml_retypes_is_reported(project, written, read_as):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + f"  committees: [cyp, {written}]\n"
    message = catalogue_error(write(project / "data" / "x" / "indicators.yaml", text))
    assert f"entry 4, column committees: {written!r}: YAML reads this as {read_as}" in message


def test_a_params_id_yaml_retypes_is_reported(project):
    path = write(project / "params" / "010.yaml", PARAMS + "id: 010\n")
    message = params_error(path)
    assert f"{path}, key id: '010': YAML reads this as the number 8, not as the id written; write it in quotes, e.g. id: \"010\"" in message


@pytest.mark.parametrize("setting, key", [
    ("indicators: [\"116\", 010]\n", "indicators, item 2"),
    ("paper:\n  examples:\n    pin: [0x1A]\n", "paper.examples.pin, item 1"),
    ("spc:\n  rebase:\n    1.50: [2023-04-01]\n", "spc.rebase"),
])
def test_indicator_ids_in_params_yaml_retypes_are_reported(project, setting, key):
    message = params_error(write(project / "params" / "cyp.yaml", PARAMS + setting))
    assert f"key {key}: " in message and "YAML reads this as the number" in message and "write it in quotes" in message


def test_numeric_ids_in_params_that_read_back_as_written_are_fine(project):
    params = rp.load_params(write(project / "params" / "cyp.yaml", PARAMS + "indicators: [116, \"2\"]\nspc: {rebase: {116: [2023-04-01]}}\n"))
    assert params.indicators == ("116", "2")
    assert "116" in params.spc.rebase


def test_a_commentary_indicator_id_yaml_retypes_is_reported(project):
    path = write(project / "commentary" / "cyp" / "2023-24-Q3.yaml", "116: Fine.\n010:\n  commentary: Lost.\n")
    message = commentary_error(path)
    assert f"{path}, line 2: '010': this indicator id: YAML reads this as the number 8" in message
    assert "write it in quotes" in message


# Text must be text -----------------------------------------------------------------------------


@pytest.mark.parametrize("title, found", [("[Referrals, Re-referrals]", "a list"), ("{en: Referrals}", "a set of key: value settings")])
def test_a_list_or_mapping_as_a_catalogue_title_is_reported(project, title, found):
    message = catalogue_error(write(project / "data" / "x" / "indicators.yaml", CATALOGUE + ENTRY.format(id='"200"', title=title)))
    assert f"{project / 'data' / 'x' / 'indicators.yaml'}, entry 4, column title: " in message
    assert f"expected text, not {found}" in message


@pytest.mark.parametrize("field", ["description", "calculation", "numerator", "denominator", "target_note"])
def test_every_catalogue_text_field_must_be_text(project, field):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + f"  {field}: [a, b]\n"
    message = catalogue_error(write(project / "data" / "x" / "indicators.yaml", text))
    assert f"entry 4, column {field}: ['a', 'b']: expected text, not a list" in message


def test_a_number_as_text_that_reads_back_as_written_is_text(project):
    text = CATALOGUE + ENTRY.format(id='"200"', title="2023") + "  sources: [2023, Council records]\n"
    catalogue = rp.load_catalogue(write(project / "data" / "x" / "indicators.yaml", text))
    assert catalogue["title"].iloc[-1] == "2023"
    assert catalogue["sources"].iloc[-1] == ["2023", "Council records"]


def test_a_number_as_text_yaml_changes_is_reported(project):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + "  target_note: 1.50\n"
    message = catalogue_error(write(project / "data" / "x" / "indicators.yaml", text))
    assert "column target_note: '1.50': YAML reads this as the number 1.5, not as the text written" in message


def test_a_mapping_as_a_source_is_reported(project):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + "  sources:\n    - {name: DfE}\n"
    message = catalogue_error(write(project / "data" / "x" / "indicators.yaml", text))
    assert "entry 4, column sources: {'name': 'DfE'}: expected text, not a set of key: value settings" in message


@pytest.mark.parametrize("setting, key, found", [
    ("title: [Performance, Report]\n", "title", "a list"),
    ("region: {name: North East}\n", "region", "a set of key: value settings"),
    ("contact:\n  team: [a, b]\n", "contact.team", "a list"),
    ("paper:\n  background: {a: 1}\n", "paper.background", "a set of key: value settings"),
    ("paper:\n  from: [Director]\n", "paper.from", "a list"),
])
def test_a_list_or_mapping_as_a_params_text_setting_is_reported(project, setting, key, found):
    path = write(project / "params" / "cyp.yaml", PARAMS + setting)
    message = params_error(path)
    assert f"{path}, key {key}: " in message and f"expected text, not {found}" in message


def test_params_text_yaml_retypes_is_reported(project):
    message = params_error(write(project / "params" / "cyp.yaml", PARAMS.replace("Children and Young People Committee", "yes")))
    assert "key committee_name: 'yes': YAML reads this as the true/false value true" in message


# Links -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/etc/passwd", "www.gov.uk", "file:///etc/passwd", "https://exa mple.org/"])
def test_a_link_that_is_not_a_full_web_or_email_address_is_refused(project, url):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + f"  links:\n    - title: Ours\n      url: {json.dumps(url)}\n"
    message = catalogue_error(write(project / "data" / "x" / "indicators.yaml", text))
    assert f"entry 4, column links: {url!r}: link 1's url must be a full web or email address starting https://, http:// or mailto:" in message


def test_web_and_email_links_are_accepted(project):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + (
        "  links:\n    - {title: LG Inform, url: \"https://lginform.local.gov.uk/\"}\n"
        "    - {title: Team, url: \"mailto:performance@example.org\"}\n    - {url: \"http://example.org/a?b=1\"}\n"
    )
    catalogue = rp.load_catalogue(write(project / "data" / "x" / "indicators.yaml", text))
    assert [link["url"] for link in catalogue["links"].iloc[-1]][1] == "mailto:performance@example.org"


def test_a_link_title_must_be_text(project):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + "  links:\n    - {title: [a], url: \"https://example.org/\"}\n"
    message = catalogue_error(write(project / "data" / "x" / "indicators.yaml", text))
    assert "column links: ['a']: link 1's title: expected text, not a list" in message


# Duplicate ids ---------------------------------------------------------------------------------


def test_a_repeated_catalogue_id_names_the_entry_that_has_it_first(project):
    text = CATALOGUE + ENTRY.format(id='"200"', title="New") + ENTRY.format(id="116", title="Again")
    path = write(project / "data" / "x" / "indicators.yaml", text)
    message = catalogue_error(path)
    assert f"{path}, entry 5, column id: '116': the id '116' is already used by entry 1; each indicator needs its own id" in message
    assert "field_uniqueness" not in message


# The sample project still loads ------------------------------------------------------------------


@pytest.mark.parametrize("committee", rp.committee_ids(PROJECT / "params"))
def test_the_sample_params_datasets_and_commentary_load(committee):
    root = PROJECT
    params = rp.load_params(root / "params" / f"{committee}.yaml")
    dataset = rp.load_dataset(params.dataset, root)
    assert len(dataset.catalogue) > 0
    for path in (root / "commentary" / committee).glob("*.yaml"):
        assert not rp.load_commentary(path).empty
