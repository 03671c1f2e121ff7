"""What the certificates feature needs from the workshops, by ids, in a fixed number of queries.

Both functions look at the cohort's workshops that are not cancelled, and at each trainee only in the
workshops they are enrolled in: with two workshops of 14, a trainee is expected at their own two days,
not at all four.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..extensions import db
from .models import Assessment, AssessmentScore, Attendance, Registration, SessionDay, Workshop
from .scoring import first_scorer, has_passed

ATTENDED = ("present", "late")


@dataclass(frozen=True)
class _ScoreRow:
    id: int
    total: float | None
    finalised_at: datetime | None


def attendance_counts(cohort_id: int, user_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """Return {user id: (sessions attended, sessions excused, sessions expected)}, in one query.

    Attended is present or late; a day not marked counts as expected but neither attended nor excused.
    Every id asked about gets an entry: (0, 0, 0) for someone enrolled in no workshop.
    """
    ids = list(dict.fromkeys(user_ids))
    counts = {user_id: [0, 0, 0] for user_id in ids}
    if not ids:
        return {}
    statement = (
        db.select(Registration.user_id, Attendance.status)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .join(SessionDay, SessionDay.workshop_id == Workshop.id)
        .outerjoin(
            Attendance,
            (Attendance.session_id == SessionDay.id) & (Attendance.user_id == Registration.user_id),
        )
        .where(
            Workshop.cohort_id == cohort_id,
            Workshop.status != "cancelled",
            Registration.status == "enrolled",
            Registration.user_id.in_(ids),
        )
    )
    for user_id, status in db.session.execute(statement):
        row = counts[user_id]
        row[0] += status in ATTENDED
        row[1] += status == "excused"
        row[2] += 1
    return {user_id: (a, e, t) for user_id, (a, e, t) in counts.items()}


def assessment_results(cohort_id: int, user_ids: Sequence[int]) -> dict[int, bool | None]:
    """Return {user id: passed} over the assessments of the workshops each trainee is enrolled in.

    The score that counts is scoring.first_scorer's (the one finalised first), the same as the gradebook's.
    False as soon as one such score is below its pass threshold; True when every assessment is passed;
    None when the trainee has no assessment, or one is not finalised yet. Two queries.
    """
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    expected = db.session.execute(
        db.select(Registration.user_id, Assessment.id, Assessment.pass_points)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .join(Assessment, Assessment.workshop_id == Workshop.id)
        .where(
            Workshop.cohort_id == cohort_id,
            Workshop.status != "cancelled",
            Registration.status == "enrolled",
            Registration.user_id.in_(ids),
        )
    ).all()
    assessment_ids = {assessment_id for _u, assessment_id, _p in expected}
    by_key: dict[tuple[int, int], list[_ScoreRow]] = defaultdict(list)
    if assessment_ids:
        scores = db.session.execute(
            db.select(
                AssessmentScore.assessment_id,
                AssessmentScore.trainee_id,
                AssessmentScore.id,
                AssessmentScore.total,
                AssessmentScore.finalised_at,
            ).where(AssessmentScore.assessment_id.in_(assessment_ids), AssessmentScore.trainee_id.in_(ids))
        )
        for assessment_id, trainee_id, score_id, total, finalised_at in scores:
            by_key[(assessment_id, trainee_id)].append(_ScoreRow(score_id, total, finalised_at))
    first = {key: first_scorer(rows) for key, rows in by_key.items()}

    outcomes: dict[int, list[bool | None]] = defaultdict(list)
    for user_id, assessment_id, pass_points in expected:
        official = first.get((assessment_id, user_id))
        total = official.total if official is not None and official.finalised_at is not None else None
        outcomes[user_id].append(has_passed(total, pass_points) if total is not None else None)
    results: dict[int, bool | None] = {}
    for user_id in ids:
        found = outcomes.get(user_id, [])
        if False in found:
            results[user_id] = False
        elif found and all(found):
            results[user_id] = True
        else:
            results[user_id] = None
    return results
