"""Atomic publishing: outputs are built in a hidden staging folder and swapped into place whole.

A reader who opens `outputs/<quarter>/<committee>/` sees either the previous complete outputs
or the new complete outputs, never a mixture, whenever the run is stopped: by an error, by
SIGTERM, or by SIGKILL. Staging folders are hidden (their names start with a dot) and carry
the host and process that made them, so a later run can clear away what a killed run left.

A full disk, a used-up quota or a read-only outputs folder while outputs are written becomes a
PublishError that says so in plain words (see `in_our_words`); nothing half-written is published.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

from ..errors import RenderError, ReportingError

STAGING = "staging"
RETIRED = "old"
NOTHING_PUBLISHED = "Nothing was published; earlier outputs are intact."
# The write failures a council can fix, and what to tell them: {where} is the folder, {file} the file.
WRITE_FAILURES = {
    errno.ENOSPC: "The disk holding {where} is full{file}: free some space and run again.",
    errno.EDQUOT: "The disk quota for {where} is used up{file}: free some space (or ask IT for a larger quota) and run again.",
    errno.EROFS: "The folder {where} is on a read-only disk{file}: ask IT to make it writable, or publish from a copy of the "
                 "project on a writable disk, and run again.",
    errno.EACCES: "The folder {where} is read-only for this user{file}: ask IT for permission to write there (or run as a user "
                  "who has it) and run again.",
}
WRITE_FAILURES[errno.EPERM] = WRITE_FAILURES[errno.EACCES]
_ERRNO_IN_TEXT = re.compile(r"\[Errno (\d+)\][^']*(?:'([^']+)')?")


class PublishError(ReportingError):
    """The outputs could not be written: a full disk, a used-up quota or a read-only folder."""


def _owner_tag() -> str:
    """host-pid of this process, written into the names of its temporary folders."""
    host = socket.gethostname().replace("-", "_").replace(".", "_") or "host"
    return f"{host}-{os.getpid()}"


def staging_folder(final: Path) -> Path:
    """A new hidden folder beside `final` to build outputs in (same filesystem, so the move is a rename)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.{STAGING}-{_owner_tag()}-", dir=final.parent))


def adopt(staging: Path, final: Path) -> Path:
    """Rename a staging folder another process made (a batch worker) to this process's name, so a
    later run's `recover` does not take it for abandoned once that worker has exited."""
    if staging.name.startswith(f".{final.name}.{STAGING}-{_owner_tag()}-"):
        return staging
    adopted = Path(tempfile.mkdtemp(prefix=f".{final.name}.{STAGING}-{_owner_tag()}-", dir=final.parent))
    os.replace(staging, adopted)  # an empty folder is replaced by the staged one
    return adopted


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _abandoned(folder: Path, committee: str) -> bool:
    """True for a staging or retired folder of `committee` whose process on this host has gone."""
    for kind in (STAGING, RETIRED):
        prefix = f".{committee}.{kind}-"
        if folder.name.startswith(prefix):
            host, _, rest = folder.name[len(prefix):].partition("-")
            pid = rest.split("-", 1)[0]
            this_host = _owner_tag().split("-", 1)[0]
            return host == this_host and pid.isdigit() and not _pid_alive(int(pid))
    return False


def recover(final: Path) -> list[Path]:
    """Tidy up after a killed run of this committee: restore retired outputs, delete abandoned staging.

    Returns the folders removed. Only folders of dead processes on this host are touched, so a
    run in progress elsewhere is left alone.
    """
    if not final.parent.is_dir():
        return []
    leftovers = sorted(p for p in final.parent.iterdir() if p.is_dir() and _abandoned(p, final.name))
    retired = [p for p in leftovers if f".{RETIRED}-" in p.name]
    if not final.exists() and retired:
        # Killed between the two renames of the fallback swap: the retired outputs are the published ones.
        newest = max(retired, key=lambda p: p.stat().st_mtime)
        os.replace(newest, final)
        leftovers.remove(newest)
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
    return leftovers


def clear_after_stop(final: Path) -> list[Path]:
    """After a run was stopped: what `recover` clears, and this process's own staging folders of `final` too,
    since it will publish nothing more. Returns the folders removed (none when every stage tidied up after itself)."""
    removed = recover(final)
    mine = f".{final.name}.{STAGING}-{_owner_tag()}-"
    if final.parent.is_dir():
        for folder in sorted(p for p in final.parent.iterdir() if p.is_dir() and p.name.startswith(mine)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, f"Could not swap {a} into place: {os.strerror(code)}")


def publish(staging: Path, final: Path) -> None:
    """Move the finished staging folder to `final`, replacing the previous outputs atomically."""
    os.chmod(staging, 0o755)
    if not final.exists():
        os.replace(staging, final)
    elif _exchange(staging, final):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous outputs
    else:
        # No atomic swap on this system: two renames, and recover() repairs a kill between them.
        retired = final.with_name(f".{final.name}.{RETIRED}-{_owner_tag()}")
        os.replace(final, retired)
        try:
            os.replace(staging, final)
        except BaseException:
            os.replace(retired, final)  # put the previous outputs back before saying what went wrong
            raise
        shutil.rmtree(retired, ignore_errors=True)


def in_our_words(error: BaseException, final: Path, root: Path) -> None:
    """Raise a PublishError for a full disk, used-up quota or read-only folder met while writing `final`.

    Returns (for the caller to re-raise the original) when `error` is anything else. Also looks
    inside a RenderError, whose cause is the OSError a renderer met while writing its file.
    """
    if isinstance(error, RenderError) and isinstance(error.__cause__, OSError):
        error = error.__cause__
    if isinstance(error, OSError) and _write_failure(error.errno, error.filename, root):
        raise PublishError(write_failure(error.errno, error.filename, final, root)) from None


def _write_failure(code: int | None, filename: str | os.PathLike | None, root: Path) -> bool:
    """A failure we can name: a full disk or quota anywhere, a refusal to write in the project's outputs folder.

    A refusal elsewhere may be a file that could not be read, so it is left to say what it says.
    """
    if code in (errno.ENOSPC, errno.EDQUOT):
        return True
    if code not in WRITE_FAILURES:
        return False
    outputs = Path(root) / "outputs"
    return filename is None or Path(os.fsdecode(filename)).is_relative_to(outputs)


def write_failure(code: int, filename: str | os.PathLike | None, final: Path, root: Path) -> str:
    """The message for a write failure `code` on `filename` while publishing `final`, naming the folder and file."""
    where, file = _where(filename, final, root)
    return f"{WRITE_FAILURES[code].format(where=where, file=file)} {NOTHING_PUBLISHED}"


def _where(filename: str | os.PathLike | None, final: Path, root: Path) -> tuple[str, str]:
    """The folder to name (relative to the project where it can be) and ' (writing <file>)' when known."""
    shown = _shown(final, root)
    if not filename:
        return shown, ""
    path = Path(os.fsdecode(filename))
    if path in (final, final.parent) or _staging_of(path, final):
        return shown, ""
    if path.parent == final or _staging_of(path.parent, final):
        return shown, f" (writing {path.name})"
    return _shown(path.parent, root), f" (writing {path.name})"


def _staging_of(path: Path, final: Path) -> bool:
    """True for a hidden staging or retired folder of `final`."""
    return path.parent == final.parent and path.name.startswith(f".{final.name}.")


def _shown(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def kernel_os_error(ename: str, evalue: str, root: Path) -> OSError | None:
    """The OSError a notebook cell met writing an output, rebuilt from papermill's ename and evalue; None otherwise.

    Uses the errno in the message ("[Errno 28] No space left on device: '...'") when there is one,
    else the exception's name (PermissionError).
    """
    match = _ERRNO_IN_TEXT.search(evalue or "")
    code = int(match[1]) if match else (errno.EACCES if ename == "PermissionError" else None)
    filename = match[2] if match else None
    if not _write_failure(code, filename, root):
        return None
    return OSError(code, os.strerror(code), filename)


def os_error_message(error: OSError, root: Path) -> str:
    """An OSError that escaped a run, in plain words: the file, what the system said, and that nothing was published."""
    root = Path(root)
    if _write_failure(error.errno, error.filename, root):
        return write_failure(error.errno, error.filename, root / "outputs", root)
    file = _shown(Path(os.fsdecode(error.filename)), root) if error.filename else "a file the run needed"
    return f"Could not use {file}: {error.strerror or error}. {NOTHING_PUBLISHED}"
