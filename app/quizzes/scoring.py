"""Score an attempt from its frozen questions and parsed responses; combine the scores of several attempts."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.quizzes.question_types import QUESTION_TYPES

CombineMethod = Literal["highest", "first", "last", "average"]


@dataclass(frozen=True)
class ServedQuestion:
    """A question as frozen into an attempt: its data (with the answer key) and what the trainee saw."""

    key: str
    type: str
    points: float
    data: dict[str, Any]
    presented: dict[str, Any]
    module: str


@dataclass(frozen=True)
class QuestionMark:
    """The marks one question earned; fraction is in [0, 1]."""

    key: str
    points: float
    earned: float
    fraction: float


@dataclass(frozen=True)
class ModuleScore:
    """Marks earned and possible on the questions drawn from one module."""

    module: str
    earned: float
    possible: float
    percent: float


@dataclass(frozen=True)
class AttemptResult:
    """An attempt's marks per question, per module (in the order first served) and in total."""

    marks: list[QuestionMark]
    earned: float
    possible: float
    percent: float
    modules: dict[str, ModuleScore]


def percent(earned: float, possible: float) -> float:
    """Return earned as a percentage of possible, rounded to 2 decimals (0 when nothing was possible)."""
    return round(100 * earned / possible, 2) if possible else 0.0


def score_attempt(questions: Sequence[ServedQuestion], responses: Mapping[str, Any]) -> AttemptResult:
    """Grade each served question against its response (keyed by question key; missing = unanswered)."""
    keys = [question.key for question in questions]
    if len(set(keys)) != len(keys):
        raise ValueError("question keys must be unique within an attempt")
    marks = [_mark(question, responses.get(question.key)) for question in questions]
    earned = math.fsum(mark.earned for mark in marks)
    possible = math.fsum(question.points for question in questions)
    return AttemptResult(marks, earned, possible, percent(earned, possible), _by_module(questions, marks))


def _mark(question: ServedQuestion, response: Any) -> QuestionMark:
    if question.type not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {question.type!r}")
    if question.points < 0:
        raise ValueError(f"question {question.key!r} has negative points")
    fraction = QUESTION_TYPES[question.type].grade(question.data, question.presented, response)
    return QuestionMark(question.key, question.points, question.points * fraction, fraction)


def _by_module(questions: Sequence[ServedQuestion], marks: Sequence[QuestionMark]) -> dict[str, ModuleScore]:
    grouped: dict[str, list[QuestionMark]] = {}
    for question, mark in zip(questions, marks, strict=True):
        grouped.setdefault(question.module, []).append(mark)
    return {module: _module_score(module, module_marks) for module, module_marks in grouped.items()}


def _module_score(module: str, marks: Sequence[QuestionMark]) -> ModuleScore:
    earned = math.fsum(mark.earned for mark in marks)
    possible = math.fsum(mark.points for mark in marks)
    return ModuleScore(module, earned, possible, percent(earned, possible))


_COMBINERS: dict[str, Callable[[Sequence[float]], float]] = {
    "highest": max,
    "first": lambda percents: percents[0],
    "last": lambda percents: percents[-1],
    "average": lambda percents: round(statistics.fmean(percents), 2),
}


def combine_attempt_scores(method: CombineMethod, percents: Sequence[float]) -> float | None:
    """Return the quiz score from the attempts' percents in the order taken (None when there are none)."""
    if method not in _COMBINERS:
        raise ValueError(f"unknown method {method!r}")
    return _COMBINERS[method](percents) if percents else None
