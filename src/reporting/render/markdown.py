"""Markdown to HTML for the built-in renderer: CommonMark, pipe tables and pandoc-style attributes.

Raw HTML in Markdown is never passed through (html=False): it is shown as text. Table header
cells get scope="col" so screen readers announce them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin

_HEADING_ID = re.compile(r"\s*\{#([A-Za-z][\w\-:.]*)\}\s*$")


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


def _table_header_scope(self, tokens, idx, options, env):
    tokens[idx].attrSet("scope", "col")
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.use(attrs_plugin, spans=True).use(attrs_block_plugin)
    md.core.ruler.push("heading_ids", _heading_ids)
    md.add_render_rule("th_open", _table_header_scope)
    return md


def markdown_to_html(source: str) -> str:
    """Render report Markdown to HTML safely."""
    return _parser().render(source or "")
