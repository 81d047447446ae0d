"""The variation and assurance icons of Making Data Count, drawn as the workbook's own SVGs.

Each is a circle with a letter or sign, in a colour that also names its meaning, and it always
sits beside its words (the badge), so no reader depends on colour or on the picture: the icons
are decoration for those who know them, hidden from screen readers (the words are read).

- variation: common cause (grey, a wave); special cause improving (blue), concerning (amber) or
  with no direction (purple), each high (H, arrow up) or low (L, arrow down);
- assurance: consistently passing (blue, P), consistently failing (amber, F), hit and miss (grey, ?).

A document marks an icon as an empty span, `[]{.spc-icon .spc-icon-<name>}`; each reader draws it:
the report stylesheets (`icon_css`), the notebook's inline HTML (`icon_style`), and Typst (the
Lua filter and template read the SVG files `write_icons` leaves beside the document).
"""

from __future__ import annotations

import base64
from pathlib import Path

from ..measures.spc import CONCERNING, FAILING, HIT_AND_MISS, IMPROVING, NEITHER, PASSING, COMMON

BLUE, AMBER, GREY, PURPLE, INK, WHITE = "#1d70b8", "#ffbf47", "#505a5f", "#4c2c92", "#0b0c0c", "#ffffff"


def _svg(fill: str, ink: str, mark: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24">'
        f'<circle cx="12" cy="12" r="11" fill="{fill}" stroke="{INK}" stroke-width="1"/>{mark.format(ink=ink)}</svg>'
    )


def _letter(letter: str, arrow: str = "") -> str:
    """A bold letter, and a small arrow above (up) or below (down) it."""
    arrows = {
        "up": '<path d="M12 3.2 L15 6.6 H9 Z" fill="{ink}"/>',
        "down": '<path d="M12 20.8 L15 17.4 H9 Z" fill="{ink}"/>',
        "": "",
    }
    return (arrows[arrow] + f'<path d="{LETTERS[letter]}" fill="none" stroke="{{ink}}" stroke-width="2.2" '
            'stroke-linecap="round" stroke-linejoin="round"/>')


# Letters as strokes, not text: no font is needed to draw them (browsers, WeasyPrint and Typst alike).
LETTERS = {
    "H": "M8.5 8 V16 M15.5 8 V16 M8.5 12 H15.5",
    "L": "M9 8 V16 H15.5",
    "P": "M9 16 V8 H13 A2.2 2.2 0 0 1 13 12.4 H9",
    "F": "M9.5 16 V8 H15.5 M9.5 12 H14",
    "?": "M9.3 9.6 A2.8 2.8 0 1 1 13.4 12 C12.3 12.6 12 13.2 12 14.2 M12 16.8 V17",
    "~": "M6.5 13 C8.5 9.5 10.5 9.5 12 12 C13.5 14.5 15.5 14.5 17.5 11",
}

ICONS = {
    "common": _svg(GREY, WHITE, _letter("~")),
    "improving-high": _svg(BLUE, WHITE, _letter("H", "up")),
    "improving-low": _svg(BLUE, WHITE, _letter("L", "down")),
    "concerning-high": _svg(AMBER, INK, _letter("H", "up")),
    "concerning-low": _svg(AMBER, INK, _letter("L", "down")),
    "neither-high": _svg(PURPLE, WHITE, _letter("H", "up")),
    "neither-low": _svg(PURPLE, WHITE, _letter("L", "down")),
    "passing": _svg(BLUE, WHITE, _letter("P")),
    "failing": _svg(AMBER, INK, _letter("F")),
    "hit-and-miss": _svg(GREY, WHITE, _letter("?")),
}
VARIATION_ICON = {IMPROVING: "improving", CONCERNING: "concerning", NEITHER: "neither"}
ASSURANCE_ICON = {PASSING: "passing", FAILING: "failing", HIT_AND_MISS: "hit-and-miss"}


def variation_icon(variation: str, side: str | None) -> str | None:
    """The icon's name for a variation (and the side of a special cause); None where there is none."""
    if variation == COMMON:
        return "common"
    if variation in VARIATION_ICON and side in ("high", "low"):
        return f"{VARIATION_ICON[variation]}-{side}"
    return None


def assurance_icon(assurance: str) -> str | None:
    return ASSURANCE_ICON.get(assurance)


def with_icon(name: str | None, badge: str) -> str:
    """A badge's Markdown with its icon before it: an empty span the readers draw, both inside one
    `.spc-badge` span that no line break parts (the badge alone where there is no icon)."""
    if name not in ICONS:
        return badge
    return f"[[]{{.spc-icon .spc-icon-{name}}}{badge}]{{.spc-badge}}"


def data_uri(name: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(ICONS[name].encode("utf-8")).decode("ascii")


ICON_BOX = (
    "display:inline-block;width:1.3em;height:1.3em;vertical-align:-0.32em;margin-right:.3em;"
    "background-size:contain;background-repeat:no-repeat"
)


def icon_css() -> str:
    """The stylesheet rules that draw every icon (for the built-in page and Quarto's theme)."""
    # No rule for .spc-badge: with no space between the icon and the badge, a line never breaks between them.
    rules = [f".spc-icon {{ {ICON_BOX}; }}"]
    rules += [f'.spc-icon-{name} {{ background-image: url("{data_uri(name)}"); }}' for name in ICONS]
    return "\n".join(rules) + "\n"


def icon_style(name: str) -> str:
    """An icon's inline style, for readers without the report's stylesheet (JupyterLab)."""
    return f"{ICON_BOX};background-image:url('{data_uri(name)}')"


def write_icons(folder: Path) -> None:
    """Every icon as an SVG file in `folder` (Typst draws them from files)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, svg in ICONS.items():
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
