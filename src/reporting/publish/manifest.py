"""Provenance: `manifest.json` beside each report, and `verify` to check a published folder against it.

The manifest records what went in (SHA-256 of the data, params, commentary and notebooks), what
produced it (package version, git commit, library versions, renderer) and what came out
(SHA-256 of every output), so anyone can later prove which data and code made a published PDF.

What it proves: that nothing has changed by accident since the run. It cannot prove that nobody
rewrote the outputs and the manifest together; for that, keep the manifest's own SHA-256 (or a
signature of it) somewhere the publisher cannot rewrite, and pass it to `verify(manifest_sha256=...)`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path, PurePosixPath

from ..errors import QuarterError, ReportingError
from ..quarters import Quarter

MANIFEST = "manifest.json"
# Every file a run publishes, in one place: run.py and verify both use it.
OUTPUT_FILES = (
    "report.ipynb", "report.html", "report.pdf", "kpis.csv", "kpis.xlsx",
    "paper.ipynb", "paper.html", "paper.pdf", "summary.json", MANIFEST,
)
PUBLISHED = tuple(name for name in OUTPUT_FILES if name != MANIFEST)  # what the manifest must list
OUTSIDE = "inputs_outside_project"  # inputs a run read from outside the project: recorded, never re-hashed
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
COMMITTEE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
LIBRARIES = (
    "pandas", "numpy", "pandera", "matplotlib", "seaborn", "papermill", "nbclient", "nbconvert",
    "nbformat", "ipykernel", "jinja2", "markdown-it-py", "typst", "gptables", "pyyaml",
)


class ManifestError(ReportingError):
    """manifest.json is missing, unreadable, a link, or not the shape `reporting run` writes."""


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


def input_files(params, notebooks: dict[str, Path], commentary: Path, also: Iterable[Path] = ()) -> list[Path]:
    """Every file a run reads: the params, each file of the dataset folder, the files the dataset names
    outside it (`also`: a national table shared by several datasets, `national: ../national.csv`),
    the notebooks and the commentary. Each once."""
    files = [params.source, *sorted(p for p in params.dataset.rglob("*") if p.is_file()), *also, *notebooks.values()]
    if commentary.exists():
        files.append(commentary)
    return list(dict.fromkeys(Path(f).resolve() for f in files))


def input_sha256(path: Path) -> str:
    """An input's SHA-256: of its bytes, except a commentary notebook's, which is of the text a run
    harvests from it, so stripping its outputs (as git does) or rerunning it for its figures is no change."""
    path = Path(path)
    if path.suffix == ".ipynb" and path.parent.parent.name == "commentary":
        from ..data.commentary import harvest_notebook

        harvested = harvest_notebook(path).to_dict(orient="records")
        text = json.dumps(harvested, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return sha256(path)


def hash_inputs(files: list[Path], root: Path) -> dict[str, dict[str, str]]:
    """The manifest's `inputs` (paths relative to the project) and `inputs_outside_project` (absolute paths).

    Inputs outside the project (a data folder a council allowed elsewhere) are kept apart, so
    `verify` can say it did not check them rather than hash whatever a manifest names.
    """
    root = Path(root).resolve()
    inside, outside = {}, {}
    for f in files:
        name = relative(f, root)
        (outside if Path(name).is_absolute() else inside)[name] = input_sha256(f)
    return {"inputs": inside, OUTSIDE: outside}


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
    """The result of `verify`: whether the manifest is this folder's, and which outputs and inputs still match it."""

    folder: Path
    committee: str = ""
    quarter: str = ""
    problems: list[str] = field(default_factory=list)  # the manifest is another folder's
    manifest_sha256_matched: bool | None = None  # None: no value kept elsewhere was given
    outputs_checked: int = 0
    outputs_matched: int = 0
    outputs_changed: list[str] = field(default_factory=list)
    outputs_missing: list[str] = field(default_factory=list)
    outputs_unlisted: list[str] = field(default_factory=list)  # in the folder, not in the manifest
    outputs_unrecorded: list[str] = field(default_factory=list)  # every run lists it; this manifest does not
    outputs_not_checked: list[str] = field(default_factory=list)  # "name: why" (a link, unreadable)
    inputs_checked: int = 0
    inputs_matched: int = 0
    inputs_changed: list[str] = field(default_factory=list)
    inputs_missing: list[str] = field(default_factory=list)
    inputs_added: list[str] = field(default_factory=list)  # new in the data folder since the run
    inputs_unrecorded: list[str] = field(default_factory=list)
    inputs_not_checked: list[str] = field(default_factory=list)  # "path: why" (outside the project, a link)

    @property
    def manifest_ok(self) -> bool:
        """The manifest names this folder's committee and quarter (and matches the kept hash, if given)."""
        return not self.problems and self.manifest_sha256_matched is not False

    @property
    def outputs_ok(self) -> bool:
        """Every output a run publishes is listed, present as a plain file and unchanged; nothing else is there."""
        return not (self.outputs_changed or self.outputs_missing or self.outputs_unlisted
                    or self.outputs_unrecorded or self.outputs_not_checked)

    @property
    def inputs_checkable(self) -> bool:
        """Every input could be checked: none outside the project, none left out of the manifest."""
        return not (self.inputs_unrecorded or self.inputs_not_checked)

    @property
    def inputs_ok(self) -> bool:
        return not (self.inputs_changed or self.inputs_missing or self.inputs_added)

    @property
    def exit_code(self) -> int:
        """0 all match; 1 not verified (outputs, manifest or inputs not as recorded, or not checkable); 3 only inputs changed."""
        if not (self.manifest_ok and self.outputs_ok and self.inputs_checkable):
            return 1
        return 0 if self.inputs_ok else 3

    def lines(self) -> list[str]:
        """What was checked and exactly what failed, for a person to read."""
        return [*self._manifest_lines(), *self._output_lines(), *self._input_lines(), self._verdict()]

    def _manifest_lines(self) -> list[str]:
        out = [f"Manifest: committee {self.committee}, quarter {self.quarter}"
               + ("." if self.problems else ", matching this folder.")]
        out += [f"  not this folder's: {p}" for p in self.problems]
        if self.manifest_sha256_matched is not None:
            out.append("  its SHA-256 matches the value kept elsewhere." if self.manifest_sha256_matched else
                       "  its SHA-256 does not match the value kept elsewhere: it was rewritten after that value was taken.")
        return out

    def _output_lines(self) -> list[str]:
        out = [f"Outputs: {self.outputs_matched} of {self.outputs_checked} match the manifest."]
        out += [f"  changed since publication: {n}" for n in self.outputs_changed]
        out += [f"  missing: {n}" for n in self.outputs_missing]
        out += [f"  not in the manifest, though every run lists it: {n}" for n in self.outputs_unrecorded]
        out += [f"  in the folder but not in the manifest: {n}" for n in self.outputs_unlisted]
        out += [f"  not checked: {n}" for n in self.outputs_not_checked]
        return out

    def _input_lines(self) -> list[str]:
        out = [f"Inputs: {self.inputs_matched} of {self.inputs_checked} still match what the report was made from."]
        out += [f"  changed since the run: {n}" for n in self.inputs_changed]
        out += [f"  missing: {n}" for n in self.inputs_missing]
        out += [f"  added to the data folder since the run: {n}" for n in self.inputs_added]
        out += [f"  not in the manifest, though every run lists it: {n}" for n in self.inputs_unrecorded]
        out += [f"  not checked: {n}" for n in self.inputs_not_checked]
        return out

    def _verdict(self) -> str:
        if self.exit_code == 0:
            return "Verified: the outputs are as published and the inputs still match."
        if self.exit_code == 3:
            return "Outputs verified, but the inputs have changed: a rerun would not reproduce this report."
        reasons = [
            (self.problems, "the manifest is for another folder"),
            (self.manifest_sha256_matched is False, "the manifest is not the one whose SHA-256 was kept"),
            (self.outputs_changed or self.outputs_missing or self.outputs_unlisted,
             "the published outputs differ from what the run produced"),
            (self.outputs_unrecorded, "the manifest does not list every output a run publishes"),
            (self.outputs_not_checked, "some outputs could not be checked"),
            (self.inputs_unrecorded, "the manifest does not list every input a run records"),
            (self.inputs_not_checked, "some inputs could not be checked"),
            (not self.inputs_ok, "the inputs have changed since the run"),
        ]
        return "NOT VERIFIED: " + "; ".join(text for failed, text in reasons if failed) + "."


def read_manifest(folder: Path) -> dict:
    """The folder's manifest.json as a dict; a ManifestError says plainly when it is missing or damaged."""
    return _parse(Path(folder) / MANIFEST, _manifest_bytes(folder))


def _manifest_bytes(folder: Path) -> bytes:
    """manifest.json's bytes, refusing a link: a run always writes a plain file."""
    path = Path(folder) / MANIFEST
    if path.is_symlink():
        raise ManifestError(f"{path} is a symbolic link: a run writes a plain file, so it was not read.")
    if not path.is_file():
        raise ManifestError(f"{path} does not exist: {folder} is not a published report folder (or predates manifests).")
    try:
        return path.read_bytes()
    except OSError as error:
        raise ManifestError(f"{path} could not be read ({error.strerror}).") from None


def _parse(path: Path, data: bytes) -> dict:
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path} is not valid JSON ({error}); the manifest has been damaged.") from None
    if not isinstance(record, dict):
        raise _shape_error(path, None, "expected key: value settings such as \"committee\": ...", record)
    return record


def _describe(value: object) -> str:
    """A short description of a wrongly typed value, for error messages."""
    kinds = {dict: "a mapping", list: "a list", bool: "true/false", type(None): "null"}
    if type(value) in kinds:
        return kinds[type(value)]
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_ABSENT = object()


def _shape_error(path: Path, key: str | None, expected: str, found: object = _ABSENT) -> ManifestError:
    where = f"{path}, key {key!r}" if key else str(path)
    seen = "" if found is _ABSENT else f"; found {_describe(found)}"
    return ManifestError(f"{where}: {expected}{seen}. The manifest is damaged or was not written by `reporting run`, "
                         "so this folder cannot be verified.")


def check_shape(record: dict, path: Path) -> None:
    """Raise ManifestError naming the first key that is not what `reporting run` writes."""
    for key in ("committee", "quarter", "outputs", "inputs"):
        if key not in record:
            raise _shape_error(path, key, "required but missing")
    committee, quarter = record["committee"], record["quarter"]
    if not (isinstance(committee, str) and COMMITTEE_ID.fullmatch(committee)):
        raise _shape_error(path, "committee", "expected a committee id such as 'durham-cyp' "
                           "(lower-case letters, digits and hyphens)", committee)
    if not _is_quarter(quarter):
        raise _shape_error(path, "quarter", "expected a quarter id such as '2023-24-Q3'", quarter)
    _check_hashes(record, "outputs", path, "output file names")
    _check_hashes(record, "inputs", path, "input paths relative to the project")
    if OUTSIDE in record:
        _check_hashes(record, OUTSIDE, path, "input paths")
    if not isinstance(record.get("parameters", {}), dict):
        raise _shape_error(path, "parameters", "expected a mapping of the run's parameters", record["parameters"])


def _is_quarter(value: object) -> bool:
    try:
        return isinstance(value, str) and Quarter.parse(value).id == value
    except QuarterError:
        return False


def _check_hashes(record: dict, key: str, path: Path, names: str) -> None:
    """`record[key]` must map names (file names, for outputs) to 64-hex SHA-256 strings."""
    value = record[key]
    expected = f"expected a mapping of {names} to SHA-256 hashes (64 hexadecimal characters)"
    if not isinstance(value, dict):
        raise _shape_error(path, key, expected, value)
    for name, digest in value.items():
        if not name or "\0" in name or (key == "outputs" and not _is_output_name(name)):
            raise _shape_error(path, key, f"{expected}, but {name!r} is not one of the {names}")
        if not (isinstance(digest, str) and SHA256_HEX.fullmatch(digest)):
            raise _shape_error(path, key, f"{expected}, but the hash for {name!r} is not one", digest)


def _is_output_name(name: str) -> bool:
    """A plain file name in the folder (no folders, no '..'), other than the manifest itself."""
    return "/" not in name and "\\" not in name and name not in (".", "..", MANIFEST)


def verify(folder: str | Path, project: str | Path | None = None, manifest_sha256: str | None = None) -> Verification:
    """Check a published folder against its manifest, hashing nothing outside the folder and the project.

    The manifest must be this folder's (`outputs/<quarter>/<committee>`) and list every output a run
    publishes; each must be present as a plain file (never a link) with the recorded hash. Inputs are
    re-hashed only inside the project, which defaults to the one the folder sits in.
    `manifest_sha256`, the manifest's hash kept where the publisher cannot rewrite it, also checks the
    manifest itself. Raises ManifestError when the manifest cannot be read or is not a run's.
    """
    folder = Path(os.path.abspath(folder))
    if folder.is_symlink():
        raise ReportingError(f"{folder} is a symbolic link (to {os.path.realpath(folder)}): a published folder is "
                             "never a link, so it was not checked.")
    data = _manifest_bytes(folder)
    record = _parse(folder / MANIFEST, data)
    check_shape(record, folder / MANIFEST)
    root = _project(folder, project)
    result = Verification(folder, record["committee"], record["quarter"], problems=_identity_problems(record, folder))
    if manifest_sha256 is not None:
        result.manifest_sha256_matched = hashlib.sha256(data).hexdigest() == manifest_sha256.strip().lower()
    _check_outputs(result, record["outputs"], folder)
    _check_inputs(result, record, root)
    return result


def _project(folder: Path, project: str | Path | None) -> Path:
    """The project whose inputs the manifest names: given, or the one holding `outputs/<quarter>/<committee>`."""
    if project is None and folder.parent.parent.name != "outputs":
        raise ReportingError(f"{folder} is not in a project's outputs/<quarter>/<committee> folder, so its inputs "
                             "cannot be found: give --project <the project folder>.")
    root = Path(project).resolve() if project is not None else folder.parents[2].resolve()
    if not root.is_dir():
        raise ReportingError(f"The project folder {root} does not exist.")
    return root


def _identity_problems(record: dict, folder: Path) -> list[str]:
    """Where the manifest's committee and quarter differ from the folder's `<quarter>/<committee>` names."""
    problems = []
    if folder.name != record["committee"]:
        problems.append(f"it is for committee {record['committee']}, but this folder is {folder.name}")
    if folder.parent.name != record["quarter"]:
        problems.append(f"it is for quarter {record['quarter']}, but this folder is in {folder.parent.name}")
    return problems


def _check_outputs(result: Verification, listed: dict[str, str], folder: Path) -> None:
    """Every output a run publishes, and any other the manifest lists, present as a plain file with its hash."""
    entries = {p.name: p for p in folder.iterdir() if p.name != MANIFEST}
    result.outputs_unrecorded = [name for name in PUBLISHED if name not in listed]
    expected = [*listed, *result.outputs_unrecorded]
    result.outputs_checked = len(expected)
    for name in expected:
        path = entries.get(name)
        if path is None:
            result.outputs_missing.append(name)
        elif path.is_symlink() or not path.is_file():
            result.outputs_not_checked.append(f"{name} ({_not_plain(path)})")
        elif name in listed:
            _check_output(result, name, path, listed[name])
    for name, path in sorted(entries.items()):
        if name not in expected and path.is_symlink():
            result.outputs_not_checked.append(f"{name} ({_not_plain(path)})")
        elif name not in expected and path.is_file():
            result.outputs_unlisted.append(name)


def _check_output(result: Verification, name: str, path: Path, expected: str) -> None:
    _compare(result, "outputs", name, path, expected)


def _compare(result: Verification, kind: str, name: str, path: Path, expected: str) -> None:
    """Hash one output or input and record it under `kind` as matched, changed or not checked."""
    digest, why = _digest(path, input_sha256 if kind == "inputs" else sha256)
    if why:
        getattr(result, f"{kind}_not_checked").append(f"{name} ({why})")
    elif digest == expected.lower():
        setattr(result, f"{kind}_matched", getattr(result, f"{kind}_matched") + 1)
    else:
        getattr(result, f"{kind}_changed").append(name)


def _not_plain(path: Path) -> str:
    return "a symbolic link; a run publishes plain files only" if path.is_symlink() else "not a file"


def _digest(path: Path, digest=sha256) -> tuple[str | None, str | None]:
    """The file's SHA-256 (by `digest`), or None and why it could not be read."""
    try:
        return digest(path), None
    except OSError as error:
        return None, f"could not be read: {error.strerror}"
    except ReportingError as error:  # a commentary notebook that no longer reads
        return None, f"could not be read: {str(error).splitlines()[-1].strip(' -')}"


def _check_inputs(result: Verification, record: dict, root: Path) -> None:
    """Re-hash each input inside the project; refuse absolute paths, '..' and links leading out of it."""
    inputs, outside = record["inputs"], record.get(OUTSIDE, {})
    result.inputs_checked = len(inputs) + len(outside)
    for name, expected in inputs.items():
        refusal = _refusal(name, root)
        if refusal:
            result.inputs_not_checked.append(f"{name} ({refusal})")
        elif not (root / name).is_file():
            result.inputs_missing.append(name)
        else:
            _check_input(result, name, root / name, expected)
    result.inputs_not_checked += [f"{name} (outside the project, so not checked)" for name in outside]
    params_file = f"params/{record['committee']}.yaml"
    if params_file not in inputs:
        result.inputs_unrecorded.append(params_file)
    result.inputs_added = _added_inputs(record, root)


def _check_input(result: Verification, name: str, path: Path, expected: str) -> None:
    _compare(result, "inputs", name, path, expected)


def _refusal(name: str, root: Path) -> str | None:
    """Why an input path from the manifest must not be hashed (absolute, '..', or a link out of the project), or None."""
    if PurePosixPath(name).is_absolute():
        return "an absolute path; a run records inputs relative to the project"
    if ".." in PurePosixPath(name).parts:
        return "it contains '..'; a run records inputs inside the project"
    try:
        resolved = (root / name).resolve()
    except (OSError, RuntimeError):
        return "a loop of symbolic links"
    if not resolved.is_relative_to(root):
        return "a symbolic link leads outside the project"
    return None


def _added_inputs(record: dict, root: Path) -> list[str]:
    """Files now in the run's data folder that the manifest does not list: a rerun would read them too."""
    data_path = record.get("parameters", {}).get("data_path")
    if not isinstance(data_path, str) or not data_path or _refusal(data_path, root) or not (root / data_path).is_dir():
        return []
    known = set(record["inputs"]) | set(record.get(OUTSIDE, {}))
    found = (relative(p, root) for p in (root / data_path).rglob("*") if p.is_file())
    return sorted(name for name in found if name not in known)
