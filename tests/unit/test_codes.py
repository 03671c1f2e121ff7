"""Verification codes: 80 random bits, read aloud, typed back in any reasonable way."""

from __future__ import annotations

import math
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.certificates.codes import ALPHABET, new_code, normalise_code

HYPOTHESIS = settings(database=None, deadline=None)
CANONICAL = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")
seeds = st.integers(min_value=0, max_value=2**64)


def test_alphabet_is_crockford_base32() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_new_code_is_four_groups_of_four_carrying_80_bits() -> None:
    code = new_code()
    assert CANONICAL.fullmatch(code)
    assert len(code.replace("-", "")) * math.log2(len(ALPHABET)) == 80


def test_new_code_draws_every_symbol_from_the_given_rng() -> None:
    assert new_code(random.Random(7)) == new_code(random.Random(7))
    assert new_code(random.Random(7)) != new_code(random.Random(8))


def test_codes_are_unique_over_ten_thousand() -> None:
    codes = {new_code() for _ in range(10_000)}
    assert len(codes) == 10_000


@HYPOTHESIS
@given(seeds)
def test_a_new_code_normalises_to_itself(seed: int) -> None:
    code = new_code(random.Random(seed))
    assert normalise_code(code) == code


@HYPOTHESIS
@given(seeds, st.sampled_from(["", " ", "-", "  ", " - ", "\u2013", "\u00a0"]), st.booleans())
def test_lowercase_and_regrouped_variants_normalise(seed: int, separator: str, lower: bool) -> None:
    code = new_code(random.Random(seed))
    symbols = code.replace("-", "")
    typed = separator.join(symbols[i : i + 2] for i in range(0, 16, 2))
    assert normalise_code(f"  {typed.lower() if lower else typed}\n") == code


@HYPOTHESIS
@given(st.text(max_size=40))
def test_normalise_returns_a_canonical_code_or_none(text: str) -> None:
    result = normalise_code(text)
    assert result is None or (CANONICAL.fullmatch(result) and normalise_code(result) == result)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7QF-3M9T-XW2P-8RHD", "K7QF-3M9T-XW2P-8RHD"),
        ("k7qf3m9txw2p8rhd", "K7QF-3M9T-XW2P-8RHD"),
        ("K7QF 3M9T XW2P 8RHD", "K7QF-3M9T-XW2P-8RHD"),
        ("-K7QF--3M9T-XW2P-8RHD-", "K7QF-3M9T-XW2P-8RHD"),
        ("OOOO-IIII-LLLL-oil0", "0000-1111-1111-0110"),
        ("К7QF-3М9Т-ХW2Р-8RНD", "K7QF-3M9T-XW2P-8RHD"),  # Cyrillic К М Т Х Р Н typed for Latin
    ],
)
def test_normalise_accepts(typed: str, expected: str) -> None:
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K7QF-3M9T-XW2P-8RH",  # 15 symbols
        "K7QF-3M9T-XW2P-8RHDA",  # 17
        "K7QF-3M9T-XW2P-8RHU",  # U is not Crockford
        "K7QF_3M9T_XW2P_8RHD",  # underscores are not separators
        "K7QF-3M9T-XW2P-8RH!",
        "ABCD-ABCD-ABCD-ABß",  # ß upper-cases to two letters; never a code
        "Ж7QF-3M9T-XW2P-8RHD",
    ],
)
def test_normalise_rejects(typed: str) -> None:
    assert normalise_code(typed) is None
