"""The rows of the cohort test exports: results, every answer, and item analysis."""

from __future__ import annotations

import json

from ..courses.models import Cohort
from ..extensions import db
from .models import Answer, Attempt
from .results import CohortReport, course_quizzes


def table(name: str, cohort: Cohort, report: CohortReport) -> tuple[list[str], list[list]]:
    return {"results": _results, "answers": _answers, "items": _items}[name](cohort, report)


def _results(_cohort: Cohort, report: CohortReport):
    header = [
        "name",
        "email",
        "organisation",
        "gender",
        "pre_test_percent",
        "post_test_percent",
        "normalised_change",
    ]
    rows = [
        [
            t.user.display_name,
            t.user.email,
            t.user.organisation,
            t.user.gender,
            t.pre,
            t.post,
            None if t.gain is None else round(t.gain, 4),
        ]
        for t in report.trainees
    ]
    return header, rows


def _answers(cohort: Cohort, report: CohortReport):
    """One row per answer of every submitted attempt of the cohort's trainees, in two queries."""
    quizzes = {q.id: q for q in course_quizzes(cohort.course_id).values()}
    people = {t.user.id: t.user for t in report.trainees}
    attempts = {
        a.id: a
        for a in db.session.execute(
            db.select(Attempt).where(
                Attempt.quiz_id.in_(quizzes), Attempt.user_id.in_(people), Attempt.submitted_at.is_not(None)
            )
        ).scalars()
    }
    answers = db.session.execute(db.select(Answer).where(Answer.attempt_id.in_(attempts))).scalars()
    by_attempt: dict[int, dict[str, Answer]] = {}
    for answer in answers:
        by_attempt.setdefault(answer.attempt_id, {})[answer.question_key] = answer
    header = ["name", "email", "test", "attempt", "question", "module", "response", "earned", "points"]
    rows = []
    for attempt in sorted(
        attempts.values(), key=lambda a: (people[a.user_id].display_name, a.quiz_id, a.number)
    ):
        for question in attempt.questions:
            answer = by_attempt.get(attempt.id, {}).get(question["key"])
            response = None if answer is None else json.dumps(answer.response, ensure_ascii=False)
            rows.append(
                [
                    people[attempt.user_id].display_name,
                    people[attempt.user_id].email,
                    quizzes[attempt.quiz_id].kind,
                    attempt.number,
                    question["key"],
                    question["module"],
                    response,
                    answer.earned if answer else 0.0,
                    question["points"],
                ]
            )
    return header, rows


def _items(_cohort: Cohort, report: CohortReport):
    header = [
        "test",
        "question",
        "responses",
        "facility",
        "sd",
        "discrimination",
        "efficiency",
        "needs_review",
    ]
    rows = [
        [kind, key, s.n, s.facility, s.sd, s.discrimination, s.efficiency, s.needs_review]
        for kind, items in (("post", report.items), ("pre", report.pre_items))
        for key, s in items
    ]
    return header, rows
