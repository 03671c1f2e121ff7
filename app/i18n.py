"""Language choice for each request."""

from __future__ import annotations

from flask import has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGES = {"mk": "Македонски", "sq": "Shqip", "en": "English"}


def select_locale() -> str | None:
    """Use the user's saved preference, then the switcher's choice, then the browser's languages.

    Outside a request (a CLI command, a lazy message turned into text there) there is no reader: None makes
    Flask-Babel use its default locale, English, the source language.
    """
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(list(LANGUAGES), default="en")


def plural_count(value: float | None) -> int:
    """Return the whole number ngettext picks the plural form by, for a count that may be a decimal.

    gettext's plural rules take integers only (points and hours may be 1.5). A whole value (2.0) is itself;
    any other decimal takes the "other" form in English, Macedonian and Albanian alike ("1.5 points",
    "1,5 поени", "1,5 pikë"), the form ngettext gives for 2.
    """
    if value is None:
        return 0
    return int(value) if float(value).is_integer() else 2


def current_language() -> str:
    """Return the language of this request's pages (one of LANGUAGES)."""
    return str(get_locale() or "en")
