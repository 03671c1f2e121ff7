"""What the course pages need to know about the pre-test and post-test."""

from __future__ import annotations

from ..extensions import db
from .models import Attempt, Quiz


def pretest_status(course_id: int, user_id: int) -> tuple[bool, bool]:
    """Return (the course has a published pre-test, this user has submitted it)."""
    statement = (
        db.select(Quiz.id, db.func.count(Attempt.id))
        .outerjoin(
            Attempt,
            (Attempt.quiz_id == Quiz.id) & (Attempt.user_id == user_id) & Attempt.submitted_at.is_not(None),
        )
        .where(Quiz.course_id == course_id, Quiz.kind == "pre", Quiz.is_published)
        .group_by(Quiz.id)
    )
    rows = db.session.execute(statement).all()
    return bool(rows), any(count for _quiz, count in rows)
