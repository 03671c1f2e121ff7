"""File names and archives for certificates: the same certificates always give the same names and bytes."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the attributes are used: code, name, issued_on, pdf
    from .models import Certificate

# Macedonian Cyrillic in Latin letters (the official romanisation), so names stay readable in a file name.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ѓ": "gj", "е": "e", "ж": "zh", "з": "z",
    "ѕ": "dz", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ќ": "kj", "у": "u", "ф": "f", "х": "h",
    "ц": "c", "ч": "ch", "џ": "dzh", "ш": "sh",
}  # fmt: skip
_TRANSLITERATE = str.maketrans(_CYRILLIC)


def slug(text: str) -> str:
    """Return an ASCII slug of a name in Cyrillic or Latin letters ("Ѓорѓи Ќосев" -> "gjorgji-kjosev")."""
    latin = text.lower().translate(_TRANSLITERATE)
    ascii_only = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-") or "certificate"


def pdf_filename(certificate: Certificate) -> str:
    return f"{certificate.code}-{slug(certificate.name)[:60].rstrip('-')}.pdf"


def zip_bytes(certificates: Iterable[Certificate]) -> bytes:
    """Return a ZIP of the certificates' stored PDFs, sorted by file name, with fixed dates: deterministic."""
    files = sorted((pdf_filename(c), c) for c in certificates)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for name, certificate in files:
            day = certificate.issued_on
            entry = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, certificate.pdf)
    return buffer.getvalue()
