"""The base class of every form: Flask-WTF with WTForms' own messages in Macedonian and Albanian.

WTForms ships no mk or sq catalog, so its messages ("This field is required.") live in the app's
own gettext domain "wtforms" (app/translations/<lang>/LC_MESSAGES/wtforms.po).
"""

from __future__ import annotations

from flask_babel import Domain
from flask_wtf import FlaskForm

_domain = Domain(domain="wtforms")


class _Translations:
    """Hand WTForms the raw translated text: WTForms fills in its own %(min)d-style values."""

    def gettext(self, string: str) -> str:
        return _domain.get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _domain.get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _Translations()
