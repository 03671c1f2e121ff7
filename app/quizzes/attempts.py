"""Starting, answering and submitting attempts: the database side of the quiz rules."""

from __future__ import annotations

import json
import random
import secrets
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..courses.models import Lesson, LessonProgress, Module
from ..courses.rendering import render_markdown
from ..extensions import db
from .availability import QuizWindow, start_refusal
from .blueprint import BankQuestion, draw, freeze
from .models import Answer, Attempt, Question, Quiz
from .question_text import InvalidResponse
from .question_types import QUESTION_TYPES
from .scoring import ServedQuestion, score_attempt


class AttemptClosed(Exception):
    """The attempt was submitted or its time ran out: answers can no longer change."""


def bank_for(quiz: Quiz) -> dict[str, list[BankQuestion]]:
    """Return the active questions the quiz draws on, by module slug in course order."""
    statement = (
        db.select(Question, Module.slug)
        .join(Module)
        .where(Module.course_id == quiz.course_id, Module.is_active, Question.is_active)
        .order_by(Module.position, Question.key)
    )
    if quiz.module_id is not None:
        statement = statement.where(Module.id == quiz.module_id)
    bank: dict[str, list[BankQuestion]] = defaultdict(list)
    for question, module_slug in db.session.execute(statement):
        bank[module_slug].append(
            BankQuestion(
                module_slug,
                question.key,
                question.type,
                question.points,
                question.prompt,
                question.feedback,
                question.data,
                question.translations,
            )
        )
    return dict(bank)


def modules_complete(course_id: int, user_id: int) -> bool:
    total = db.session.execute(
        db.select(db.func.count(Lesson.id))
        .join(Module)
        .where(Module.course_id == course_id, Module.is_active, Lesson.is_active)
    ).scalar_one()
    done = db.session.execute(
        db.select(db.func.count(LessonProgress.id))
        .join(Lesson)
        .join(Module)
        .where(
            Module.course_id == course_id,
            Module.is_active,
            Lesson.is_active,
            LessonProgress.user_id == user_id,
            LessonProgress.completed_at.is_not(None),
        )
    ).scalar_one()
    return done >= total


def attempts_of(quiz: Quiz, user_id: int) -> list[Attempt]:
    statement = db.select(Attempt).filter_by(quiz_id=quiz.id, user_id=user_id).order_by(Attempt.number)
    return list(db.session.execute(statement).scalars())


def draw_partners(quiz: Quiz) -> list[Quiz]:
    """Return the other quizzes of the course drawing with the same seed (the pre-test's post-test)."""
    if quiz.draw_seed is None:
        return []
    statement = (
        db.select(Quiz)
        .where(Quiz.course_id == quiz.course_id, Quiz.draw_seed == quiz.draw_seed, Quiz.id != quiz.id)
        .order_by(Quiz.id)
    )
    return list(db.session.execute(statement).scalars())


def any_attempts(quizzes: list[Quiz]) -> bool:
    statement = db.select(Attempt.id).where(Attempt.quiz_id.in_([quiz.id for quiz in quizzes])).limit(1)
    return db.session.execute(statement).first() is not None


def start_attempt(quiz: Quiz, user, now: datetime) -> Attempt | str:
    """Return the open attempt (resuming one in progress) or the reason one cannot start."""
    attempts = attempts_of(quiz, user.id)
    for attempt in attempts:
        if attempt.submitted_at is None:
            if close_if_expired(attempt, now):
                continue
            return attempt
    window = QuizWindow(quiz.kind, quiz.is_published, quiz.opens_at, quiz.closes_at, quiz.attempts_allowed)
    refusal = start_refusal(window, now, len(attempts), modules_complete(quiz.course_id, user.id))
    if refusal:
        return refusal
    seed = secrets.randbits(31)  # fits a signed 32-bit column on PostgreSQL
    rng = random.Random(seed)
    blueprint_rng = rng if quiz.draw_seed is None else random.Random(quiz.draw_seed)
    chosen = draw(bank_for(quiz), quiz.questions_per_module, blueprint_rng, shuffle=False)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=len(attempts) + 1,
        seed=seed,
        language=user.locale,
        questions=freeze(
            chosen, user.locale, rng, quiz.shuffle_options, lambda text: render_markdown(text).html
        ),
        started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
    )
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:  # a second tab started the same attempt number first: use that one
        db.session.rollback()
        return next(a for a in attempts_of(quiz, user.id) if a.submitted_at is None)
    return attempt


def served(attempt: Attempt, key: str) -> dict:
    for question in attempt.questions:
        if question["key"] == key:
            return question
    raise InvalidResponse("this question is not part of the attempt")


def is_open(attempt: Attempt, now: datetime) -> bool:
    return attempt.submitted_at is None and (attempt.deadline_at is None or now < attempt.deadline_at)


def parse_answer(attempt: Attempt, key: str, values: list[str]):
    """Parse the submitted values for one served question; raise InvalidResponse for anything else."""
    question = served(attempt, key)
    return QUESTION_TYPES[question["type"]].parse(question["data"], question["presented"], values)


def save_answer(attempt: Attempt, key: str, values: list[str], now: datetime) -> None:
    """Store (or replace) one answer; raise InvalidResponse or AttemptClosed and store nothing."""
    response = parse_answer(attempt, key, values)
    if not is_open(attempt, now) or not _still_open(attempt, now):
        raise AttemptClosed
    _store(attempt.id, key, response, now)
    db.session.commit()


def _still_open(attempt: Attempt, now: datetime) -> bool:
    """Re-check in the database, holding the attempt's row, that no other request has closed it.

    The no-op UPDATE takes the row lock that closing takes too, so an answer and a submission of the
    same attempt never interleave: an answer saved after the score was computed is refused.
    """
    still = (
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None)).values(id=Attempt.id)
    )
    if db.session.execute(still).rowcount:
        return True
    db.session.rollback()
    return False


def _store(attempt_id: int, key: str, response, now: datetime) -> None:
    values = {"response": response, "saved_at": now}
    changed = db.session.execute(
        update(Answer).where(Answer.attempt_id == attempt_id, Answer.question_key == key).values(**values)
    ).rowcount
    if not changed:
        try:
            with db.session.begin_nested():
                db.session.add(Answer(attempt_id=attempt_id, question_key=key, **values))
        except IntegrityError:  # another request inserted it between our update and insert
            db.session.execute(
                update(Answer)
                .where(Answer.attempt_id == attempt_id, Answer.question_key == key)
                .values(**values)
            )


def submit(
    attempt: Attempt,
    now: datetime,
    answers: dict[str, list[str]] | None = None,
    shown: dict[str, list[str] | None] | None = None,
) -> Attempt:
    """Save the submitted answers (while time remains), then close and score the attempt exactly once.

    `shown` holds, per question, the values the page knew to be saved (rendered with it, then moved on by
    each autosave it completed). A submitted answer is stored only where it differs from them, that is
    where this page changed the answer: an older tab, or a page opened before answers were saved elsewhere,
    keeps the newer saved answers instead of overwriting them with its stale or empty fields. Comparing
    with what the page showed, rather than skipping empty fields, still lets a trainee clear an answer on
    purpose (untick every box of a multiple-response question). Without `shown` for a question (a form
    from before this rule, or a caller with no page), the submitted answer is stored as it is.

    Raises InvalidResponse (nothing saved) for answers the attempt could not have produced. The answers
    and the closing are one transaction: a request that loses the race to close the attempt stores nothing.
    """
    if answers and is_open(attempt, now):
        parsed = {key: parse_answer(attempt, key, values) for key, values in answers.items()}
        for key, response in parsed.items():
            if _changed_on_page(attempt, key, response, (shown or {}).get(key)):
                _store(attempt.id, key, response, now)
    _finalise(attempt, min(now, attempt.deadline_at) if attempt.deadline_at else now)
    return attempt


def shown_values(field: str | None) -> list[str] | None:
    """Read a page's `q<n>-saved` field (a JSON list of form values); None when absent or malformed."""
    try:
        values = json.loads(field) if field is not None else None
    except ValueError:
        return None
    if isinstance(values, list) and all(isinstance(value, str) for value in values):
        return values
    return None


def _changed_on_page(attempt: Attempt, key: str, response, shown: list[str] | None) -> bool:
    if shown is None:
        return True
    try:
        return parse_answer(attempt, key, shown) != response
    except InvalidResponse:  # the page's record of the saved answer is unusable: trust what it submits
        return True


def close_if_expired(attempt: Attempt, now: datetime) -> bool:
    """Close an attempt whose deadline has passed, with the answers saved in time."""
    if attempt.submitted_at is None and attempt.deadline_at is not None and now >= attempt.deadline_at:
        _finalise(attempt, attempt.deadline_at)
        return True
    return attempt.submitted_at is not None


def _finalise(attempt: Attempt, submitted_at: datetime) -> None:
    # One conditional UPDATE decides the race: whoever flips submitted_at from NULL scores the attempt.
    won = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=submitted_at)
    ).rowcount
    if not won:
        db.session.rollback()
        db.session.refresh(attempt)
        return
    saved = db.session.execute(db.select(Answer).filter_by(attempt_id=attempt.id)).scalars().all()
    responses = {answer.question_key: answer.response for answer in saved}
    questions = [
        ServedQuestion(q["key"], q["type"], q["points"], q["data"], q["presented"], q["module"])
        for q in attempt.questions
    ]
    result = score_attempt(questions, responses)
    marks = {mark.key: mark.earned for mark in result.marks}
    for answer in saved:
        answer.earned = marks.get(answer.question_key)
    attempt.earned, attempt.possible, attempt.percent = result.earned, result.possible, result.percent
    attempt.module_scores = {
        m.module: {"earned": m.earned, "possible": m.possible, "percent": m.percent}
        for m in result.modules.values()
    }
    db.session.commit()
    db.session.refresh(attempt)
