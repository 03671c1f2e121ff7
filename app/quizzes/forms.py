"""Quiz settings and GIFT upload forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import NumberRange, Optional, ValidationError

from ..forms import Form

GRADING_LABELS = {
    "highest": _l("Highest attempt"),
    "first": _l("First attempt"),
    "last": _l("Last attempt"),
    "average": _l("Average of attempts"),
}
REVIEW_LABELS = {
    "nothing": _l("Nothing"),
    "score": _l("The score only"),
    "answers": _l("Score and right answers"),
    "feedback": _l("Score, right answers and feedback"),
}


class QuizSettingsForm(Form):
    questions_per_module = IntegerField(
        _l("Questions drawn from each module"), validators=[NumberRange(min=1, max=50)]
    )
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_options = BooleanField(_l("Shuffle the answer options"))
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (empty: none)"), validators=[Optional(), NumberRange(min=1, max=600)]
    )
    pass_mark = FloatField(_l("Pass mark (%)"), validators=[NumberRange(min=0, max=100)])
    attempts_allowed = IntegerField(
        _l("Attempts allowed (empty: unlimited)"), validators=[Optional(), NumberRange(min=1, max=100)]
    )
    grading = SelectField(
        _l("Quiz score over several attempts"),
        choices=[SelectChoice(k, v) for k, v in GRADING_LABELS.items()],
    )
    review_after_submit = SelectField(
        _l("What trainees see right after submitting"),
        choices=[SelectChoice(k, v) for k, v in REVIEW_LABELS.items()],
    )
    review_after_close = SelectField(
        _l("What trainees see after the quiz closes"),
        choices=[SelectChoice(k, v) for k, v in REVIEW_LABELS.items()],
    )
    opens_at = DateTimeLocalField(_l("Opens (Skopje time; empty: open now)"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes (Skopje time; empty: never)"), validators=[Optional()])
    is_published = BooleanField(lazy_pgettext("quiz", "Published"))
    submit = SubmitField(_l("Save quiz settings"))

    def validate_closes_at(self, field) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The quiz must close after it opens."))


class GiftUploadForm(Form):
    module = SelectField(_l("Module the questions belong to"))
    file = FileField(
        _l("GIFT file"),
        validators=[FileRequired(), FileAllowed(["gift", "txt"], _l("Upload a .gift or .txt file."))],
    )
    submit = SubmitField(_l("Import questions"))

    def __init__(self, modules, language: str, **kwargs):
        super().__init__(**kwargs)
        self.module.choices = [SelectChoice(m.slug, m.title_in(language)) for m in modules]
