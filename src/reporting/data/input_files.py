"""Where input files may be read from, checked before any is opened: inside the project (or, for data,
a folder named in REPORTING_DATA_ROOTS) after following symbolic links, a regular file, within its size
limit, and UTF-8 text. A refused file is never read, so its contents cannot reach a message or a log."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError, ParamsError, Problem, SettingsError
from .limits import MB, SizeLimit

DATA_ROOTS = "REPORTING_DATA_ROOTS"  # os.pathsep-separated absolute folders that data may also come from


@dataclass(frozen=True)
class Allowed:
    """The folders an input file must resolve into, and the rule in words for messages."""

    folders: tuple[Path, ...]
    rule: str

    def allows(self, path: str | Path) -> bool:
        """Whether `path`, after following every symbolic link on the way, is in one of the folders."""
        real = Path(path).resolve()
        return any(real.is_relative_to(folder) for folder in self.folders)


def data_roots() -> tuple[Path, ...]:
    """The folders outside the project that REPORTING_DATA_ROOTS allows datasets to come from."""
    roots = []
    for entry in os.environ.get(DATA_ROOTS, "").split(os.pathsep):
        if not entry.strip():
            continue
        folder = Path(entry.strip())
        if not folder.is_absolute():
            raise SettingsError(
                f"The environment variable {DATA_ROOTS} lists {entry!r}, which is not an absolute folder; "
                f"list absolute folders such as /srv/council-data, separated by {os.pathsep!r}."
            )
        roots.append(folder.resolve())
    return tuple(roots)


def enclosing_project(path: str | Path) -> Path | None:
    """The nearest folder above `path` (as named, links not followed) that holds params/: the project
    a file loaded on its own belongs to, as when a report notebook loads its inputs. None if there is none."""
    for folder in Path(os.path.abspath(path)).parents:
        if (folder / "params").is_dir():
            return folder
    return None


def in_project(root: str | Path) -> Allowed:
    """Params and commentary: inside the project folder, never elsewhere."""
    root = Path(root).resolve()
    return Allowed((root,), f"files are read only from inside the project folder {root}")


def in_own_project(path: str | Path) -> Allowed:
    """A file loaded on its own (no project given): inside the project it is in, or, outside any
    project, the folder it was named in."""
    root = enclosing_project(path)
    if root is not None:
        return in_project(root)
    folder = Path(path).parent.resolve()
    return Allowed((folder,), f"files are read only from inside the folder {folder}")


def for_data(root: str | Path | None, folder: str | Path) -> Allowed:
    """A dataset's files (the dataset `folder`): inside the project (by default the one the folder is
    in, else the folder itself) or a folder listed in REPORTING_DATA_ROOTS."""
    root = root if root is not None else enclosing_project(folder)
    base = Path(root if root is not None else folder).resolve()
    where = f"the project folder {base}" if root is not None else f"the dataset folder {base}"
    return Allowed(
        (base, *data_roots()),
        f"data files are read only from inside {where} or a folder listed in the environment variable {DATA_ROOTS}",
    )


def checked_file(path: str | Path, allowed: Allowed, limit: SizeLimit, missing: str = "no such file") -> Path:
    """`path` made safe to open: it resolves inside `allowed`, is a regular file and is within `limit`.
    Returns the resolved path; raises InputFileError naming the file (its contents are never read)."""
    name = str(path)
    real = Path(path).resolve()
    if not allowed.allows(real):
        raise InputFileError(Problem(
            name, None, None, None,
            f"this path leads to {real} (through a symbolic link, or a folder on the way that is one), "
            f"so it was not read: {allowed.rule}. Copy the file in rather than linking to it",
        ))
    try:
        status = real.stat()
    except FileNotFoundError:
        raise InputFileError(Problem(name, None, None, None, missing)) from None
    if stat.S_ISDIR(status.st_mode):
        raise InputFileError(Problem(name, None, None, None, "this is a folder, not a file; name the file inside it"))
    if not stat.S_ISREG(status.st_mode):
        raise InputFileError(Problem(name, None, None, None, "this is not an ordinary file (it may be a device or a pipe), so it was not read"))
    limit.check(Path(name), status.st_size)
    return real


def read_text(path: str | Path, allowed: Allowed, limit: SizeLimit, kind: str = "file", missing: str = "no such file") -> str:
    """The text of an input file, checked by `checked_file` and decoded as UTF-8 (a byte-order mark is allowed)."""
    with checked_file(path, allowed, limit, missing).open("rb") as handle:
        data = handle.read(int(limit.megabytes() * MB) + 1)  # never more than the limit, should it have grown
    limit.check(Path(path), len(data))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputFileError(Problem(
            str(path), line, None, None,
            f"this {kind} is not UTF-8 text (this line has the first character that is not); we read it as "
            "UTF-8 only: open it in a text editor (Notepad, VS Code) and save it with the encoding 'UTF-8'",
            "line",
        )) from None


COMMITTEE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
COMMITTEE_ID_RULE = (
    "a committee id is 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit, "
    "e.g. cambridgeshire-cyp"
)


def check_committee_id(committee, source: str | None = None) -> str:
    """`committee` when it is a committee id that is safe in file and folder names; else ParamsError.
    `source` names where the id came from (a params file) in the message."""
    if isinstance(committee, str) and COMMITTEE_ID.fullmatch(committee):
        return committee
    if source:
        raise ParamsError(f"{source}: the file name gives the committee id {committee!r}, which is not allowed: {COMMITTEE_ID_RULE}.")
    raise ParamsError(f"The committee id {committee!r} is not allowed: {COMMITTEE_ID_RULE}.")
