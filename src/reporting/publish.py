"""Atomic publishing: outputs are built in a hidden staging folder and swapped into place whole.

A reader who opens `outputs/<quarter>/<committee>/` sees either the previous complete outputs
or the new complete outputs, never a mixture, whenever the run is stopped: by an error, by
SIGTERM, or by SIGKILL. Staging folders are hidden (their names start with a dot) and carry
the host and process that made them, so a later run can clear away what a killed run left.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import socket
import tempfile
from pathlib import Path

STAGING = "staging"
RETIRED = "old"


def _owner_tag() -> str:
    """host-pid of this process, written into the names of its temporary folders."""
    host = socket.gethostname().replace("-", "_").replace(".", "_") or "host"
    return f"{host}-{os.getpid()}"


def staging_folder(final: Path) -> Path:
    """A new hidden folder beside `final` to build outputs in (same filesystem, so the move is a rename)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.{STAGING}-{_owner_tag()}-", dir=final.parent))


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
        os.replace(staging, final)
        shutil.rmtree(retired, ignore_errors=True)
