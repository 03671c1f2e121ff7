"""Rubric scores: drafts, finalising, the lock and audited changes, the gradebook and disagreements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .. import audit
from ..accounts.models import User
from ..extensions import db
from .models import Assessment, AssessmentScore, Criterion, Rubric, Workshop
from .registration import Refused, lock_workshop
from .scoring import (
    Comparison,
    CriterionSpec,
    IncompleteScore,
    LevelOption,
    compare,
    first_scorer,
    has_passed,
    max_points,
    problems,
    scoring_order,
    total_points,
)


@dataclass(frozen=True)
class GradeRow:
    """One trainee in the gradebook: the score that counts (the first scorer's) and what it adds up to."""

    trainee: User
    score: AssessmentScore | None
    points: dict[int, float]  # criterion id -> points of the chosen level
    total: float | None
    passed: bool | None
    scorers: int

    @property
    def state(self) -> str:
        if self.score is None:
            return "not_scored"
        return "final" if self.score.finalised_at else "draft"


@dataclass(frozen=True)
class Disagreement:
    trainee: User
    first: AssessmentScore
    second: AssessmentScore
    comparisons: list[Comparison]

    @property
    def differs(self) -> bool:
        return not all(c.agree for c in self.comparisons)


def specs(rubric: Rubric) -> list[CriterionSpec]:
    """Return the rubric as the pure scoring rules see it."""
    return [
        CriterionSpec(c.id, c.title, tuple(LevelOption(lv.id, lv.points, lv.title) for lv in c.levels))
        for c in rubric.criteria
    ]


def rubric_is_complete(rubric: Rubric) -> bool:
    """Whether every criterion has a level to choose (and there is at least one criterion)."""
    return bool(rubric.criteria) and all(c.levels for c in rubric.criteria)


def rubric_in_use(rubric_id: int) -> bool:
    """Whether anyone has scored on the rubric: from then on its grid cannot change."""
    statement = (
        db.select(AssessmentScore.id).join(Assessment).where(Assessment.rubric_id == rubric_id).limit(1)
    )
    return db.session.execute(statement).first() is not None


def choices_of(score: AssessmentScore | None) -> dict[int, int]:
    """Return {criterion id: level id} (JSON keeps the keys as text)."""
    if score is None:
        return {}
    return {int(criterion): int(level) for criterion, level in (score.levels or {}).items()}


def scores_by_trainee(
    assessment_id: int, trainee_ids: Sequence[int] | None = None
) -> dict[int, list[AssessmentScore]]:
    """Return each trainee's scores on the assessment, the one that counts first (scoring.first_scorer)."""
    statement = (
        db.select(AssessmentScore)
        .where(AssessmentScore.assessment_id == assessment_id)
        .order_by(AssessmentScore.id)
        .execution_options(populate_existing=True)
    )
    if trainee_ids is not None:
        statement = statement.where(AssessmentScore.trainee_id.in_(trainee_ids))
    found: dict[int, list[AssessmentScore]] = defaultdict(list)
    for score in db.session.execute(statement).scalars():
        found[score.trainee_id].append(score)
    for scores in found.values():
        scores.sort(key=scoring_order)
    return found


def snapshot(score: AssessmentScore | None) -> dict | None:
    if score is None:
        return None
    return {
        "trainee_id": score.trainee_id,
        "scorer_id": score.scorer_id,
        "levels": dict(score.levels or {}),
        "comment": score.comment,
        "total": score.total,
        "finalised": score.finalised_at is not None,
    }


def save_score(
    assessment: Assessment,
    trainee_id: int,
    scorer,
    choices: Mapping[int, int],
    comment: str,
    *,
    finalise: bool,
    now: datetime,
    reason: str | None = None,
) -> AssessmentScore:
    """Save the scorer's draft or final score of a trainee; after the lock only with a reason, audited.

    Raises Refused ("scorers_full", "reason_required") or IncompleteScore, having changed nothing.
    """
    workshop = lock_workshop(assessment.workshop_id)
    if workshop is None:
        raise Refused("not_found")
    rows = scores_by_trainee(assessment.id, [trainee_id]).get(trainee_id, [])
    mine = next((s for s in rows if s.scorer_id == scorer.id), None)
    if mine is None and len(rows) >= (2 if assessment.second_scorer else 1):
        raise Refused("scorers_full")
    locked = workshop.scores_locked_at is not None
    if locked and not (reason or "").strip():
        raise Refused("reason_required")
    finalise = finalise or (mine is not None and mine.finalised_at is not None)  # a final score stays final
    criteria = specs(assessment.rubric)
    wrong = problems(criteria, choices, complete=finalise)
    if wrong:
        raise IncompleteScore(wrong)

    before = snapshot(mine)
    if mine is None:
        mine = AssessmentScore(assessment_id=assessment.id, trainee_id=trainee_id, scorer_id=scorer.id)
        db.session.add(mine)
    mine.levels = {str(criterion): level for criterion, level in choices.items()}
    mine.comment = comment
    mine.total = total_points(criteria, choices) if finalise else None
    if finalise and mine.finalised_at is None:
        # When it was first submitted: later corrections (updated_at, audited) do not move it, so the
        # score that counts (first_scorer: the earliest finalised) stays the same one.
        mine.finalised_at = now
    mine.updated_at = now
    db.session.flush()
    if locked:
        audit.record(
            scorer, "assessment.score_changed", mine, before=before, after=snapshot(mine), reason=reason or ""
        )
    elif finalise:
        audit.record(scorer, "assessment.score_finalised", mine, before=before, after=snapshot(mine))
    return mine


def lock_scores(workshop: Workshop, actor, now: datetime) -> None:
    workshop.scores_locked_at = now
    audit.record(actor, "workshop.scores_locked", workshop, after={"scores_locked_at": now.isoformat()})


def gradebook(assessment: Assessment, trainees: Sequence[User]) -> list[GradeRow]:
    """Return one row per trainee, in the order given, from one query of scores."""
    criteria = specs(assessment.rubric)
    scores = scores_by_trainee(assessment.id, [t.id for t in trainees])
    rows = []
    for trainee in trainees:
        mine = scores.get(trainee.id, [])
        official = first_scorer(mine)
        chosen = choices_of(official)
        points = {}
        for criterion in criteria:
            level = criterion.level(chosen.get(criterion.id, -1))
            if level is not None:
                points[criterion.id] = level.points
        final = official is not None and official.finalised_at is not None and official.total is not None
        total = official.total if final else None  # type: ignore[union-attr]
        passed = has_passed(total, assessment.pass_points) if total is not None else None
        rows.append(GradeRow(trainee, official, points, total, passed, len(mine)))
    return rows


def disagreements(assessment: Assessment, trainees: Sequence[User]) -> list[Disagreement]:
    """Return, for each trainee scored by two people, both scorers' levels criterion by criterion."""
    criteria = specs(assessment.rubric)
    scores = scores_by_trainee(assessment.id, [t.id for t in trainees])
    found = []
    for trainee in trainees:
        mine = scores.get(trainee.id, [])
        if len(mine) >= 2:
            first, second = mine[0], mine[1]
            found.append(
                Disagreement(trainee, first, second, compare(criteria, choices_of(first), choices_of(second)))
            )
    return found


def highest_total(assessment: Assessment) -> float:
    return max_points(specs(assessment.rubric))


def next_position(rubric: Rubric) -> int:
    return max((c.position for c in rubric.criteria), default=0) + 1


def criterion_of(rubric: Rubric, criterion_id: int) -> Criterion | None:
    return next((c for c in rubric.criteria if c.id == criterion_id), None)
