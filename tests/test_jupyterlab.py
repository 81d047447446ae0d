"""The notebooks in a real JupyterLab, as an analyst meets them.

A JupyterLab server from the project's environment is started on a free loopback port over a
private copy of the project; Debian's Chromium, driven by Playwright, opens the report notebook
and a commentary notebook and runs all cells from the menu. Then: no error output, rating badges
are rendered elements, every chart has its alt text, and no pandoc attribute syntax (`{#`, `{.`,
`{aria-`) shows anywhere. A screenshot of each is kept in outputs/test-artifacts/.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import warnings
from pathlib import Path

import pytest

from reporting.publish.audit import chromium_browser, unavailable_reason
from reporting.cli import main
from support import strip_outputs
from support import PROJECT, copy_project

pytestmark = pytest.mark.e2e
ARTIFACTS = PROJECT / "outputs" / "test-artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the project; yields (project, base URL, token); stopped by its process id."""
    if unavailable_reason():
        pytest.skip(unavailable_reason())
    home = tmp_path_factory.mktemp("lab")
    project = copy_project(home / "project")
    # Render every cell, not only those on screen, and every output (as ./run lab does), so all can be checked.
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none", "maxNumberOutputs": 1000}))
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTER_PREFER_ENV_PATH": "1"}
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={project}", "--ServerApp.port_retries=0",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab stopped: {(home / 'server.log').read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start in 60 s")
        yield project, base, token, home / "server.log"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


# The notebook on show (JupyterLab keeps other open notebooks in the page, hidden).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# Every cell run, or a cell failed (JupyterLab then stops Run All, so the rest would never finish).
FINISHED = """count => {
    const PANEL = '.jp-NotebookPanel:not(.lm-mod-hidden)';
    const prompts = [...document.querySelectorAll(`${PANEL} .jp-CodeCell .jp-InputArea-prompt`)].map(p => p.textContent);
    const failed = document.querySelector(`${PANEL} [data-mime-type="application/vnd.jupyter.stderr"]`) !== null;
    return failed || (prompts.length === count && prompts.every(p => /\\[\\d+\\]/.test(p)));
}"""
# What the page shows when a run does not finish: each cell's prompt, the kernel's status, any dialog.
STATE = """() => {
    const PANEL = '.jp-NotebookPanel:not(.lm-mod-hidden)';
    return {
        prompts: [...document.querySelectorAll(`${PANEL} .jp-CodeCell .jp-InputArea-prompt`)].map(p => p.textContent),
        kernel: [...document.querySelectorAll(`${PANEL} .jp-Notebook-ExecutionIndicator`)].map(k => k.getAttribute('data-status')),
        dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.slice(0, 300)),
    };
}"""
STARTED = """() => {
    const PANEL = '.jp-NotebookPanel:not(.lm-mod-hidden)';
    return [...document.querySelectorAll(`${PANEL} .jp-CodeCell .jp-InputArea-prompt`)].some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent));
}"""
SHOWN = """() => {
    const PANEL = '.jp-NotebookPanel:not(.lm-mod-hidden)';
    const notebook = document.querySelector(`${PANEL} .jp-Notebook`);
    return {
        errors: [...notebook.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.innerText.slice(0, 500)),
        badges: notebook.querySelectorAll('.jp-OutputArea span.rating').length,
        images: [...notebook.querySelectorAll('.jp-OutputArea img')].map(i => i.getAttribute('alt') || ''),
        text: [...notebook.querySelectorAll('.jp-OutputArea')].map(o => o.innerText).join('\\n'),
    };
}"""


class Stalled(Exception):
    """JupyterLab never started the run, or the run never ended (no error shown): the page's state."""


class StalledOnce(UserWarning):
    """A run that stalled and was tried again: shown in the warnings summary, never an error."""


def run_all(lab, notebook: str, screenshot: str) -> dict:
    """Open a notebook in JupyterLab, run all cells from the Run menu, and report what the page shows.

    A run that stalls (the kernel's connection lost on a loaded machine; seen once in CI, as a
    timeout with nothing shown) is tried once more on a new kernel, with a warning that says what
    the page showed. A run that shows an error is never retried: the assertions report it.
    """
    try:
        return run_all_once(lab, notebook, screenshot)
    except Stalled as stalled:
        warnings.warn(StalledOnce(f"JupyterLab stalled on {notebook}, trying once more on a new kernel: {stalled}"))
        shut_down_sessions(lab)
        return run_all_once(lab, notebook, screenshot)


def shut_down_sessions(lab) -> None:
    """Shut down every kernel session of the test's JupyterLab server, through its REST API."""
    _, base, token, _ = lab
    headers = {"Authorization": f"token {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{base}/api/sessions", headers=headers), timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}", headers=headers, method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def run_all_once(lab, notebook: str, screenshot: str) -> dict:
    """One try of run_all: raises Stalled if the run never starts or never ends."""
    project, base, token, log = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # A workspace of its own, so no other notebook is open beside it.
        page.goto(f"{base}/lab/workspaces/{uuid.uuid4().hex[:8]}/tree/{notebook}?reset&token={token}")
        page.locator(f"{PANEL} .jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        # JupyterLab sometimes asks which kernel to start when the kernel list arrives after the
        # notebook: take the one it offers (the notebook's own, python3).
        idle = page.locator(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']").first
        for _ in range(120):
            if page.locator(".jp-Dialog").count():
                page.locator(".jp-Dialog button", has_text="Select").first.click()
            if idle.count():
                break
            page.wait_for_timeout(500)
        if not idle.count():
            raise Stalled(f"the kernel never became idle: {page.evaluate(STATE)}")
        for _ in range(6):  # a dialog, or a click while the kernel is settling, can swallow the first try
            dialog = page.locator(".jp-Dialog")
            if dialog.count():
                dialog.locator("button.jp-mod-accept").first.click(timeout=5_000)
            try:
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=5_000)
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=5_000)
                page.wait_for_function(STARTED, timeout=10_000)
                break
            except Exception:
                page.keyboard.press("Escape")
        else:
            raise Stalled(f"Run All never started: {page.evaluate(STATE)}")
        code_cells = page.locator(f"{PANEL} .jp-CodeCell").count()
        try:
            page.wait_for_function(FINISHED, arg=code_cells, timeout=240_000)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"failed-{screenshot}"))
            raise Stalled(f"the run did not finish in 240 s: {page.evaluate(STATE)}\n"
                          f"server log, last lines:\n{log.read_text()[-2000:]}") from None
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / screenshot))
        shown = page.evaluate(SHOWN)
        badge = page.locator(f"{PANEL} .jp-OutputArea span.rating")
        if badge.count():
            badge.nth(min(8, badge.count() - 1)).scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / screenshot.replace(".png", "-badges.png")))
        page.close()
    return shown


def assert_reads_as_the_report(shown: dict, badges: int, charts: int) -> None:
    assert shown["errors"] == [], shown["errors"]
    assert shown["badges"] >= badges, shown["badges"]
    assert len(shown["images"]) >= charts and all(alt.strip() for alt in shown["images"]), shown["images"][:3]
    for syntax in ("{#", "{.", "{aria-", "{rel", "{style"):
        assert syntax not in shown["text"], syntax


def test_report_notebook_runs_in_jupyterlab_and_shows_the_report(lab):
    shown = run_all(lab, "notebooks/committee_report.ipynb", "jupyterlab-report.png")
    assert_reads_as_the_report(shown, badges=20, charts=21)
    assert "Percentage children whose referral to social care" in shown["text"]
    assert "Red" in shown["text"] and "36.0%" in shown["text"]


def test_commentary_notebook_runs_in_jupyterlab(lab):
    project = lab[0]
    assert main(["commentary", "new", "--committee", "cambridgeshire-cyp", "--quarter", "2023-24-Q4",
                 "--project", str(project)]) == 0
    # As committed: git's filter has stripped the figures, so Run All must bring them back.
    strip_outputs(project / "commentary" / "cambridgeshire-cyp" / "2023-24-Q4.ipynb")
    shown = run_all(lab, "commentary/cambridgeshire-cyp/2023-24-Q4.ipynb", "jupyterlab-commentary.png")
    assert_reads_as_the_report(shown, badges=20, charts=20)
