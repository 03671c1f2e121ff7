"""Account forms; every label and message goes through gettext."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..access import ROLES
from ..forms import Form
from ..i18n import LANGUAGES
from .models import GENDERS
from .passwords import MAX_LENGTH, MIN_LENGTH, password_problems

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGES.items()]
ROLE_LABELS = {
    "trainee": _l("Trainee"),
    "trainer": _l("Trainer"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}
GENDER_LABELS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "undisclosed": _l("Prefer not to say"),
}
PASSWORD_MESSAGES = {
    "too_short": _l("Use at least %(n)d characters.", n=MIN_LENGTH),
    "too_long": _l("Use at most %(n)d characters.", n=MAX_LENGTH),
    "contains_email": _l("Do not use your e-mail address in your password."),
    "guessable": _l("This password is too easy to guess. Try a few unrelated words together."),
}


class StrongPassword:
    """Validate a new password against the policy, with the e-mail taken from the form or the user."""

    def __init__(self, email_of=lambda form: ""):
        self.email_of = email_of

    def __call__(self, form, field) -> None:
        problems = password_problems(field.data or "", email=self.email_of(form))
        if problems:
            raise ValidationError(str(PASSWORD_MESSAGES[problems[0]]))


def normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


def strip_text(value: str | None) -> str:
    return (value or "").strip()


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()], filters=[normalise_email])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword(lambda form: form.account_email)],
        description=_l("At least 10 characters. A few unrelated words together make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords do not match."))],
    )


class AcceptInvitationForm(NewPasswordMixin, Form):
    certificate_name = StringField(
        _l("Your name as it should appear on your certificate"),
        validators=[DataRequired(), Length(max=160)],
        filters=[strip_text],
        description=_l("Write it in the script you use: Cyrillic or Latin."),
    )
    submit = SubmitField(_l("Set my password and sign in"))

    def __init__(self, account_email: str, **kwargs):
        super().__init__(**kwargs)
        self.account_email = account_email


class ResetPasswordForm(NewPasswordMixin, Form):
    submit = SubmitField(_l("Save my new password"))

    def __init__(self, account_email: str, **kwargs):
        super().__init__(**kwargs)
        self.account_email = account_email


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()], filters=[normalise_email])
    submit = SubmitField(_l("Send me a reset link"))


class ProfileForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip_text])
    certificate_name = StringField(
        _l("Name on certificates"),
        validators=[DataRequired(), Length(max=160)],
        filters=[strip_text],
        description=_l("Exactly as it should be printed, in Cyrillic or Latin script."),
    )
    organisation = StringField(
        _l("Organisation / Centre for Social Work"), validators=[Length(max=160)], filters=[strip_text]
    )
    gender = SelectField(
        _l("Gender (optional, used only in anonymous statistics)"),
        choices=[SelectChoice(g, GENDER_LABELS[g]) for g in GENDERS],
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Save profile"))


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    submit = SubmitField(_l("Change password"))

    def __init__(self, account_email: str, **kwargs):
        super().__init__(**kwargs)
        self.account_email = account_email


class InviteForm(Form):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[normalise_email]
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip_text])
    certificate_name = StringField(
        _l("Name on certificates"),
        validators=[Optional(), Length(max=160)],
        filters=[strip_text],
        description=_l("Leave empty to use the name above; the invitee can correct it."),
    )
    organisation = StringField(
        _l("Organisation / Centre for Social Work"), validators=[Length(max=160)], filters=[strip_text]
    )
    role = SelectField(_l("Role"))
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Send invitation"))

    def __init__(self, allowed_roles: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.role.choices = [SelectChoice(r, ROLE_LABELS[r]) for r in allowed_roles]


class ChangeRoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    submit = SubmitField(_l("Change role"))


class SetActiveForm(Form):
    active = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Apply"))

    def validate_active(self, field) -> None:
        if field.data not in ("0", "1"):
            raise ValidationError(_l("Invalid choice."))


class ActionForm(Form):
    """A form that carries only the CSRF token, for one-button actions."""

    submit = SubmitField(_l("Confirm"))
