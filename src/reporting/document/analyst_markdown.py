"""Markdown written by analysts (commentary, actions, a paper's background), reduced to a safe subset.

Analysts keep paragraphs, emphasis, lists, headings, block quotes and links to http, https or
mailto addresses; code is shown as plain text. Everything else is shown as the text it is: raw HTML, pandoc attributes
(`{style=...}`, `{rel=attachment}`), images (their alt text is kept), links to files or other
schemes, tables and footnotes. The text is parsed with markdown-it and written out again from the
parse tree, every piece of text escaped, so the output holds no syntax the analyst did not mean
and none that either renderer (Quarto's pandoc, or the built-in markdown-it) could read as more.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from .escape import _INVISIBLE, _MD_PUNCTUATION, as_text, safe_url

_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # CommonMark without raw HTML (shown as text), tables or any plugin: nothing but the subset.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def analyst_markdown(text, heading_under: int | None = None) -> str:
    """Analysts' Markdown as safe Markdown: the allowed subset kept, everything else shown as text.

    `heading_under` moves headings below that level (the shallowest becomes `heading_under + 1`),
    so the page's heading order never skips or restarts.
    """
    source = _INVISIBLE.sub("", as_text(text)).strip()
    if not source:
        return ""
    tree = SyntaxTreeNode(_parser().parse(source))
    shift = 0
    if heading_under is not None:
        levels = [int(node.tag[1]) for node in tree.walk() if node.type == "heading"]
        if levels:
            shift = heading_under + 1 - min(levels)
    return "\n\n".join(_block(node, shift) for node in tree.children).strip()


def _block(node: SyntaxTreeNode, shift: int) -> str:
    kind = node.type
    if kind == "paragraph":
        return _inline_of(node)
    if kind == "heading":
        level = max(1, min(6, int(node.tag[1]) + shift))
        return "#" * level + " " + _inline_of(node)
    if kind in ("bullet_list", "ordered_list"):
        start = int(node.attrs.get("start", 1)) if kind == "ordered_list" else 1
        items = []
        for number, item in enumerate(node.children, start=start):
            marker = f"{number}. " if kind == "ordered_list" else "- "
            body = "\n\n".join(_block(child, shift) for child in item.children) or md_escape("")
            lines = body.split("\n")
            pad = " " * len(marker)
            items.append(marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:]))
        return "\n".join(items)
    if kind == "blockquote":
        body = "\n\n".join(_block(child, shift) for child in node.children)
        return "\n".join(("> " + line) if line else ">" for line in body.split("\n"))
    if kind == "hr":
        return "* * *"
    if kind in ("code_block", "fence"):
        # Shown as plain lines, never as code: Quarto expands shortcodes such as {{< include >}}
        # inside code, where no escape can reach them.
        lines = [md_escape(line.strip()) for line in node.content.rstrip("\n").split("\n")]
        return "\\\n".join(line for line in lines if line)
    # Anything else (html_block cannot occur with html off): its text, escaped.
    return md_escape(_plain_of(node))


def _inline_of(node: SyntaxTreeNode) -> str:
    return "".join(_inline(child) for child in node.children[0].children) if node.children else ""


def _inline(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind in ("text", "text_special", "html_inline"):
        return md_escape(node.content)
    if kind == "softbreak":
        return "\n"
    if kind == "hardbreak":
        return "\\\n"
    if kind == "em":
        return "*" + "".join(_inline(c) for c in node.children) + "*"
    if kind == "strong":
        return "**" + "".join(_inline(c) for c in node.children) + "**"
    if kind == "code_inline":
        return md_escape(node.content)  # plain text: see code blocks above
    if kind == "link":
        inner = "".join(_inline(c) for c in node.children)
        url = safe_url(node.attrs.get("href"))
        return f"[{inner}]({url})" if url and inner.strip() else inner
    if kind == "image":
        return md_escape(_plain_of(node))  # the alt text, never the picture
    return md_escape(_plain_of(node))


def _plain_of(node: SyntaxTreeNode) -> str:
    if not node.children:
        return node.content or ""
    return "".join(_plain_of(child) for child in node.children)


def md_escape(text: str) -> str:
    """Inline text escaped for Markdown, spaces kept as written; line breaks become spaces."""
    return _MD_PUNCTUATION.sub(r"\\\1", _BREAKS.sub(" ", text))

