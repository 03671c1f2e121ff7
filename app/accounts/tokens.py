"""Signed, expiring, single-use links for invitations and password resets.

A token carries a fingerprint of the password hash it was issued against: once the password is
set, the fingerprint no longer matches and the link is spent, with no table of used tokens.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

PURPOSES = ("invitation", "reset")


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    return URLSafeTimedSerializer(secret_key, salt=f"accounts.{purpose}")


def make_token(secret_key: str, purpose: str, user_id: int, password_hash: str | None) -> str:
    """Return a signed token for this user and purpose."""
    return _serializer(secret_key, purpose).dumps({"u": user_id, "f": _fingerprint(password_hash)})


def read_token(secret_key: str, purpose: str, token: str, max_age: int) -> tuple[int, str] | None:
    """Return (user id, fingerprint) from a valid, unexpired token, else None."""
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"], str(data.get("f", ""))


def still_unused(fingerprint: str, password_hash: str | None) -> bool:
    """Return whether the token was issued against the password the account still has."""
    return fingerprint == _fingerprint(password_hash)
