"""Provenance: `manifest.json` beside each report, and `verify` to check a published folder against it.

The manifest records what went in (SHA-256 of the data, params, commentary and notebooks), what
produced it (package version, git commit, library versions, renderer) and what came out
(SHA-256 of every output), so anyone can later prove which data and code made a published PDF.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .errors import ReportingError

MANIFEST = "manifest.json"
LIBRARIES = (
    "pandas", "numpy", "pandera", "matplotlib", "seaborn", "papermill", "nbclient", "nbconvert",
    "nbformat", "ipykernel", "jinja2", "markdown-it-py", "weasyprint", "gptables", "pyyaml",
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def relative(path: Path, root: Path) -> str:
    """The path as written in the manifest: relative to the project where it can be, POSIX style."""
    path = Path(path).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def input_files(params, notebooks: dict[str, Path], commentary: Path) -> list[Path]:
    """Every file a run reads: the params, each file of the dataset folder, the commentary, the notebooks."""
    files = [params.source, *sorted(p for p in params.dataset.rglob("*") if p.is_file()), *notebooks.values()]
    if commentary.exists():
        files.append(commentary)
    return [Path(f).resolve() for f in files]


def hash_inputs(files: list[Path], root: Path) -> dict[str, str]:
    return {relative(f, root): sha256(f) for f in files}


def hash_outputs(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(root: Path) -> dict[str, object]:
    """The commit the project is at and whether tracked files differ from it (None outside git)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "uncommitted_changes": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "uncommitted_changes": bool(status)}


def write_manifest(folder: Path, record: dict) -> Path:
    """Add the output hashes to `record` and write it as `folder/manifest.json`."""
    record = {**record, "outputs": hash_outputs(folder)}
    path = folder / MANIFEST
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@dataclass
class Verification:
    """The result of `verify`: which outputs and inputs still match the manifest."""

    folder: Path
    outputs_checked: int = 0
    outputs_changed: list[str] = field(default_factory=list)
    outputs_missing: list[str] = field(default_factory=list)
    outputs_unlisted: list[str] = field(default_factory=list)
    inputs_checked: int = 0
    inputs_changed: list[str] = field(default_factory=list)
    inputs_missing: list[str] = field(default_factory=list)

    @property
    def outputs_ok(self) -> bool:
        return not (self.outputs_changed or self.outputs_missing or self.outputs_unlisted)

    @property
    def inputs_ok(self) -> bool:
        return not (self.inputs_changed or self.inputs_missing)

    @property
    def exit_code(self) -> int:
        """0 all match; 1 the published outputs were altered; 3 outputs intact but inputs changed since."""
        return 0 if self.outputs_ok and self.inputs_ok else (1 if not self.outputs_ok else 3)

    def lines(self) -> list[str]:
        out = [f"Outputs: {self.outputs_checked - len(self.outputs_changed) - len(self.outputs_missing)} of "
               f"{self.outputs_checked} match the manifest."]
        out += [f"  changed since publication: {n}" for n in self.outputs_changed]
        out += [f"  missing: {n}" for n in self.outputs_missing]
        out += [f"  not in the manifest: {n}" for n in self.outputs_unlisted]
        out.append(f"Inputs: {self.inputs_checked - len(self.inputs_changed) - len(self.inputs_missing)} of "
                   f"{self.inputs_checked} still match what the report was made from.")
        out += [f"  changed since the run: {n}" for n in self.inputs_changed]
        out += [f"  missing: {n}" for n in self.inputs_missing]
        if self.exit_code == 0:
            out.append("Verified: the outputs are as published and the inputs still match.")
        elif self.exit_code == 1:
            out.append("NOT VERIFIED: the published outputs differ from what the run produced.")
        else:
            out.append("Outputs verified, but the inputs have changed: a rerun would not reproduce this report.")
        return out


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ReportingError(f"{path} does not exist: {folder} is not a published report folder (or predates manifests).")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ReportingError(f"{path} is not valid JSON ({error}); the manifest has been damaged.") from None


def verify(folder: str | Path, project: str | Path | None = None) -> Verification:
    """Re-hash a published folder's outputs, and its inputs in the project, against its manifest.

    The project defaults to the one the folder sits in (`<project>/outputs/<quarter>/<committee>`).
    """
    folder = Path(folder).resolve()
    record = read_manifest(folder)
    root = Path(project).resolve() if project else folder.parents[2]
    result = Verification(folder)
    expected = record.get("outputs", {})
    present = hash_outputs(folder)
    result.outputs_checked = len(expected)
    for name, digest in expected.items():
        if name not in present:
            result.outputs_missing.append(name)
        elif present[name] != digest:
            result.outputs_changed.append(name)
    result.outputs_unlisted = sorted(set(present) - set(expected))
    inputs = record.get("inputs", {})
    result.inputs_checked = len(inputs)
    for name, digest in inputs.items():
        path = Path(name) if Path(name).is_absolute() else root / name
        if not path.is_file():
            result.inputs_missing.append(name)
        elif sha256(path) != digest:
            result.inputs_changed.append(name)
    return result
