"""A large YAML file (a 20,000-entry catalogue) is read quickly and exactly as before: text with no
anchor or alias in it is not scanned for them, plain values are built directly rather than by PyYAML's
constructor, and the cycle collector waits while the tree is built. The data is what PyYAML's safe
loader makes, and every error is the one the careful read reports."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pytest
import yaml

from reporting import DataValidationError
from reporting.data import yaml_files
from reporting.data.catalogue import load_catalogue
from reporting.data.yaml_files import read_yaml
from support import PROJECT

# Documents whose data must be exactly what PyYAML's safe loader makes of them.
DOCUMENTS = [
    "a: 1\nb: 1.50\nc: true\nd: ~\ne: 2024-02-29\nf: 2024-02-29 10:30:00\ng: '010'\nh: 010\ni: .nan\nj: -.inf\n",
    "- id: 116\n  title: Health & Wellbeing\n  committees: [a, 1, ~, '']\n  sources:\n",
    "1: one\n1.0: float one\ntrue: yes\n~: nothing\n'2': text two\n",
    "=: the value key\nk: v\n",
    "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\np: !!pairs [{a: 1}]\nb: !!binary aGVsbG8=\n",
    "t: !!str 010\nu: !!int '7'\nv: !!float '1'\nw: !!bool 'yes'\nx: !!null ''\n",
    "nested: [[[[1, [2, {a: [3]}]]]]]\nempty: {}\nnone: []\n",
    "text: |\n  line one\n  line two\nfolded: >\n  one\n  two\n",
    "- just\n- a\n- list\n",
    "plain scalar\n",
    "",
    "# a comment only\n",
    "price: 5 * 3\nmail: a&b\n",
]

# Documents a read refuses: the error must be the careful read's, whether or not the quick read was tried.
BROKEN = [
    "a: 1\n---\nb: [\n",                    # a second document, broken: the parser's error, not "a single document"
    "a: 1\n---\nb: 2\n",                     # a second document
    "a: [1, 2\n",                            # unclosed flow
    "a: 1\na: 2\n",                          # a key written twice
    "a: 1\n<<: {b: 2}\n",                    # a merge key
    "a: 2024-02-30\n",                       # an impossible date
    "a: !!python/object:os.system x\n",      # a tag that is not allowed
    "a: !custom x\n",                        # an unknown tag
    "a: =\n",                                # the value tag as a value
    "[1, 2]: x\n",                           # a list as a key
    "a: &x 1\nb: *x\n",                      # an anchor and an alias
    "a: \t- b\n",                            # a tab where YAML does not allow one
    "[" * 5000 + "]" * 5000 + "\n",          # nested too deeply
]


def write(folder: Path, text: str) -> Path:
    (folder / "params").mkdir(exist_ok=True)
    path = folder / "file.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def careful(monkeypatch) -> None:
    """Every read made the careful way (the anchor scan, then PyYAML's constructor), as before."""
    monkeypatch.setattr(yaml_files, "_ANCHOR_OR_ALIAS", type("Always", (), {"search": staticmethod(lambda text: True)})())
    monkeypatch.setattr(yaml_files, "_built", lambda loader, node: loader.construct_document(node))


def outcome(path: Path):
    try:
        return "data", repr(read_yaml(path).data)
    except Exception as error:  # the error's type and every detail it carries
        return "error", type(error).__name__, str(error), repr(getattr(error, "problems", None))


@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_data_is_what_pyyaml_makes(tmp_path, text):
    path = write(tmp_path, text)
    assert repr(read_yaml(path).data) == repr(yaml.load(text, Loader=yaml.SafeLoader))


@pytest.mark.parametrize("text", DOCUMENTS + BROKEN)
def test_the_quick_read_has_the_careful_reads_outcome(tmp_path, monkeypatch, text):
    path = write(tmp_path, text)
    quick = outcome(path)
    careful(monkeypatch)
    assert quick == outcome(path)


def test_a_second_broken_document_reports_the_parsers_error_as_before(tmp_path):
    with pytest.raises(DataValidationError, match="not valid YAML: did not find expected node content"):
        read_yaml(write(tmp_path, "a: 1\n---\nb: [\n"))


@pytest.mark.parametrize("text", ["a: &x 1\n", "a: [*x]\n", "- &anchor-name {a: 1}\n"])
def test_an_anchor_or_alias_is_still_refused(tmp_path, text):
    with pytest.raises(DataValidationError, match="anchors and aliases"):
        read_yaml(write(tmp_path, text))


def test_text_without_anchors_is_not_scanned_for_them(tmp_path, monkeypatch):
    def scanned(text, name):
        raise AssertionError("scanned")

    monkeypatch.setattr(yaml_files, "_refuse_anchors", scanned)
    assert read_yaml(write(tmp_path, "title: Health & Wellbeing\nnote: 5 * 3\n")).data["note"] == "5 * 3"
    with pytest.raises(AssertionError, match="scanned"):
        read_yaml(write(tmp_path, "title: R&D\n"))  # `&D` could be an anchor: scanned


@pytest.mark.parametrize("was_on", [True, False])
def test_the_cycle_collector_is_left_as_it_was(tmp_path, was_on):
    good = write(tmp_path, "- {id: a, title: A, direction: higher, unit: percent, status: target}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: a, title: A, direction: sideways, unit: percent, status: target}\n", encoding="utf-8")
    (gc.enable if was_on else gc.disable)()
    try:
        load_catalogue(good)
        assert gc.isenabled() == was_on
        with pytest.raises(DataValidationError):
            load_catalogue(bad)
        assert gc.isenabled() == was_on
    finally:
        gc.enable()


def _reference_files() -> list[Path]:
    return sorted([*PROJECT.glob("data/*/indicators.yaml"), *PROJECT.glob("params/*.yaml"), *PROJECT.glob("commentary/*/*.yaml")])


@pytest.mark.parametrize("path", _reference_files(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_the_projects_yaml_files_read_as_pyyaml_reads_them(path):
    assert repr(read_yaml(path).data) == repr(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader))


def large_catalogue(count: int) -> str:
    """A catalogue using every field, ids written as numbers and as text."""
    out = []
    for n in range(count):
        out.append(
            f"- id: {n + 1 if n % 2 else repr(f'K{n:05d}')}\n  title: Indicator {n} & more\n"
            f"  direction: {('higher', 'lower', 'none')[n % 3]}\n  unit: {('percent', 'rate', 'number', 'score')[n % 4]}\n"
            f"  status: {('target', 'contextual', 'baseline')[n % 3]}\n"
            + ("  decimals: 2\n  rate_base: 10000\n  frequency: monthly\n  kind: key_target\n" if n % 5 == 0 else "")
            + ("  committees: [a, b]\n  sources: Department for Education\n" if n % 7 == 0 else "")
            + ("  links:\n    - {title: LG Inform, url: https://lginform.local.gov.uk/}\n" if n % 11 == 0 else "")
            + ("  target_against: [england_mean]\n  target_by: {value: 5, year: 2030}\n  spc_rebase: [2022-10-01]\n" if n % 13 == 0 else "")
            + ("  description: 'Text: quoted'\n  numerator: 12\n" if n % 17 == 0 else "")
        )
    return "".join(out)


def test_a_large_catalogue_loads_exactly_as_the_careful_read_loads_it(tmp_path, monkeypatch):
    path = write(tmp_path, large_catalogue(3000))
    quick = load_catalogue(path)
    careful(monkeypatch)
    pd.testing.assert_frame_equal(quick, load_catalogue(path), check_exact=True)
    assert len(quick) == 3000 and quick["id"].tolist()[:2] == ["K00000", "2"]


def test_errors_in_a_large_catalogue_are_reported_as_the_careful_read_reports_them(tmp_path, monkeypatch):
    text = large_catalogue(500).replace("  title: Indicator 40 & more\n", "  title: [a, b]\n").replace(
        "- id: 'K00100'", "- id: 0100").replace("unit: score\n  status: contextual", "unit: score\n  status: cancelled", 1)
    path = write(tmp_path, text)
    with pytest.raises(DataValidationError) as quick:
        load_catalogue(path)
    careful(monkeypatch)
    with pytest.raises(DataValidationError) as slow:
        load_catalogue(path)
    assert str(quick.value) == str(slow.value) and quick.value.problems == slow.value.problems
    assert len(quick.value.problems) >= 3
