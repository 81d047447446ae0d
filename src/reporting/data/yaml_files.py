"""Our YAML files (params, indicators.yaml, commentary) read safely and as written: size-capped, UTF-8,
no anchors, aliases or repeated keys, and errors that name the line but never echo the file. The node
tree is kept, so YAML's silent retyping (`id: 010` read as 8, `yes` as true) can be reported."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import limits
from ..errors import InputFileError, Problem
from ..gcpause import no_cycle_collection
from .input_files import Allowed, in_own_project, read_text

# libyaml's C parser where it is installed (much faster), else PyYAML's own; both are safe loaders.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ANCHORS = "anchors and aliases (&name, *name) are not allowed in this file; write each value out in full"
MERGE = "tag:yaml.org,2002:merge"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
STR, MAP, SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
SCALARS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp"))
# Where an anchor (&name) or alias (*name) could start: `&` or `*` then a character a name may hold. YAML
# 1.2 allows any but a space, tab, line break or ,[]{} (libyaml only letters, digits, - and _); `R&D` counts.
_ANCHOR_OR_ALIAS = re.compile(r"[&*][^ \t\r\n,\[\]{}]")


@dataclass(frozen=True)
class YamlFile:
    """A YAML file as read: its data, and the node tree it was built from (each value's text as written)."""

    path: Path
    data: Any
    node: Node | None

    @property
    def name(self) -> str:
        return str(self.path)

    def node_at(self, *keys: str | int) -> Node | None:
        """The node at a path of mapping keys (as written) and list positions, or None when absent."""
        return node_at(self.node, *keys)


def read_yaml(path: str | Path, allowed: Allowed | None = None, needs: str | None = None, missing: str = "no such file") -> YamlFile:
    """Read a YAML file: inside `allowed` (default: the project it is in), within REPORTING_MAX_YAML_MB,
    UTF-8, without anchors, aliases or repeated keys. With `needs` (what the file must hold), an empty
    file is an error too; `missing` says what to do when there is no file. Raises InputFileError
    naming the file and line, never quoting it."""
    path = Path(path)
    name = str(path)
    text = read_text(path, allowed or in_own_project(path), limits.YAML, "YAML file", missing)
    # Text with no `&` or `*` before a name can hold no anchor or alias, so the scan for them is skipped;
    # should the file then not read, it is read again the careful way, so every error is as ever.
    try:
        node, data = _read(text, name, careful=_ANCHOR_OR_ALIAS.search(text) is not None)
    except _ReadAgain:
        node, data = _read(text, name, careful=True)
    if needs and data is None:
        raise InputFileError(Problem(name, None, None, None, f"the file is empty; expected {needs}"))
    return YamlFile(path, data, node)


class _ReadAgain(Exception):
    """The quick read of a file failed: read it again the careful way, for the error to report."""


def _read(text: str, name: str, careful: bool) -> tuple[Node | None, Any]:
    """The node tree and data of `text`. `careful`: anchors and aliases are looked for first (each parser
    event), and every error is reported; otherwise any error raises _ReadAgain."""
    node = None
    try:
        if careful:
            _refuse_anchors(text, name)  # before building anything: an alias bomb is stopped at its first anchor
        loader = Loader(text)
        try:
            with no_cycle_collection():
                node = loader.get_single_node()
            _refuse_repeated_keys(node, name)
            data = _built(loader, node) if node is not None else None
        finally:
            loader.dispose()
    except InputFileError:
        raise
    except Exception as error:
        if not careful:
            raise _ReadAgain() from None
        if isinstance(error, yaml.YAMLError):
            raise _unreadable(name, text, error) from None
        if isinstance(error, ValueError):  # an impossible date such as 2024-02-30
            raise _impossible_date(name, node) from None
        if isinstance(error, RecursionError):
            raise InputFileError(Problem(name, None, None, None, "the values are nested too deeply to read; our YAML files need only a few levels")) from None
        raise
    return node, data


def _built(loader, root: Node) -> Any:
    """The data YAML makes of the tree: plain text, lists and mappings built directly (PyYAML's constructor
    takes most of the time of a large file), other values by PyYAML's safe constructor. Anything else (an
    unusual tag, a list as a key, nesting too deep) is left to PyYAML's constructor, errors and all."""
    constructor = SafeConstructor()

    def value(node: Node):
        tag = node.tag
        if tag == STR and isinstance(node, ScalarNode):
            return node.value
        if tag == MAP and isinstance(node, MappingNode):
            return {value(k): value(v) for k, v in node.value}
        if tag == SEQ and isinstance(node, SequenceNode):
            return [value(n) for n in node.value]
        if tag in SCALARS and isinstance(node, ScalarNode):
            return constructor.construct_object(node)
        raise _NotPlain

    try:
        return value(root)
    except Exception:  # the constructor's own way, which raises its own errors
        return loader.construct_document(root)


class _NotPlain(Exception):
    """A node `_built` leaves to PyYAML's constructor."""


class NotAsWritten(NamedTuple):
    """A value that is not the text the file meant: the value to show, and what was expected."""

    shown: object
    expected: str


def not_as_written(node: Node | None, key: str | None = None, kind: str = "text") -> NotAsWritten | None:
    """Why the value at `node` is not the text (`kind` "text") or id (`kind` "id") the file meant, or None.

    A list or mapping is never text. A value YAML typed (a number, a date, true/false) is fine when it
    reads back as written (116), and a problem when it does not (010 read as 8, yes as true, 1.50 as
    1.5). For an id, a word YAML reads as nothing (null, ~) is a problem too. `key` is used in the
    example of how to write it in quotes.
    """
    if node is None:
        return None
    if isinstance(node, ScalarNode) and node.tag == STR:  # text, read as written
        return None
    noun = "an id" if kind == "id" else "text"
    if isinstance(node, SequenceNode):
        return NotAsWritten(yaml_value(node), f"expected {noun}, not a list")
    if isinstance(node, MappingNode):
        return NotAsWritten(yaml_value(node), f"expected {noun}, not a set of key: value settings")
    value, written = yaml_value(node), node.value
    if isinstance(value, str) or (value is None and (kind != "id" or not written)) or (value is not None and str(value) == written):
        return None
    quoted = json.dumps(written, ensure_ascii=False)
    example = f"{key}: {quoted}" if key else quoted
    return NotAsWritten(
        written,
        f"YAML reads this as {_described(value)}, not as the {'id' if kind == 'id' else 'text'} written; "
        f"write it in quotes, e.g. {example}",
    )


def node_at(node: Node | None, *keys: str | int) -> Node | None:
    """The node below `node` at a path of mapping keys (as written) and list positions, or None when absent."""
    for key in keys:
        if isinstance(node, MappingNode) and isinstance(key, str):
            node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)
        elif isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def items(node: Node | None) -> list[Node]:
    """The item nodes of a list; a single value counts as a list of one, nothing as none."""
    if isinstance(node, SequenceNode):
        return list(node.value)
    return [] if node is None or (isinstance(node, ScalarNode) and yaml_value(node) is None) else [node]


def yaml_value(node: Node):
    """The value YAML makes of one node (on its own: its key and the rest of the file play no part)."""
    return SafeConstructor().construct_object(node, deep=True)


def mapping_pairs(node: Node | None) -> list[tuple[Node, Node]]:
    """The (key node, value node) pairs of a mapping, in file order; none for anything else."""
    return list(node.value) if isinstance(node, MappingNode) else []


def _described(value) -> str:
    """What YAML made of a value, in words: 'the number 8', 'the true/false value true', 'nothing (null)'."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the true/false value {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, datetime):
        return f"the date and time {value.isoformat(sep=' ')}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return "binary data" if isinstance(value, bytes) else f"a value of type {type(value).__name__}"


def _problem(name: str, mark, text: str) -> InputFileError:
    if mark is None:
        return InputFileError(Problem(name, None, None, None, text))
    return InputFileError(Problem(name, mark.line + 1, str(mark.column + 1), None, text, "line"))


def _refuse_anchors(text: str, name: str) -> None:
    """Scan the parser's events (nothing is built) and refuse the first anchor or alias."""
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _problem(name, event.start_mark, ANCHORS)


def _refuse_repeated_keys(root: Node | None, name: str) -> None:
    """A key written twice in one mapping (YAML would silently keep the last) and merge keys (<<) are refused."""
    found = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            stack.extend(value for _, value in node.value if not isinstance(value, ScalarNode))
            written = [key.value for key, _ in node.value if isinstance(key, ScalarNode)]
            if len(set(written)) == len(written) and all(key.tag != MERGE for key, _ in node.value):
                continue  # the usual case, checked quickly
            first: dict[str, int] = {}
            for key, _ in node.value:
                if key.tag == MERGE:
                    found.append((key.start_mark, "merge keys (<<) are not allowed in this file; write each setting out in full"))
                elif isinstance(key, ScalarNode) and key.value in first:
                    found.append((key.start_mark, f"the key {key.value!r} is written twice in the same place (first on line "
                                  f"{first[key.value]}); keep one: YAML would silently use only the last"))
                elif isinstance(key, ScalarNode):
                    first[key.value] = key.start_mark.line + 1
    if found:
        mark, text = min(found, key=lambda f: (f[0].line, f[0].column))
        raise _problem(name, mark, text)


def _unreadable(name: str, text: str, error: yaml.YAMLError) -> InputFileError:
    """The parser's complaint without the snippet of the file PyYAML puts in str(error)."""
    if isinstance(error, yaml.reader.ReaderError):
        line = text[: error.position].count("\n") + 1
        code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "\0")
        return InputFileError(Problem(name, line, None, None, f"the file holds a character YAML does not allow (#x{code:04x}); is it really a YAML file?", "line"))
    if isinstance(error, ConstructorError):
        return _problem(name, error.problem_mark, "uses a YAML tag (such as !!python/object) that is not allowed here; write plain values")
    if isinstance(error, yaml.MarkedYAMLError):
        message = f"not valid YAML: {error.problem or 'the text does not follow the YAML rules'}"
        if error.context:
            where = f" that starts on line {error.context_mark.line + 1}" if error.context_mark else ""
            message += f" ({error.context}{where})"
        return _problem(name, error.problem_mark or error.context_mark, message)
    return InputFileError(Problem(name, None, None, None, "not valid YAML"))


def _impossible_date(name: str, root: Node | None) -> InputFileError:
    """The first value written as a date that is not a real date (2024-02-30), by its line."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode) and node.tag == TIMESTAMP:
            try:
                yaml_value(node)
            except ValueError as error:
                return _problem(name, node.start_mark, f"this is written as a date but is not a real one ({error}); write dates as YYYY-MM-DD")
        elif isinstance(node, (SequenceNode, MappingNode)):
            stack.extend(reversed([n for pair in node.value for n in pair] if isinstance(node, MappingNode) else node.value))
    return InputFileError(Problem(name, None, None, None, "holds a value YAML cannot read (a date that is not a real date?)"))
