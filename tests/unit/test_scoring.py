"""Scoring an attempt and combining the scores of several attempts."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quizzes.question_types import QUESTION_TYPES
from app.quizzes.scoring import (
    AttemptResult,
    CombineMethod,
    ModuleScore,
    QuestionMark,
    ServedQuestion,
    combine_attempt_scores,
    score_attempt,
)


def serve(key: str, raw: dict[str, Any], points: float = 1, module: str = "key-terms") -> ServedQuestion:
    question_type = QUESTION_TYPES[raw["type"]]
    data = question_type.normalise(raw)
    return ServedQuestion(
        key, raw["type"], points, data, question_type.present(data, random.Random(1)), module
    )


SINGLE = {"type": "single", "options": [{"text": "right", "correct": True}, {"text": "wrong"}]}
MULTIPLE = {
    "type": "multiple",
    "options": [{"text": "a", "correct": True}, {"text": "b", "correct": True}, {"text": "c"}, {"text": "d"}],
}
TRUE_FALSE = {"type": "true_false", "answer": True}
SHORT = {"type": "short_answer", "answers": ["CSW"]}


def test_mixed_attempt_per_question_per_module_and_total() -> None:
    questions = [
        serve("smuggling", SINGLE, points=1),
        serve("indicators", MULTIPLE, points=2),
        serve("consent", TRUE_FALSE, points=1, module="determinants"),
        serve("csw", SHORT, points=1, module="determinants"),
    ]
    responses = {"smuggling": "a", "indicators": ["a"], "consent": False}  # csw left unanswered
    result = score_attempt(questions, responses)
    # smuggling 1 × 1; indicators 2 × 1/2 (one of two correct, no wrong); consent 0; csw 0.
    assert result.marks == [
        QuestionMark("smuggling", 1, 1.0, 1.0),
        QuestionMark("indicators", 2, 1.0, 0.5),
        QuestionMark("consent", 1, 0.0, 0.0),
        QuestionMark("csw", 1, 0.0, 0.0),
    ]
    # 2 earned of 5 possible = 40 %; key-terms 2/3 = 66.67 %; determinants 0/2 = 0 %.
    assert (result.earned, result.possible, result.percent) == (2.0, 5.0, 40.0)
    assert result.modules == {
        "key-terms": ModuleScore("key-terms", 2.0, 3.0, 66.67),
        "determinants": ModuleScore("determinants", 0.0, 2.0, 0.0),
    }
    assert list(result.modules) == ["key-terms", "determinants"]


def test_thirds_add_up_exactly() -> None:
    raw = {"type": "multiple", "options": [{"text": t, "correct": True} for t in "abc"]}
    questions = [serve(f"q{n}", raw) for n in range(3)]
    result = score_attempt(questions, {"q0": ["a"], "q1": ["b"], "q2": ["c"]})
    # Three times 1/3 of a point = 1 of 3 = 33.33 %.
    assert result.earned == pytest.approx(1.0)
    assert result.percent == 33.33


def test_no_questions_scores_zero() -> None:
    assert score_attempt([], {}) == AttemptResult([], 0.0, 0.0, 0.0, {})


def test_zero_points_possible_is_zero_percent() -> None:
    result = score_attempt([serve("q", SINGLE, points=0)], {"q": "a"})
    assert (result.earned, result.possible, result.percent) == (0.0, 0.0, 0.0)
    assert result.modules["key-terms"].percent == 0.0


def test_responses_for_questions_not_served_are_ignored() -> None:
    result = score_attempt([serve("q", SINGLE)], {"q": "a", "other": "b"})
    assert result.percent == 100.0


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([serve("q", SINGLE), serve("q", TRUE_FALSE)], "unique"),
        ([ServedQuestion("q", "essay", 1, {}, {}, "m")], "unknown question type 'essay'"),
        ([serve("q", SINGLE, points=-1)], "negative points"),
    ],
)
def test_bad_questions_are_refused(questions: list[ServedQuestion], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_attempt(questions, {})


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", 80.0), ("first", 40.0), ("last", 70.0), ("average", 63.33)],  # (40 + 80 + 70) / 3 = 63.333…
)
def test_combine_attempt_scores(method: CombineMethod, expected: float) -> None:
    assert combine_attempt_scores(method, [40.0, 80.0, 70.0]) == expected


@pytest.mark.parametrize("method", ["highest", "first", "last", "average"])
def test_combine_no_attempts_is_none_and_one_attempt_is_itself(method: CombineMethod) -> None:
    assert combine_attempt_scores(method, []) is None
    assert combine_attempt_scores(method, [55.5]) == 55.5


def test_combine_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown method 'best'"):
        combine_attempt_scores("best", [1.0])  # type: ignore[arg-type]


@given(
    answers=st.lists(st.tuples(st.booleans(), st.integers(0, 10), st.sampled_from(["m1", "m2"])), max_size=12)
)
def test_percent_stays_in_range_and_modules_add_up(answers: list[tuple[bool, int, str]]) -> None:
    questions = [serve(f"q{n}", TRUE_FALSE, points, module) for n, (_, points, module) in enumerate(answers)]
    responses = {f"q{n}": answer for n, (answer, _, _) in enumerate(answers)}
    result = score_attempt(questions, responses)
    assert 0.0 <= result.percent <= 100.0
    assert result.earned <= result.possible
    assert sum(score.possible for score in result.modules.values()) == result.possible
    assert sum(score.earned for score in result.modules.values()) == pytest.approx(result.earned)


@given(st.sampled_from(["highest", "first", "last", "average"]), st.lists(st.floats(0, 100), min_size=1))
def test_combined_score_lies_between_the_attempts(method: CombineMethod, percents: list[float]) -> None:
    combined = combine_attempt_scores(method, percents)
    assert combined is not None
    assert min(percents) - 0.005 <= combined <= max(percents) + 0.005
