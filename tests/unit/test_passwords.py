from __future__ import annotations

import pytest

from app.accounts.passwords import MAX_LENGTH, password_problems


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("short", "", "too_short"),
        ("x" * (MAX_LENGTH + 1), "", "too_long"),
        ("ana.petrova2024!", "ana.petrova@example.org", "contains_email"),
        ("password123", "", "guessable"),
        ("qwertyuiop", "", "guessable"),
        ("1234567890", "", "guessable"),
    ],
)
def test_rejected_passwords_name_the_problem(password, email, problem):
    assert password_problems(password, email=email) == [problem]


@pytest.mark.parametrize(
    "password", ["Quiet-harbour-lantern-42", "ѕвезда-езеро-планина-7", "lule kodër det 19"]
)
def test_long_unrelated_words_pass(password):
    assert password_problems(password, email="someone@example.org") == []
