"""Score a trainee on a rubric and compare two scorers: pure rules, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

# Points are sums of a handful of decimals (2.5 + 1.5 …): compare them rounded, not bit for bit.
_PLACES = 6


@dataclass(frozen=True)
class LevelOption:
    """One level of a criterion: the points it gives."""

    id: int
    points: float
    title: str = ""


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion of a rubric and its levels, lowest points first."""

    id: int
    title: str
    levels: tuple[LevelOption, ...]

    def level(self, level_id: int) -> LevelOption | None:
        return next((level for level in self.levels if level.id == level_id), None)


class IncompleteScore(ValueError):
    """A choice names a level of another criterion, or (when finalising) a criterion has no level."""

    def __init__(self, criterion_ids: Sequence[int]):
        super().__init__(f"criteria without a valid level: {list(criterion_ids)}")
        self.criterion_ids = tuple(criterion_ids)


@dataclass(frozen=True)
class Comparison:
    """Both scorers' levels on one criterion."""

    criterion_id: int
    first: LevelOption | None
    second: LevelOption | None

    @property
    def agree(self) -> bool:
        return self.first is not None and self.second is not None and self.first.id == self.second.id

    @property
    def difference(self) -> float | None:
        """Points of the second scorer minus the first's, when both chose a level."""
        if self.first is None or self.second is None:
            return None
        return round(self.second.points - self.first.points, _PLACES)


def problems(criteria: Sequence[CriterionSpec], choices: Mapping[int, int], *, complete: bool) -> list[int]:
    """Return the ids of criteria whose choice is invalid, or missing when a complete score is needed."""
    known = {criterion.id for criterion in criteria}
    wrong = [cid for cid in choices if cid not in known]
    for criterion in criteria:
        level_id = choices.get(criterion.id)
        if level_id is None:
            if complete:
                wrong.append(criterion.id)
        elif criterion.level(level_id) is None:
            wrong.append(criterion.id)
    return sorted(set(wrong))


def total_points(criteria: Sequence[CriterionSpec], choices: Mapping[int, int]) -> float:
    """Return the sum of the chosen levels' points; every criterion needs a level of its own."""
    wrong = problems(criteria, choices, complete=True)
    if wrong:
        raise IncompleteScore(wrong)
    return round(sum(c.level(choices[c.id]).points for c in criteria), _PLACES)  # type: ignore[union-attr]


def max_points(criteria: Sequence[CriterionSpec]) -> float:
    """Return the highest total the rubric allows (0 for a criterion without levels)."""
    return round(sum(max((lv.points for lv in c.levels), default=0.0) for c in criteria), _PLACES)


def has_passed(total: float, pass_points: float) -> bool:
    """Return whether a total reaches the pass threshold."""
    return round(total, _PLACES) >= round(pass_points, _PLACES)


def compare(
    criteria: Sequence[CriterionSpec], first: Mapping[int, int], second: Mapping[int, int]
) -> list[Comparison]:
    """Return, criterion by criterion, the level each scorer chose (None where they chose none)."""
    return [
        Comparison(
            c.id,
            c.level(first[c.id]) if c.id in first else None,
            c.level(second[c.id]) if c.id in second else None,
        )
        for c in criteria
    ]


class _Scored(Protocol):
    id: int
    finalised_at: datetime | None


S = TypeVar("S", bound=_Scored)


def scoring_order(score: _Scored) -> tuple:
    """Sort key of a trainee's scores: finalised ones first, by when they were finalised; then drafts.

    Ties (the same instant) and drafts go by row id, i.e. by who started marking first.
    """
    if score.finalised_at is not None:
        return (0, score.finalised_at, score.id)
    return (1, score.id)


def first_scorer(scores: Sequence[S]) -> S | None:
    """Return the score that counts: the one submitted (finalised) first; before any is final, the
    draft started first.

    "First" is by submission time, not by who opened the form first (the lowest row id): a trainer who
    saves a half-done draft must not hold back, or later override, a colleague's finished score. Once a
    score is final it stays the one that counts, because finalising again never moves finalised_at
    (assessments.save_score). With a second scorer, the other score is there to be compared.
    """
    return min(scores, key=scoring_order, default=None)
