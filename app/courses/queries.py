"""Database reads for course delivery, each a fixed number of statements whatever the course size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, func

from ..extensions import db
from ..quizzes.gating import pretest_flags
from .models import Cohort, Course, Lesson, LessonProgress, Membership
from .progress import modules_open


@dataclass(frozen=True)
class CourseAccess:
    course: Course
    modules_open: bool  # whether the current user may read the lessons (see progress.modules_open)


# The statements the lesson page runs on every request are built once, with bound parameters: building a
# SQLAlchemy statement costs more than SQLite takes to run it.
_COURSE = db.select(Course).where(Course.slug == bindparam("slug"))
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
_COURSE_FOR_TRAINEE = _COURSE.add_columns(_ENROLLED, *pretest_flags(Course.id, bindparam("user_id")))
_PROGRESS = db.select(LessonProgress).where(
    LessonProgress.user_id == bindparam("user_id"),
    LessonProgress.lesson_id.in_(bindparam("lesson_ids", expanding=True)),
)


def course_access_or_404(slug: str) -> CourseAccess:
    """Return the course a user may open, and whether its modules are open to them, in one statement.

    Staff see every course with its modules open; trainees only their cohorts' courses.
    """
    if current_user.role != "trainee":
        course = db.session.execute(_COURSE, {"slug": slug}).scalar_one_or_none()
        if course is None:
            abort(404)
        return CourseAccess(course, modules_open=True)
    row = db.session.execute(_COURSE_FOR_TRAINEE, {"slug": slug, "user_id": current_user.id}).one_or_none()
    if row is None or not row[1]:
        abort(404)
    course, _enrolled, has_pretest, submitted = row
    return CourseAccess(course, modules_open(course.modules_require_pretest, has_pretest, submitted))


def course_or_404(slug: str) -> Course:
    return course_access_or_404(slug).course


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


def progress_of(user_id: int, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    if not lesson_ids:
        return {}
    rows = db.session.execute(_PROGRESS, {"user_id": user_id, "lesson_ids": lesson_ids}).scalars()
    return {p.lesson_id: p for p in rows}


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
