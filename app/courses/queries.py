"""Database reads for course delivery, each a fixed number of statements whatever the course size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import Row, bindparam, func

from ..extensions import db
from ..quizzes.gating import pretest_flags
from .models import Cohort, Course, Lesson, LessonProgress, Membership, translated
from .progress import modules_open


@dataclass(frozen=True)
class CourseAccess:
    """A course as the course pages show it, and whether its modules are open to the current user."""

    id: int
    slug: str
    title: str
    translations: dict[str, Any]
    imported_at: datetime  # when its content last changed (outline.py)
    modules_open: bool  # see progress.modules_open

    def title_in(self, language: str) -> str:
        return translated(self.title, self.translations, language, "title")


# The statements the lesson page runs on every request are built once, with bound parameters, and read plain
# rows: building a statement, or an ORM object from a row, costs more than SQLite takes to run the query.
_ENROLLED = (
    db.select(Membership.id)
    .join(Cohort)
    .where(
        Membership.user_id == bindparam("user_id"),
        Membership.role == "trainee",
        Cohort.course_id == Course.id,
    )
    .exists()
)
_COURSE_ACCESS = db.select(
    Course.id,
    Course.slug,
    Course.title,
    Course.translations,
    Course.imported_at,
    Course.modules_require_pretest,
    _ENROLLED,
    *pretest_flags(Course.id, bindparam("user_id")),
).where(Course.slug == bindparam("slug"))
_PROGRESS = db.select(
    LessonProgress.lesson_id, LessonProgress.last_viewed_at, LessonProgress.completed_at
).where(
    LessonProgress.user_id == bindparam("user_id"),
    LessonProgress.lesson_id.in_(bindparam("lesson_ids", expanding=True)),
)


def course_access_or_404(slug: str) -> CourseAccess:
    """Return the course a user may open, and whether its modules are open to them, in one statement.

    Staff see every course with its modules open; trainees only their cohorts' courses.
    """
    parameters = {"slug": slug, "user_id": current_user.id}
    row = db.session.connection().execute(_COURSE_ACCESS, parameters).one_or_none()
    if row is None:
        abort(404)
    *course, requires_pretest, enrolled, has_pretest, submitted = row
    trainee = current_user.role == "trainee"
    if trainee and not enrolled:
        abort(404)
    return CourseAccess(
        *course, modules_open=not trainee or modules_open(requires_pretest, has_pretest, submitted)
    )


def course_or_404(slug: str) -> Course:
    return db.session.get(Course, course_access_or_404(slug).id)


def courses_of(user_id: int) -> list[Course]:
    enrolled = (
        db.select(Cohort.course_id)
        .join(Membership)
        .where(Membership.user_id == user_id, Membership.role == "trainee")
    )
    # IN rather than DISTINCT: PostgreSQL cannot compare the JSON columns DISTINCT would need to.
    return list(
        db.session.execute(db.select(Course).where(Course.id.in_(enrolled)).order_by(Course.title)).scalars()
    )


def members_of(cohort_id: int, role: str) -> list:
    """Return the cohort's trainees or trainers, by name, in one query."""
    from ..accounts.models import User

    statement = (
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort_id, Membership.role == role)
        .order_by(User.display_name)
    )
    return list(db.session.execute(statement).scalars())


def progress_of(user_id: int, lesson_ids: list[int]) -> dict[int, Row]:
    """Return {lesson id: (lesson_id, last_viewed_at, completed_at)} for the lessons the user has opened."""
    if not lesson_ids:
        return {}
    rows = db.session.connection().execute(_PROGRESS, {"user_id": user_id, "lesson_ids": lesson_ids})
    return {row.lesson_id: row for row in rows}


def cohort_progress(cohort: Cohort) -> dict[int, dict[int, int]]:
    """Return {user id: {module id: completed lessons}} for the cohort's trainees, in one query."""
    statement = (
        db.select(LessonProgress.user_id, Lesson.module_id, func.count())
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Membership, Membership.user_id == LessonProgress.user_id)
        .where(
            Membership.cohort_id == cohort.id,
            Membership.role == "trainee",
            Lesson.is_active,
            LessonProgress.completed_at.is_not(None),
        )
        .group_by(LessonProgress.user_id, Lesson.module_id)
    )
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for user_id, module_id, count in db.session.execute(statement):
        table[user_id][module_id] = count
    return table
