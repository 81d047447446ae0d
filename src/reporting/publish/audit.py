"""Accessibility audit of published HTML: axe-core in headless Chromium, with the network blocked.

Reports are published on council websites, so they must meet WCAG 2.2 AA and be self-contained.
Each document is opened at a desktop width and at a phone width (390 px, where reflow matters),
every request that leaves the file is refused and reported, and axe-core checks the page
against the WCAG A and AA rules.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import AuditUnavailableError

# The axe-core rule tags that make up WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
# Desktop, and a phone: 390 CSS pixels is an iPhone 12-15 in portrait (WCAG 1.4.10 asks for 320 px reflow).
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
# Debian's Chromium; set REPORTING_CHROMIUM to use another build. Playwright must never download one.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless, offline and quiet: no sandbox (containers), no GPU, no background calls home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# What a self-contained report may load besides its own file: inline (data:) images and blank frames.
INLINE_SCHEMES = ("data:", "about:", "blob:")
EXTERNAL_REQUEST = "external-request"


@dataclass(frozen=True)
class Violation:
    """One accessibility failure: which document, which rule, which element, and how to fix it."""

    document: str
    rule: str
    impact: str
    target: str
    html: str
    fix: str
    help_url: str = ""
    viewports: str = "desktop"

    def __str__(self) -> str:
        lines = [f"{self.document}: {self.rule} ({self.impact}), at {self.viewports} width: {self.target}"]
        if self.html:
            lines.append(f"  element: {self.html}")
        lines.append("  fix: " + self.fix.replace("\n", "\n       "))
        if self.help_url:
            lines.append(f"  more: {self.help_url}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DocumentAudit:
    """The audit of one HTML document: its violations and how many checks it passed."""

    document: str
    violations: tuple[Violation, ...]
    checks_passed: int


@dataclass(frozen=True)
class AuditReport:
    """The audit of every HTML document in an output folder."""

    folder: str
    documents: tuple[DocumentAudit, ...]
    engine: str = "axe-core"

    @property
    def violations(self) -> list[Violation]:
        """Every violation in every document."""
        return [v for d in self.documents for v in d.violations]

    @property
    def passed(self) -> bool:
        """True when no document has a violation."""
        return not self.violations


@dataclass
class _PageAudit:
    """What one viewport of one document produced, before the viewports are merged."""

    violations: list[dict] = field(default_factory=list)
    passes: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    engine: str = "axe-core"


def chromium_path() -> Path:
    """The Chromium the audit drives: REPORTING_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH."""
    configured = os.environ.get("REPORTING_CHROMIUM")
    if configured:
        return Path(configured)
    if Path(DEFAULT_CHROMIUM).exists():
        return Path(DEFAULT_CHROMIUM)
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else Path(DEFAULT_CHROMIUM)


def unavailable_reason() -> str | None:
    """Why the audit cannot run here (what to install), or None when it can."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return (
            f"The accessibility audit needs Playwright and axe-core for Python ({error.name} is missing). "
            "Install them with: .venv/bin/pip install -e '.[audit]' "
            "(do not run `playwright install`: the audit uses the system's Chromium)."
        )
    chromium = chromium_path()
    if not chromium.exists():
        return (
            f"The accessibility audit needs Chromium, which is not at {chromium}. "
            "Install it with: apt-get install -y chromium "
            "(or set REPORTING_CHROMIUM to the path of a Chromium or Chrome executable)."
        )
    return None


def _axe_script() -> str:
    """The axe-core JavaScript bundled with axe-playwright-python (no download)."""
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


@contextmanager
def chromium_browser() -> Iterator[object]:
    """A headless Chromium (Playwright Browser), closed afterwards; AuditUnavailableError if it cannot start."""
    reason = unavailable_reason()
    if reason:
        raise AuditUnavailableError(reason)
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS))
        except Error as error:
            raise AuditUnavailableError(
                f"Chromium at {chromium_path()} would not start for the accessibility audit: {error}. "
                "Reinstall it with: apt-get install --reinstall -y chromium"
            ) from error
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_document(browser, path: str | Path, width: int = 1280, height: int = 900) -> Iterator[tuple[object, list[str]]]:
    """Open an HTML file at a viewport size with every other request refused: web or local file alike.

    Yields the Playwright page and the list of refused request URLs (filled as the page loads).
    """
    attempted: list[str] = []
    document = Path(path).resolve().as_uri()

    def refuse_outside(route) -> None:
        """Let the file itself and its inline data through; refuse and record anything else."""
        url = route.request.url
        if url.split("#")[0] == document or url.startswith(INLINE_SCHEMES):
            route.continue_()
        else:
            attempted.append(url)
            route.abort("blockedbyclient")

    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
    try:
        context.route("**/*", refuse_outside)
        if hasattr(context, "route_web_socket"):
            context.route_web_socket("**/*", lambda socket: (attempted.append(socket.url), socket.close()))
        page = context.new_page()
        page.goto(document, wait_until="load")
        yield page, attempted
    finally:
        context.close()


def _run_axe(page) -> dict:
    """Inject axe-core into the page and run the WCAG A and AA rules on the whole document."""
    page.evaluate(_axe_script())
    options = {"runOnly": {"type": "tag", "values": list(AXE_TAGS)}, "resultTypes": ["violations"]}
    return page.evaluate("options => axe.run(document, options)", options)


def _audit_viewport(browser, path: Path, width: int, height: int) -> _PageAudit:
    """axe-core's results and the refused requests for one document at one viewport size."""
    with open_document(browser, path, width, height) as (page, attempted):
        results = _run_axe(page)
        engine = results.get("testEngine", {})
        return _PageAudit(
            violations=results["violations"],
            passes={rule["id"] for rule in results["passes"]},
            requests=list(attempted),
            engine=f"{engine.get('name', 'axe-core')} {engine.get('version', '')}".strip(),
        )


def _fix_text(rule: dict, node: dict) -> str:
    """What to do, in axe's words: the rule's help, then what this element fails."""
    summary = (node.get("failureSummary") or "").strip()
    return f"{rule.get('help', '')}. {summary}".strip() if summary else rule.get("help", "")


def _violations(document: str, audits: dict[str, _PageAudit]) -> list[Violation]:
    """One Violation per rule and element, naming every viewport where it was found."""
    found: dict[tuple[str, str, str], dict] = {}
    for viewport, audit in audits.items():
        for rule in audit.violations:
            for node in rule["nodes"]:
                target = " ".join(" ".join(t) if isinstance(t, list) else str(t) for t in node.get("target", []))
                key = (rule["id"], target, node.get("html", ""))
                entry = found.setdefault(key, {"rule": rule, "node": node, "viewports": []})
                entry["viewports"].append(viewport)
        for url in audit.requests:
            key = (EXTERNAL_REQUEST, url, "")
            entry = found.setdefault(key, {"rule": None, "node": None, "viewports": [], "url": url})
            if viewport not in entry["viewports"]:
                entry["viewports"].append(viewport)
    violations = []
    for (rule_id, target, html), entry in found.items():
        viewports = " and ".join(entry["viewports"])
        if entry["rule"] is None:
            fix = (
                f"The page tried to load {target}; reports must be self-contained. "
                "Embed the resource in the HTML (inline CSS, data: images) or remove it."
            )
            violations.append(Violation(document, rule_id, "serious", target, "", fix, "", viewports))
        else:
            rule, node = entry["rule"], entry["node"]
            impact = node.get("impact") or rule.get("impact") or "unknown"
            violations.append(
                Violation(document, rule_id, impact, target, html, _fix_text(rule, node), rule.get("helpUrl", ""), viewports)
            )
    return violations


def _audit_with(browser, path: Path) -> tuple[DocumentAudit, str]:
    """Audit one document at every viewport with an open browser; also returns the engine's name."""
    audits = {name: _audit_viewport(browser, path, w, h) for name, (w, h) in VIEWPORTS.items()}
    violations = _violations(path.name, audits)
    violated = {v.rule for v in violations}
    passed_everywhere = set.intersection(*(a.passes for a in audits.values())) - violated
    # The self-contained check counts as a check of its own.
    checks_passed = len(passed_everywhere) + (0 if EXTERNAL_REQUEST in violated else 1)
    engine = next(iter(audits.values())).engine
    return DocumentAudit(path.name, tuple(violations), checks_passed), engine


def audit_html(path: str | Path) -> list[Violation]:
    """Every WCAG 2.2 AA failure axe-core finds in one HTML file, at desktop and phone widths,
    plus every outside request the file tried to make."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"There is no HTML file to audit at {path}.")
    with chromium_browser() as browser:
        return list(_audit_with(browser, path)[0].violations)


def audit_folder(folder: str | Path) -> AuditReport:
    """Audit every *.html in an output folder (e.g. outputs/2023-24-Q3/cambridgeshire-cyp/)."""
    folder = Path(folder)
    documents = sorted(folder.glob("*.html"))
    if not documents:
        raise FileNotFoundError(f"There are no .html files to audit in {folder}. Run `reporting run` first.")
    engine = "axe-core"
    audits = []
    with chromium_browser() as browser:
        for document in documents:
            audit, engine = _audit_with(browser, document)
            audits.append(audit)
    return AuditReport(str(folder), tuple(audits), engine)


def _grouped(violations: list[Violation]) -> dict[tuple[str, str], list[Violation]]:
    """Violations grouped by document and rule, in the order found, so each fix is said once."""
    groups: dict[tuple[str, str], list[Violation]] = {}
    for violation in violations:
        groups.setdefault((violation.document, violation.rule), []).append(violation)
    return groups


def _format_group(found: list[Violation]) -> list[str]:
    """One rule's violations in one document: the rule, its fix once, then every element."""
    first = found[0]
    count = len(found)
    lines = [f"{first.document}: {first.rule} ({first.impact}), {count} element{'s' if count != 1 else ''}"]
    lines.append("  fix: " + first.fix.replace("\n", "\n       "))
    if first.help_url:
        lines.append(f"  more: {first.help_url}")
    for violation in found:
        element = f"{violation.target}  {violation.html}".rstrip()
        lines.append(f"  - at {violation.viewports} width: {element}")
    return lines


def format_audit(report: AuditReport) -> str:
    """The audit as short plain text: a table of documents, then each violation with its element and fix."""
    widths = " and ".join(f"{name} {w} px" for name, (w, _) in VIEWPORTS.items())
    lines = [f"Accessibility audit of {report.folder} ({report.engine}, WCAG 2.2 AA, {widths} wide)", ""]
    name_width = max([len("document")] + [len(d.document) for d in report.documents])
    lines.append(f"{'document':<{name_width}}  violations  checks passed")
    for audit in report.documents:
        lines.append(f"{audit.document:<{name_width}}  {len(audit.violations):>10}  {audit.checks_passed:>13}")
    lines.append("")
    if report.passed:
        lines.append("No violations found.")
    else:
        count = len(report.violations)
        lines.append(f"{count} violation{'s' if count != 1 else ''} to fix:")
        for found in _grouped(report.violations).values():
            lines += ["", *_format_group(found)]
    return "\n".join(lines).rstrip() + "\n"
