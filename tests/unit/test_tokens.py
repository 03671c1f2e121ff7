from __future__ import annotations

from unittest import mock

from app.accounts import tokens


def test_token_round_trip_and_single_use():
    token = tokens.make_token("k", "reset", 7, "hash-before")
    user_id, fingerprint = tokens.read_token("k", "reset", token, max_age=60)
    assert user_id == 7
    assert tokens.still_unused(fingerprint, "hash-before")
    assert not tokens.still_unused(fingerprint, "hash-after")  # spent once the password changed


def test_token_for_one_purpose_does_not_serve_another():
    token = tokens.make_token("k", "invitation", 7, None)
    assert tokens.read_token("k", "reset", token, max_age=60) is None


def test_forged_and_tampered_tokens_are_refused():
    token = tokens.make_token("k", "reset", 7, "h")
    assert tokens.read_token("other-key", "reset", token, max_age=60) is None
    assert tokens.read_token("k", "reset", token[:-2] + "xx", max_age=60) is None
    assert tokens.read_token("k", "reset", "not-a-token", max_age=60) is None


def test_expired_token_is_refused():
    with mock.patch("itsdangerous.timed.time.time", return_value=1_000_000):
        token = tokens.make_token("k", "reset", 7, "h")
    with mock.patch("itsdangerous.timed.time.time", return_value=1_000_000 + 3601):
        assert tokens.read_token("k", "reset", token, max_age=3600) is None
