"""Rubric scoring: totals, completeness, the pass threshold, comparing two scorers, the score that counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workshops.scoring import (
    CriterionSpec,
    IncompleteScore,
    LevelOption,
    compare,
    first_scorer,
    has_passed,
    max_points,
    problems,
    total_points,
)

HYPOTHESIS = settings(database=None, deadline=None)


def rubric() -> list[CriterionSpec]:
    """Two criteria: levels 10/11/12 worth 0, 1.5, 3 points; levels 20/21 worth 1 and 2.5."""
    return [
        CriterionSpec(1, "Risk factors", (LevelOption(10, 0.0), LevelOption(11, 1.5), LevelOption(12, 3.0))),
        CriterionSpec(2, "Case plan", (LevelOption(20, 1.0), LevelOption(21, 2.5))),
    ]


def test_total_adds_the_chosen_levels() -> None:
    assert total_points(rubric(), {1: 11, 2: 21}) == 4.0
    assert total_points(rubric(), {1: 10, 2: 20}) == 1.0


def test_decimals_add_up_exactly() -> None:
    criteria = [CriterionSpec(i, "c", (LevelOption(i * 10, 0.1),)) for i in range(1, 4)]
    total = total_points(criteria, {1: 10, 2: 20, 3: 30})
    assert total == 0.3 and has_passed(total, 0.3)


def test_max_points_takes_the_best_level_of_each_criterion() -> None:
    assert max_points(rubric()) == 5.5
    assert max_points([CriterionSpec(1, "empty", ())]) == 0.0


@pytest.mark.parametrize(
    ("choices", "complete", "wrong"),
    [
        ({1: 11}, False, []),  # a draft may leave criteria open
        ({1: 11}, True, [2]),  # a final score may not
        ({1: 21, 2: 21}, False, [1]),  # a level of another criterion
        ({1: 99}, False, [1]),  # a level that does not exist
        ({3: 10}, False, [3]),  # a criterion that does not exist
        ({}, True, [1, 2]),
        ({1: 12, 2: 20}, True, []),
    ],
)
def test_problems_name_the_criteria_to_fix(choices, complete, wrong) -> None:
    assert problems(rubric(), choices, complete=complete) == wrong


def test_total_refuses_an_incomplete_or_wrong_score() -> None:
    with pytest.raises(IncompleteScore) as error:
        total_points(rubric(), {1: 20})
    assert error.value.criterion_ids == (1, 2)


@pytest.mark.parametrize(("total", "threshold", "passed"), [(10, 10, True), (9.5, 10, False), (16, 0, True)])
def test_pass_threshold_is_inclusive(total, threshold, passed) -> None:
    assert has_passed(total, threshold) is passed


def test_compare_pairs_the_levels_of_both_scorers() -> None:
    first, second = compare(rubric(), {1: 11, 2: 21}, {1: 12})
    assert first.agree is False and first.difference == 1.5
    assert second.first == LevelOption(21, 2.5) and second.second is None
    assert second.difference is None and not second.agree
    assert all(c.agree for c in compare(rubric(), {1: 10, 2: 20}, {1: 10, 2: 20}))


@dataclass
class Row:
    id: int
    scorer: str
    finalised_at: datetime | None = None


NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def test_before_any_score_is_final_the_draft_started_first_counts() -> None:
    assert first_scorer([Row(7, "second"), Row(3, "first")]) == Row(3, "first")
    assert first_scorer([]) is None


def test_the_score_finalised_first_counts_whoever_opened_the_form_first() -> None:
    early_draft = Row(3, "started first, finalised later", NINE + timedelta(hours=1))
    finished_first = Row(7, "finalised first", NINE)
    assert first_scorer([early_draft, finished_first]) == finished_first
    # A final score beats any draft, however early the draft was started.
    assert first_scorer([Row(3, "draft"), Row(7, "final", NINE)]) == Row(7, "final", NINE)
    # Finalised at the same instant: the one started first.
    assert first_scorer([Row(7, "b", NINE), Row(3, "a", NINE)]) == Row(3, "a", NINE)


finalised = st.one_of(st.none(), st.integers(0, 5).map(lambda minutes: NINE + timedelta(minutes=minutes)))


@HYPOTHESIS
@given(st.lists(finalised, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_the_score_that_counts_does_not_depend_on_the_order_given(times, rng) -> None:
    rows = [Row(index, f"scorer {index}", at) for index, at in enumerate(times, start=1)]
    chosen = first_scorer(rows)
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert first_scorer(shuffled) == chosen
    finals = [row for row in rows if row.finalised_at is not None]
    if finals:
        assert chosen.finalised_at == min(row.finalised_at for row in finals)
    else:
        assert chosen.id == min(row.id for row in rows)


levels = st.lists(
    st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda p: round(p, 2)), min_size=1, max_size=5
)


@st.composite
def rubrics_and_choices(draw):
    criteria = []
    for index, points in enumerate(draw(st.lists(levels, min_size=1, max_size=6)), start=1):
        criteria.append(
            CriterionSpec(
                index, f"c{index}", tuple(LevelOption(index * 100 + n, p) for n, p in enumerate(points))
            )
        )
    choices = {c.id: draw(st.sampled_from(c.levels)).id for c in criteria}
    return criteria, choices


@HYPOTHESIS
@given(rubrics_and_choices())
def test_any_complete_score_lies_between_zero_and_the_maximum(case) -> None:
    criteria, choices = case
    total = total_points(criteria, choices)
    assert 0 <= total <= max_points(criteria) + 1e-9
    assert has_passed(total, total) and has_passed(max_points(criteria), total)
    assert all(c.agree for c in compare(criteria, choices, choices))
