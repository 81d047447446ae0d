"""Markdown to HTML for the built-in renderer: CommonMark, pipe tables and pandoc-style attributes.

Raw HTML in Markdown is never passed through (html=False): it is shown as text. Images are never
read from Markdown (charts arrive as PNG outputs), and after parsing only the attributes the
workbook itself writes survive: an id, the badge, hidden-caption and screen- or print-only classes,
an aria-label, and links to #anchors, http, https and mailto addresses, or by name to the other
documents published in the same folder (a paper's link to its report). Text from data is escaped before it gets
here (`reporting.document`); this is the second line of defence. Table header
cells get scope="col" so screen readers announce them. A paragraph `: Caption` right after a
pipe table (pandoc's caption syntax, which Quarto reads too) becomes the table's <caption>.
Wide tables sit in a keyboard-focusable, named region that scrolls sideways on a phone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin

from .escape import safe_url

_HEADING_ID = re.compile(r"\s*\{#([A-Za-z][\w\-:.]*)\}\s*$")
_CAPTION = re.compile(r"^(?:Table)?:\s+")
# Tables with more columns than this cannot reflow to a phone's width, so they scroll sideways
# inside a region that keyboard users can focus and screen readers announce by its caption.
WIDE_TABLE_COLUMNS = 5
# A level-2 heading with an id, as the report's Markdown writes every section heading.
_SECTION = re.compile(r"^## (.+?)\s*\{#([A-Za-z][\w\-:.]*)\}\s*$", re.MULTILINE)


def _heading_ids(state) -> None:
    """Pandoc's `## Heading {#id}`: move a trailing {#id} on a heading into the heading's id."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens) and tokens[i + 1].type == "inline":
            inline = tokens[i + 1]
            match = _HEADING_ID.search(inline.content)
            if match:
                token.attrSet("id", match[1])
                inline.content = inline.content[: match.start()]
                if inline.children:
                    last = inline.children[-1]
                    if last.type == "text":
                        last.content = _HEADING_ID.sub("", last.content)


def _plain(markdown: str) -> str:
    """Caption Markdown as plain text for an aria-label: spans, emphasis and attributes removed."""
    text = re.sub(r"\{[^}]*\}", "", markdown)
    return re.sub(r"[\[\]*_`\\]", "", text).strip()


def _table_captions(state) -> None:
    """Pandoc's `: Caption` paragraph after a table becomes that table's caption; wide tables are marked."""
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        if tokens[i].type == "table_open":
            close = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
            columns = sum(1 for t in tokens[i:close] if t.type == "th_open")
            tokens[i].meta["wide"] = columns > WIDE_TABLE_COLUMNS
            after = tokens[close + 1 : close + 4]
            if [t.type for t in after] == ["paragraph_open", "inline", "paragraph_close"] and _CAPTION.match(after[1].content):
                inline = after[1]
                inline.content = _CAPTION.sub("", inline.content, count=1)
                tokens[i].meta["caption"] = _plain(inline.content)
                caption_open = Token("caption_open", "caption", 1)
                caption_close = Token("caption_close", "caption", -1)
                del tokens[close + 1 : close + 4]
                tokens[i + 1 : i + 1] = [caption_open, inline, caption_close]
        i += 1


# What the workbook's own Markdown writes as attributes; anything else is dropped after parsing.
_SAFE_ID = re.compile(r"[A-Za-z][\w\-:.]*")
_SAFE_CLASS = re.compile(r"rating|rating-[a-z]+|spc-[a-z-]+|visually-hidden|screen-only|print-only")
# The documents a run publishes together in one folder: a page may link to them by name, never by a path.
SIBLINGS = ("report.html", "report.pdf", "paper.html", "paper.pdf", "kpis.csv", "kpis.xlsx", "summary.json")


def _allowed_attributes(state) -> None:
    """Keep only the attributes the workbook writes: id, known classes, aria-label, and safe link targets
    (own sections, web and mail addresses, and the documents published beside this one, by name)."""
    def clean(token: Token) -> None:
        kept = {}
        for name, value in (token.attrs or {}).items():
            value = str(value)
            if name == "id" and _SAFE_ID.fullmatch(value):
                kept[name] = value
            elif name == "class":
                classes = [c for c in value.split() if _SAFE_CLASS.fullmatch(c)]
                if classes:
                    kept[name] = " ".join(classes)
            elif name == "aria-label":
                kept[name] = value
            elif name == "href" and token.type == "link_open" and (
                re.fullmatch(r"#[A-Za-z][\w\-:.]*", value) or safe_url(value) == value or value in SIBLINGS
            ):
                kept[name] = value
        token.attrs = kept
        for child in token.children or []:
            clean(child)

    for token in state.tokens:
        clean(token)


def _table_open(self, tokens, idx, options, env):
    """A wide table opens inside a focusable region named by its caption, so it can scroll on a phone."""
    meta = tokens[idx].meta or {}
    table = self.renderToken(tokens, idx, options, env)
    if meta.get("wide"):
        label = escapeHtml(meta.get("caption") or "Table")
        return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">\n{table}'
    return f'<div class="table-wrap">\n{table}'


def _table_close(self, tokens, idx, options, env):
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def _table_header_scope(self, tokens, idx, options, env):
    tokens[idx].attrSet("scope", "col")
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table").disable("image")
    md.use(attrs_plugin, spans=True).use(attrs_block_plugin)
    md.core.ruler.push("heading_ids", _heading_ids)
    md.core.ruler.push("allowed_attributes", _allowed_attributes)
    md.core.ruler.after("block", "table_captions", _table_captions)
    md.add_render_rule("th_open", _table_header_scope)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


def markdown_to_html(source: str) -> str:
    """Render report Markdown to HTML safely."""
    return _parser().render(source or "")


def sections(sources) -> list[tuple[str, str]]:
    """(id, title) of every level-2 section heading in some Markdown, for the page's contents.

    KPI cards are left out: the index of indicators already links to each of them.
    """
    found = []
    for source in sources:
        for title, section_id in _SECTION.findall(source or ""):
            if not section_id.startswith("kpi-"):
                found.append((section_id, _plain(title)))
    return found


def notebook_sections(nb) -> list[tuple[str, str]]:
    """(id, title) of the section headings in an executed notebook's Markdown cells and outputs."""
    sources = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            sources.append(cell.source)
        for output in cell.get("outputs", []):
            sources.append(output.get("data", {}).get("text/markdown", ""))
    return sections(sources)
