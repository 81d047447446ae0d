"""WeasyPrint spared re-encoding the charts: their PNG rows go into the PDF as they are.

To embed a PNG, WeasyPrint 70 decodes it and encodes it again with Pillow, only to take the
compressed rows (the IDAT chunks) back out. The charts are palette PNGs (`charts.figure_png`), which
it first converts to RGB and encodes once more: about 0.3 s of a 20-chart report's PDF. PDF has
palette images of its own (an /Indexed colour space over the same 8-bit indices, with PNG's row
predictors), so an 8-bit, non-interlaced palette PNG without transparency goes in as it is, palette
and rows, and prints the same pixels (tested) in a smaller file. An 8-bit, non-interlaced RGB PNG's
rows are likewise taken as they are. Any other image goes WeasyPrint's own way, as does everything
if a WeasyPrint version lacks the methods replaced here.
"""

from __future__ import annotations

import struct

import pydyf
from weasyprint import images

_WEASYPRINTS = images.RasterImage.__dict__.get("_get_png_data")
_ORIGINAL = _WEASYPRINTS.__func__ if isinstance(_WEASYPRINTS, staticmethod) else None
_ORIGINAL_INIT = images.RasterImage.__init__
_ORIGINAL_X_OBJECT = images.RasterImage.__dict__.get("get_x_object")
SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLAIN_RGB = (8, 2, 0, 0, 0)  # bit depth, colour type, compression, filter, interlace
PLAIN_PALETTE = (8, 3, 0, 0, 0)


def _chunks(png: bytes, header: tuple) -> dict[bytes, bytes] | None:
    """The PNG's chunks by kind (IDATs joined) if its header is `header`; None for any other file."""
    if not png.startswith(SIGNATURE) or png[12:16] != b"IHDR" or len(png) < 33 or tuple(png[24:29]) != header:
        return None
    found: dict[bytes, bytes] = {}
    at = 8
    while at + 8 <= len(png):
        length, kind = struct.unpack("!I4s", png[at:at + 8])
        found[kind] = found.get(kind, b"") + png[at + 8:at + 8 + length]
        at += 12 + length
    return found if found.get(b"IDAT") else None


def plain_rgb_rows(png: bytes) -> bytes | None:
    """The IDAT data of an 8-bit, non-interlaced RGB PNG (what the PDF needs as it is); None for any other PNG."""
    chunks = _chunks(png, PLAIN_RGB)
    return chunks[b"IDAT"] if chunks else None


def plain_palette(png: bytes) -> tuple[bytes, bytes] | None:
    """(palette, IDAT data) of an 8-bit, non-interlaced palette PNG without transparency; None for any other."""
    chunks = _chunks(png, PLAIN_PALETTE)
    if not chunks or b"tRNS" in chunks or not chunks.get(b"PLTE") or len(chunks[b"PLTE"]) % 3:
        return None
    return chunks[b"PLTE"], chunks[b"IDAT"]


def _png_rows(pillow_image) -> bytes:
    source = getattr(pillow_image, "fp", None)
    if pillow_image.format == "PNG" and hasattr(source, "getvalue"):
        rows = plain_rgb_rows(source.getvalue())
        if rows is not None:
            return rows
    return _ORIGINAL(pillow_image)


def _init(self, pillow_image, image_id, image_data, filename=None, cache=None, orientation="none",
          options=images.DEFAULT_OPTIONS):
    """WeasyPrint's RasterImage, but a plain palette PNG is kept as it is instead of converted and re-encoded."""
    found = None
    if (isinstance(image_data, bytes) and pillow_image.format == "PNG" and pillow_image.mode == "P"
            and not options["optimize_images"] and not options["dpi"]
            and images.rotate_pillow_image(pillow_image, orientation) is pillow_image):
        found = plain_palette(image_data)
    if found is None:
        _ORIGINAL_INIT(self, pillow_image, image_id, image_data, filename, cache, orientation, options)
        return
    # What WeasyPrint's own __init__ sets for a PNG it keeps as it is (a test checks the names match).
    self.id = image_id
    self._cache = {} if cache is None else cache
    self._jpeg_quality = options["jpeg_quality"]
    self._dpi = options["dpi"]
    self.mode = "P"
    self.width, self.height = pillow_image.width, pillow_image.height
    self.ratio = self.width / self.height
    self.optimize = False
    self.invert_colors = False
    self.format = "PNG"
    self.image_data = self.cache_image_data(image_data, filename)
    self._palette, self._rows = found


def _get_x_object(self, interpolate, dpi_ratio):
    """A palette PNG as a PDF /Indexed image over its own rows; anything else as WeasyPrint makes it."""
    if getattr(self, "_palette", None) is None or dpi_ratio != 1:
        return _ORIGINAL_X_OBJECT(self, interpolate, dpi_ratio)
    extra = pydyf.Dictionary({
        "Type": "/XObject",
        "Subtype": "/Image",
        "Width": self.width,
        "Height": self.height,
        "ColorSpace": pydyf.Array(["/Indexed", "/DeviceRGB", len(self._palette) // 3 - 1,
                                   b"<" + self._palette.hex().encode("ascii") + b">"]),
        "BitsPerComponent": 8,
        "Interpolate": "true" if interpolate else "false",
        "Filter": "/FlateDecode",
        "DecodeParms": pydyf.Dictionary({"Predictor": 15, "Columns": self.width}),
    })
    return pydyf.Stream([self.cache_image_data(self._rows, slot="stream")], extra)


def use_png_rows(enabled: bool = True) -> None:
    """Have WeasyPrint take plain palette and RGB PNGs as they are (`enabled`), or convert and encode every PNG itself."""
    if _ORIGINAL is None or _ORIGINAL_X_OBJECT is None:
        return
    raster = images.RasterImage
    raster._get_png_data = staticmethod(_png_rows if enabled else _ORIGINAL)
    raster.__init__ = _init if enabled else _ORIGINAL_INIT
    raster.get_x_object = _get_x_object if enabled else _ORIGINAL_X_OBJECT
