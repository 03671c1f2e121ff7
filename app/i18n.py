"""Language choice for each request."""

from __future__ import annotations

from flask import request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGES = {"mk": "Македонски", "sq": "Shqip", "en": "English"}


def select_locale() -> str:
    """Use the user's saved preference, then the switcher's choice, then the browser's languages."""
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(list(LANGUAGES), default="en")


def current_language() -> str:
    """Return the language of this request's pages (one of LANGUAGES)."""
    return str(get_locale() or "en")
