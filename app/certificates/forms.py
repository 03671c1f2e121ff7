"""Forms for the completion rule, issuing, overrides, revocation and reissue."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ..accounts.forms import strip_text

REASON_MAX = 400  # the audit trail keeps 500 characters; room for a prefix


def finite(_form, field) -> None:
    """Refuse "nan" and "inf", which FloatField accepts and NumberRange lets through."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number from 0 to 100."))


class RuleForm(FlaskForm):
    require_modules = BooleanField(_l("Every module complete"))
    require_post_test = BooleanField(_l("Post-test passed (at the post-test's own pass mark)"))
    require_attendance = BooleanField(_l("Workshop days attended"))
    min_attendance_percent = FloatField(
        _l("Minimum attendance, in percent of the workshop days"),
        validators=[InputRequired(_l("Enter a number from 0 to 100.")), finite, NumberRange(min=0, max=100)],
    )
    excused_counts_as_present = BooleanField(_l("Count an excused absence as attended"))
    require_assessment = BooleanField(_l("Workshop assessment passed"))
    submit = SubmitField(_l("Save the rule"))


class IssueForm(FlaskForm):
    """Bulk issue: the ticked trainees, or every eligible one without a certificate."""

    trainees = SelectMultipleField(_l("Trainees"), coerce=int)
    submit = SubmitField(_l("Issue certificates to the selected trainees"))
    all_ready = SubmitField(_l("Issue to every eligible trainee"))

    def __init__(self, trainee_ids: list[int], **kwargs):
        super().__init__(**kwargs)
        self.trainees.choices = [(user_id, str(user_id)) for user_id in trainee_ids]


def reason_field(label, description=None) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[DataRequired(), Length(min=5, max=REASON_MAX)],
        filters=[strip_text],
        description=description,
        render_kw={"rows": 3},
    )


class OverrideForm(FlaskForm):
    reason = reason_field(
        _l("Why is this certificate issued although a condition is not met?"),
        _l("Recorded on the certificate and in the audit trail."),
    )
    submit = SubmitField(_l("Issue with this override"))


class RevokeForm(FlaskForm):
    reason = reason_field(_l("Reason for revoking"), _l("Kept in the audit trail; not shown to the public."))
    submit = SubmitField(_l("Revoke the certificate"))


class ReissueForm(FlaskForm):
    reason = reason_field(
        _l("What is corrected"),
        _l("The new certificate prints the trainee's current name and language; the old one is revoked."),
    )
    submit = SubmitField(_l("Reissue the certificate"))
