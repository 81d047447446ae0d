"""Hostile text in every field that reaches a document is published as text, and nothing else.

Every text field of the catalogue, the observations, the params and the commentary carries the
payloads of `hostile/payloads.py` at once. The committee is run through the real command; then
the published HTML, PDF, xlsx and CSV are inspected, a loopback web server records any request
made during the build or when Chromium opens the page, and a secret file and a local image
outside the project must appear nowhere. The same executed notebook is rendered by Quarto too,
where Quarto is installed.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import openpyxl
import pikepdf
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from hostile import payloads
from hostile.project import (
    COMMITTEE, QUARTER, catalogue, commentary, fingerprint, make_project, observations, output_folder, params, run,
)
from reporting.publish.safety import check_folder, check_html

pytestmark = pytest.mark.e2e

SECRET = "TOP-SECRET-MARKER-7f3a"
# The fields each run fills with payloads; each payload is tagged with its field so the test can
# find that field's text in the page and check it is shown as written.
CATALOGUE_FIELDS = ("title", "description", "calculation", "numerator", "denominator")
PARAMS_FIELDS = ("council", "committee_name", "title", "region")
PAPER_FIELDS = ("title", "from", "background", "rating_key", "recommendation", "electoral_divisions", "forward_plan_reference")
OFFICER_FIELDS = ("name", "role", "phone")  # the email must be an address (params refuse anything else): an odd one
# An address with every character an address may have that Markdown, HTML or Quarto might read as syntax.
OFFICER_EMAIL = "o'neil+{{env}}|x=y&z-paper-email@example.gov.uk"


def _files(tmp: Path) -> tuple[str, str]:
    """A secret file and a small local image, both outside the project."""
    secret = tmp / "outside" / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(SECRET + "\n", encoding="utf-8")
    image = tmp / "outside" / "local.png"
    Image.new("RGB", (7, 13), (255, 0, 0)).save(image)
    return str(secret), str(image)


def hostile_project(root: Path, text) -> tuple[Path, list[str]]:
    """The small committee with `text(field_tag)` in every text field; returns the project and the tags used."""
    tags = []

    def payload(tag: str) -> str:
        tags.append(tag)
        return text(tag)

    entries = catalogue()
    for entry in entries:
        for field in CATALOGUE_FIELDS:
            entry[field] = payload(f"-cat-{entry['id']}-{field}")
    entries[0]["sources"] = [payload("-cat-sources")]
    entries[0]["links"] = [{"title": payload("-cat-link-title"), "url": "https://www.gov.uk/guidance"}]
    entries[2]["target_note"] = payload("-cat-target-note")
    rows = observations()
    for row in rows:
        row["period_label"] = payload(f"-label-{row['indicator_id']}-{row['period_end']}")
        row["note"] = payload(f"-note-{row['indicator_id']}-{row['period_end']}")
    settings = params()
    for field in PARAMS_FIELDS:
        settings[field] = payload(f"-params-{field}")
    settings["contact"] = {"team": payload("-params-team"), "email": payload("-params-email")}
    settings["paper"] = {field: payload(f"-paper-{field}") for field in PAPER_FIELDS}
    settings["paper"]["officer_contact"] = {field: payload(f"-paper-officer-{field}") for field in OFFICER_FIELDS}
    settings["paper"]["officer_contact"]["email"] = OFFICER_EMAIL
    settings["paper"].update(meeting_date="2024-03-19", key_decision=False)
    settings["scheme"] = {"name": "ragb", "labels": {"Red": payload("-label-red"), "Green": payload("-label-green")}}
    notes = {kpi: {"commentary": payload(f"-commentary-{kpi}"), "actions": payload(f"-actions-{kpi}")} for kpi in commentary()}
    make_project(root, catalogue_entries=entries, observation_rows=rows, params_settings=settings, commentary_text=notes)
    # Benchmarks: the neighbours' names, as a national table gives them, reach the chart, its alt text and its table.
    national = [{"indicator_id": kpi, "period_end": "2023-12-31", "area_code": code, "area": payload(f"-area-{kpi}-{code}"), "value": value}
                for kpi in ("A1", "B2") for code, value in (("1", 85), ("2", 70), ("3", 90))]
    with open(root / "data" / COMMITTEE / "national.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(national[0]))
        writer.writeheader()
        writer.writerows(national)
    (root / "data" / COMMITTEE / "benchmarks.yaml").write_text(
        "council: {code: '1', name: Example}\nneighbours: [{code: '2', name: Two}, {code: '3', name: Three}]\nnational: national.csv\n",
        encoding="utf-8")
    return root, tags


def pdf_streams(path: Path) -> bytes:
    """Every object and decoded stream of a PDF, to search for text that must not be inside it."""
    found = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    found.append(obj.read_bytes())
                except pikepdf.PdfError:
                    found.append(zlib.decompress(obj.read_raw_bytes()))
            else:
                found.append(repr(obj).encode("utf-8", "replace"))
    return b"\n".join(found)


def pdf_images(path: Path) -> list[tuple[int, int]]:
    with pikepdf.open(path) as pdf:
        return [(int(o.Width), int(o.Height)) for o in pdf.objects
                if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]


def open_in_chromium(pages: list[Path]) -> None:
    """Open each page in headless Chromium as a reader would, without any request interception."""
    from reporting.publish.audit import chromium_browser, unavailable_reason

    if unavailable_reason():
        pytest.skip(unavailable_reason())
    with chromium_browser() as browser:
        for page_path in pages:
            for width in (1280, 390):
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(page_path.resolve().as_uri(), wait_until="load")
                page.wait_for_timeout(300)
                context.close()


def assert_safe_outputs(folder: Path, image_size=(7, 13)) -> None:
    """What every published folder must hold: safe documents, no secret, no local image."""
    unsafe = {name: problems for name, problems in check_folder(folder).items() if problems}
    assert not unsafe, unsafe
    for path in folder.iterdir():
        data = path.read_bytes()
        assert SECRET.encode() not in data, path.name
        if path.suffix == ".pdf":
            assert SECRET.encode() not in pdf_streams(path), path.name
            assert image_size not in pdf_images(path), f"{path.name} holds the local image"
            with pikepdf.open(path) as pdf:
                assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {}), path.name
        if path.suffix == ".xlsx":
            with zlib_free_zip(path) as names:
                assert not any("externalLink" in n for n in names), names


class zlib_free_zip:  # noqa: N801 - a tiny context manager
    """The member names of an xlsx (a zip file)."""

    def __init__(self, path: Path):
        import zipfile

        self.zip = zipfile.ZipFile(path)

    def __enter__(self):
        return self.zip.namelist()

    def __exit__(self, *exc):
        self.zip.close()


@pytest.fixture(scope="module")
def markdown_attack(tmp_path_factory):
    """Run A: the Markdown, HTML, CSS, Quarto and LaTeX payloads in every field; published by the real command."""
    tmp = tmp_path_factory.mktemp("markdown-attack")
    secret, image = _files(tmp)
    with payloads.request_logger() as (port, requests):
        root, tags = hostile_project(tmp / "project", lambda tag: payloads.markdown_payload(port, secret, image, tag))
        status, said = run(root)
        built = list(requests)
        folder = output_folder(root)
        if status == 0:
            open_in_chromium([folder / "report.html", folder / "paper.html"])
        opened = list(requests)[len(built):]
    return dict(root=root, folder=folder, status=status, said=said, tags=tags, built=built, opened=opened,
                port=port, secret=secret, image=image)


def test_markdown_attack_is_published(markdown_attack):
    assert markdown_attack["status"] == 0, markdown_attack["said"]
    assert (markdown_attack["folder"] / "report.pdf").exists()


def test_no_request_during_the_build_or_when_chromium_opens_the_pages(markdown_attack):
    assert markdown_attack["built"] == [], "the build fetched URLs"
    assert markdown_attack["opened"] == [], "the published page made requests"


def test_published_documents_are_safe_and_carry_no_local_file(markdown_attack):
    assert_safe_outputs(markdown_attack["folder"])


def page_text(folder: Path) -> str:
    texts = []
    for name in ("report.html", "paper.html"):
        soup = BeautifulSoup((folder / name).read_text(encoding="utf-8"), "html.parser")
        texts.append(soup.get_text(" "))
    return re.sub(r"\s+", " ", "\n".join(texts))


def test_every_field_shows_its_payload_as_the_text_written(markdown_attack):
    text = page_text(markdown_attack["folder"])
    shown = [tag for tag in markdown_attack["tags"] if f"Lead{tag} " in text]
    # Fields a report does not show (the region with a RAGB scheme, the previous months' labels
    # and notes, the link's URL) are not expected; every field shown must be shown whole.
    for tag in shown:
        segment = text[text.index(f"Lead{tag} "):]
        segment = segment[: segment.index(f"Tail{tag}") + len(f"Tail{tag}")]
        assert "{rel=attachment}" in segment and "<script>alert(1)</script>" in segment, (tag, segment[:400])
        assert "{style=\"position:fixed" in segment and "](https://other.example) [" in segment, (tag, segment[:400])
        assert "{{< include" in segment and "$$note$$" in segment, (tag, segment[:400])
    expected = {"-params-council", "-params-committee_name", "-params-title", "-params-team", "-paper-title",
                "-paper-from", "-paper-background", "-paper-recommendation", "-paper-electoral_divisions",
                "-paper-forward_plan_reference", "-paper-officer-name", "-paper-officer-role", "-paper-officer-phone",
                "-commentary-A1", "-actions-B2", "-cat-A1-title",
                "-cat-A1-description", "-cat-A1-calculation", "-cat-B2-numerator", "-cat-A1-denominator", "-cat-sources",
                "-cat-link-title", "-cat-target-note", "-label-red", "-area-A1-2", "-area-B2-3"}
    missing = expected - set(shown)
    assert not missing, f"fields not shown in the page: {sorted(missing)}"
    assert any(tag.startswith("-label-A1-2023-12-31") for tag in shown)
    assert any(tag.startswith("-note-") for tag in shown)


def test_page_structure_is_only_what_the_workbook_writes(markdown_attack):
    folder = markdown_attack["folder"]
    here = f"http://127.0.0.1:{markdown_attack['port']}"
    soup = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    assert not main.find_all(style=True), "an element in the report carries a style attribute"
    assert not soup.find_all(["script", "iframe", "link", "object", "embed", "base", "form"])
    charts = main.find_all("img")
    assert len(charts) == 1 + 3 + 2  # the summary chart, one per KPI, and a benchmark chart for each with a direction
    assert all(img["src"].startswith("data:image/png;base64,") for img in charts)
    ids = {element["id"] for element in soup.find_all(id=True)}
    for link in soup.find_all("a", href=True):
        href = link["href"]
        assert href.startswith(("#", "https://", "http://", "mailto:")), href
        if href.startswith("#"):
            assert href[1:] in ids, f"link to a missing section {href}"
        else:
            # The catalogue's link, and the http(s) links an analyst may write in Markdown.
            written = ("https://www.gov.uk/guidance", "https://other.example", f"{here}/link", f"{here}/xlsx")
            assert href in written, f"a link the workbook did not write: {href}"
        assert not link.get("rel") and not link.get("style")
    index = soup.find(id="index").find_next("table")
    targets = [a["href"] for a in index.find_all("a")]
    assert targets == ["#kpi-A1", "#kpi-B2", "#kpi-C3"], targets
    classes = {c for element in soup.find_all(class_=True) for c in element["class"]}
    assert "evil" not in classes


def officer_mailto(href: str) -> bool:
    """Whether a link is the officer's email from params (percent-encoded as a URL must be)."""
    from urllib.parse import unquote

    return href.startswith("mailto:") and unquote(href[len("mailto:"):]) == OFFICER_EMAIL


def test_paper_links_only_where_the_workbook_did_and_shows_the_officers_email_as_written(markdown_attack):
    here = f"http://127.0.0.1:{markdown_attack['port']}"
    soup = BeautifulSoup((markdown_attack["folder"] / "paper.html").read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    assert not main.find_all(style=True) and not soup.find_all(["script", "iframe", "link", "object", "embed", "base", "form"])
    ids = {element["id"] for element in soup.find_all(id=True)}
    written = ("report.html", "https://other.example", f"{here}/link", f"{here}/xlsx")  # the report, and analysts' web links
    for link in main.find_all("a", href=True):
        href = link["href"]
        assert (href.startswith("#") and href[1:] in ids) or href in written or officer_mailto(href), href
        assert not link.get("rel") and not link.get("style")
    officer = [a for a in main.find_all("a", href=True) if officer_mailto(a["href"])]
    assert [a.get_text() for a in officer] == [OFFICER_EMAIL]
    report = [" ".join(a.get_text().split()) for a in main.find_all("a", href="report.html")]
    assert len(report) == 1 and report[0].startswith("Lead-params-title ") and report[0].endswith("Tail-params-title for Quarter 3, 2023/24")
    classes = {c for element in main.find_all(class_=True) for c in element["class"]}
    assert "evil" not in classes


def test_running_header_and_pdf_text_show_the_council_as_written(markdown_attack):
    from pypdf import PdfReader

    reader = PdfReader(markdown_attack["folder"] / "report.pdf")
    second = re.sub(r"\s+", " ", reader.pages[1].extract_text())
    assert "Lead-params-council" in second, second[:300]
    whole = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Index of indicators" in whole and "{rel=attachment}" in whole
    assert_paper_pdf_shows_the_items_as_text(markdown_attack["folder"] / "paper.pdf")


def test_spreadsheet_has_no_formula_and_no_hyperlink(markdown_attack):
    assert_no_formulas_or_links(markdown_attack["folder"] / "kpis.xlsx")


def assert_no_formulas_or_links(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                assert cell.hyperlink is None or str(cell.hyperlink.target).startswith(("#", "'")) or cell.hyperlink.location, (
                    f"{sheet.title}!{cell.coordinate} links to {cell.hyperlink.target}"
                )


@pytest.fixture(scope="module")
def formula_attack(tmp_path_factory):
    """Run B: formulas and DDE commands as text in every field, and CSS-breaking names in params."""
    tmp = tmp_path_factory.mktemp("formula-attack")
    count = iter(range(1000))
    with payloads.request_logger() as (port, requests):
        def text(tag: str) -> str:
            if tag.startswith(("-params-council", "-params-committee_name", "-params-title", "-paper-title")):
                return payloads.css_breakout(port, tag)
            return payloads.formula_payload(port, next(count)) + tag  # tagged: rating words must differ

        root, _ = hostile_project(tmp / "project", text)
        status, said = run(root)
        built = list(requests)
        folder = output_folder(root)
        if status == 0:
            open_in_chromium([folder / "report.html"])
        opened = list(requests)[len(built):]
    return dict(root=root, folder=folder, status=status, said=said, built=built, opened=opened)


def test_formula_attack_is_published_safely(formula_attack):
    assert formula_attack["status"] == 0, formula_attack["said"]
    assert formula_attack["built"] == [] and formula_attack["opened"] == []
    assert_safe_outputs(formula_attack["folder"])
    assert_no_formulas_or_links(formula_attack["folder"] / "kpis.xlsx")


def test_csv_text_cells_never_start_a_formula(formula_attack):
    with open(formula_attack["folder"] / "kpis.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = [(column, value) for row in rows for column, value in row.items() if value]
    assert any(value.startswith("'=") for _, value in texts)
    for column, value in texts:
        try:
            float(value)
            continue  # a number, written as a number
        except ValueError:
            pass
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)


def test_a_css_breaking_council_name_cannot_hide_the_report(formula_attack):
    from pypdf import PdfReader

    html = (formula_attack["folder"] / "report.html").read_text(encoding="utf-8")
    style = html[html.index("<style>"):html.index("</style>")]
    assert "display: none" not in style.split("@page")[-1] and "main {" not in style.split("@page")[-1]
    reader = PdfReader(formula_attack["folder"] / "report.pdf")
    assert len(reader.pages) > 3
    whole = " ".join(page.extract_text() for page in reader.pages)
    assert "Index of indicators" in whole and "Key to ratings" in whole and "Commentary" in whole
    second = re.sub(r"\s+", " ", reader.pages[1].extract_text())
    assert 'Name-params-council"; }' in second, second[:300]
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script")


@pytest.fixture(scope="module")
def quarto_attack(tmp_path_factory, quarto_path):
    """Run A again, published through Quarto: the same payloads, the other renderer."""
    tmp = tmp_path_factory.mktemp("quarto-attack")
    secret, image = _files(tmp)
    with pytest.MonkeyPatch.context() as patch, payloads.request_logger() as (port, requests):
        patch.setenv("REPORTING_QUARTO", quarto_path)
        root, tags = hostile_project(tmp / "project", lambda tag: payloads.markdown_payload(port, secret, image, tag))
        status, said = run(root, renderer="quarto")
        built = list(requests)
        folder = output_folder(root)
        if status == 0:
            open_in_chromium([folder / "report.html", folder / "paper.html"])
        opened = list(requests)[len(built):]
    return dict(root=root, folder=folder, status=status, said=said, tags=tags, built=built, opened=opened, port=port)


@pytest.mark.quarto
def test_quarto_publishes_the_attack_as_text_and_fetches_nothing(quarto_attack):
    assert quarto_attack["status"] == 0, quarto_attack["said"]
    assert quarto_attack["built"] == [], "Quarto's build fetched URLs"
    assert quarto_attack["opened"] == [], "Quarto's published page made requests"
    assert_safe_outputs(quarto_attack["folder"])


@pytest.mark.quarto
def test_quarto_pages_show_every_payload_as_written_and_link_only_where_the_workbook_did(quarto_attack):
    folder = quarto_attack["folder"]
    text = page_text(folder)
    shown = [tag for tag in quarto_attack["tags"] if f"Lead{tag} " in text]
    assert {"-params-council", "-commentary-A1", "-actions-B2", "-cat-A1-title", "-label-red", "-paper-recommendation",
            "-paper-electoral_divisions", "-paper-forward_plan_reference", "-paper-officer-name", "-paper-officer-role",
            "-paper-officer-phone"} <= set(shown)
    for tag in shown:
        segment = text[text.index(f"Lead{tag} "):]
        segment = segment[: segment.index(f"Tail{tag}") + len(f"Tail{tag}")]
        assert "{rel=attachment}" in segment and "<script>alert(1)</script>" in segment, (tag, segment[:400])
        assert "{{< include" in segment and "$$note$$" in segment, (tag, segment[:400])
    here = f"http://127.0.0.1:{quarto_attack['port']}"
    for name in ("report.html", "paper.html"):
        soup = BeautifulSoup((folder / name).read_text(encoding="utf-8"), "html.parser")
        main = soup.find("main")
        assert not main.find_all(["script", "iframe", "object", "embed", "form", "link", "base"])
        styled = [e for e in main.find_all(style=True) if not (e.name == "col" and re.fullmatch(r"width: \d+%", e["style"]))]
        assert not styled, styled[:3]  # pandoc's column widths only
        ids = {element["id"] for element in soup.find_all(id=True)}
        for link in main.find_all("a", href=True):
            href = link["href"]
            if href.startswith("#"):
                assert href[1:] in ids, f"link to a missing section {href}"
            elif name == "paper.html" and (href == "report.html" or officer_mailto(href)):
                continue  # the paper's link to the report beside it, and the officer's email from params
            else:
                assert href in ("https://www.gov.uk/guidance", "https://other.example", f"{here}/link", f"{here}/xlsx"), href
        classes = {c for element in main.find_all(class_=True) for c in element["class"]}
        assert "evil" not in classes


@pytest.mark.quarto
def test_quarto_pdf_shows_the_payloads_as_text(quarto_attack):
    from pypdf import PdfReader

    reader = PdfReader(quarto_attack["folder"] / "report.pdf")
    second = re.sub(r"\s+", " ", reader.pages[1].extract_text())
    assert "Lead-params-council" in second, second[:300]  # the running header, as written
    whole = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Index of indicators" in whole and "{rel=attachment}" in whole and "{{< include" in whole
    assert_paper_pdf_shows_the_items_as_text(quarto_attack["folder"] / "paper.pdf")


def assert_paper_pdf_shows_the_items_as_text(path: Path) -> None:
    """The paper's PDF shows each committee-paper item's payload as typed, and links to no file."""
    from pypdf import PdfReader

    whole = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))
    # Lines break anywhere in a PDF's text (Typst hyphenates, and a hyphen at a line's end is lost): search without spaces.
    packed = re.sub(r"\s", "", whole)
    for tag in ("-paper-recommendation", "-paper-electoral_divisions", "-paper-forward_plan_reference", "-paper-officer-name",
                "-paper-officer-role", "-paper-officer-phone"):
        segment = packed[packed.index(f"Lead{tag}"):]
        segment = segment[: segment.index("Tail")]
        assert "{rel=attachment}" in segment and "<script>alert(1)</script>" in segment, (tag, segment[:300])
    assert OFFICER_EMAIL in packed and "published with this paper as report.pdf" in whole
    with pikepdf.open(path) as pdf:
        uris = [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots", []) if "/A" in a and "/URI" in a.A]
    # The officer's email and analysts' web links (in the recommendation, say); never a file, nor the report beside it.
    assert any(officer_mailto(uri) for uri in uris), uris
    assert all(officer_mailto(uri) or uri.startswith(("https://", "http://127.0.0.1:")) for uri in uris), uris