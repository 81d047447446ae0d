"""Checks a printed document's pages as a councillor turning them would: no page that carries
only a spilled heading or a line.

`body_words(path)` counts each page's words of body text, leaving out the running header and the
"Page N of M" footer (text in the top and bottom margins); `near_empty_pages(path)` lists the
pages, other than the last, with fewer than `NEAR_EMPTY_WORDS` of them. The tests hold every
sample PDF to none, and `reporting audit` reports them.
"""

from __future__ import annotations

from pathlib import Path

NEAR_EMPTY_WORDS = 40
# The page furniture sits in the margins: 20 mm at the top and 18 mm at the foot in both renderers
# (report.css and typst-template.typ). Text whose baseline lies within these bands is not body text.
TOP_MARGIN_PT = 20 / 25.4 * 72
BOTTOM_MARGIN_PT = 18 / 25.4 * 72


def body_words(path: str | Path) -> list[int]:
    """The number of words of body text on each page of the PDF at `path`, header and footer left out."""
    from pypdf import PdfReader

    counts = []
    for page in PdfReader(str(path)).pages:
        height = float(page.mediabox.height)
        bottom, top = float(page.mediabox.bottom), float(page.mediabox.bottom) + height
        words = 0

        def visit(text, cm, tm, font, size, bottom=bottom, top=top):
            nonlocal words
            # The text's baseline on the page: the text matrix's origin through the current matrix.
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if bottom + BOTTOM_MARGIN_PT < y < top - TOP_MARGIN_PT:
                words += len(text.split())

        page.extract_text(visitor_text=visit)
        counts.append(words)
    return counts


def near_empty_pages(path: str | Path, minimum: int = NEAR_EMPTY_WORDS) -> list[tuple[int, int]]:
    """The pages (number from 1, words) other than the last with fewer than `minimum` words of body text."""
    counts = body_words(path)
    return [(number, words) for number, words in enumerate(counts[:-1], start=1) if words < minimum]


def card_pages(path: str | Path) -> dict[str, int]:
    """How many pages each KPI card takes in the PDF at `path`, by its bookmark title ("Indicator ...").

    A card runs from its bookmark's page to the page before the next card's (the last card to the
    end of the document); the report's cards each start a page, so 1 means the card fits one page.
    """
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    starts: list[tuple[str, int]] = []

    def walk(entries) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            elif entry.title.startswith("Indicator ") and ":" in entry.title:
                starts.append((entry.title, reader.get_destination_page_number(entry)))

    walk(reader.outline)
    ends = [page for _, page in starts[1:]] + [len(reader.pages)]
    return {title: end - start for (title, start), end in zip(starts, ends)}
