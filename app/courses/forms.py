"""Forms for cohorts, rosters and course settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..accounts.forms import strip_text
from ..forms import Form


class CohortForm(Form):
    name = StringField(_l("Cohort name"), validators=[DataRequired(), Length(max=160)], filters=[strip_text])
    course = SelectField(_l("Course"), coerce=int)
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    submit = SubmitField(_l("Create cohort"))

    def __init__(self, courses, **kwargs):
        super().__init__(**kwargs)
        self.course.choices = [SelectChoice(course.id, course.title) for course in courses]

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))


class AddMemberForm(Form):
    user = SelectField(_l("Person"), coerce=int)
    submit = SubmitField(_l("Add"))

    def __init__(self, people, **kwargs):
        super().__init__(**kwargs)
        self.user.choices = [SelectChoice(p.id, f"{p.display_name} ({p.email})") for p in people]


class RosterForm(Form):
    file = FileField(
        _l("Roster file (CSV or XLSX)"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))],
        description=_l(
            "Columns: email, name, certificate_name, organisation, language (mk, sq or en), gender."
        ),
    )
    send_invitations = BooleanField(
        _l("Send invitations to people who do not have an account yet"), default=True
    )
    submit = SubmitField(_l("Import roster"))


class CourseSettingsForm(Form):
    modules_require_pretest = BooleanField(
        _l("Modules open only after the trainee has submitted the pre-test")
    )
    submit = SubmitField(_l("Save settings"))
