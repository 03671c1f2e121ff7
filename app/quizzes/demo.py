"""Demo pre-test and post-test history: every trainee took the pre-test, the finishers the post-test."""

from __future__ import annotations

import random
from datetime import timedelta

from ..courses.demo import STUDY_START
from ..courses.models import Course
from ..extensions import db
from . import attempts as service
from .blueprint import form_values
from .models import Attempt, Quiz


def right_answer(question: dict):
    data = question["data"]
    kind = question["type"]
    if kind == "single":
        return next(o["id"] for o in data["options"] if o["correct"])
    if kind == "multiple":
        return sorted(o["id"] for o in data["options"] if o["correct"])
    if kind == "true_false":
        return data["answer"]
    if kind == "matching":
        return [pair["right"] for pair in data["pairs"]]
    return data["answers"][0]


def wrong_answer(question: dict, rng: random.Random):
    data = question["data"]
    kind = question["type"]
    if kind in ("single", "multiple"):
        wrong = [o["id"] for o in data["options"] if not o["correct"]]
        return rng.choice(wrong) if kind == "single" else sorted(rng.sample(wrong, 1))
    if kind == "true_false":
        return not data["answer"]
    if kind == "matching":
        rights = [pair["right"] for pair in data["pairs"]]
        return rights[1:] + rights[:1]
    return "?"


def take(quiz: Quiz, user, ability: float, when, rng: random.Random) -> None:
    attempt = service.start_attempt(quiz, user, when)
    if not isinstance(attempt, Attempt):
        return
    answers = {}
    for question in attempt.questions:
        response = right_answer(question) if rng.random() < ability else wrong_answer(question, rng)
        answers[question["key"]] = form_values(question, response)
    service.submit(attempt, when + timedelta(minutes=rng.randint(12, 28)), answers)


def build_attempts(course: Course, trainees) -> None:
    """Give each trainee without attempts a pre-test, and the post-test to those who finished the modules."""
    quizzes = {
        q.kind: q for q in db.session.execute(db.select(Quiz).filter_by(course_id=course.id)).scalars()
    }
    rng = random.Random(19)
    for index, user in enumerate(trainees):
        if db.session.execute(db.select(Attempt.id).filter_by(user_id=user.id).limit(1)).first():
            continue
        before = 0.35 + 0.3 * rng.random()
        take(quizzes["pre"], user, before, STUDY_START - timedelta(days=2, hours=-index), rng)
        if service.modules_complete(course.id, user.id):
            after = min(0.97, before + 0.25 + 0.2 * rng.random())
            take(quizzes["post"], user, after, STUDY_START + timedelta(days=80, hours=index), rng)
