"""The documentation is true: its commands run as shown, and its links lead somewhere.

The documents are README.md and docs/*.md. Every shell block in them is a ```sh block, and is
either run by this test or marked, on the line just before it, as an example that is not run,
saying why:

    <!-- example: not run (needs a Dask cluster) -->

A block marked `<!-- needs: chromium -->` runs where that command is on PATH and is left out
elsewhere. Sample output goes in ```text blocks, never inside a shell block.

Each document's blocks run in order, each with bash (`set -euo pipefail`), in a fresh copy of
the project: the files git tracks (and new files it does not ignore), with the project's
virtual environment linked in as `.venv` so `./run` does not reinstall, and PYTHONPATH set to
the copy's src/ so the copy's code runs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import PROJECT

DOCUMENTS = sorted([PROJECT / "README.md", *(PROJECT / "docs").glob("*.md")])
EXPECTED = ["README.md", "docs/analyst-guide.md", "docs/operator-guide.md", "docs/package.md", "docs/reference.md", "docs/spc.md"]
# Documents whose links are checked too, though they hold no commands.
LINKED = [*DOCUMENTS, PROJECT / "data" / "README.md"]
SHELL = "sh"  # the one language shell blocks are written in
SHELL_LIKE = {"sh", "bash", "shell", "console", "zsh", "shell-session", "shellsession", "terminal"}
FENCE = re.compile(r"^( {0,8})(`{3,}|~{3,})\s*([^\s`]*)\s*$")
EXAMPLE = re.compile(r"^<!-- example: not run \((.+)\) -->$")
NEEDS = re.compile(r"^<!-- needs: ([\w.-]+) -->$")
MARKER = re.compile(r"^<!--\s*(example|needs)\b")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
# A command must name the environment it runs in (.venv/bin/...) or go through ./run: the
# environment is never activated, so a bare `reporting` or `pip` is "command not found".
BARE = re.compile(r"^\s*(?:reporting|pip3?|pytest|python3?|jupyter|dask|nbstripout)(?:\s|$)")
RUN_TIMEOUT = 900  # seconds for one block


@dataclass
class Block:
    document: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    example: str | None = None  # why it is not run
    needs: str | None = None  # a command it needs on PATH

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(PROJECT)}:{self.line}"


def blocks(document: Path) -> list[Block]:
    """The fenced code blocks of a Markdown document, in order, with the marker line before each."""
    lines = document.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, language = opening.groups()
        body, j = [], i + 1
        while j < len(lines) and not re.match(rf"^ {{0,8}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[j]):
            line = lines[j]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            j += 1
        before = lines[i - 1].strip() if i > 0 else ""
        example, needs = EXAMPLE.match(before), NEEDS.match(before)
        found.append(Block(document, i + 1, language, "\n".join(body) + "\n",
                           example[1] if example else None, needs[1] if needs else None))
        i = j + 1
    return found


def prose(document: Path) -> str:
    """The document without its fenced blocks (for links and inline code)."""
    lines, kept, fence = document.read_text(encoding="utf-8").splitlines(), [], None
    for line in lines:
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening[2]
        elif fence is not None and re.match(rf"^ {{0,8}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
            fence = None
        elif fence is None:
            kept.append(line)
    return "\n".join(kept)


def anchors(document: Path) -> set[str]:
    """The anchors GitHub gives the document's headings: lower case, punctuation dropped, spaces as hyphens."""
    seen: dict[str, int] = {}
    result = set()
    for line in prose(document).splitlines():
        heading = HEADING.match(line)
        if not heading:
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading[2])  # a link in a heading: its text
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def doc_id(document: Path) -> str:
    return str(document.relative_to(PROJECT))


# Structure: cheap, no commands run ----------------------------------------------------------


def test_the_documents_are_the_front_page_and_the_guides():
    assert [doc_id(d) for d in DOCUMENTS] == EXPECTED


def test_the_readme_is_a_short_front_page_with_the_three_commands():
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150, "the README is the front page: detail belongs in docs/"
    for command in ("./run reports", "./run test", "./run lab"):
        assert f"```{SHELL}\n{command}\n```" in text, command
    for guide in ("docs/analyst-guide.md", "docs/operator-guide.md", "docs/reference.md"):
        assert f"]({guide})" in text, guide


@pytest.mark.parametrize("document", DOCUMENTS, ids=doc_id)
def test_every_block_has_a_language_and_shell_blocks_are_sh(document):
    wrong = [f"{b.where}: ```{b.language or '(no language)'}" for b in blocks(document)
             if not b.language or (b.language in SHELL_LIKE and b.language != SHELL)]
    assert wrong == [], (f"label every fenced block: ```{SHELL} for commands (run by this test), ```text for "
                         "sample output, or the file's own language (yaml, python, ...)")


@pytest.mark.parametrize("document", DOCUMENTS, ids=doc_id)
def test_every_marker_is_well_formed_and_sits_on_a_shell_block(document):
    """A marker says why (`example: not run (why)`) or what (`needs: command`), and marks the block right after it."""
    lines = document.read_text(encoding="utf-8").splitlines()
    problems = []
    for number, line in enumerate(lines, start=1):
        if not MARKER.match(line.strip()):
            continue
        if not (EXAMPLE.match(line.strip()) or NEEDS.match(line.strip())):
            problems.append(f"{number}: {line.strip()!r} is not `<!-- example: not run (why) -->` or `<!-- needs: command -->`")
        following = lines[number] if number < len(lines) else ""
        opening = FENCE.match(following)
        if not opening or opening[3] != SHELL:
            problems.append(f"{number}: a marker must be on the line just before a ```{SHELL} block")
    assert problems == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=doc_id)
def test_commands_name_the_environment_they_run_in(document):
    """`.venv/bin/reporting`, `./run ...`: never a bare `reporting`, which is not on PATH."""
    bare = [f"{b.where}: {line.strip()}" for b in blocks(document) if b.language == SHELL
            for line in b.text.splitlines() if BARE.match(line)]
    bare += [f"{doc_id(document)}: `{code}`" for _, code in INLINE_CODE.findall(prose(document))
             if re.match(r"^reporting \w+ .*--", code)]
    assert bare == [], "write .venv/bin/reporting (or ./run): the environment is not activated"


@pytest.mark.parametrize("document", LINKED, ids=doc_id)
def test_links_resolve_to_files_and_headings_inside_the_repository(document):
    broken = []
    for target in LINK.findall(INLINE_CODE.sub("", prose(document))):  # `[text](url)` in code is not a link
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        if not resolved.is_relative_to(PROJECT.resolve()):
            broken.append(f"{target}: outside the repository")
        elif not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.relative_to(PROJECT.resolve())}")
    assert broken == []


@pytest.mark.parametrize("document", LINKED, ids=doc_id)
def test_nothing_points_outside_the_repository(document):
    text = document.read_text(encoding="utf-8")
    for outside in ("../shared", "/work/", "/tmp/"):
        assert outside not in text, f"{doc_id(document)} mentions {outside}: the documents describe this repository only"


def test_the_block_parser_sees_markers_languages_and_indented_blocks(tmp_path):
    sample = tmp_path / "sample.md"
    sample.write_text(
        "Intro\n\n```sh\necho one\n```\n\n<!-- example: not run (needs a cluster) -->\n```sh\nsubmit\n```\n\n"
        "1. Step\n\n   <!-- needs: chromium -->\n   ```sh\n   audit it\n   ```\n\n```text\noutput\n```\n",
        encoding="utf-8",
    )
    found = [(b.language, b.text, b.example, b.needs) for b in blocks(sample)]
    assert found == [
        ("sh", "echo one\n", None, None),
        ("sh", "submit\n", "needs a cluster", None),
        ("sh", "audit it\n", None, "chromium"),
        ("text", "output\n", None, None),
    ]


# The commands, run -----------------------------------------------------------------------------


def fresh_copy(destination: Path) -> Path:
    """The project as a new checkout would have it, plus the new files git does not ignore."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=PROJECT, capture_output=True, check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = None
    if listed is None:  # not a git checkout: everything but what a run or an install makes
        shutil.copytree(PROJECT, destination, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", ".venv", "outputs", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info", "build"))
        return destination
    for name in filter(None, listed):
        source = PROJECT / name
        if name == ".venv" or not (source.exists() or source.is_symlink()) or source.is_dir():
            continue  # the environment link, a file deleted but not yet committed, a submodule
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)  # keeps ./run executable
    return destination


def link_environment(copy: Path, venv: Path) -> None:
    """`.venv` in the copy: the project's environment, entry by entry, with the copy's own install stamp.

    `./run` reinstalls when no `.venv/.installed-<hash of pyproject.toml>` exists. Its own folder of
    links, with the stamp for the copy's pyproject.toml, keeps `./run` from reinstalling into the
    shared environment (or pointing its editable install at this temporary copy).
    """
    own = copy / ".venv"
    own.mkdir()
    for entry in venv.iterdir():
        if not entry.name.startswith(".installed-"):
            (own / entry.name).symlink_to(entry)
    digest = hashlib.sha256((copy / "pyproject.toml").read_bytes()).hexdigest()[:16]
    (own / f".installed-{digest}").touch()


def block_environment(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REPORTING_PROJECT", "REPORTING_DATA_ROOTS"))}
    env.pop("VIRTUAL_ENV", None)
    env["PYTHONPATH"] = str(copy / "src")
    return env


def shown(block: Block, output: str, limit: int = 12000) -> str:
    output = output if len(output) <= limit else "[...]\n" + output[-limit:]
    return f"\n--- {block.where}: the block ---\n{block.text}--- its output ---\n{output}"


RUNNABLE = [d for d in DOCUMENTS if any(b.language == SHELL and not b.example for b in blocks(d))]


@pytest.mark.e2e
@pytest.mark.parametrize("document", RUNNABLE, ids=doc_id)
def test_the_commands_in_the_document_run_as_shown(document, tmp_path):
    venv = PROJECT / ".venv"
    if not (venv / "bin" / "python").exists():
        pytest.skip("no .venv in the project: ./run test creates it")
    copy = fresh_copy(tmp_path / "project")
    link_environment(copy, venv.resolve())
    env = block_environment(copy)
    ran, left_out = [], []
    for block in blocks(document):
        if block.language != SHELL or block.example:
            continue
        if block.needs and shutil.which(block.needs) is None:
            left_out.append(f"{block.where} (needs {block.needs})")
            continue
        started = time.monotonic()
        try:
            result = subprocess.run(["bash", "-c", "set -euo pipefail\n" + block.text], cwd=copy, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as stopped:
            output = stopped.stdout.decode(errors="replace") if isinstance(stopped.stdout, bytes) else (stopped.stdout or "")
            pytest.fail(f"did not finish within {RUN_TIMEOUT} s:" + shown(block, output))
        assert result.returncode == 0, f"exit status {result.returncode}:" + shown(block, result.stdout)
        ran.append(f"{block.where} ({time.monotonic() - started:.0f}s)")
    print("ran:", ", ".join(ran) or "nothing")
    if left_out:
        print("left out here:", ", ".join(left_out))
    assert ran, "no block ran"
