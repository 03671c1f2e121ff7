"""Taking the pre-test, post-test and practice quizzes; results, reports, settings and GIFT upload."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import audit
from ..access import MANAGERS, STAFF, allow, require_self_or_staff
from ..courses import queries
from ..courses.cohort_views import cohort_or_404
from ..courses.models import Course
from ..database import utcnow
from ..exports import download
from ..extensions import db
from ..i18n import current_language
from ..problems import Problem
from . import attempts as service
from . import exports
from .availability import review_level, shows
from .blueprint import draw_size_refusal, form_values
from .forms import GiftUploadForm, QuizSettingsForm
from .gift_import import import_gift
from .models import Answer, Attempt, Quiz
from .question_text import InvalidResponse
from .question_types import QUESTION_TYPES
from .results import cohort_report, course_quizzes, results_for

bp = Blueprint("quizzes", __name__, template_folder="templates")
SKOPJE = ZoneInfo("Europe/Skopje")


def refusal_message(code: str) -> str:
    return {
        "unpublished": _("This quiz is not available."),
        "not_open": _("This quiz is not open yet."),
        "closed": _("This quiz has closed."),
        "no_attempts_left": _("You have used all your attempts at this quiz."),
        "modules_incomplete": _("The post-test opens when you have completed every module."),
    }[code]


def own_attempt_or_404(attempt_id: int) -> Attempt:
    attempt = db.get_or_404(Attempt, attempt_id)
    if attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/quizzes/<int:quiz_id>/start", methods=["POST"])
@allow("trainee")
def start(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    course = queries.course_or_404(_course_slug(quiz))  # a trainee starts only quizzes of their own courses
    outcome = service.start_attempt(quiz, current_user, utcnow())
    if isinstance(outcome, str):
        flash(refusal_message(outcome), "warning")
        return redirect(url_for("courses.course", course_slug=course.slug) + "#tests")
    return redirect(url_for("quizzes.take", attempt_id=outcome.id))


def _course_slug(quiz: Quiz) -> str:
    return db.session.get(Course, quiz.course_id).slug


@bp.route("/attempts/<int:attempt_id>")
@allow("trainee")
def take(attempt_id: int):
    attempt = own_attempt_or_404(attempt_id)
    if service.close_if_expired(attempt, utcnow()):
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    responses = {a.question_key: a.response for a in attempt.answers}
    saved = {q["key"]: form_values(q, responses.get(q["key"])) for q in attempt.questions}
    return render_template(
        "quizzes/take.html",
        attempt=attempt,
        quiz=attempt.quiz,
        saved=saved,
        course_slug=_course_slug(attempt.quiz),
    )


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@allow("trainee")
def save_answer(attempt_id: int):
    attempt = own_attempt_or_404(attempt_id)
    try:
        service.save_answer(
            attempt, request.form.get("question", ""), request.form.getlist("value"), utcnow()
        )
    except InvalidResponse as error:
        return {"saved": False, "error": str(error)}, 400
    except service.AttemptClosed:
        return {"saved": False, "error": "closed"}, 409
    return {"saved": True}


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow("trainee")
def submit(attempt_id: int):
    attempt = own_attempt_or_404(attempt_id)
    answers = {q["key"]: request.form.getlist(f"q{index}") for index, q in enumerate(attempt.questions)}
    shown = {
        q["key"]: service.shown_values(request.form.get(f"q{index}-saved"))
        for index, q in enumerate(attempt.questions)
    }
    try:
        service.submit(attempt, utcnow(), answers, shown)
    except InvalidResponse:
        flash(_("Some answers could not be read. Please check them and submit again."), "danger")
        return redirect(url_for("quizzes.take", attempt_id=attempt.id))
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/review")
@allow("trainee", *STAFF)
def review(attempt_id: int):
    attempt = db.get_or_404(Attempt, attempt_id)
    require_self_or_staff(attempt.user_id)
    if attempt.submitted_at is None:
        return redirect(url_for("quizzes.take", attempt_id=attempt.id))
    quiz = attempt.quiz
    level = (
        "feedback"
        if current_user.role != "trainee"
        else review_level(quiz.review_after_submit, quiz.review_after_close, quiz.closes_at, utcnow())
    )
    answers = {
        a.question_key: a
        for a in db.session.execute(db.select(Answer).filter_by(attempt_id=attempt.id)).scalars()
    }
    return render_template(
        "quizzes/review.html",
        attempt=attempt,
        quiz=quiz,
        level=level,
        shows=shows,
        answers=answers,
        types=QUESTION_TYPES,
        course_slug=_course_slug(quiz),
    )


@bp.route("/courses/<course_slug>/results")
@allow("trainee")
def my_results(course_slug: str):
    course = queries.course_or_404(course_slug)
    [result] = results_for([current_user], course_quizzes(course.id))
    modules = [m for m in course.modules if m.is_active]
    return render_template(
        "quizzes/my_results.html", course=course, result=result, modules=modules, language=current_language()
    )


@bp.route("/cohorts/<int:cohort_id>/tests")
@allow(*STAFF)
def cohort_results(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    modules = [m for m in cohort.course.modules if m.is_active]
    report = cohort_report(cohort, [m.slug for m in modules])
    return render_template(
        "quizzes/cohort_results.html",
        cohort=cohort,
        report=report,
        modules=modules,
        language=current_language(),
        quizzes=course_quizzes(cohort.course_id),
    )


@bp.route("/quizzes/<int:quiz_id>/settings", methods=["GET", "POST"])
@allow(*MANAGERS)
def settings(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    form = QuizSettingsForm(obj=quiz)
    if not form.is_submitted():  # the form shows and takes Skopje time; the quiz keeps UTC
        form.opens_at.data, form.closes_at.data = _local(quiz.opens_at), _local(quiz.closes_at)
    partners = service.draw_partners(quiz)  # the pre-test and post-test draw together: one number for both
    if partners:
        form.questions_per_module.description = _(
            "The pre-test and the post-test ask the same questions: this number is set for both."
        )
    if form.validate_on_submit() and not _draw_size_refused(form, quiz, partners):
        before = _settings_of(quiz)
        form.populate_obj(quiz)
        quiz.opens_at, quiz.closes_at = _utc(form.opens_at.data), _utc(form.closes_at.data)
        audit.record(current_user, "quiz.settings_changed", quiz, before=before, after=_settings_of(quiz))
        for partner in partners:
            if partner.questions_per_module != quiz.questions_per_module:
                partner_before = _settings_of(partner)
                partner.questions_per_module = quiz.questions_per_module
                audit.record(
                    current_user,
                    "quiz.settings_changed",
                    partner,
                    before=partner_before,
                    after=_settings_of(partner),
                )
        db.session.commit()
        flash(_("Quiz settings saved."), "success")
        return redirect(url_for("quizzes.settings", quiz_id=quiz.id))
    return render_template("quizzes/settings.html", quiz=quiz, form=form)


def _draw_size_refused(form: QuizSettingsForm, quiz: Quiz, partners: list[Quiz]) -> bool:
    """Put the error on the field when the quizzes sharing the draw cannot take the number asked for."""
    group = [quiz, *partners]
    requested = form.questions_per_module.data
    sizes = [q.questions_per_module for q in group]
    if not draw_size_refusal(requested, sizes, started=bool(partners) and service.any_attempts(group)):
        return False
    form.questions_per_module.errors.append(
        _(
            "Trainees have started the pre-test or the post-test, so the number of questions drawn from "
            "each module can no longer change: both tests must ask the same questions."
        )
    )
    return True


def _settings_of(quiz: Quiz) -> dict:
    names = (
        "questions_per_module",
        "shuffle_questions",
        "shuffle_options",
        "time_limit_minutes",
        "pass_mark",
        "attempts_allowed",
        "grading",
        "review_after_submit",
        "review_after_close",
        "is_published",
    )
    values = {name: getattr(quiz, name) for name in names}
    values.update(
        opens_at=quiz.opens_at and quiz.opens_at.isoformat(),
        closes_at=quiz.closes_at and quiz.closes_at.isoformat(),
    )
    return values


def _local(moment):
    return moment.astimezone(SKOPJE).replace(tzinfo=None) if moment else None


def _utc(local):
    return local.replace(tzinfo=SKOPJE).astimezone(UTC) if local else None


@bp.route("/courses/<course_slug>/questions/import", methods=["GET", "POST"])
@allow(*MANAGERS)
def import_questions(course_slug: str):
    course = queries.course_or_404(course_slug)
    modules = [m for m in course.modules if m.is_active]
    form = GiftUploadForm(modules, current_language())
    problems: list[str] = []
    if form.validate_on_submit():
        module = next(m for m in modules if m.slug == form.module.data)
        upload = form.file.data
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = [str(Problem(upload.filename or "upload.gift", 1, _("the file is not UTF-8 text")))]
        else:
            added, problems = import_gift(module, text, upload.filename or "upload.gift")
            if not problems:
                audit.record(current_user, "questions.gift_imported", module, after={"added": added})
                db.session.commit()
                flash(ngettext("%(num)d question imported.", "%(num)d questions imported.", added), "success")
                return redirect(url_for("courses.course", course_slug=course.slug))
    status = 400 if problems or form.errors else 200
    return render_template("quizzes/import_gift.html", course=course, form=form, problems=problems), status


EXPORT_TABLES = ("results", "answers", "items")


@bp.route("/cohorts/<int:cohort_id>/tests/<table>.<fmt>")
@allow(*STAFF)
def export(cohort_id: int, table: str, fmt: str):
    cohort = cohort_or_404(cohort_id)
    if table not in EXPORT_TABLES or fmt not in ("csv", "xlsx"):
        abort(404)
    modules = [m.slug for m in cohort.course.modules if m.is_active]
    header, rows = exports.table(table, cohort, cohort_report(cohort, modules))
    return download(f"cohort-{cohort.id}-{table}", fmt, header, rows)
