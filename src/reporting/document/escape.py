"""Text from data, params and commentary, escaped for the one place it lands.

Every reader-facing string that the workbook did not write itself passes through one of these
functions on its way into a document: Markdown (which Quarto and the built-in renderer read),
HTML text and attributes, a CSS string, a LaTeX or Typst header, a chart's text, or a CSV cell.
Each makes the text inert in its context: it shows as the characters written, and can never
become markup, a link, a style, an attribute, a formula or a file reference.
"""

from __future__ import annotations

import math
import re
from urllib.parse import quote, urlsplit

from markupsafe import escape as _html_escape

from ..data.writing import FORMULA_TRIGGERS, csv_cell  # noqa: F401  (the rule for CSV text cells, shared with imports)

# Characters that make text misbehave wherever it lands: C0 and C1 controls (but tab and newline,
# handled by each context), and Unicode's bidirectional overrides and isolates, which can make
# text read differently from what it says.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029\x85\x0b\x0c]+")
# CommonMark and pandoc both allow a backslash before any ASCII punctuation, and read it as the
# character itself: escaping all of it leaves no Markdown, attribute or link syntax in plain text.
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
LINK_SCHEMES = ("http", "https", "mailto")


def as_text(value) -> str:
    """Any value as text: '' for None or NaN, str() otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def one_line(value) -> str:
    """Text on one line with invisible control and direction characters removed: for titles, names and labels."""
    text = _INVISIBLE.sub("", as_text(value))
    return _LINE_BREAKS.sub(" ", text).strip()


def md_text(value) -> str:
    """Plain text as Markdown that shows exactly these characters: every ASCII punctuation mark is
    backslash-escaped, so no emphasis, link, image, attribute, heading, list or table syntax remains.
    Safe in a paragraph, a heading, a pipe-table cell, a link's text and a bracketed span."""
    return _MD_PUNCTUATION.sub(r"\\\1", one_line(value))


def safe_url(value) -> str | None:
    """An absolute http, https or mailto URL, percent-encoded so it cannot end a Markdown link early;
    None for anything else (relative paths, file:, data:, javascript:, protocol-relative //host)."""
    url = one_line(value)
    if not url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES:
        return None
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        return None
    if parts.scheme.lower() == "mailto" and not re.fullmatch(r"mailto:[^@\s/\\]+@[^@\s/\\]+", url, re.IGNORECASE):
        return None
    # Keep the URL's own reserved characters; encode what Markdown, HTML or CSS could read as syntax.
    return quote(url, safe="/:?#[]@!$&*+,;=%-._~")


def md_link(text, url) -> str:
    """A Markdown link with escaped text; just the text when the URL is not a safe absolute one."""
    target = safe_url(url)
    label = md_text(text) or md_text(url)
    return f"[{label}]({target})" if target else label


def html_text(value) -> str:
    """Text for an HTML element or a quoted attribute: & < > \" ' escaped, controls removed."""
    return str(_html_escape(_INVISIBLE.sub("", as_text(value))))


def css_string(value) -> str:
    """A quoted CSS string, e.g. for `content:` in an @page rule: every character but letters,
    digits and spaces is a CSS hex escape, so quotes, backslashes, newlines and `</style>` are inert."""
    text = one_line(value)
    # A CSS hex escape swallows one following space, so each escape ends with one of its own.
    return '"' + "".join(c if (c.isalnum() or c == " ") and ord(c) < 0x2028 else f"\\{ord(c):06x} " for c in text) + '"'


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def latex_text(value) -> str:
    """Plain text inside a LaTeX document (one line): every special character escaped."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in one_line(value))


def typst_string(value) -> str:
    """A Typst string literal ("..."): backslashes and quotes escaped, on one line; < > { } as
    Unicode escapes, so Quarto, which looks for shortcodes ({{< ... >}}) even in raw Typst, finds none."""
    return _typst_quoted(one_line(value))


def typst_text(value) -> str:
    """Text in Typst markup, exactly as written (spaces at its ends kept): a string literal ended by `;`, so
    nothing after it can continue it as code (a call, a field), and nothing in it is read as markup."""
    text = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", as_text(value)))
    return f"#{_typst_quoted(text)};" if text else ""


def _typst_quoted(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(_TYPST_UNICODE.get(c, c) for c in text) + '"'


_TYPST_UNICODE = {c: f"\\u{{{ord(c):x}}}" for c in "<>{}"}


def chart_text(value) -> str:
    """Text drawn on a matplotlib chart: `$` escaped so it is never read as mathtext, on one line."""
    return one_line(value).replace("$", r"\$")


class Markdown(str):
    """Markdown the workbook built itself from escaped parts (a badge, a link): used as it is.

    Anything that is not a Markdown instance is treated as plain text and escaped by `md`.
    """


def md(value) -> str:
    """Markdown for a value: as it is when the workbook built it (Markdown), else escaped plain text."""
    return value if isinstance(value, Markdown) else md_text(value)


_ID_SAFE = re.compile(r"[A-Za-z0-9_.-]+")


def html_id(prefix: str, value) -> str:
    """An HTML id built from data (e.g. an indicator id): letters, digits, - _ . only; anything else is
    replaced and a short hash keeps different ids apart."""
    text = one_line(value)
    if _ID_SAFE.fullmatch(text):
        return f"{prefix}-{text}"
    import hashlib

    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "x"
    return f"{prefix}-{slug}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def attribute_text(value) -> str:
    """Text for a quoted pandoc attribute such as aria-label: letters, digits, spaces and . , : - only."""
    return re.sub(r"[^\w .,:-]", "", one_line(value), flags=re.UNICODE).strip()
