"""Checks that a published PDF is accessible the way PDF/UA asks: tagged, titled, in a language,
with headings, table headers, figures with alternative text, embedded fonts and bookmarks.

`check_pdf(path)` returns the problems in words, an empty list when there are none; the
`reporting audit` command and the tests call it. Given the HTML the PDF was printed from, it also
checks that the two agree: the same title and language, a tagged figure with the same alt text
for every image, and a bookmark for every heading of the main content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pikepdf

HEADING = re.compile(r"^H([1-6])?$")  # H1..H6, or H (a heading whose level comes from nesting)


@dataclass
class Element:
    """One structure element of the PDF's tag tree, with what the checks need."""

    tag: str
    alt: str = ""
    children: list["Element"] = field(default_factory=list)

    def descendants(self):
        """This element's descendants, in document order."""
        for child in self.children:
            yield child
            yield from child.descendants()


def check_pdf(path: str | Path, html: str | Path | None = None) -> list[str]:
    """Problems that would fail an accessibility audit of the PDF at `path`, in words; empty when there are none.

    With `html` (the page the PDF was printed from) it also checks that title, language, figures
    and headings match the page.
    """
    path = Path(path)
    with pikepdf.open(path) as pdf:
        root = structure_tree(pdf)
        problems = _catalogue_problems(pdf) + _metadata_problems(pdf) + _font_problems(pdf)
        problems += _structure_problems(root) if root else ["not tagged: there is no structure tree (/StructTreeRoot)"]
        titles = outline_titles(pdf)
        if not titles:
            problems.append("no bookmarks (outlines): readers cannot jump between sections")
        if html is not None:
            problems += _agreement_problems(pdf, root, titles, Path(html))
    return [f"{path.name}: {problem}" for problem in problems]


def check_folder(folder: str | Path) -> dict[str, list[str]]:
    """Each PDF in a rendered folder with its problems, checked against the HTML page of the same name where there is one."""
    checked = {}
    for pdf in sorted(Path(folder).glob("*.pdf")):
        html = pdf.with_suffix(".html")
        checked[pdf.name] = check_pdf(pdf, html if html.exists() else None)
    return checked


def structure_tree(pdf: pikepdf.Pdf) -> Element | None:
    """The PDF's tag tree as Elements (tags resolved through the role map), or None when it is untagged."""
    tree_root = pdf.Root.get("/StructTreeRoot")
    if tree_root is None:
        return None
    role_map = {str(k): str(v) for k, v in tree_root.get("/RoleMap", {}).items()}
    root = Element("StructTreeRoot")
    stack = [(root, tree_root.get("/K"))]
    while stack:
        parent, kids = stack.pop()
        for kid in _kids(kids):
            tag = str(kid.get("/S"))
            tag = role_map.get(tag, tag).lstrip("/")
            alt = kid.get("/Alt") or kid.get("/ActualText") or ""
            element = Element(tag, str(alt))
            parent.children.append(element)
            stack.append((element, kid.get("/K")))
    return root


def _kids(kids) -> list:
    """The structure elements among a /K entry's kids (leaving out marked-content ids and object references)."""
    if kids is None:
        return []
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [kid for kid in items if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]


def outline_titles(pdf: pikepdf.Pdf) -> list[str]:
    """Every bookmark title, depth first, with whitespace tidied."""
    titles = []
    with pdf.open_outline() as outline:
        stack = list(reversed(outline.root))
        while stack:
            item = stack.pop()
            titles.append(" ".join(str(item.title).split()))
            stack.extend(reversed(item.children))
    return titles


def _catalogue_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Marked, language, window title, and tab order by structure on pages with links."""
    root, problems = pdf.Root, []
    if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
        problems.append("not marked as tagged (/MarkInfo /Marked is not true)")
    if not str(root.get("/Lang", "")).strip():
        problems.append("no document language (/Lang)")
    if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        problems.append("viewers show the file name, not the title (/ViewerPreferences /DisplayDocTitle is not true)")
    untabbed = [n for n, page in enumerate(pdf.pages, start=1) if "/Annots" in page.obj and page.obj.get("/Tabs") != "/S"]
    if untabbed:
        problems.append(f"pages {_pages(untabbed)} have links but no structure tab order (/Tabs /S)")
    return problems


def _metadata_problems(pdf: pikepdf.Pdf) -> list[str]:
    """A title in both the document information and the XMP metadata, and the PDF/UA identification."""
    problems = []
    title = str(pdf.docinfo.get("/Title", "")).strip() if "/Info" in pdf.trailer else ""
    if not title:
        problems.append("no document title (/Info /Title)")
    xmp = pdf.open_metadata()
    xmp_title = str(xmp.get("dc:title", "") or "").strip()
    if not xmp_title:
        problems.append("no document title in the XMP metadata (dc:title)")
    elif title and xmp_title != title:
        problems.append(f"the XMP title {xmp_title!r} differs from the document title {title!r}")
    if not xmp.get("pdfuaid:part"):
        problems.append("not identified as PDF/UA (no pdfuaid:part in the XMP metadata)")
    return problems


def _font_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Every font used on a page is embedded (PDF/UA asks it, so text can be read and extracted)."""
    missing = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for name, font in fonts.items():
            if font.get("/Subtype") == "/Type3":
                continue  # drawn with PDF operators: nothing to embed
            described = font.get("/DescendantFonts", [font])[0]
            descriptor = described.get("/FontDescriptor", {})
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.add(str(font.get("/BaseFont", name)))
    return [f"font {name} is not embedded" for name in sorted(missing)]


def _structure_problems(root: Element) -> list[str]:
    """Headings in order, tables with header cells, figures with alternative text."""
    elements = list(root.descendants())
    problems = []
    levels = [int(m[1]) for e in elements if (m := HEADING.match(e.tag)) and m[1]]
    if not any(HEADING.match(e.tag) for e in elements):
        problems.append("no headings (H1-H6) in the structure tree")
    elif levels and levels[0] != 1:
        problems.append(f"the first heading is H{levels[0]}, not H1")
    skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    if skips:
        problems.append(f"{len(skips)} heading(s) skip a level, first H{skips[0][0]} to H{skips[0][1]}")
    # WeasyPrint tags each page's part of a table as its own Table; a part with no cells at all
    # (a caption left at the foot of a page) is not a table without headers.
    tables = [[d.tag for d in e.descendants()] for e in elements if e.tag == "Table"]
    headless = [tags for tags in tables if "TD" in tags and "TH" not in tags]
    if headless:
        problems.append(f"{len(headless)} of {len(tables)} tables have data cells but no header cells (TH)")
    unlabelled = [f for f in elements if f.tag == "Figure" and not f.alt.strip()]
    if unlabelled:
        problems.append(f"{len(unlabelled)} figure(s) have no alternative text (/Alt)")
    return problems


def figures(root: Element | None) -> list[str]:
    """The alternative text of every tagged figure, in document order."""
    return [e.alt for e in root.descendants() if e.tag == "Figure"] if root else []


def _agreement_problems(pdf: pikepdf.Pdf, root: Element | None, titles: list[str], html: Path) -> list[str]:
    """Title, language, figures and bookmarks as the HTML page has them."""
    page = PageOutline.read(html)
    problems = []
    title = str(pdf.docinfo.get("/Title", "")) if "/Info" in pdf.trailer else ""
    if page.title and title != page.title:
        problems.append(f"the title {title!r} is not the page's title {page.title!r}")
    if page.lang and str(pdf.Root.get("/Lang", "")) != page.lang:
        problems.append(f"the language {str(pdf.Root.get('/Lang', ''))!r} is not the page's {page.lang!r}")
    alts = figures(root)
    if len(alts) != len(page.images):
        problems.append(f"{len(alts)} tagged figures for the page's {len(page.images)} images")
    missing = [alt for alt in page.images if alt not in alts]
    if missing:
        problems.append(f"{len(missing)} image(s) have no figure with their alt text, first {missing[0][:60]!r}")
    unmarked = [heading for heading in page.headings if heading not in titles]
    if unmarked:
        problems.append(f"{len(unmarked)} heading(s) have no bookmark, first {unmarked[0]!r}")
    return problems


class PageOutline(HTMLParser):
    """What a PDF must carry over from its HTML page: title, language, images' alt text, main headings (h1-h3)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.lang, self.images, self.headings = "", "", [], []
        self._in_main, self._text = 0, None

    @classmethod
    def read(cls, html: Path) -> "PageOutline":
        """Parse one HTML file."""
        parser = cls()
        parser.feed(html.read_text(encoding="utf-8"))
        return parser

    def handle_starttag(self, tag, attrs):
        """Note the language, enter <main>, collect an image's alt text, start collecting a title or heading."""
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang") or ""
        elif tag == "main":
            self._in_main += 1
        elif tag == "img" and self._in_main:
            self.images.append(attrs.get("alt") or "")
        elif tag == "title" or (tag in ("h1", "h2", "h3") and self._in_main):
            self._text = []

    def handle_data(self, data):
        """Text inside the title or heading being collected."""
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        """Leave <main>, or keep the collected title or heading with its whitespace tidied."""
        if tag == "main":
            self._in_main -= 1
        elif self._text is not None and tag in ("title", "h1", "h2", "h3"):
            text = " ".join("".join(self._text).split())
            if tag == "title":
                self.title = text
            else:
                self.headings.append(text)
            self._text = None


def _pages(numbers: list[int]) -> str:
    """'3, 5 and 9' (at most five, then 'and N more')."""
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
