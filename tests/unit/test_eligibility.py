"""Eligibility: every condition on and off, the boundaries, and the numbers behind each verdict."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.certificates.eligibility import CompletionRule, TraineeRecord, check_eligibility

HYPOTHESIS = settings(database=None, deadline=None)
NAMES = ("modules", "post_test", "attendance", "assessment")
ALL_ON = CompletionRule(
    require_modules=True,
    require_post_test=True,
    post_test_pass_mark=70,
    require_attendance=True,
    min_attendance_percent=100,
    excused_counts_as_present=False,
    require_assessment=True,
)
ALL_OFF = replace(
    ALL_ON, require_modules=False, require_post_test=False, require_attendance=False, require_assessment=False
)
COMPLETE = TraineeRecord(
    modules_completed=8,
    modules_total=8,
    post_test_percent=85.0,
    sessions_attended=4,
    sessions_excused=0,
    sessions_total=4,
    assessment_passed=True,
)
NOTHING_DONE = TraineeRecord(
    modules_completed=0,
    modules_total=8,
    post_test_percent=None,
    sessions_attended=0,
    sessions_excused=0,
    sessions_total=4,
    assessment_passed=None,
)


def rule_with(*names: str) -> CompletionRule:
    return replace(ALL_OFF, **{f"require_{name}": True for name in names})


def verdicts(rule: CompletionRule, record: TraineeRecord) -> dict[str, bool]:
    return {condition.name: condition.met for condition in check_eligibility(rule, record).conditions}


@pytest.mark.parametrize("enabled", [c for n in range(5) for c in itertools.combinations(NAMES, n)])
def test_only_switched_on_conditions_are_listed_in_order(enabled: tuple[str, ...]) -> None:
    rule = rule_with(*enabled)
    assert [c.name for c in check_eligibility(rule, COMPLETE).conditions] == list(enabled)
    assert check_eligibility(rule, COMPLETE).eligible
    assert check_eligibility(rule, NOTHING_DONE).eligible is (not enabled)


def test_no_condition_switched_on_means_eligible() -> None:
    result = check_eligibility(ALL_OFF, NOTHING_DONE)
    assert result.eligible and result.conditions == [] and result.missing == []


@pytest.mark.parametrize("name", NAMES)
def test_each_condition_alone_decides(name: str) -> None:
    failing = {
        "modules": replace(COMPLETE, modules_completed=7),
        "post_test": replace(COMPLETE, post_test_percent=69.5),
        "attendance": replace(COMPLETE, sessions_attended=3),
        "assessment": replace(COMPLETE, assessment_passed=False),
    }[name]
    result = check_eligibility(ALL_ON, failing)
    assert not result.eligible
    assert [c.name for c in result.missing] == [name]
    assert check_eligibility(rule_with(*(n for n in NAMES if n != name)), failing).eligible


def test_modules_details() -> None:
    [condition] = check_eligibility(rule_with("modules"), replace(COMPLETE, modules_completed=5)).conditions
    assert (condition.met, condition.details) == (False, {"completed": 5, "total": 8})


def test_a_course_without_modules_is_not_complete() -> None:
    record = replace(COMPLETE, modules_completed=0, modules_total=0)
    assert verdicts(rule_with("modules"), record) == {"modules": False}


@pytest.mark.parametrize(
    ("percent", "met"), [(70.0, True), (70, True), (69.99, False), (100.0, True), (0.0, False), (None, False)]
)
def test_post_test_at_the_pass_mark_passes(percent: float | None, met: bool) -> None:
    [condition] = check_eligibility(
        rule_with("post_test"), replace(COMPLETE, post_test_percent=percent)
    ).conditions
    assert (condition.met, condition.details) == (met, {"percent": percent, "pass_mark": 70.0})


def test_float_noise_exactly_at_the_pass_mark_passes() -> None:
    percent = 0.57 * 100  # a score of 57/100 scaled in floats: 56.99999999999999
    assert percent < 57
    rule = replace(rule_with("post_test"), post_test_pass_mark=57)
    assert verdicts(rule, replace(COMPLETE, post_test_percent=percent)) == {"post_test": True}


def test_pass_mark_zero_still_needs_a_post_test() -> None:
    rule = replace(rule_with("post_test"), post_test_pass_mark=0)
    assert verdicts(rule, replace(COMPLETE, post_test_percent=0.0)) == {"post_test": True}
    assert verdicts(rule, replace(COMPLETE, post_test_percent=None)) == {"post_test": False}


@pytest.mark.parametrize(
    ("attended", "excused", "total", "required", "counts_excused", "met"),
    [
        (3, 0, 4, 75, False, True),  # 3 of 4 days with 75% required
        (3, 0, 4, 75.01, False, False),
        (2, 1, 4, 75, False, False),
        (2, 1, 4, 75, True, True),
        (4, 0, 4, 100, False, True),
        (3, 1, 4, 100, False, False),
        (3, 1, 4, 100, True, True),
        (14, 0, 14, 100, False, True),  # 14/14 is exactly 100%, no float drift
        (2, 0, 3, 66.67, False, False),  # 2/3 = 66.666…% < 66.67
        (2, 0, 3, 66.66, False, True),
        (0, 0, 0, 100, False, False),  # no sessions scheduled: not met
        (0, 0, 0, 0, True, False),
        (0, 0, 4, 0, False, True),
    ],
)
def test_attendance(
    attended: int, excused: int, total: int, required: float, counts_excused: bool, met: bool
) -> None:
    rule = replace(
        rule_with("attendance"), min_attendance_percent=required, excused_counts_as_present=counts_excused
    )
    record = replace(COMPLETE, sessions_attended=attended, sessions_excused=excused, sessions_total=total)
    [condition] = check_eligibility(rule, record).conditions
    assert condition.met is met
    assert condition.details == {
        "attended": attended,
        "excused": excused,
        "counted": attended + (excused if counts_excused else 0),
        "total": total,
        "required_percent": float(required),
    }


def test_attendance_default_is_every_day() -> None:
    rule = CompletionRule(
        require_modules=False,
        require_post_test=False,
        post_test_pass_mark=0,
        require_attendance=True,
        excused_counts_as_present=False,
        require_assessment=False,
    )
    assert rule.min_attendance_percent == 100
    assert verdicts(rule, replace(COMPLETE, sessions_attended=3)) == {"attendance": False}


@pytest.mark.parametrize(("passed", "met"), [(True, True), (False, False), (None, False)])
def test_assessment(passed: bool | None, met: bool) -> None:
    [condition] = check_eligibility(
        rule_with("assessment"), replace(COMPLETE, assessment_passed=passed)
    ).conditions
    assert (condition.met, condition.details) == (met, {"passed": passed})


@HYPOTHESIS
@given(total=st.integers(0, 60), data=st.data(), required=st.integers(0, 100))
def test_attendance_matches_exact_arithmetic(total: int, data: st.DataObject, required: int) -> None:
    attended = data.draw(st.integers(0, total))
    rule = replace(rule_with("attendance"), min_attendance_percent=required)
    record = replace(COMPLETE, sessions_attended=attended, sessions_excused=0, sessions_total=total)
    assert check_eligibility(rule, record).eligible is (total > 0 and attended * 100 >= required * total)


@HYPOTHESIS
@given(st.integers(1, 20), st.integers(0, 20), st.floats(0, 100), st.booleans())
def test_eligible_exactly_when_nothing_is_missing(
    done: int, total: int, percent: float, passed: bool
) -> None:
    record = replace(
        COMPLETE,
        modules_completed=min(done, total),
        modules_total=total,
        post_test_percent=percent,
        assessment_passed=passed,
    )
    result = check_eligibility(ALL_ON, record)
    assert result.eligible is (not result.missing)
    assert result.eligible is (0 < total <= done and percent >= 70 and passed)


@pytest.mark.parametrize(
    "changes",
    [
        {"modules_completed": 9},
        {"modules_total": -1},
        {"sessions_attended": 3, "sessions_excused": 2},
        {"sessions_excused": -1},
        {"post_test_percent": 101.0},
        {"post_test_percent": float("nan")},
    ],
)
def test_impossible_records_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        replace(COMPLETE, **changes)


@pytest.mark.parametrize("changes", [{"post_test_pass_mark": 120}, {"min_attendance_percent": -5}])
def test_impossible_rules_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        replace(ALL_ON, **changes)


def test_rules_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        CompletionRule(True, True, 70, True)  # type: ignore[misc]
