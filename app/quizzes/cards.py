"""The tests section of a course page: each quiz with the trainee's attempts and what they can do next."""

from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from .availability import QuizWindow, start_refusal
from .models import Attempt, Quiz
from .scoring import combine_attempt_scores

KIND_ORDER = {"pre": 0, "post": 2, "practice": 1}


@dataclass(frozen=True)
class QuizCard:
    quiz: Quiz
    attempts: list[Attempt]
    score: float | None
    in_progress: Attempt | None
    refusal: str | None

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.quiz.pass_mark


def quiz_cards(course_id: int, user_id: int, modules_complete: bool, now) -> list[QuizCard]:
    """Return the course's published quizzes (pre, practice, post) with this user's standing; two queries."""
    quizzes = (
        db.session.execute(db.select(Quiz).filter_by(course_id=course_id, is_published=True)).scalars().all()
    )
    attempts = (
        db.session.execute(
            db.select(Attempt)
            .where(Attempt.user_id == user_id, Attempt.quiz_id.in_([q.id for q in quizzes]))
            .order_by(Attempt.number)
        )
        .scalars()
        .all()
    )
    cards = []
    for quiz in sorted(quizzes, key=lambda q: (KIND_ORDER[q.kind], q.module.position if q.module else 0)):
        own = [a for a in attempts if a.quiz_id == quiz.id]
        done = [a for a in own if a.submitted_at is not None]
        open_attempt = next((a for a in own if a.submitted_at is None), None)
        window = QuizWindow(
            quiz.kind, quiz.is_published, quiz.opens_at, quiz.closes_at, quiz.attempts_allowed
        )
        cards.append(
            QuizCard(
                quiz,
                done,
                combine_attempt_scores(quiz.grading, [a.percent for a in done]),
                open_attempt,
                None if open_attempt else start_refusal(window, now, len(own), modules_complete),
            )
        )
    return cards
