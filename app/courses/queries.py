"""Database reads for course delivery, each a fixed number of statements whatever the course size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import func

from ..extensions import db
from .models import Cohort, Course, Lesson, LessonProgress, LessonText, Membership, Module


@dataclass(frozen=True)
class LessonRow:
    id: int
    slug: str
    module_id: int
    module_slug: str
    position: int
    minutes: int
    title: str


def course_or_404(slug: str) -> Course:
    """Return the course a user may open: staff see every course, trainees only their cohorts' courses."""
    course = db.session.execute(db.select(Course).filter_by(slug=slug)).scalar_one_or_none()
    if course is None or (current_user.role == "trainee" and not is_enrolled(current_user.id, course.id)):
        abort(404)
    return course


def is_enrolled(user_id: int, course_id: int) -> bool:
    statement = (
        db.select(Membership.id)
        .join(Cohort)
        .where(Membership.user_id == user_id, Membership.role == "trainee", Cohort.course_id == course_id)
    )
    return db.session.execute(statement.limit(1)).first() is not None


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


def lesson_rows(course_id: int, language: str) -> list[LessonRow]:
    """Every active lesson of the course in reading order, titled in the language (or English)."""
    statement = (
        db.select(
            Lesson.id,
            Lesson.slug,
            Lesson.module_id,
            Module.slug,
            Lesson.position,
            Lesson.minutes,
            LessonText.language,
            LessonText.title,
        )
        .join(Module)
        .join(LessonText)
        .where(
            Module.course_id == course_id,
            Module.is_active,
            Lesson.is_active,
            LessonText.language.in_({language, "en"}),
        )
        .order_by(Module.position, Lesson.position)
    )
    rows: dict[int, LessonRow] = {}
    for (
        lesson_id,
        slug,
        module_id,
        module_slug,
        position,
        minutes,
        text_language,
        title,
    ) in db.session.execute(statement):
        if lesson_id not in rows or text_language == language:
            rows[lesson_id] = LessonRow(lesson_id, slug, module_id, module_slug, position, minutes, title)
    return list(rows.values())


def progress_of(user_id: int, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    if not lesson_ids:
        return {}
    statement = db.select(LessonProgress).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(lesson_ids)
    )
    return {p.lesson_id: p for p in db.session.execute(statement).scalars()}


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
