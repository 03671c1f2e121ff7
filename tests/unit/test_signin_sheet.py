"""The sign-in sheet PDF: every name as written, page numbers, embedded fonts only."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from app.pdf_fonts import missing_glyphs, register_fonts
from app.workshops.signin_sheet import (
    ROWS_PER_PAGE,
    SheetLabels,
    SheetRow,
    SignInSheet,
    page_count,
    render_signin_sheet,
)

LABELS = SheetLabels(
    title="Sign-in sheet",
    workshop="Workshop",
    date="Date",
    time="Time",
    venue="Venue",
    trainers="Trainers",
    number="No.",
    name="Name and surname",
    organisation="Organisation",
    signature="Signature",
    page_of="Page {page} of {pages}",
)
NAMES = ["Ѓорѓи Љубеновски", "Ѕвездан Богоевски", "Џенита Рамадани", "Ëndrit Çela", "Kiril Kjosev"]
LONG_ORG = "ЈУ Меѓуопштински центар за социјална работа – Скопје, одделение за заштита на деца и млади"


def sheet(count: int, **changes) -> SignInSheet:
    values = {
        "workshop": "Заштита и помош за ранливи мигранти",
        "day": "Day 1 of 2",
        "date": "Monday, 5 October 2020",
        "time": "09:00–16:30",
        "venue": "Hotel Continental",
        "address": "bul. Aleksandar Makedonski bb, Skopje",
        "trainers": ("Марија Петровска", "Arben Rexhepi"),
        "rows": tuple(SheetRow(NAMES[i % len(NAMES)] + f" {i + 1}", LONG_ORG) for i in range(count)),
        "labels": LABELS,
        "language": "mk",
    }
    values.update(changes)
    return SignInSheet(**values)


def text_of(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.parametrize(
    ("rows", "pages"), [(0, 1), (1, 1), (ROWS_PER_PAGE, 1), (ROWS_PER_PAGE + 1, 2), (46, 4)]
)
def test_page_count(rows, pages) -> None:
    assert page_count(rows) == pages
    numbers = re.findall(r"Page (\d+) of (\d+)", text_of(render_signin_sheet(sheet(rows))))
    assert numbers == [(str(n), str(pages)) for n in range(1, pages + 1)]


def test_every_name_and_the_header_are_on_the_sheet() -> None:
    data = sheet(ROWS_PER_PAGE + 3)
    text = text_of(render_signin_sheet(data))
    for row in data.rows:
        assert row.name in text
    for expected in (
        "Sign-in sheet",
        "Monday, 5 October 2020",
        "09:00–16:30",
        "Hotel Continental",
        "Arben Rexhepi",
    ):
        assert expected in text
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert f"{ROWS_PER_PAGE + 3}." in text


def test_the_font_has_every_glyph_the_names_need() -> None:
    fonts = register_fonts()
    for name in [*NAMES, LONG_ORG]:
        assert missing_glyphs(name, fonts.regular) == set()


def test_the_same_sheet_gives_the_same_bytes_and_embeds_its_fonts() -> None:
    first = render_signin_sheet(sheet(3))
    assert first == render_signin_sheet(sheet(3))
    assert b"/FontFile2" in first  # TrueType embedded
    assert b"/Helvetica" not in first  # no base-14 font that would lack Cyrillic


def test_a_very_long_name_is_kept_whole() -> None:
    long_name = "Александра-Магдалена Николовска-Стојановска Поп-Ѓорѓиева"
    text = text_of(render_signin_sheet(sheet(0, rows=(SheetRow(long_name, ""),))))
    assert all(part in text for part in long_name.split())
