"""Completion rules and the pure check of whether a trainee has met them.

The result carries numbers, never sentences: the views word each condition in the reader's language from
its name and details ("attended 3 of 4 days").
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

ConditionName = Literal["modules", "post_test", "attendance", "assessment"]


@dataclass(frozen=True, kw_only=True)
class CompletionRule:
    """What a course requires for a certificate; each condition can be switched off."""

    require_modules: bool
    require_post_test: bool
    post_test_pass_mark: float
    require_attendance: bool
    min_attendance_percent: float = 100
    excused_counts_as_present: bool
    require_assessment: bool

    def __post_init__(self) -> None:
        _check_percent("post_test_pass_mark", self.post_test_pass_mark)
        _check_percent("min_attendance_percent", self.min_attendance_percent)


@dataclass(frozen=True, kw_only=True)
class TraineeRecord:
    """One trainee's progress, as counted from the database."""

    modules_completed: int
    modules_total: int
    post_test_percent: float | None
    sessions_attended: int
    sessions_excused: int
    sessions_total: int
    assessment_passed: bool | None

    def __post_init__(self) -> None:
        counts = (self.modules_completed, self.modules_total, self.sessions_attended, self.sessions_excused)
        if min(*counts, self.sessions_total) < 0:
            raise ValueError("counts must not be negative")
        if self.modules_completed > self.modules_total:
            raise ValueError("modules_completed exceeds modules_total")
        if self.sessions_attended + self.sessions_excused > self.sessions_total:
            raise ValueError("attended and excused sessions exceed sessions_total")
        if self.post_test_percent is not None:
            _check_percent("post_test_percent", self.post_test_percent)


@dataclass(frozen=True)
class Condition:
    """One switched-on condition, whether it is met, and the numbers behind it."""

    name: ConditionName
    met: bool
    details: dict[str, Any]


@dataclass(frozen=True)
class Eligibility:
    """The verdict and every condition that went into it."""

    conditions: list[Condition]

    @property
    def eligible(self) -> bool:
        """Return True when every switched-on condition is met (and so when none is switched on)."""
        return all(condition.met for condition in self.conditions)

    @property
    def missing(self) -> list[Condition]:
        """Return the conditions not met yet."""
        return [condition for condition in self.conditions if not condition.met]


def check_eligibility(rule: CompletionRule, record: TraineeRecord) -> Eligibility:
    """Return whether the trainee meets the rule, condition by condition."""
    checks = (
        (rule.require_modules, _modules),
        (rule.require_post_test, _post_test),
        (rule.require_attendance, _attendance),
        (rule.require_assessment, _assessment),
    )
    return Eligibility([check(rule, record) for enabled, check in checks if enabled])


def _modules(rule: CompletionRule, record: TraineeRecord) -> Condition:
    # A course with no modules cannot have been completed: more likely its content was never imported.
    met = record.modules_total > 0 and record.modules_completed == record.modules_total
    return Condition("modules", met, {"completed": record.modules_completed, "total": record.modules_total})


def _post_test(rule: CompletionRule, record: TraineeRecord) -> Condition:
    percent = record.post_test_percent
    # score / max * 100 in floats can land a hair under the mark (57 of 100 gives 56.99999999999999).
    met = percent is not None and round(percent, 6) >= round(rule.post_test_pass_mark, 6)
    return Condition("post_test", met, {"percent": percent, "pass_mark": float(rule.post_test_pass_mark)})


def _attendance(rule: CompletionRule, record: TraineeRecord) -> Condition:
    excused = record.sessions_excused if rule.excused_counts_as_present else 0
    counted = record.sessions_attended + excused
    total = record.sessions_total
    # Exact rational comparison, so 14 of 14 is 100% and 3 of 4 is exactly 75%.
    required = Fraction(str(rule.min_attendance_percent))
    met = total > 0 and counted * 100 >= required * total
    details = {
        "attended": record.sessions_attended,
        "excused": record.sessions_excused,
        "counted": counted,
        "total": total,
        "required_percent": float(rule.min_attendance_percent),
    }
    return Condition("attendance", met, details)


def _assessment(rule: CompletionRule, record: TraineeRecord) -> Condition:
    return Condition("assessment", record.assessment_passed is True, {"passed": record.assessment_passed})


def _check_percent(field: str, value: float) -> None:
    if not 0 <= value <= 100:
        raise ValueError(f"{field} must be between 0 and 100, got {value}")
