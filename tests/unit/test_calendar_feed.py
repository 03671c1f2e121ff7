"""The secret address of a personal calendar feed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.workshops.feed import make_feed_token, read_feed_token


@settings(database=None, deadline=None)
@given(st.integers(min_value=1, max_value=2**53))
def test_a_token_names_its_user(user_id) -> None:
    assert read_feed_token("secret", make_feed_token("secret", user_id)) == user_id


def test_tokens_differ_per_user_and_cannot_be_forged() -> None:
    token = make_feed_token("secret", 7)
    assert token != make_feed_token("secret", 8)
    assert read_feed_token("another secret", token) is None
    assert read_feed_token("secret", token[:-2] + "xx") is None
    assert read_feed_token("secret", "") is None


def test_the_salt_keeps_other_signed_values_out() -> None:
    from itsdangerous import URLSafeSerializer

    assert read_feed_token("secret", URLSafeSerializer("secret").dumps(7)) is None  # no salt
    assert (
        read_feed_token("secret", URLSafeSerializer("secret", salt="workshops.calendar-feed").dumps("7"))
        is None
    )
