"""What the course pages need to know about the pre-test."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from .models import Attempt, Quiz


def pretest_flags(course_id: Any, user_id: int) -> tuple[Any, Any]:
    """SQL booleans: (the course has a published pre-test, this user has submitted it).

    `course_id` may be a column (Course.id), which makes both correlated subqueries of a course query.
    """
    published = db.select(Quiz.id).where(Quiz.course_id == course_id, Quiz.kind == "pre", Quiz.is_published)
    submitted = published.join(Attempt, Attempt.quiz_id == Quiz.id).where(
        Attempt.user_id == user_id, Attempt.submitted_at.is_not(None)
    )
    return published.exists(), submitted.exists()


def pretest_status(course_id: int, user_id: int) -> tuple[bool, bool]:
    """Return (the course has a published pre-test, this user has submitted it)."""
    has_pretest, submitted = pretest_flags(course_id, user_id)
    row = db.session.execute(db.select(has_pretest, submitted)).one()
    return bool(row[0]), bool(row[1])
