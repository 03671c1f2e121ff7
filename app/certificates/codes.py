"""Certificate verification codes: 80 random bits in Crockford base32, easy to read aloud and to type."""

from __future__ import annotations

import secrets
import unicodedata
from typing import Protocol

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
LENGTH = 16  # 16 symbols x 5 bits = 80 bits
GROUP = 4
_VALID = frozenset(ALPHABET)

# Crockford's decoding aliases, plus the Cyrillic capitals that look like Latin ones: a reader on a
# Macedonian keyboard layout types "К7ЈF" for "K7JF" and should still find the certificate.
_ALIASES = str.maketrans("OILАВЕЅЈКМНОРСТХ", "011ABESJKMH0PCTX")


class Chooser(Protocol):
    def choice(self, seq: str, /) -> str: ...


def new_code(rng: Chooser = secrets) -> str:
    """Return a new random code formatted XXXX-XXXX-XXXX-XXXX."""
    return _format("".join(rng.choice(ALPHABET) for _ in range(LENGTH)))


def normalise_code(user_input: str) -> str | None:
    """Return the canonical form of a typed code, or None if it is not 16 valid symbols."""
    symbols = [char.upper().translate(_ALIASES) for char in user_input if not _is_separator(char)]
    if len(symbols) != LENGTH or not _VALID.issuperset(symbols):
        return None
    return _format("".join(symbols))


def _is_separator(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Pd"


def _format(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, LENGTH, GROUP))
