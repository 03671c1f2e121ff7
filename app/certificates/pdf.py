"""Certificate PDFs: the data frozen at issue plus a design (design.py) in, the same bytes out every time."""

from __future__ import annotations

import io
import itertools
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import segno
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.pdf_fonts import register_fonts, stroke_width

from .design import TEXTS, Design, Language, QrStyle, Signatory, TextStyle

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
QUIET_ZONE = 4  # light modules around the symbol, as ISO/IEC 18004 asks of a QR code


@dataclass(frozen=True)
class CertificateData:
    """What a certificate states, frozen when it is issued."""

    code: str
    name: str
    course_title: str
    hours: float
    completed_on: date
    issued_on: date
    issuer: str
    verify_url: str
    language: str
    second_language: str | None = None


def render_certificate(data: CertificateData, design: Design) -> bytes:
    """Return the certificate as an A4 landscape PDF; the same data and design give the same bytes."""
    languages = _languages(data, design)
    elements = design.bilingual_elements if data.second_language else design.elements
    contents = _contents(data, languages)
    buffer = io.BytesIO()
    # invariant=1 fixes the creation date and document ID; a TrueType initial font keeps Helvetica out.
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        invariant=1,
        lang=data.language,
        initialFontName=register_fonts().regular,
    )
    canvas.setTitle(f"{contents['heading'][0]} – {contents['name'][0]}")
    canvas.setAuthor(contents["issuer"][0])
    canvas.setCreator("Protection Academy")
    canvas.setSubject(f"{contents['course'][0]} · {data.code}")
    canvas.setLineJoin(1)  # round joins keep stroked (emboldened) glyph corners from spiking
    _draw_page(canvas, design)
    for key, texts in contents.items():
        _draw_text(canvas, elements[key], texts)
    _draw_qr(canvas, design.qr, data.verify_url)
    for signatory in design.signatories:
        _draw_signatory(canvas, design, elements, signatory, [lang.code for lang in languages])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def qr_runs(matrix: Sequence[Sequence[int]]) -> Iterator[tuple[int, int, int]]:
    """Yield (row, first column, length) for each horizontal run of dark modules."""
    for row, modules in enumerate(matrix):
        column = 0
        for dark, run in itertools.groupby(modules):
            length = len(list(run))
            if dark:
                yield row, column, length
            column += length


def format_hours(hours: float, language: Language) -> str:
    """Return the hours as the language writes them ("16 hours", "7,5 часа")."""
    number = f"{hours:.2f}".rstrip("0").rstrip(".")
    if language.plural == "exactly_one":
        one = number == "1"
    else:  # ends_in_one: 1, 21, 31… but not 11, 111, nor any fraction
        one = number.isdigit() and int(number) % 10 == 1 and int(number) % 100 != 11
    template = language.hours_one if one else language.hours_other
    return template.format(hours=number.replace(".", language.decimal_mark))


def format_date(day: date, language: Language) -> str:
    """Return the date as the language writes it ("12 март 2025")."""
    return language.date.format(day=day.day, month=language.months[day.month - 1], year=day.year)


def _languages(data: CertificateData, design: Design) -> list[Language]:
    codes = [data.language] if data.second_language is None else [data.language, data.second_language]
    unknown = [code for code in codes if code not in design.languages]
    if unknown:
        raise ValueError(f"{design.path}: no texts for language {unknown[0]!r}")
    if len(set(codes)) != len(codes):
        raise ValueError("second_language must differ from language")
    return [design.languages[code] for code in codes]


def _contents(data: CertificateData, languages: list[Language]) -> dict[str, list[str]]:
    fixed = {
        "issuer": data.issuer,
        "name": data.name,
        "course": data.course_title,
        "verify_url": data.verify_url,
    }
    contents = {key: [_nfc(value)] for key, value in fixed.items()}
    for key in TEXTS:
        contents[key] = [lang.texts[key].format_map(_fields(data, lang)) for lang in languages]
    return contents


def _fields(data: CertificateData, language: Language) -> dict[str, str]:
    return {
        "hours": format_hours(data.hours, language),
        "completed_on": format_date(data.completed_on, language),
        "issued_on": format_date(data.issued_on, language),
        "code": data.code,
    }


def _nfc(text: str) -> str:
    # A decomposed "ë" (e + combining diaeresis) would print the mark as a separate, badly placed glyph.
    return unicodedata.normalize("NFC", text.strip())


def _draw_page(canvas: Canvas, design: Design) -> None:
    canvas.setFillColor(design.background)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    for frame in design.frames:
        inset = frame.inset * mm
        canvas.setStrokeColor(frame.colour)
        canvas.setLineWidth(frame.width)
        canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset, stroke=1, fill=0)
    if design.logo:
        logo = design.logo
        bottom = PAGE_HEIGHT - (logo.y + logo.height) * mm
        canvas.drawImage(str(logo.path), logo.x * mm, bottom, logo.width * mm, logo.height * mm, mask="auto")


def _draw_text(
    canvas: Canvas, style: TextStyle, texts: Sequence[str], x: float | None = None, y: float | None = None
) -> None:
    """Draw the text in its style, then the translation and the rule below it when there are any."""
    centre = (style.x if x is None else x) * mm
    baseline = PAGE_HEIGHT - (style.y if y is None else y) * mm
    text = texts[0].upper() if style.uppercase else texts[0]
    lines, size = _fit(
        text, style.font, style.size, style.min_size, style.max_width * mm, style.max_lines, style.tracking
    )
    for index, line in enumerate(lines):
        _draw_line(
            canvas,
            line,
            centre,
            baseline - index * size * style.line_height,
            style.font,
            size,
            style.colour,
            style.align,
            style.tracking,
        )
    baseline -= (len(lines) - 1) * size * style.line_height
    if style.translation and len(texts) > 1:
        other = style.translation
        baseline -= other.gap * mm
        [line], size = _fit(texts[1], other.font, other.size, other.size, style.max_width * mm, 1, 0)
        _draw_line(canvas, line, centre, baseline, other.font, size, other.colour, style.align, 0)
    if style.rule_below:
        rule = style.rule_below
        canvas.setStrokeColor(rule.colour)
        canvas.setLineWidth(rule.width)
        y_rule = baseline - rule.position * mm
        canvas.line(centre - rule.length * mm / 2, y_rule, centre + rule.length * mm / 2, y_rule)


def _fit(
    text: str, font: str, size: float, min_size: float, max_width: float, max_lines: int, tracking: float
) -> tuple[list[str], float]:
    """Return the lines and size that fit the width: shrink on one line, then wrap, never overflow."""

    def width(line: str, at: float) -> float:
        return stringWidth(line, font, at) + tracking * (len(line) - 1) + stroke_width(font, at)

    natural = width(text, size)
    one_line = size if natural <= max_width else size * max_width / natural
    if one_line >= min_size or max_lines == 1:
        return [text], one_line
    at = size
    while at >= min_size:
        lines = simpleSplit(text, font, at, max_width)
        if len(lines) <= max_lines and all(width(line, at) <= max_width for line in lines):
            return _balanced(text, font, at, max_width, len(lines)), at
        at -= 0.5
    lines = simpleSplit(text, font, min_size, max_width)
    lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return lines, min(min_size, min_size * max_width / max(width(line, min_size) for line in lines))


def _balanced(text: str, font: str, size: float, max_width: float, count: int) -> list[str]:
    """Return the text wrapped onto `count` lines of even length, not a full line and an orphan."""
    narrow, wide = 0.0, max_width
    for _ in range(10):
        middle = (narrow + wide) / 2
        fits = len(simpleSplit(text, font, size, middle)) <= count
        narrow, wide = (narrow, middle) if fits else (middle, wide)
    return simpleSplit(text, font, size, wide)


def _draw_line(
    canvas: Canvas,
    line: str,
    x: float,
    baseline: float,
    font: str,
    size: float,
    colour: Color,
    align: str,
    tracking: float,
) -> None:
    bold = stroke_width(font, size)
    drawn = stringWidth(line, font, size) + tracking * (len(line) - 1)
    left = {"left": x, "centre": x - drawn / 2, "right": x - drawn}[align]
    text = canvas.beginText(left, baseline)
    text.setFont(font, size)
    text.setFillColor(colour)
    if tracking:
        text.setCharSpace(tracking)
    if bold:
        text.setTextRenderMode(2)
        text.setStrokeColor(colour)
    text.textOut(line)
    # Char spacing, render mode and line width outlive the text object: q/Q keeps them to this line.
    canvas.saveState()
    canvas.setLineWidth(bold)
    canvas.drawText(text)
    canvas.restoreState()


def _draw_qr(canvas: Canvas, style: QrStyle, url: str) -> None:
    """Draw the URL's QR code, its dark modules as one filled path, on a light square with the quiet zone."""
    matrix = segno.make(url, error=style.error, micro=False).matrix
    count = len(matrix)
    module = style.size * mm / (count + 2 * QUIET_ZONE)
    left = style.x * mm - style.size * mm / 2
    bottom = PAGE_HEIGHT - (style.y + style.size) * mm
    canvas.setFillColor(style.light)
    canvas.rect(left, bottom, style.size * mm, style.size * mm, stroke=0, fill=1)
    canvas.saveState()
    canvas.translate(left + QUIET_ZONE * module, bottom + QUIET_ZONE * module)
    canvas.scale(module, module)  # one unit = one module, so the path is written in small integers
    canvas.setFillColor(style.dark)
    # One path, one fill. Written directly: reportlab's path.rect formats each number as a float, slowly.
    runs = " ".join(f"{column} {count - 1 - row} {length} 1 re" for row, column, length in qr_runs(matrix))
    canvas.addLiteral(f"n {runs} f")
    canvas.restoreState()


def _draw_signatory(
    canvas: Canvas,
    design: Design,
    elements: Mapping[str, TextStyle],
    signatory: Signatory,
    languages: list[str],
) -> None:
    line = design.signature_line
    x, y = signatory.x * mm, PAGE_HEIGHT - line.position * mm
    canvas.setStrokeColor(line.colour)
    canvas.setLineWidth(line.width)
    canvas.line(x - line.length * mm / 2, y, x + line.length * mm / 2, y)
    if signatory.signature:
        height = design.signature_height * mm
        width = height * signatory.signature_aspect
        canvas.drawImage(str(signatory.signature), x - width / 2, y + 0.5 * mm, width, height, mask="auto")
    name = signatory.name[languages[0]]
    name_style, title_style = elements["signatory_name"], elements["signatory_title"]
    if name:
        _draw_text(canvas, name_style, [name], x=signatory.x)
    # Without a name, the title moves up to the name's line so the block does not float.
    title_y = title_style.y if name else name_style.y
    _draw_text(canvas, title_style, [signatory.title[code] for code in languages], x=signatory.x, y=title_y)
