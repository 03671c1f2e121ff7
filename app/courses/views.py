"""Course delivery for trainees, and cohorts, rosters and progress for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..access import MANAGERS, allow, signed_in
from ..database import utcnow
from ..extensions import db
from ..i18n import current_language
from ..quizzes.cards import quiz_cards
from . import queries
from .cards import course_card
from .models import GlossaryTerm, Lesson, LessonProgress, Module
from .outline import outline_of
from .progress import neighbours
from .search import search_lessons

bp = Blueprint("courses", __name__, template_folder="templates")


@bp.route("/learning")
@allow("trainee")
def my_learning():
    language = current_language()
    cards = [course_card(course, current_user.id, language) for course in queries.courses_of(current_user.id)]
    return render_template("courses/my_learning.html", cards=cards)


@bp.route("/courses/<course_slug>")
@signed_in
def course(course_slug: str):
    course = queries.course_or_404(course_slug)
    language = current_language()
    card = course_card(course, current_user.id, language)
    tests = quiz_cards(course.id, current_user.id, card.completed >= card.lessons, utcnow())
    return render_template("courses/course.html", course=course, card=card, language=language, tests=tests)


@bp.route("/courses/<course_slug>/<module_slug>")
@signed_in
def module(course_slug: str, module_slug: str):
    course = queries.course_access_or_404(course_slug)
    active = db.select(Module).filter_by(course_id=course.id, slug=module_slug, is_active=True)
    module = db.first_or_404(active)
    language = current_language()
    lessons = outline_of(course, language).of_module(module.id)
    progress = queries.progress_of(current_user.id, [row.id for row in lessons])
    return render_template(
        "courses/module.html",
        course=course,
        module=module,
        lessons=lessons,
        progress=progress,
        language=language,
        is_open=course.modules_open,
    )


@bp.route("/courses/<course_slug>/<module_slug>/<lesson_slug>")
@signed_in
def lesson(course_slug: str, module_slug: str, lesson_slug: str):
    course = queries.course_access_or_404(course_slug)
    language = current_language()
    outline = outline_of(course, language)
    row = outline.lesson(module_slug, lesson_slug)
    if row is None:
        abort(404)
    if not course.modules_open:
        return _pretest_first(course)
    module_rows = outline.of_module(row.module_id)
    progress = queries.progress_of(current_user.id, [r.id for r in module_rows])
    page = render_template(
        "courses/lesson.html",
        course=course,
        module=outline.modules[row.module_id],
        row=row,
        text=outline.page(row.id),
        module_rows=module_rows,
        progress=progress,
        parts=outline.remember(("lesson parts", row.id), lambda: _lesson_parts(course, outline, row)),
    )
    _record_view(progress.get(row.id), row.id)  # after rendering: the commit would expire what the page reads
    return page


@dataclass(frozen=True)
class LessonParts:
    html: Any  # the rendered courses/_lesson_parts.html: its {% set %} names are attributes
    links: dict[int, str]  # the address of each lesson of the module


def _lesson_parts(course, outline, row) -> LessonParts:
    """Render what a lesson page shows every reader alike, for the outline to keep until the next import."""
    previous, following = neighbours(outline.rows, row)
    links = {r.id: _lesson_url(course, r) for r in outline.of_module(row.module_id)}
    context = {
        "course": course,
        "module": outline.modules[row.module_id],
        "row": row,
        "text": outline.page(row.id),
        "language": outline.language,
        "previous": previous,
        "next": following,
    }
    template = current_app.jinja_env.get_template("courses/_lesson_parts.html")
    return LessonParts(template.make_module(context), links)


def _lesson_url(course, row) -> str:
    slugs = {"course_slug": course.slug, "module_slug": row.module_slug, "lesson_slug": row.slug}
    return url_for("courses.lesson", **slugs)


def _pretest_first(course):
    flash(_("The modules open once you have submitted the pre-test."), "info")
    return redirect(url_for("courses.course", course_slug=course.slug))


VIEW_RESOLUTION = timedelta(minutes=5)


def _record_view(progress: Row | None, lesson_id: int) -> None:
    """Note that the trainee opened the lesson; re-reading within minutes writes nothing."""
    if current_user.role != "trainee":  # staff previewing the course leave no progress behind
        return
    now = utcnow()
    if progress is None:
        statement = db.insert(LessonProgress).values(
            user_id=current_user.id, lesson_id=lesson_id, first_viewed_at=now, last_viewed_at=now
        )
    elif now - progress.last_viewed_at >= VIEW_RESOLUTION:
        statement = (
            db.update(LessonProgress)
            .where(LessonProgress.user_id == current_user.id, LessonProgress.lesson_id == lesson_id)
            .values(last_viewed_at=now)
        )
    else:
        return
    try:
        db.session.execute(statement)
        db.session.commit()
    except IntegrityError:  # the same lesson opened in two tabs at once: the other request recorded it
        db.session.rollback()


@bp.route("/courses/<course_slug>/<module_slug>/<lesson_slug>/complete", methods=["POST"])
@allow("trainee")
def complete_lesson(course_slug: str, module_slug: str, lesson_slug: str):
    course = queries.course_access_or_404(course_slug)
    lesson = db.first_or_404(
        db.select(Lesson)
        .join(Module)
        .where(
            Module.course_id == course.id,
            Module.slug == module_slug,
            Lesson.slug == lesson_slug,
            Lesson.is_active,
        )
    )
    if not course.modules_open:
        abort(403)
    progress = db.session.execute(
        db.select(LessonProgress).filter_by(user_id=current_user.id, lesson_id=lesson.id)
    ).scalar_one_or_none()
    if progress is None:
        progress = LessonProgress(user_id=current_user.id, lesson_id=lesson.id)
        db.session.add(progress)
    if progress.completed_at is None:  # idempotent: the first completion time is the one that counts
        progress.completed_at = utcnow()
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return {"completed": True}
    flash(_("Lesson marked as complete."), "success")
    target = request.form.get("next_url", "")
    return redirect(
        target
        if target.startswith("/") and not target.startswith("//")
        else url_for("courses.module", course_slug=course.slug, module_slug=module_slug)
    )


@bp.route("/courses/<course_slug>/glossary")
@signed_in
def glossary(course_slug: str):
    course = queries.course_access_or_404(course_slug)
    if not course.modules_open:  # the glossary would give away pre-test answers
        return _pretest_first(course)
    terms = db.session.execute(
        db.select(GlossaryTerm).filter_by(course_id=course.id).order_by(GlossaryTerm.position)
    )
    language = current_language()
    entries = sorted(
        ((term.slug, term.entry_in(language)) for term in terms.scalars()),
        key=lambda item: item[1]["term"].casefold(),
    )
    return render_template("courses/glossary.html", course=course, entries=entries, language=language)


@bp.route("/courses/<course_slug>/search")
@signed_in
def search(course_slug: str):
    course = queries.course_access_or_404(course_slug)
    if not course.modules_open:
        return _pretest_first(course)
    query = request.args.get("q", "").strip()[:200]
    language = current_language()
    results = search_lessons(course.id, query, language) if query else []
    return render_template(
        "courses/search.html", course=course, query=query, results=results, language=language
    )


@bp.route("/courses/<course_slug>/<module_slug>/images/<path:filename>")
@signed_in
def image(course_slug: str, module_slug: str, filename: str):
    course = queries.course_access_or_404(course_slug)
    if not course.modules_open:
        abort(403)
    module = db.first_or_404(db.select(Module).filter_by(course_id=course.id, slug=module_slug))
    folder = f"{current_app.config['CONTENT_DIR']}/{module.folder}/images"
    return send_from_directory(folder, filename, max_age=7 * 24 * 3600)


@bp.route("/courses/<course_slug>/settings", methods=["GET", "POST"])
@allow(*MANAGERS)
def settings(course_slug: str):
    from .forms import CourseSettingsForm

    course = queries.course_or_404(course_slug)
    form = CourseSettingsForm(obj=course)
    if form.validate_on_submit():
        before = {"modules_require_pretest": course.modules_require_pretest}
        course.modules_require_pretest = form.modules_require_pretest.data
        audit.record(
            current_user,
            "course.settings_changed",
            course,
            before=before,
            after={"modules_require_pretest": course.modules_require_pretest},
        )
        db.session.commit()
        flash(_("Course settings saved."), "success")
        return redirect(url_for("courses.course", course_slug=course.slug))
    return render_template("courses/settings.html", course=course, form=form)


@bp.app_template_filter("minutes")
def minutes_filter(value: int) -> str:
    return _("%(num)d min", num=value)
