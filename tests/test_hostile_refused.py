"""The corpus of hostile and broken inputs (tests/hostile/cases.py), each run through the real command.

For each case: the exit status, a message that names the file, row or key, value and what was
expected (in our words, never Python's, never the lines of a file it should not have read), nothing
published, the earlier published outputs intact to the byte, and no staging folder left behind.
"""

from __future__ import annotations

import shutil
import time

import pytest

from hostile.cases import CASES, PYTHON_WORDS
from hostile.project import fingerprint, make_project, output_folder, run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The small committee, published once by the real command: the earlier outputs every case must leave intact."""
    root = make_project(tmp_path_factory.mktemp("published") / "project")
    status, said = run(root)
    assert status == 0, said
    return root


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_refused_and_nothing_is_published(case, published, tmp_path, monkeypatch):
    root = tmp_path / "project"
    shutil.copytree(published, root, symlinks=True)
    case.breaks(root)
    for variable, value in case.environment.items():
        monkeypatch.setenv(variable, value)
    before = fingerprint(output_folder(root))
    started = time.perf_counter()
    status, said = _run_case(case, root)
    seconds = time.perf_counter() - started

    assert status == case.status, said
    for words in case.says:
        assert words.lower() in said.lower(), f"{words!r} not in:\n{said}"
    for words in PYTHON_WORDS:
        assert words not in said, f"{words!r} in:\n{said}"
    assert fingerprint(output_folder(root)) == before, "the earlier outputs changed"
    leftovers = [p.name for p in output_folder(root).parent.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers
    assert seconds < 5, f"refusing took {seconds:.1f} s"


def _run_case(case, root):
    """The case's command: the committee's run, or the command line it gives."""
    from hostile.project import QUARTER as quarter

    argv = list(case.argv)
    if argv[:1] == ["--committee-override"]:
        return run(root, committee=argv[1])
    if argv[:1] == ["--quarter-override"]:
        return run(root, quarter=argv[1])
    if argv[:1] == ["commentary"]:
        import contextlib
        import io

        from reporting.cli import main

        said = io.StringIO()
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            try:
                status = main([*argv, "--project", str(root)])
            except SystemExit as stop:
                status = stop.code
        escaped = root.parent.parent / "x"
        assert not escaped.exists(), "commentary new wrote outside the project"
        return status, said.getvalue()
    return run(root, *argv, quarter=quarter)
