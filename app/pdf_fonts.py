"""Embedded Noto Sans for every PDF the platform draws (certificates, sign-in sheets).

fontpkg-noto-sans ships Noto Sans as two variable TrueType files (upright and italic). reportlab does not
read variation tables, so it draws and embeds each file's default instance: Regular (400) and Italic (400).
There is no Bold file to load, so the bold names are aliases of those two faces (reportlab shares one
embedded subset per face) and bold text is emboldened when drawn: callers stroke the glyph outlines with
`stroke_width()` (text render mode 2). A static Bold would need fontTools' instancer, not a dependency yet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import fontpkg
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "Noto Sans"
# Outline stroke, as a fraction of the font size, that turns Regular into a weight close to SemiBold.
BOLD_STROKE = 0.03


@dataclass(frozen=True)
class FontSet:
    """Names of the registered faces, ready for `canvas.setFont` and platypus styles."""

    family: str
    regular: str
    bold: str
    italic: str
    bold_italic: str


@functools.cache
def register_fonts() -> FontSet:
    """Register Noto Sans with reportlab once and return the face names."""
    upright = fontpkg.path(FAMILY, weight=400, style="normal")
    italic = fontpkg.path(FAMILY, weight=400, style="italic")
    fonts = FontSet(
        family="NotoSans",
        regular="NotoSans",
        bold="NotoSans-Bold",
        italic="NotoSans-Italic",
        bold_italic="NotoSans-BoldItalic",
    )
    for name, path in (
        (fonts.regular, upright),
        (fonts.bold, upright),
        (fonts.italic, italic),
        (fonts.bold_italic, italic),
    ):
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily(
        fonts.family, normal=fonts.regular, bold=fonts.bold, italic=fonts.italic, boldItalic=fonts.bold_italic
    )
    return fonts


def stroke_width(font_name: str, size: float) -> float:
    """Return the outline stroke that makes `font_name` bold at `size` (0 for faces drawn as they are)."""
    return BOLD_STROKE * size if font_name in _emboldened() else 0.0


def missing_glyphs(text: str, font_name: str) -> set[str]:
    """Return the printable characters of `text` that the font's cmap has no glyph for."""
    cmap = pdfmetrics.getFont(font_name).face.charToGlyph
    return {char for char in text if not char.isspace() and ord(char) not in cmap}


@functools.cache
def _emboldened() -> frozenset[str]:
    fonts = register_fonts()
    return frozenset({fonts.bold, fonts.bold_italic})
