"""The built-in renderer's PDF: Typst markup written straight from an executed notebook's outputs.

The blocks' strict Markdown (`text/markdown`) is read by the same markdown-it parser that writes the
built-in HTML (`document.markdown_html`), so the same attributes survive, and each token is written
as Typst. Every piece of text becomes a Typst string literal (`#"..."`;), shown as the characters
written: no text from data, params or commentary can become markup, code, a label or a file
reference. The markup around it is the workbook's own: headings with their ids, paragraphs, lists,
tables with header rows, links, the rating badges and SPC icons, and each chart as a figure with its
alt text. The look (page, running header, page numbers, badges, tables) is the Typst template that
Quarto's PDF uses too (`templates/quarto/typst-template.typ`), so both renderers print alike.

Typst lays out and writes a tagged PDF/UA-1 file, in a fraction of the time an HTML layout engine
takes; PDF/UA-1 is checked as it writes (a chart without alt text, a document
without a title, a heading that skips a level stop the render).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ...document import one_line, typst_string, typst_text  # noqa: F401  (typst_text: text in markup)
from ...document.blocks import Chart
from ...document.icons import ICONS, write_icons
from ...document.markdown_html import _parser
from ...errors import RenderError
from ...quarters import epoch_seconds
from .builtin import document_parts, report_metadata
from .typst_compile import INPUTS

TEMPLATE = Path(__file__).parent / "templates" / "quarto" / "typst-template.typ"
CHARTS = "charts"
ICONS_FOLDER = "icons"  # the template's spc-icon reads icons/<name>.svg beside it
COMPILER = Path(__file__).with_name("typst_compile.py")  # run as its own small program
# Sections printed on landscape pages (their tables have many columns), as in Quarto's PDF.
LANDSCAPE = ("index", "data-tables")
# Markdown pipe tables whose source has a line longer than this take the full width, with columns as
# wide as the dashes of their separator line: pandoc's rule, so both renderers size columns alike.
PANDOC_COLUMNS = 72
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_\-:.]*")


@dataclass
class TypstSource:
    """A document for Typst: its markup, the chart images it refers to, and its title and running header."""

    markup: str
    images: dict[str, bytes] = field(default_factory=dict)  # file name under CHARTS -> PNG
    title: str = ""
    running_header: str = ""
    produced_on: str = ""

    def write(self, folder: Path, stem: str) -> Path:
        """Write `<stem>.typ`, the template, its icons, the charts and its Typst inputs in `folder`; returns the .typ."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report-template.typ").write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
        write_typst_files(folder, stem, self.images, self.title, self.running_header)
        path = folder / f"{stem}.typ"
        path.write_text(self.markup, encoding="utf-8")
        return path


def write_typst_files(folder: Path, stem: str, images: dict[str, bytes], title: str, running_header: str) -> None:
    """What Typst reads beside a document, for both renderers: the charts' PNGs, the SPC icons' SVGs, and the
    title and running header as plain strings (`<stem>.inputs.json`, read as sys.inputs by typst_compile.py)."""
    if images:
        (folder / CHARTS).mkdir(parents=True, exist_ok=True)
        for name, png in images.items():
            (folder / CHARTS / name).write_bytes(png)
    write_icons(folder / ICONS_FOLDER)
    inputs = {"title": one_line(title), "running-header": one_line(running_header)}
    (folder / f"{stem}{INPUTS}").write_text(json.dumps(inputs, ensure_ascii=False), encoding="utf-8")


def typst_figure(path: str, alt: str, role: str) -> str:
    """A chart as a Typst figure of its image file with its alt text (tagged in the PDF)."""
    # Charts are drawn 4.8 inches wide with 11-point text: a KPI's at 58% of the A4 column prints its
    # text at 9.5 pt; the ratings summary's, mostly bars, at 45%, so the summary and the keys share a page.
    width = "45%" if role == "figure" else "58%"
    return f"#figure(image({typst_string(path)}, alt: {typst_string(alt)}, width: {width}))"


def language(meta: dict) -> str:
    """The document's BCP 47 language tag such as en-GB (the workbook writes it; anything else becomes en-GB)."""
    value = str(meta.get("language", "en-GB"))
    return value if re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", value) else "en-GB"


def produced_day(meta: dict) -> tuple[int, int, int] | None:
    """The day the document says it was produced, as (year, month, day): the PDF's date."""
    produced = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(meta.get("produced_on", "")))
    return (int(produced[1]), int(produced[2]), int(produced[3])) if produced else None


class _Writer:
    """Markdown tokens (markdown-it, with the built-in HTML's rules applied) written as Typst markup."""

    def __init__(self, labels: set[str]):
        self.labels = labels  # the headings' ids: a link to any other id would stop Typst, so it is text
        self.landscape_level: int | None = None

    # Blocks ---------------------------------------------------------------------------------------

    def blocks(self, tokens: list, start: int = 0, end: int | None = None) -> str:
        end = len(tokens) if end is None else end
        out: list[str] = []
        i = start
        while i < end:
            token = tokens[i]
            close = _closing(tokens, i) if token.nesting == 1 else i
            kind = token.type
            if kind == "heading_open":
                out.append(self.heading(token, tokens[i + 1]))
            elif kind == "paragraph_open":
                text = self.inline(tokens[i + 1].children or [])
                out.append(text if token.hidden else text + "\n")
            elif kind in ("bullet_list_open", "ordered_list_open"):
                out.append(self.list(tokens, i, close))
            elif kind == "blockquote_open":
                out.append(f"#quote(block: true)[\n{self.blocks(tokens, i + 1, close)}]\n")
            elif kind == "table_open":
                out.append(self.table(tokens, i, close))
            elif kind in ("fence", "code_block"):
                out.append(f"#raw({typst_string(token.content)}, block: true)\n")  # never written; shown as text
            elif kind == "hr":
                out.append("#line(length: 100%, stroke: 0.5pt)\n")
            elif kind == "inline":
                out.append(self.inline(token.children or []))
            i = close + 1
        return "\n".join(part for part in out if part)

    def heading(self, token, inline) -> str:
        level = int(token.tag[1])
        ident = (token.attrs or {}).get("id", "")
        page = ""
        if self.landscape_level is not None and level <= self.landscape_level:
            page += "#set page(flipped: false)\n"
            self.landscape_level = None
        if ident in LANDSCAPE:
            page += "#set page(flipped: true)\n"
            self.landscape_level = level
        label = f" <{ident}>" if ident and _LABEL.fullmatch(ident) else ""
        return f"{page}#heading(level: {level})[{self.inline(inline.children or [])}]{label}\n"

    def list(self, tokens, start: int, close: int) -> str:
        items, i = [], start + 1
        while i < close:
            if tokens[i].type == "list_item_open":
                end = _closing(tokens, i)
                items.append(f"[{self.blocks(tokens, i + 1, end).strip()}]")
                i = end
            i += 1
        tight = any(tokens[j].type == "paragraph_open" and tokens[j].hidden for j in range(start, close))
        if tokens[start].type == "ordered_list_open":
            first = int((tokens[start].attrs or {}).get("start", 1))
            return f"#enum(tight: {str(tight).lower()}, start: {first}, {', '.join(items)})\n"
        return f"#list(tight: {str(tight).lower()}, {', '.join(items)})\n"

    def table(self, tokens, start: int, close: int) -> str:
        caption, header, rows, in_head = "", [], [], False
        i = start + 1
        while i < close:
            token = tokens[i]
            if token.type == "caption_open":
                caption = self.inline(tokens[i + 1].children or []).strip()
                i = _closing(tokens, i)
            elif token.type in ("thead_open", "thead_close"):
                in_head = token.type == "thead_open"
            elif token.type == "tr_open":
                (header if in_head else rows).append([])
            elif token.type in ("th_open", "td_open"):
                (header if in_head else rows)[-1].append(f"[{self.inline(tokens[i + 1].children or [])}]")
                i = _closing(tokens, i)
            i += 1
        columns = len(header[0]) if header else max((len(r) for r in rows), default=1)
        widths = tokens[start].meta.get("widths") or ["auto"] * columns
        cells = []
        if header:
            cells.append(f"table.header({', '.join(header[0])})")
        cells.extend(", ".join(r) for r in rows if r)
        table = f"#table(columns: ({', '.join(widths)},), {', '.join(cells)})"
        if caption:  # a caption for everyone (one written for screen readers only is dropped: the heading names it)
            return f"#figure(kind: table, caption: [{caption}], {table[1:]})\n"
        return table + "\n"

    # Inlines --------------------------------------------------------------------------------------

    def inline(self, children: list) -> str:
        out: list[str] = []
        i = 0
        while i < len(children):
            token = children[i]
            kind = token.type
            if kind == "text":
                out.append(typst_text(token.content))
            elif kind == "softbreak":
                out.append(" ")
            elif kind == "hardbreak":
                out.append(" \\\n")
            elif kind == "code_inline":
                out.append(f"#raw({typst_string(token.content)});")
            elif kind in ("strong_open", "em_open", "link_open", "span_open"):
                close = _closing(children, i)
                out.append(self.wrapped(token, self.inline(children[i + 1 : close])))
                i = close
            i += 1
        return "".join(out)

    def wrapped(self, token, body: str) -> str:
        """Emphasis, a link or a span around its contents (already Typst)."""
        kind = token.type
        if kind == "strong_open":
            return f"#strong[{body}]"
        if kind == "em_open":
            return f"#emph[{body}]"
        attrs = token.attrs or {}
        if kind == "link_open":
            href = str(attrs.get("href", ""))  # only safe targets survive the parser's attribute rule
            if href.startswith("#"):
                return f"#link(<{href[1:]}>)[{body}]" if href[1:] in self.labels and _LABEL.fullmatch(href[1:]) else body
            return f"#link({typst_string(href)})[{body}]" if href else body
        classes = str(attrs.get("class", "")).split()
        if "screen-only" in classes or "visually-hidden" in classes:
            return ""
        if "print-only" in classes:
            return body
        if "spc-badge" in classes:  # an icon and its badge: one box, never parted by a line break
            return f"#box[{body}]"
        if "spc-icon" in classes:
            names = [c.removeprefix("spc-icon-") for c in classes if c.startswith("spc-icon-")]
            return f"#spc-icon({typst_string(names[0])});" if names and names[0] in ICONS else ""
        if "rating" in classes:
            kind_class = next((c for c in classes if re.fullmatch(r"rating-[a-z]+|spc-[a-z]+", c)), "rating-status")
            return f"#badge({typst_string(kind_class)})[{body}]"
        return body


def _closing(tokens: list, start: int) -> int:
    """The index of the token that closes the one opened at `start`."""
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].nesting
        if depth == 0:
            return i
    return len(tokens) - 1


def _table_widths(tokens: list, source_lines: list[str]) -> None:
    """Pandoc's column widths for each pipe table: from its separator's dashes when a line of the table
    is longer than PANDOC_COLUMNS, else each column as wide as its content (`auto`)."""
    for token in tokens:
        if token.type != "table_open" or not token.map:
            continue
        first, last = token.map
        lines = source_lines[first:last]
        if len(lines) < 2 or max(len(line) for line in lines) <= PANDOC_COLUMNS:
            continue
        dashes = [len(cell.strip().strip(":")) for cell in lines[1].strip().strip("|").split("|")]
        total = sum(dashes)
        if total and all(dashes):
            token.meta["widths"] = [f"{d}fr" for d in dashes]


def _parse(markdown: str) -> list:
    """The Markdown's tokens, as the built-in HTML reads them, with pandoc's column widths on its tables."""
    tokens = _parser().parse(markdown or "")
    _table_widths(tokens, (markdown or "").split("\n"))
    return tokens


def typst_source(notebook: str | Path | nbformat.NotebookNode) -> TypstSource:
    """The Typst document built from an executed notebook: each output's Markdown and each chart in
    order, the notebook's own Markdown cells reduced to the analysts' safe subset; code, streams,
    errors and HTML outputs are left out."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    parts = [part if isinstance(part, Chart) else _parse(part) for part in document_parts(nb)]
    labels = {token.attrs["id"] for part in parts if not isinstance(part, Chart)
              for token in part if token.type == "heading_open" and (token.attrs or {}).get("id")}
    writer = _Writer(labels)
    images: dict[str, bytes] = {}
    body = []
    for part in parts:
        if isinstance(part, Chart):
            name = f"chart-{len(images) + 1:03d}.png"
            images[name] = part.png
            body.append(typst_figure(f"{CHARTS}/{name}", one_line(part.alt) or "Chart", part.role) + "\n")
        else:
            body.append(writer.blocks(part))
    meta = report_metadata(nb)
    if writer.landscape_level is not None:
        body.append("#set page(flipped: false)\n")
    if meta["footer"]:  # who produced it and when, at the end of the text
        body.append(typst_text(meta["footer"]) + "\n")
    lang, _, region = language(meta).partition("-")
    day = produced_day(meta)
    date = f"datetime(year: {day[0]}, month: {day[1]}, day: {day[2]})" if day else "auto"
    head = (
        '#import "report-template.typ": report, badge, spc-icon\n'
        f'#show: doc => report(lang: "{lang}", {f"region: {chr(34)}{region}{chr(34)}, " if region else ""}date: {date}, doc)\n\n'
    )
    return TypstSource(head + "\n".join(part for part in body if part), images, meta["title"], meta["running_header"],
                       "%04d-%02d-%02d" % day if day else "")


def compile_pdf(source: TypstSource, pdf_path: Path, stem: str = "report") -> Path:
    """Write the source in a private folder and compile it to a tagged PDF/UA-1 file at `pdf_path`.

    Typst reads only that folder (its root): the document's own markup, the template, the icons and
    the charts. It runs in a short-lived process of its own (`typst_compile.py`, as for Quarto's PDF):
    Typst keeps what it laid out for the next ten compiles, so in a long-lived pool worker it would
    hold hundreds of megabytes, and starting it costs about a twentieth of a second. The PDF's dates
    are the day the document was produced, so reruns are byte-identical.
    """
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="reporting-typst-") as folder:
        main = source.write(Path(folder), stem)
        env = {**os.environ}
        if source.produced_on and not env.get("SOURCE_DATE_EPOCH"):
            env["SOURCE_DATE_EPOCH"] = epoch_seconds(source.produced_on)
        output = Path(folder) / f"{stem}.pdf"
        done = subprocess.run(
            [sys.executable, str(COMPILER), "compile", str(main), str(output), "--root", folder],
            env=env, capture_output=True, text=True,
        )
        if done.returncode != 0 or not output.is_file():
            message = (done.stderr or done.stdout).strip().removeprefix("error: ")
            raise RenderError(f"Could not render {pdf_path.name} to PDF with Typst: {message[:2000]}")
        shutil.move(str(output), pdf_path)
    return pdf_path
