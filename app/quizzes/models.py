"""The question bank."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..courses.models import Module
from ..database import UTCDateTime, utcnow
from ..extensions import db


class Question(db.Model):
    __table_args__ = (UniqueConstraint("module_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(default=1.0)
    objective: Mapped[int] = mapped_column(default=1)
    difficulty: Mapped[str] = mapped_column(String(10), default="medium")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # normalised answer data, see question_types
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(200), default="")  # file:line it was read from
    origin: Mapped[str] = mapped_column(
        String(10), default="content"
    )  # "content" (YAML bank) or "gift" (upload)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Removed from the bank: kept, because attempts froze copies of it and reports refer to it.
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship()


QUIZ_KINDS = ("pre", "post", "practice")
GRADING_METHODS = ("highest", "first", "last", "average")
REVIEW_OPTIONS = ("nothing", "score", "answers", "feedback")


class Quiz(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("module.id")
    )  # practice quizzes belong to a module
    kind: Mapped[str] = mapped_column(String(10))
    questions_per_module: Mapped[int] = mapped_column(default=2)
    # With a draw seed every trainee gets the same questions (in their own order), which makes the pre-test
    # and post-test (same seed) directly comparable and gives item analysis enough responses per question.
    # Without one, each attempt draws afresh (practice).
    draw_seed: Mapped[int | None]
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    time_limit_minutes: Mapped[int | None]
    pass_mark: Mapped[float] = mapped_column(default=70.0)
    # None means unlimited; set explicitly, because a column default would replace an explicit None.
    attempts_allowed: Mapped[int | None]
    grading: Mapped[str] = mapped_column(String(10), default="highest")
    review_after_submit: Mapped[str] = mapped_column(String(10), default="score")
    review_after_close: Mapped[str] = mapped_column(String(10), default="feedback")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_published: Mapped[bool] = mapped_column(default=True)

    module: Mapped[Module | None] = relationship()


class Attempt(db.Model):
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    number: Mapped[int]
    seed: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))
    # The exact questions served, frozen: later edits to the bank never change a past attempt.
    questions: Mapped[list[Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    earned: Mapped[float | None]
    possible: Mapped[float | None]
    percent: Mapped[float | None]
    module_scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    quiz: Mapped[Quiz] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class Answer(db.Model):
    __table_args__ = (UniqueConstraint("attempt_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    question_key: Mapped[str] = mapped_column(String(170))  # "module-slug/question-key"
    response: Mapped[Any] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    earned: Mapped[float | None]

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
