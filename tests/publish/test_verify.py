"""`reporting verify` cannot be fooled by a thin or altered manifest (safe publishing, part A).

Most tests build a published folder by hand: fake outputs and inputs, and a manifest written by
`write_manifest` with the record shape `run_committee` writes. One e2e test checks a real run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from reporting import cli
from support import PROJECT
from reporting.publish import manifest
from reporting.cli import main
from reporting.publish.manifest import MANIFEST, OUTSIDE, PUBLISHED, hash_inputs, verify, write_manifest

COMMITTEE, QUARTER = "demo", "2024-25-Q2"
INPUTS = {
    "params/demo.yaml": "council: Example\n",
    "data/demo/observations.csv": "indicator,period,value\nA,2024-06-30,1\n",
    "data/demo/indicators.yaml": "- id: A\n",
    "notebooks/committee_report.ipynb": "{}\n",
    "notebooks/covering_paper.ipynb": "{}\n",
    "commentary/demo/2024-25-Q2.yaml": "A: steady\n",
}


def publish_by_hand(project: Path, committee: str = COMMITTEE, quarter: str = QUARTER) -> Path:
    """A project with inputs and one published folder whose manifest has the shape a run writes."""
    names = {name.replace(COMMITTEE, committee).replace(QUARTER, quarter): text for name, text in INPUTS.items()}
    for name, text in names.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    folder = project / "outputs" / quarter / committee
    folder.mkdir(parents=True)
    for name in PUBLISHED:
        (folder / name).write_text(f"the {name} of {committee}, {quarter}\n")
    files = [project / name for name in names]
    write_manifest(folder, {
        "committee": committee,
        "quarter": quarter,
        "produced_on": "2024-09-30",
        "parameters": {"committee": committee, "quarter": quarter, "data_path": f"data/{committee}",
                       "params_path": f"params/{committee}.yaml", "output_dir": f"outputs/{quarter}/{committee}"},
        "renderer": "builtin",
        **hash_inputs(files, project),
    })
    return folder


@pytest.fixture
def folder(tmp_path) -> Path:
    return publish_by_hand(tmp_path / "project")


def check(capsys, folder: Path, *options: str) -> tuple[int, str, str]:
    """`reporting verify <folder>`: its exit status, stdout and stderr."""
    code = main(["verify", str(folder), *options])
    out, err = capsys.readouterr()
    return code, out, err


def rewrite(folder: Path, change) -> None:
    """Edit manifest.json in place: `change(record)` alters the parsed record."""
    path = folder / MANIFEST
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_good_folder_verifies(folder, capsys):
    code, out, err = check(capsys, folder)
    assert code == 0, out + err
    assert out.splitlines() == [
        "Manifest: committee demo, quarter 2024-25-Q2, matching this folder.",
        "Outputs: 9 of 9 match the manifest.",
        "Inputs: 6 of 6 still match what the report was made from.",
        "Verified: the outputs are as published and the inputs still match.",
    ]
    assert set(json.loads((folder / MANIFEST).read_text())[OUTSIDE]) == set()


# --- thin manifests ------------------------------------------------------------------------------


def test_an_empty_manifest_with_every_output_deleted_fails(folder, capsys):
    for name in PUBLISHED:
        (folder / name).unlink()
    (folder / MANIFEST).write_text("{}")
    code, out, err = check(capsys, folder)
    assert code == 1 and "Verified" not in out
    assert "key 'committee': required but missing" in err and "cannot be verified" in err


def test_a_manifest_listing_nothing_fails_and_names_every_output(folder, capsys):
    for name in PUBLISHED:
        (folder / name).unlink()
    rewrite(folder, lambda r: (r["outputs"].clear(), r["inputs"].clear()))
    code, out, _ = check(capsys, folder)
    assert code == 1
    for name in PUBLISHED:
        assert f"  missing: {name}" in out and f"  not in the manifest, though every run lists it: {name}" in out
    assert "  not in the manifest, though every run lists it: params/demo.yaml" in out
    assert out.splitlines()[-1].startswith("NOT VERIFIED: ")


def test_a_deleted_output_whose_entry_was_also_deleted_fails(folder, capsys):
    (folder / "paper.pdf").unlink()
    rewrite(folder, lambda r: r["outputs"].pop("paper.pdf"))
    code, out, _ = check(capsys, folder)
    assert code == 1
    assert "  missing: paper.pdf" in out
    assert "  not in the manifest, though every run lists it: paper.pdf" in out
    assert "Outputs: 8 of 9 match the manifest." in out
    assert out.splitlines()[-1] == ("NOT VERIFIED: the published outputs differ from what the run produced; "
                                    "the manifest does not list every output a run publishes.")


def test_an_output_left_out_of_the_manifest_fails(folder, capsys):
    rewrite(folder, lambda r: r["outputs"].pop("kpis.csv"))
    code, out, _ = check(capsys, folder)
    assert code == 1 and "  not in the manifest, though every run lists it: kpis.csv" in out


def test_the_params_file_left_out_of_the_manifest_fails(folder, capsys):
    rewrite(folder, lambda r: r["inputs"].pop("params/demo.yaml"))
    code, out, _ = check(capsys, folder)
    assert code == 1 and "  not in the manifest, though every run lists it: params/demo.yaml" in out


def test_data_files_left_out_of_the_manifest_count_as_added(folder, capsys):
    rewrite(folder, lambda r: r["inputs"].pop("data/demo/observations.csv"))
    code, out, _ = check(capsys, folder)
    assert code == 3 and "  added to the data folder since the run: data/demo/observations.csv" in out


# --- another folder's manifest -------------------------------------------------------------------


def test_a_manifest_for_another_committee_and_quarter_fails(tmp_path, capsys):
    project = tmp_path / "project"
    other = publish_by_hand(project, "other", "2023-24-Q3")
    folder = project / "outputs" / QUARTER / COMMITTEE
    shutil.copytree(other, folder)  # the other committee's outputs and manifest, passed off as demo's
    code, out, _ = check(capsys, folder, "--project", str(project))
    assert code == 1
    assert "  not this folder's: it is for committee other, but this folder is demo" in out
    assert "  not this folder's: it is for quarter 2023-24-Q3, but this folder is in 2024-25-Q2" in out
    assert "NOT VERIFIED: the manifest is for another folder." in out


# --- a manifest of the wrong shape: a clear message, never a traceback ---------------------------


@pytest.mark.parametrize("change, named", [
    (lambda r: r.update(outputs=[1, 2]), "key 'outputs': expected a mapping of output file names to SHA-256 hashes"),
    (lambda r: r.update(inputs="x"), "key 'inputs': expected a mapping of input paths relative to the project"),
    (lambda r: r["outputs"].update({"report.pdf": "abc"}), "the hash for 'report.pdf' is not one; found 'abc'"),
    (lambda r: r["outputs"].update({"report.pdf": 7}), "the hash for 'report.pdf' is not one; found 7"),
    (lambda r: r["outputs"].update({"../report.pdf": "0" * 64}), "'../report.pdf' is not one of the output file names"),
    (lambda r: r["outputs"].update({MANIFEST: "0" * 64}), "'manifest.json' is not one of the output file names"),
    (lambda r: r.update(committee=7), "key 'committee': expected a committee id"),
    (lambda r: r.update(committee="../demo"), "key 'committee': expected a committee id"),
    (lambda r: r.update(quarter="2024-Q2"), "key 'quarter': expected a quarter id such as '2023-24-Q3'"),
    (lambda r: r.update(quarter="2024-26-Q2"), "key 'quarter': expected a quarter id"),
    (lambda r: r.pop("inputs"), "key 'inputs': required but missing"),
    (lambda r: r.update({OUTSIDE: ["/etc/passwd"]}), f"key '{OUTSIDE}': expected a mapping"),
    (lambda r: r.update(parameters="x"), "key 'parameters': expected a mapping"),
])
def test_a_wrongly_typed_manifest_is_named_not_a_traceback(folder, capsys, change, named):
    rewrite(folder, change)
    code, out, err = check(capsys, folder)
    assert code == 1 and out == ""
    assert err.startswith("NOT VERIFIED: ") and named in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("content, named", [
    (b"[1, 2]", "expected key: value settings"),
    (b"{not json", "is not valid JSON"),
    (b"\xff\xfe{}", "is not valid JSON"),
])
def test_a_manifest_that_is_not_a_json_object_is_named(folder, capsys, content, named):
    (folder / MANIFEST).write_bytes(content)
    code, _, err = check(capsys, folder)
    assert code == 1 and named in err


# --- links and paths outside the project: refused, never hashed ----------------------------------


@pytest.fixture
def hashed(monkeypatch) -> list[Path]:
    """Every file verify hashes."""
    seen: list[Path] = []
    real = manifest.sha256

    def spy(path):
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(manifest, "sha256", spy)
    return seen


def test_an_absolute_input_path_is_refused_and_never_hashed(folder, tmp_path, capsys, hashed):
    secret = tmp_path / "secret.txt"
    secret.write_text("not the council's\n")
    rewrite(folder, lambda r: r["inputs"].update({str(secret): digest("not the council's\n")}))
    code, out, _ = check(capsys, folder)
    assert code == 1
    assert f"  not checked: {secret} (an absolute path; a run records inputs relative to the project)" in out
    assert secret not in hashed and "NOT VERIFIED: some inputs could not be checked." in out


def test_an_input_path_climbing_out_with_dot_dot_is_refused(folder, tmp_path, capsys, hashed):
    (tmp_path / "secret.txt").write_text("x")
    rewrite(folder, lambda r: r["inputs"].update({"data/../../secret.txt": digest("x")}))
    code, out, _ = check(capsys, folder)
    assert code == 1 and "  not checked: data/../../secret.txt (it contains '..'" in out
    assert all(p.name != "secret.txt" for p in hashed)


def test_an_input_that_is_a_link_out_of_the_project_is_refused(folder, tmp_path, capsys, hashed):
    (tmp_path / "secret.txt").write_text("x")
    project = folder.parents[2]
    (project / "data" / "demo" / "extra.csv").symlink_to(tmp_path / "secret.txt")
    rewrite(folder, lambda r: r["inputs"].update({"data/demo/extra.csv": digest("x")}))
    code, out, _ = check(capsys, folder)
    assert code == 1 and "  not checked: data/demo/extra.csv (a symbolic link leads outside the project)" in out
    assert all(p.name not in ("secret.txt", "extra.csv") for p in hashed)


def test_inputs_recorded_as_outside_the_project_are_not_checked(folder, capsys, hashed):
    rewrite(folder, lambda r: r[OUTSIDE].update({"/srv/data/demo/observations.csv": "0" * 64}))
    code, out, _ = check(capsys, folder)
    assert code == 1
    assert "  not checked: /srv/data/demo/observations.csv (outside the project, so not checked)" in out
    assert "Inputs: 6 of 7 still match" in out and Path("/srv/data/demo/observations.csv") not in hashed


def test_an_output_that_is_a_link_is_refused(folder, tmp_path, capsys, hashed):
    real = tmp_path / "report.pdf"
    shutil.move(folder / "report.pdf", real)
    (folder / "report.pdf").symlink_to(real)  # same bytes, so only the link gives it away
    (folder / "extra.html").symlink_to(real)
    code, out, _ = check(capsys, folder)
    assert code == 1
    assert "  not checked: report.pdf (a symbolic link; a run publishes plain files only)" in out
    assert "  not checked: extra.html (a symbolic link; a run publishes plain files only)" in out
    assert real not in hashed and folder / "report.pdf" not in hashed


def test_a_folder_that_is_a_link_is_refused(folder, tmp_path, capsys, hashed):
    real = tmp_path / "elsewhere" / QUARTER / COMMITTEE
    shutil.move(folder, real)
    folder.symlink_to(real, target_is_directory=True)
    code, out, err = check(capsys, folder)
    assert code == 1 and out == ""
    assert "is a symbolic link" in err and "never a link" in err and hashed == []


def test_a_manifest_that_is_a_link_is_refused(folder, tmp_path, capsys):
    shutil.move(folder / MANIFEST, tmp_path / MANIFEST)
    (folder / MANIFEST).symlink_to(tmp_path / MANIFEST)
    code, _, err = check(capsys, folder)
    assert code == 1 and "manifest.json is a symbolic link" in err


# --- changes since publication -------------------------------------------------------------------


def test_a_changed_output_an_extra_file_and_a_changed_input_are_named(folder, capsys):
    (folder / "report.pdf").write_text("altered\n")
    (folder / "notes.txt").write_text("added later\n")
    (folder.parents[2] / "data" / "demo" / "observations.csv").write_text("changed\n")
    code, out, _ = check(capsys, folder)
    assert code == 1
    assert "  changed since publication: report.pdf" in out
    assert "  in the folder but not in the manifest: notes.txt" in out
    assert "  changed since the run: data/demo/observations.csv" in out
    assert out.splitlines()[-1] == ("NOT VERIFIED: the published outputs differ from what the run produced; "
                                    "the inputs have changed since the run.")


def test_changed_and_added_inputs_give_3(folder, capsys):
    data = folder.parents[2] / "data" / "demo"
    (data / "indicators.yaml").write_text("- id: B\n")
    (data / "more.csv").write_text("x\n")
    code, out, _ = check(capsys, folder)
    assert code == 3
    assert "  changed since the run: data/demo/indicators.yaml" in out
    assert "  added to the data folder since the run: data/demo/more.csv" in out
    assert out.splitlines()[-1] == "Outputs verified, but the inputs have changed: a rerun would not reproduce this report."


def test_a_folder_outside_a_projects_outputs_needs_project(folder, tmp_path, capsys):
    copy = tmp_path / "download" / QUARTER / COMMITTEE
    shutil.copytree(folder, copy)
    code, _, err = check(capsys, copy)
    assert code == 1 and "give --project" in err
    code, out, _ = check(capsys, copy, "--project", str(folder.parents[2]))
    assert code == 0, out


# --- the manifest's own hash, kept elsewhere -----------------------------------------------------


def test_the_manifest_hash_kept_elsewhere_is_checked(folder):
    kept = manifest.sha256(folder / MANIFEST)
    good = verify(folder, manifest_sha256=kept.upper())
    assert good.exit_code == 0 and "  its SHA-256 matches the value kept elsewhere." in good.lines()
    # Someone rewrites an output and the manifest together: only the kept hash notices.
    (folder / "report.pdf").write_text("rewritten\n")
    rewrite(folder, lambda r: r["outputs"].update({"report.pdf": digest("rewritten\n")}))
    assert verify(folder).exit_code == 0
    bad = verify(folder, manifest_sha256=kept)
    assert bad.exit_code == 1
    assert bad.lines()[-1] == "NOT VERIFIED: the manifest is not the one whose SHA-256 was kept."


def test_a_malformed_manifest_hash_is_a_usage_error(folder, capsys):
    args = argparse.Namespace(folder=folder, project=None, manifest_sha256="not-a-hash")
    assert cli._verify(args) == 2
    assert "64 hexadecimal characters" in capsys.readouterr().err


# --- a real run ----------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_real_run_records_outside_inputs_apart_and_verify_refuses_them(tmp_path, monkeypatch, capsys):
    import reporting

    source = PROJECT
    project = tmp_path / "project"
    for name in ("params", "data", "notebooks", "commentary"):
        shutil.copytree(source / name, project / name)
    elsewhere = tmp_path / "council-data"
    shutil.move(project / "data" / "synthetic-demo", elsewhere)
    params = project / "params" / "synthetic-demo.yaml"
    params.write_text(params.read_text().replace("data/synthetic-demo", "../council-data"))
    monkeypatch.setenv("REPORTING_DATA_ROOTS", str(elsewhere))  # a council allowing a data folder elsewhere
    result = reporting.run_committee("synthetic-demo", QUARTER, project, renderer="builtin", produced="2024-05-05")
    record = json.loads((result.output_dir / MANIFEST).read_text())
    assert all(not os.path.isabs(name) and ".." not in name for name in record["inputs"])
    assert "params/synthetic-demo.yaml" in record["inputs"]
    assert set(record[OUTSIDE]) == {str(p.resolve()) for p in elsewhere.rglob("*") if p.is_file()}
    code, out, _ = check(capsys, result.output_dir)
    assert code == 1
    assert "Outputs: 9 of 9 match the manifest." in out
    assert f"  not checked: {(elsewhere / 'observations.csv').resolve()} (outside the project, so not checked)" in out
    assert out.splitlines()[-1] == "NOT VERIFIED: some inputs could not be checked."
