"""The printable sign-in sheet of a session day: A4 portrait, names as written, a signature column.

Pure: it takes the texts (already translated) and returns PDF bytes; it knows nothing of HTTP or the
database. Donors ask for signed sheets, so the layout favours legibility: 15 rows a page, 12.5 mm each.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.pdf_fonts import FontSet, register_fonts, stroke_width

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
ROWS_PER_PAGE = 15
ROW_HEIGHT = 12.5 * mm
HEADER_ROW_HEIGHT = 8 * mm
# No. | name | organisation | signature, in mm: 180 mm between the margins.
COLUMNS = (11, 62, 62, 45)
NAVY = HexColor("#12395b")
INK = HexColor("#1f2933")
MUTED = HexColor("#52606d")
RULE = HexColor("#9aa5b1")
BAND = HexColor("#f3f1ec")


@dataclass(frozen=True)
class SheetLabels:
    """The sheet's fixed texts in the reader's language; `page_of` holds "{page}" and "{pages}"."""

    title: str
    workshop: str
    date: str
    time: str
    venue: str
    trainers: str
    number: str
    name: str
    organisation: str
    signature: str
    page_of: str
    brand: str = "Protection Academy"


@dataclass(frozen=True)
class SheetRow:
    name: str
    organisation: str


@dataclass(frozen=True)
class SignInSheet:
    workshop: str
    day: str  # e.g. "Day 1 of 2"
    date: str
    time: str
    venue: str
    address: str
    trainers: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    labels: SheetLabels
    language: str = "en"


def page_count(rows: int) -> int:
    """Return the number of pages the sheet takes (one, even when nobody is registered)."""
    return max(1, math.ceil(rows / ROWS_PER_PAGE))


def render_signin_sheet(sheet: SignInSheet) -> bytes:
    """Return the sign-in sheet as PDF bytes; the same sheet gives the same bytes."""
    fonts = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, lang=sheet.language, initialFontName=fonts.regular)
    canvas.setTitle(f"{sheet.labels.title} – {sheet.workshop} – {sheet.date}")
    canvas.setCreator(sheet.labels.brand)
    canvas.setLineJoin(1)
    pages = page_count(len(sheet.rows))
    for page in range(pages):
        rows = sheet.rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
        top = _draw_header(canvas, fonts, sheet)
        _draw_table(canvas, fonts, sheet.labels, rows, first_number=page * ROWS_PER_PAGE + 1, top=top)
        _draw_footer(canvas, fonts, sheet, page + 1, pages)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_header(canvas: Canvas, fonts: FontSet, sheet: SignInSheet) -> float:
    """Draw the title and the session's details; return the y where the table starts."""
    labels = sheet.labels
    y = PAGE_HEIGHT - MARGIN
    _text(canvas, labels.brand.upper(), MARGIN, y - 3 * mm, fonts.regular, 8, MUTED)
    _text(canvas, sheet.day, PAGE_WIDTH - MARGIN, y - 3 * mm, fonts.regular, 8, MUTED, align="right")
    _text(canvas, labels.title, MARGIN, y - 12 * mm, fonts.bold, 18, NAVY)
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(1.2)
    canvas.line(MARGIN, y - 15.5 * mm, PAGE_WIDTH - MARGIN, y - 15.5 * mm)

    venue = ", ".join(part for part in (sheet.venue, sheet.address) if part)
    # At most seven lines in all, so that the table and the footer always fit below.
    details = [
        (labels.workshop, sheet.workshop, fonts.bold, 2),
        (labels.date, sheet.date, fonts.regular, 1),
        (labels.time, sheet.time, fonts.regular, 1),
        (labels.venue, venue, fonts.regular, 2),
        (labels.trainers, ", ".join(sheet.trainers), fonts.regular, 1),
    ]
    # Labels differ in length by language ("Место на одржување"): the value column starts after the longest.
    label_width = max(stringWidth(label, fonts.regular, 9) for label, *_ in details) + 4 * mm
    value_width = PAGE_WIDTH - 2 * MARGIN - label_width
    y -= 22 * mm
    for label, value, font, max_lines in details:
        _text(canvas, label, MARGIN, y, fonts.regular, 9, MUTED)
        lines, size = _fit(value, font, 10.5, 8.5, value_width, max_lines)
        for index, line in enumerate(lines):
            _text(canvas, line, MARGIN + label_width, y - index * size * 1.25, font, size, INK)
        y -= max(len(lines), 1) * size * 1.25 + 1.8 * mm
    return y - 2 * mm


def _draw_table(
    canvas: Canvas,
    fonts: FontSet,
    labels: SheetLabels,
    rows: Sequence[SheetRow],
    first_number: int,
    top: float,
) -> None:
    lefts = _column_lefts()
    widths = [w * mm for w in COLUMNS]
    table_width = sum(widths)
    # Header band.
    canvas.setFillColor(NAVY)
    canvas.rect(MARGIN, top - HEADER_ROW_HEIGHT, table_width, HEADER_ROW_HEIGHT, stroke=0, fill=1)
    heads = (labels.number, labels.name, labels.organisation, labels.signature)
    for left, width, head in zip(lefts, widths, heads, strict=True):
        lines, size = _fit(head, fonts.bold, 9, 7, width - 3 * mm, 1)
        _text(canvas, lines[0], left + 1.5 * mm, top - HEADER_ROW_HEIGHT + 2.7 * mm, fonts.bold, size, white)

    y = top - HEADER_ROW_HEIGHT
    for index in range(ROWS_PER_PAGE):
        row = rows[index] if index < len(rows) else None
        bottom = y - ROW_HEIGHT
        if index % 2 == 1:
            canvas.setFillColor(BAND)
            canvas.rect(MARGIN, bottom, table_width - widths[3], ROW_HEIGHT, stroke=0, fill=1)
        if row is not None:
            middle = bottom + ROW_HEIGHT / 2
            _text(
                canvas,
                f"{first_number + index}.",
                lefts[0] + widths[0] - 2 * mm,
                middle - 1.3 * mm,
                fonts.regular,
                10,
                MUTED,
                align="right",
            )
            _cell(canvas, row.name, lefts[1], widths[1], middle, fonts.regular, 11, 8, INK)
            _cell(
                canvas, row.organisation, lefts[2], widths[2], middle, fonts.regular, 8, 6.5, MUTED, lines=3
            )
        y = bottom

    # Grid: outer frame, column lines, row rules.
    bottom = top - HEADER_ROW_HEIGHT - ROWS_PER_PAGE * ROW_HEIGHT
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    for index in range(1, ROWS_PER_PAGE):
        line_y = top - HEADER_ROW_HEIGHT - index * ROW_HEIGHT
        canvas.line(MARGIN, line_y, MARGIN + table_width, line_y)
    for left in lefts[1:]:
        canvas.line(left, top - HEADER_ROW_HEIGHT, left, bottom)
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(0.9)
    canvas.rect(MARGIN, bottom, table_width, top - bottom, stroke=1, fill=0)


def _draw_footer(canvas: Canvas, fonts: FontSet, sheet: SignInSheet, page: int, pages: int) -> None:
    y = MARGIN - 4 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, y + 4 * mm, PAGE_WIDTH - MARGIN, y + 4 * mm)
    left, size = _fit(f"{sheet.workshop} · {sheet.date}", fonts.regular, 8, 6.5, 130 * mm, 1)
    _text(canvas, left[0], MARGIN, y, fonts.regular, size, MUTED)
    page_text = sheet.labels.page_of.format(page=page, pages=pages)
    _text(canvas, page_text, PAGE_WIDTH - MARGIN, y, fonts.regular, 8, MUTED, align="right")


def _column_lefts() -> list[float]:
    lefts, x = [], MARGIN
    for width in COLUMNS:
        lefts.append(x)
        x += width * mm
    return lefts


def _cell(
    canvas: Canvas,
    text: str,
    left: float,
    width: float,
    middle: float,
    font: str,
    size: float,
    min_size: float,
    colour: Color,
    lines: int = 2,
) -> None:
    """Draw text vertically centred in a cell, shrunk or wrapped to fit but never cut."""
    wrapped, at = _fit(text, font, size, min_size, width - 3 * mm, lines)
    leading = at * 1.2
    first = middle + (len(wrapped) - 1) * leading / 2 - at * 0.35
    for index, line in enumerate(wrapped):
        _text(canvas, line, left + 1.5 * mm, first - index * leading, font, at, colour)


def _fit(
    text: str, font: str, size: float, min_size: float, width: float, max_lines: int
) -> tuple[list[str], float]:
    """Return the lines and size that fit the width: wrapped before shrunk, never cut."""

    def fits(lines: list[str], at: float) -> bool:
        return all(stringWidth(line, font, at) + stroke_width(font, at) <= width for line in lines)

    if fits([text], size):
        return [text], size
    if max_lines > 1:
        at = size
        while at >= min_size:
            lines = simpleSplit(text, font, at, width)
            if len(lines) <= max_lines and fits(lines, at):
                return lines, at
            at -= 0.5
        lines = simpleSplit(text, font, min_size, width)
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    else:
        lines = [text]
    widest = max(stringWidth(line, font, 1) + stroke_width(font, 1) for line in lines)
    return lines, min(size, width / widest)


def _text(
    canvas: Canvas,
    text: str,
    x: float,
    baseline: float,
    font: str,
    size: float,
    colour: Color,
    align: str = "left",
) -> None:
    bold = stroke_width(font, size)
    if align == "right":
        x -= stringWidth(text, font, size)
    drawn = canvas.beginText(x, baseline)
    drawn.setFont(font, size)
    drawn.setFillColor(colour)
    if bold:
        drawn.setTextRenderMode(2)
        drawn.setStrokeColor(colour)
    drawn.textOut(text)
    # Render mode and line width outlive the text object: q/Q keeps them to this text.
    canvas.saveState()
    canvas.setLineWidth(bold)
    canvas.drawText(drawn)
    canvas.restoreState()
