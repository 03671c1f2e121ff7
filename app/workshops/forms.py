"""Forms for workshops, registrations, attendance, rubrics and scores; every label through gettext."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..accounts.forms import strip_text
from ..forms import Form as AppForm
from .models import WORKSHOP_STATUSES
from .schedule import session_times_problem
from .scheduling import DayInput, WorkshopInput

SKOPJE = ZoneInfo("Europe/Skopje")
REASON_MAX = 400  # the audit trail keeps 500 characters

STATUS_LABELS = {
    "draft": lazy_pgettext("workshop", "Draft"),
    "published": lazy_pgettext("workshop", "Published"),
    "completed": lazy_pgettext("workshop", "Completed"),
    "cancelled": lazy_pgettext("workshop", "Cancelled"),
}
REGISTRATION_LABELS = {
    "enrolled": _l("Enrolled"),
    "waitlisted": _l("Waiting list"),
    "cancelled": lazy_pgettext("registration", "Cancelled"),
}
ATTENDANCE_LABELS = {
    "present": _l("Present"),
    "late": _l("Late"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}


def finite(_form, field) -> None:
    """Refuse "nan" and "inf", which FloatField accepts and NumberRange lets through."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


def skopje_to_utc(day, clock) -> datetime:
    """Return the instant of a Skopje wall-clock date and time, in UTC."""
    return datetime.combine(day, clock, SKOPJE).astimezone(UTC)


class DayForm(Form):
    """One session day: a date and its start and end in Skopje time."""

    id = HiddenField()
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    starts = TimeField(_l("Starts (Skopje time)"), validators=[InputRequired(_l("Enter the start time."))])
    ends = TimeField(_l("Ends (Skopje time)"), validators=[InputRequired(_l("Enter the end time."))])
    remove = BooleanField(_l("Remove this day"))

    def validate_ends(self, field) -> None:
        if field.data is None or self.starts.data is None:
            return
        problem = session_times_problem(self.starts.data, field.data)
        if problem == "ends_at_start":
            raise ValidationError(_l("The session must end after it starts."))
        if problem == "ends_before_start":
            raise ValidationError(
                _l(
                    "The end time is earlier than the start time. A session starts and ends on the same "
                    "day: check the times (for example 17:00, not 05:00). A session past midnight is "
                    "entered as two days."
                )
            )

    def validate_id(self, field) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("This day is not part of the workshop."))


class WorkshopForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)], filters=[strip_text])
    cohort = SelectField(_l("Cohort"), coerce=int)
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    address = StringField(_l("Address"), validators=[Length(max=300)], filters=[strip_text])
    capacity = IntegerField(
        _l("Places"),
        validators=[InputRequired(_l("Enter the number of places.")), NumberRange(min=1, max=1000)],
    )
    trainers = SelectMultipleField(_l("Trainers"), coerce=int)
    status = SelectField(
        lazy_pgettext("workshop", "Status"),
        choices=[SelectChoice(key, STATUS_LABELS[key]) for key in WORKSHOP_STATUSES],
    )
    self_signup = BooleanField(_l("Trainees of the cohort may sign themselves up"))
    cancel_cutoff_days = IntegerField(
        _l("Trainees may cancel until this many days before the first day"),
        validators=[InputRequired(), NumberRange(min=0, max=60)],
        default=2,
    )
    waitlist_freeze_days = IntegerField(
        _l("From this many days before the first day, you offer freed places yourself"),
        validators=[InputRequired(), NumberRange(min=0, max=60)],
        default=2,
    )
    sessions = FieldList(FormField(DayForm), min_entries=1, max_entries=20)
    add_day = SubmitField(_l("Add a day"))
    submit = SubmitField(_l("Save the workshop"))
    save_anyway = SubmitField(_l("Save anyway"))

    def __init__(self, cohorts, trainers, **kwargs):
        super().__init__(**kwargs)
        self.cohort.choices = [SelectChoice(c.id, c.name) for c in cohorts]
        self.trainers.choices = [SelectChoice(t.id, t.display_name) for t in trainers]

    def kept_days(self) -> list[DayForm]:
        return [entry.form for entry in self.sessions.entries if not entry.form.remove.data]

    def validate_sessions(self, _field) -> None:
        if not self.kept_days():
            raise ValidationError(_l("A workshop needs at least one day."))

    def to_input(self) -> WorkshopInput:
        return WorkshopInput(
            title=self.title.data,
            description=self.description.data,
            cohort_id=self.cohort.data,
            venue=self.venue.data,
            address=self.address.data,
            capacity=self.capacity.data,
            status=self.status.data,
            self_signup=self.self_signup.data,
            cancel_cutoff_days=self.cancel_cutoff_days.data,
            waitlist_freeze_days=self.waitlist_freeze_days.data,
            trainer_ids=tuple(self.trainers.data or ()),
            days=tuple(
                DayInput(
                    int(day.id.data) if day.id.data else None,
                    skopje_to_utc(day.day.data, day.starts.data),
                    skopje_to_utc(day.day.data, day.ends.data),
                )
                for day in self.kept_days()
            ),
        )


class ActionForm(AppForm):
    """A button that changes something: only the CSRF token travels."""


class AssignForm(AppForm):
    trainee = SelectField(_l("Trainee"), coerce=int)
    submit = SubmitField(_l("Assign"))

    def __init__(self, trainees, **kwargs):
        super().__init__(**kwargs)
        self.trainee.choices = [SelectChoice(t.id, t.display_name) for t in trainees]


class BulkAssignForm(AppForm):
    trainees = SelectMultipleField(_l("Trainees of the cohort"), coerce=int)
    submit = SubmitField(_l("Assign the selected trainees"))
    assign_all = SubmitField(_l("Assign everyone listed"))

    def __init__(self, trainees, **kwargs):
        super().__init__(**kwargs)
        self.trainees.choices = [SelectChoice(t.id, t.display_name) for t in trainees]

    def validate_trainees(self, field) -> None:
        if not self.assign_all.data and not field.data:
            raise ValidationError(_l("Tick at least one trainee."))


class ReasonForm(AppForm):
    reason = TextAreaField(
        _l("Reason for the change"),
        validators=[DataRequired(_l("Say why the change is made.")), Length(max=REASON_MAX)],
        filters=[strip_text],
    )


class ReopenForm(AppForm):
    """Reopen what a coordinator locked (attendance, scores): the reason goes to the audit trail."""

    reason = TextAreaField(
        _l("Reason for reopening"),
        validators=[DataRequired(_l("Say why it is reopened.")), Length(max=REASON_MAX)],
        filters=[strip_text],
    )


def attendance_form(trainees, *, needs_reason: bool, formdata=None, data=None) -> AppForm:
    """Build the marking form of a session day: a status and a note per enrolled trainee."""

    class AttendanceForm(AppForm):
        submit = SubmitField(_l("Save attendance"))

    choices = [SelectChoice(key, label) for key, label in ATTENDANCE_LABELS.items()]
    for user in trainees:
        setattr(
            AttendanceForm,
            f"status_{user.id}",
            RadioField(user.display_name, choices=choices, validators=[Optional()]),
        )
        setattr(
            AttendanceForm,
            f"note_{user.id}",
            StringField(_l("Note"), validators=[Length(max=300)], filters=[strip_text]),
        )
    if needs_reason:
        AttendanceForm.reason = ReasonForm.reason
    kwargs = {} if formdata is None else {"formdata": formdata}
    return AttendanceForm(data=data or {}, **kwargs)


def score_form(criteria, *, needs_reason: bool, final: bool, data=None) -> AppForm:
    """Build the scoring form of a rubric: one choice of level per criterion, and a comment."""

    class ScoreForm(AppForm):
        comment = TextAreaField(
            _l("Comment for the trainee"), validators=[Length(max=4000)], filters=[strip_text]
        )
        finalise = SubmitField(_l("Save changes") if final else _l("Finalise the score"))
        save_draft = SubmitField(_l("Save draft"))

    for criterion in criteria:
        setattr(
            ScoreForm,
            f"criterion_{criterion.id}",
            RadioField(
                criterion.title,
                coerce=int,
                choices=[SelectChoice(level.id, level.title) for level in criterion.levels],
                validators=[Optional()],
            ),
        )
    if needs_reason:
        ScoreForm.reason = ReasonForm.reason
    return ScoreForm(data=data or {})


class RubricForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)], filters=[strip_text])
    submit = SubmitField(_l("Create the rubric"))


class CriterionForm(AppForm):
    title = StringField(_l("Criterion"), validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    description = TextAreaField(_l("What it looks at"), validators=[Length(max=2000)], filters=[strip_text])
    submit = SubmitField(_l("Add criterion"))


class LevelForm(AppForm):
    points = FloatField(
        _l("Points"),
        validators=[InputRequired(_l("Enter the points.")), finite, NumberRange(min=0, max=1000)],
    )
    title = StringField(_l("Level"), validators=[DataRequired(), Length(max=120)], filters=[strip_text])
    descriptor = TextAreaField(
        _l("What the work looks like at this level"), validators=[Length(max=2000)], filters=[strip_text]
    )
    submit = SubmitField(_l("Add level"))


class AssessmentForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    rubric = SelectField(_l("Rubric"), coerce=int)
    pass_points = FloatField(
        _l("Points needed to pass"),
        validators=[InputRequired(_l("Enter the points needed to pass.")), finite, NumberRange(min=0)],
    )
    second_scorer = BooleanField(_l("A second trainer scores each trainee too (to compare)"))
    submit = SubmitField(_l("Add the assessment"))

    def __init__(self, rubrics, **kwargs):
        super().__init__(**kwargs)
        self.rubric.choices = [SelectChoice(r.id, r.title) for r in rubrics]
