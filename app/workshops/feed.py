"""The secret address of a person's calendar feed: a signature of their id, no table needed."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "workshops.calendar-feed"


def make_feed_token(secret_key: str, user_id: int) -> str:
    """Return the token that opens this user's personal calendar feed."""
    return URLSafeSerializer(secret_key, salt=SALT).dumps(user_id)


def read_feed_token(secret_key: str, token: str) -> int | None:
    """Return the user id a valid token names, else None."""
    try:
        value = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
