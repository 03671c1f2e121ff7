"""Certificate file names and the cohort ZIP: readable, safe and the same bytes every time."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.certificates.files import pdf_filename, slug, zip_bytes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ѓорѓи Љубеновски", "gjorgji-ljubenovski"),
        ("Кирил Ќосев", "kiril-kjosev"),
        ("Џенита Ѕвездан-Њаго Чешмеџиева", "dzhenita-dzvezdan-njago-cheshmedzhieva"),
        ("Ëndrit Çela", "endrit-cela"),
        ("  O'Brien,  Ana  ", "o-brien-ana"),
        ("漢字", "certificate"),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_slug_transliterates_and_keeps_only_safe_characters(name, expected):
    assert slug(name) == expected


@given(st.text())
def test_slug_is_always_a_safe_file_name_part(name):
    result = slug(name)
    assert result and result == result.strip("-")
    assert set(result) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def certificate(code: str, name: str, pdf: bytes, issued_on=date(2025, 3, 14)):
    return SimpleNamespace(code=code, name=name, pdf=pdf, issued_on=issued_on)


def test_pdf_filename_starts_with_the_code_and_stays_short():
    assert pdf_filename(certificate("K7QF-3M9T-XW2P-8RHD", "Ѓорѓи Љубеновски", b"")) == (
        "K7QF-3M9T-XW2P-8RHD-gjorgji-ljubenovski.pdf"
    )
    long = pdf_filename(certificate("K7QF-3M9T-XW2P-8RHD", "Ана " * 40, b""))
    assert len(long) <= len("K7QF-3M9T-XW2P-8RHD-") + 60 + len(".pdf") and not long.endswith("-.pdf")


def test_zip_is_sorted_deterministic_and_holds_the_bytes():
    b = certificate("ZZZZ-0000-0000-0001", "Blerta Memeti", b"%PDF-b", date(2025, 4, 1))
    a = certificate("AAAA-0000-0000-0002", "Ана Ли", b"%PDF-a")
    first, second = zip_bytes([b, a]), zip_bytes([a, b])
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert archive.namelist() == ["AAAA-0000-0000-0002-ana-li.pdf", "ZZZZ-0000-0000-0001-blerta-memeti.pdf"]
    assert archive.read("AAAA-0000-0000-0002-ana-li.pdf") == b"%PDF-a"
    assert archive.getinfo("ZZZZ-0000-0000-0001-blerta-memeti.pdf").date_time == (2025, 4, 1, 0, 0, 0)
    assert zipfile.ZipFile(io.BytesIO(zip_bytes([]))).namelist() == []
