"""WeasyPrint spared its second PNG encoding of each chart (a fifth of a 20-chart report's PDF time).

To embed a PNG, WeasyPrint 70 decodes it and encodes it again with Pillow, only to take the
compressed rows (the IDAT chunks) back out (`RasterImage._get_png_data`). The chart PNGs it holds
by then are already Pillow's 8-bit RGB encoding of the same pixels, so their rows are taken as they
are. Any other PNG (another bit depth or colour type, interlaced) goes WeasyPrint's own way, as does
everything if a WeasyPrint version has no such method. The PDF is byte-identical either way (tested).
"""

from __future__ import annotations

import struct

from weasyprint import images

_WEASYPRINTS = images.RasterImage.__dict__.get("_get_png_data")
_ORIGINAL = _WEASYPRINTS.__func__ if isinstance(_WEASYPRINTS, staticmethod) else None
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def plain_rgb_rows(png: bytes) -> bytes | None:
    """The IDAT data of an 8-bit, non-interlaced RGB PNG (what the PDF needs as it is); None for any other PNG."""
    if not png.startswith(SIGNATURE) or png[12:16] != b"IHDR" or len(png) < 33:
        return None
    depth, colour, compression, filtering, interlace = png[24:29]
    if (depth, colour, compression, filtering, interlace) != (8, 2, 0, 0, 0):
        return None
    rows, at = [], 8
    while at + 8 <= len(png):
        length, kind = struct.unpack("!I4s", png[at:at + 8])
        if kind == b"IDAT":
            rows.append(png[at + 8:at + 8 + length])
        at += 12 + length
    return b"".join(rows) or None


def _png_rows(pillow_image) -> bytes:
    source = getattr(pillow_image, "fp", None)
    if pillow_image.format == "PNG" and hasattr(source, "getvalue"):
        rows = plain_rgb_rows(source.getvalue())
        if rows is not None:
            return rows
    return _ORIGINAL(pillow_image)


def use_png_rows(enabled: bool = True) -> None:
    """Have WeasyPrint take a plain RGB PNG's rows as they are (`enabled`), or encode every PNG itself again."""
    if _ORIGINAL is not None:
        images.RasterImage._get_png_data = staticmethod(_png_rows if enabled else _ORIGINAL)
