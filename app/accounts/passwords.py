"""The password policy, as a pure rule."""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 128


def password_problems(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> list[str]:
    """Return the policy's objections: "too_short", "too_long", "contains_email" or "guessable"."""
    if len(password) < MIN_LENGTH:
        return ["too_short"]
    if len(password) > MAX_LENGTH:
        return ["too_long"]
    lowered = password.casefold()
    local_part = email.split("@")[0].casefold()
    if local_part and (local_part in lowered or lowered in email.casefold()):
        return ["contains_email"]
    # zxcvbn knows the common-password lists, keyboard walks and dates; score 3 = "safely unguessable".
    if zxcvbn(password, user_inputs=[email, local_part, *names])["score"] < 3:
        return ["guessable"]
    return []
