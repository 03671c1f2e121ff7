"""Pre/post results for a trainee and for a cohort, built from submitted attempts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import fmean

from ..courses.models import Cohort
from ..courses.queries import members_of
from ..extensions import db
from .models import Answer, Attempt, Quiz
from .scoring import combine_attempt_scores
from .statistics import (
    ItemStats,
    class_gain,
    distribution,
    item_analysis,
    mean_normalized_change,
    normalized_change,
)


@dataclass
class TraineeResult:
    user: object
    pre: float | None = None
    post: float | None = None
    pre_modules: dict[str, float] = field(default_factory=dict)
    post_modules: dict[str, float] = field(default_factory=dict)

    @property
    def gain(self) -> float | None:
        """The trainee's normalised change (Marx & Cummings), or None without both scores."""
        return None if self.pre is None or self.post is None else normalized_change(self.pre, self.post)


@dataclass
class CohortReport:
    trainees: list[TraineeResult]
    pre_mean: float | None
    post_mean: float | None
    class_gain: float | None
    mean_change: float | None
    pre_distribution: list[int]
    post_distribution: list[int]
    modules: list[tuple[str, float | None, float | None]]  # (module, mean pre %, mean post %)
    items: list[tuple[str, ItemStats]]  # post-test item analysis, by question key
    pre_items: list[tuple[str, ItemStats]]


def course_quizzes(course_id: int) -> dict[str, Quiz]:
    """Return the course's pre-test and post-test by kind."""
    statement = db.select(Quiz).where(Quiz.course_id == course_id, Quiz.kind.in_(("pre", "post")))
    return {quiz.kind: quiz for quiz in db.session.execute(statement).scalars()}


def submitted_attempts(quiz_ids: list[int], user_ids: list[int]) -> dict[tuple[int, int], list[Attempt]]:
    """Return submitted attempts by (quiz id, user id), in the order they were taken; one query."""
    if not quiz_ids or not user_ids:
        return {}
    statement = (
        db.select(Attempt)
        .where(
            Attempt.quiz_id.in_(quiz_ids), Attempt.user_id.in_(user_ids), Attempt.submitted_at.is_not(None)
        )
        .order_by(Attempt.number)
    )
    grouped: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    for attempt in db.session.execute(statement).scalars():
        grouped[(attempt.quiz_id, attempt.user_id)].append(attempt)
    return grouped


def _graded(quiz: Quiz | None, attempts: list[Attempt]) -> tuple[float | None, dict[str, float]]:
    if quiz is None or not attempts:
        return None, {}
    score = combine_attempt_scores(quiz.grading, [a.percent for a in attempts])
    # Per-module mastery follows the attempt that gave the quiz score (the first one when tied).
    chosen = next((a for a in attempts if a.percent == score), attempts[-1])
    return score, {module: value["percent"] for module, value in (chosen.module_scores or {}).items()}


def results_for(users: list, quizzes: dict[str, Quiz]) -> list[TraineeResult]:
    attempts = submitted_attempts([q.id for q in quizzes.values()], [u.id for u in users])
    results = []
    for user in users:
        result = TraineeResult(user)
        if "pre" in quizzes:
            result.pre, result.pre_modules = _graded(
                quizzes["pre"], attempts.get((quizzes["pre"].id, user.id), [])
            )
        if "post" in quizzes:
            result.post, result.post_modules = _graded(
                quizzes["post"], attempts.get((quizzes["post"].id, user.id), [])
            )
        results.append(result)
    return results


def cohort_trainees(cohort: Cohort) -> list:
    return members_of(cohort.id, "trainee")


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(fmean(values), 2) if values else None


def cohort_report(cohort: Cohort, module_order: list[str], min_responses: int = 10) -> CohortReport:
    quizzes = course_quizzes(cohort.course_id)
    trainees = results_for(cohort_trainees(cohort), quizzes)
    paired = [(t.pre, t.post) for t in trainees if t.pre is not None and t.post is not None]
    pre_mean = _mean(p for p, _ in paired)
    post_mean = _mean(q for _, q in paired)
    # Module means use the same trainees as the overall means: those who took both tests.
    both = [t for t in trainees if t.pre is not None and t.post is not None]
    modules = [
        (m, _mean(t.pre_modules.get(m) for t in both), _mean(t.post_modules.get(m) for t in both))
        for m in module_order
    ]
    return CohortReport(
        trainees=trainees,
        pre_mean=pre_mean,
        post_mean=post_mean,
        class_gain=class_gain(pre_mean, post_mean) if paired else None,
        mean_change=mean_normalized_change(paired),
        pre_distribution=distribution([t.pre for t in trainees if t.pre is not None]),
        post_distribution=distribution([t.post for t in trainees if t.post is not None]),
        modules=modules,
        items=_items(quizzes.get("post"), [t.user.id for t in trainees], min_responses),
        pre_items=_items(quizzes.get("pre"), [t.user.id for t in trainees], min_responses),
    )


def _items(quiz: Quiz | None, user_ids: list[int], min_responses: int) -> list[tuple[str, ItemStats]]:
    """Item analysis of each question from first attempts (Moodle's convention)."""
    if quiz is None:
        return []
    firsts = [a[0] for a in submitted_attempts([quiz.id], user_ids).values()]
    if not firsts:
        return []
    answers = db.session.execute(
        db.select(Answer).where(Answer.attempt_id.in_([a.id for a in firsts]))
    ).scalars()
    earned = {(a.attempt_id, a.question_key): a.earned or 0.0 for a in answers}
    keys, max_marks = [], {}
    for attempt in firsts:
        for question in attempt.questions:
            if question["key"] not in max_marks:
                keys.append(question["key"])
                max_marks[question["key"]] = question["points"]
    rows = []
    for attempt in firsts:
        served = {q["key"] for q in attempt.questions}
        rows.append([earned.get((attempt.id, key), 0.0) if key in served else None for key in keys])
    stats = item_analysis(rows, [max_marks[key] for key in keys], min_responses=min_responses)
    return list(zip(keys, stats, strict=True))
