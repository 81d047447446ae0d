"""Checks that a published document carries nothing a public document must not.

A report is safe to publish when it holds no local file, makes no request, runs nothing of its
own and cannot be restyled by its text: no embedded files, no images but its charts, no links but
to its own sections and to web or mail addresses, no scripts (the built-in renderer's pages have
none; Quarto's have only inline ones), no external stylesheet, font or image, and a
Content-Security-Policy that forbids any load. `reporting audit` runs these before publishing,
and the tests run them on every hostile input.
"""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf

from ..document import safe_url
from ..document.markdown_html import SIBLINGS  # the documents published beside a page: linked by name, never by path

# What an <a href> may point at in a published page: its own sections, the web, or an email address.
_OWN_ANCHOR = re.compile(r"#[A-Za-z][\w\-:.]*")
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!data:)([^'\")\s]+)", re.IGNORECASE)
_RESTYLING = re.compile(r"position\s*:\s*(fixed|absolute|sticky)|@import|expression\s*\(|behavior\s*:", re.IGNORECASE)
_URL_ATTRIBUTES = ("src", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href", "ping", "cite")
_FORBIDDEN_ELEMENTS = ("iframe", "frame", "object", "embed", "applet", "base", "form", "portal")


def check_html(path: str | Path, scripts_allowed: bool | None = None) -> list[str]:
    """Problems that make an HTML page unsafe to publish, in words; empty when there are none.

    `scripts_allowed`: inline scripts are allowed in Quarto's pages (its own, embedded) and never in
    the built-in renderer's; None decides from the page's generator.
    """
    from bs4 import BeautifulSoup

    path = Path(path)
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    if scripts_allowed is None:
        generator = soup.find("meta", attrs={"name": "generator"})
        scripts_allowed = bool(generator and "quarto" in str(generator.get("content", "")).lower())
    problems = []
    policy = soup.find("meta", attrs={"http-equiv": re.compile("content-security-policy", re.IGNORECASE)})
    if policy is None or "default-src 'none'" not in str(policy.get("content", "")):
        problems.append("no Content-Security-Policy forbidding outside loads (<meta http-equiv> with default-src 'none')")
    for element in soup.find_all(True):
        name = element.name.lower()
        where = f"<{name}>"
        if name in _FORBIDDEN_ELEMENTS:
            problems.append(f"{where} element: a published page embeds, links or submits nothing")
        if name == "link" and not str(element.get("href", "")).startswith("data:"):
            problems.append(f"<link href={str(element.get('href'))[:80]!r}>: stylesheets and icons are embedded, never linked")
        if name == "meta" and str(element.get("http-equiv", "")).lower() == "refresh":
            problems.append("<meta http-equiv=refresh>: the page would send the reader elsewhere")
        if name == "script":
            if not scripts_allowed:
                problems.append("<script>: the built-in renderer's pages carry no script")
            elif element.get("src") and not str(element["src"]).startswith("data:"):
                problems.append(f"<script src={element['src'][:80]!r}>: scripts may only be embedded")
        for attribute, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if attribute.lower().startswith("on"):
                problems.append(f"{where} has an event handler ({attribute}): text must never run")
            if attribute.lower() in _URL_ATTRIBUTES and value and not value.lstrip().lower().startswith("data:"):
                problems.append(f"{where} {attribute}={value[:80]!r}: a published page loads nothing from outside itself")
            if attribute.lower() == "style":
                problems += _style_problems(value, f"{where} style attribute")
            if attribute.lower() in (*_URL_ATTRIBUTES, "href") and "javascript:" in value.lower().replace(" ", ""):
                problems.append(f"{where} {attribute} holds a javascript: URL")
        if name == "a" and element.get("href") is not None:
            href = str(element["href"])
            if not (_OWN_ANCHOR.fullmatch(href) or safe_url(href) == href or href in SIBLINGS):
                problems.append(f"<a href={href[:80]!r}>: links go to the page's own sections or to http, https or mailto addresses")
            if element.get("rel") and "attachment" in element.get("rel"):
                problems.append(f"<a rel=attachment href={href[:80]!r}>: a PDF would embed the linked file")
        if name == "img" and not str(element.get("src", "")).startswith("data:image/"):
            problems.append(f"<img src={str(element.get('src'))[:80]!r}>: images are the charts, embedded as data: URIs")
        if name == "style":
            problems += _style_problems(element.get_text(), "<style>", restyling=False)
    return [f"{path.name}: {problem}" for problem in dict.fromkeys(problems)]


def _style_problems(css: str, where: str, restyling: bool = True) -> list[str]:
    """Outside references in CSS, and (in a style attribute) rules that take over the page."""
    problems = [f"{where} refers to {found[:80]!r}: styles load nothing from outside the page" for found in _CSS_URL.findall(css)]
    if re.search(r"@import", css, re.IGNORECASE):
        problems.append(f"{where} has an @import: styles load nothing from outside the page")
    if restyling and _RESTYLING.search(css):
        problems.append(f"{where} positions or restyles the page ({_RESTYLING.search(css)[0]!r}): text from data never styles the page")
    return problems


def check_pdf(path: str | Path, charts: int | None = None) -> list[str]:
    """Problems that make a PDF unsafe to publish, in words; empty when there are none.

    No embedded or attached file, no script or action but links to web or mail addresses, no form,
    and no more images than `charts` (the number of charts in the page it was printed from).
    """
    path = Path(path)
    problems = []
    with pikepdf.open(path) as pdf:
        names = pdf.Root.get("/Names")
        if names is not None:
            if "/EmbeddedFiles" in names:
                problems.append("embeds files (/EmbeddedFiles): a published PDF carries no file")
            if "/JavaScript" in names:
                problems.append("carries JavaScript (/Names /JavaScript)")
        for key in ("/OpenAction", "/AA"):
            if key in pdf.Root:
                problems.append(f"runs an action when opened ({key})")
        if "/AcroForm" in pdf.Root:
            problems.append("has a form (/AcroForm)")
        images = set()
        for number, page in enumerate(pdf.pages, start=1):
            for annotation in page.get("/Annots", []):
                subtype = str(annotation.get("/Subtype", ""))
                if subtype == "/FileAttachment":
                    problems.append(f"page {number}: a file attachment")
                elif subtype == "/Link":
                    problems += [f"page {number}: {p}" for p in _link_problems(annotation)]
                elif subtype not in ("/Widget",):
                    continue
            images |= _image_ids(page)
        if charts is not None and len(images) > charts:
            problems.append(f"holds {len(images)} images but its page has {charts} charts: the only pictures are the charts")
    return [f"{path.name}: {problem}" for problem in dict.fromkeys(problems)]


def _link_problems(annotation) -> list[str]:
    action = annotation.get("/A")
    if action is None:
        return []  # an internal link (/Dest)
    kind = str(action.get("/S", ""))
    if kind == "/URI":
        uri = str(action.get("/URI", ""))
        return [] if safe_url(uri) == uri else [f"a link to {uri[:80]!r}: links go to http, https or mailto addresses"]
    if kind == "/GoTo":
        return []
    return [f"a {kind} action: links only go to places in the document or to web and mail addresses"]


def _image_ids(page) -> set:
    """The image objects a page draws, including those inside its form objects."""
    found = set()
    resources = page.get("/Resources")
    if resources is None:
        return found
    for _, xobject in (resources.get("/XObject") or {}).items():
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            found.add(xobject.objgen)
        elif subtype == "/Form":
            found |= _image_ids(xobject)
    return found


def count_charts(html: str | Path) -> int:
    """How many images (charts) an HTML page shows."""
    return len(re.findall(r"<img\b", Path(html).read_text(encoding="utf-8"), re.IGNORECASE))


def check_folder(folder: str | Path) -> dict[str, list[str]]:
    """Each HTML and PDF in a rendered folder with what makes it unsafe to publish (empty lists when safe)."""
    folder = Path(folder)
    checked = {page.name: check_html(page) for page in sorted(folder.glob("*.html"))}
    for pdf in sorted(folder.glob("*.pdf")):
        html = pdf.with_suffix(".html")
        checked[pdf.name] = check_pdf(pdf, count_charts(html) if html.exists() else None)
    return checked
