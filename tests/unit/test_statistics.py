"""Knowledge gain, item analysis and score distribution, checked against sums worked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quizzes.statistics import (
    ItemStats,
    class_gain,
    distribution,
    item_analysis,
    mean_normalized_change,
    normalized_change,
)

percents = st.floats(0, 100)

# Gain ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pre", "post", "expected"),
    [
        (40, 70, 0.5),  # (70 - 40) / (100 - 40) = 30 / 60
        (50, 40, -0.2),  # (40 - 50) / (100 - 50) = -10 / 50
        (0, 100, 1.0),  # (100 - 0) / 100
        (62.5, 62.5, 0.0),
        (100, 100, None),  # no gain was possible
        (100, 80, None),
    ],
)
def test_class_gain(pre: float, post: float, expected: float | None) -> None:
    assert class_gain(pre, post) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("pre", "post", "expected"),
    [
        (40, 70, 0.5),  # gain: (70 - 40) / (100 - 40) = 0.5
        (60, 45, -0.25),  # loss: (45 - 60) / 60 = -0.25
        (0, 50, 0.5),  # gain from nothing: 50 / 100
        (100, 0, -1.0),  # lost everything: -100 / 100
        (0, 100, 1.0),
        (50, 50, 0.0),  # equal, strictly between 0 and 100
        (0, 0, None),  # dropped
        (100, 100, None),  # dropped
    ],
)
def test_normalized_change(pre: float, post: float, expected: float | None) -> None:
    assert normalized_change(pre, post) == (pytest.approx(expected) if expected is not None else None)


def test_mean_normalized_change_drops_the_undefined() -> None:
    pairs = [(40, 70), (60, 45), (100, 100), (50, 50), (0, 0)]
    # (0.5 - 0.25 + 0) / 3: two of five trainees are dropped.
    assert mean_normalized_change(pairs) == pytest.approx(0.25 / 3)


@pytest.mark.parametrize("pairs", [[], [(0, 0), (100, 100)]])
def test_mean_normalized_change_of_nobody_is_none(pairs: list[tuple[float, float]]) -> None:
    assert mean_normalized_change(pairs) is None


@pytest.mark.parametrize(("pre", "post"), [(-1, 50), (50, 100.5), (math.nan, 50)])
def test_gain_refuses_values_that_are_not_percents(pre: float, post: float) -> None:
    with pytest.raises(ValueError, match="percent"):
        class_gain(pre, post)
    with pytest.raises(ValueError, match="percent"):
        normalized_change(pre, post)


@given(percents, percents)
def test_class_gain_is_at_most_one(pre: float, post: float) -> None:
    gain = class_gain(pre, post)
    assert gain is None or gain <= 1


@given(percents, percents)
def test_normalized_change_is_within_minus_one_and_one(pre: float, post: float) -> None:
    change = normalized_change(pre, post)
    assert change is None or -1 <= change <= 1
    assert change is not None or pre == post in (0, 100)


@given(st.lists(st.tuples(percents, percents)))
def test_mean_normalized_change_is_within_minus_one_and_one(pairs: list[tuple[float, float]]) -> None:
    mean = mean_normalized_change(pairs)
    assert mean is None or -1 - 1e-12 <= mean <= 1 + 1e-12


# Item analysis ------------------------------------------------------------------------------------------

# Five trainees, three questions worth 1, 1 and 2 marks.
ROWS = [
    [1, 1, 2],
    [1, 0, 2],
    [0, 1, 1],
    [1, 0, 0],
    [0, 0, 1],
]
MAX_MARKS = [1, 1, 2]


def figures(item: ItemStats) -> tuple[float | None, ...]:
    return (item.facility, item.sd, item.discrimination, item.efficiency)


def test_item_analysis_worked_by_hand() -> None:
    q0, q1, q2 = item_analysis(ROWS, MAX_MARKS, min_responses=5)
    # Q0: x = [1,1,0,1,0] (mean 0.6), rest = total - x = [3,2,2,0,1] (mean 1.6).
    # dx = [.4,.4,-.6,.4,-.6], dr = [1.4,.4,.4,-1.6,-.6]
    # Σdx·dr = .56+.16-.24-.64+.36 = 0.2; Σdx² = 1.2; Σdr² = 5.2
    # discrimination = 100 × 0.2 / √(1.2 × 5.2) = 100 × 0.2 / √6.24 = 8.0064
    # sorted: dx = [-.6,-.6,.4,.4,.4], dr = [-1.6,-.6,.4,.4,1.4]; Σ = .96+.36+.16+.16+.56 = 2.2
    # efficiency = 100 × 0.2 / 2.2 = 9.0909 < 15 → needs review
    # facility = 60; sd = √(1.2 / 4) / 1 × 100 = 54.772
    assert figures(q0) == pytest.approx((60, 54.772, 8.0064, 9.0909), abs=1e-3)
    assert (q0.index, q0.n, q0.needs_review) == (0, 5, True)
    # Q1: x = [1,0,1,0,0] (mean 0.4), rest = [3,3,1,1,1] (mean 1.8).
    # dx = [.6,-.4,.6,-.4,-.4], dr = [1.2,1.2,-.8,-.8,-.8]
    # Σdx·dr = .72-.48-.48+.32+.32 = 0.4; Σdx² = 1.2; Σdr² = 4.8
    # discrimination = 100 × 0.4 / √5.76 = 100 × 0.4 / 2.4 = 16.667
    # sorted: dx = [-.4,-.4,-.4,.6,.6], dr = [-.8,-.8,-.8,1.2,1.2]; Σ = .96 + 1.44 = 2.4
    # efficiency = 100 × 0.4 / 2.4 = 16.667 ≥ 15 → fine
    assert figures(q1) == pytest.approx((40, 54.772, 16.667, 16.667), abs=1e-3)
    assert (q1.index, q1.n, q1.needs_review) == (1, 5, False)
    # Q2 (out of 2): x = [2,2,1,0,1] (mean 1.2), rest = [2,1,1,1,0] (mean 1).
    # dx = [.8,.8,-.2,-1.2,-.2], dr = [1,0,0,0,-1]
    # Σdx·dr = .8+.2 = 1.0; Σdx² = .64+.64+.04+1.44+.04 = 2.8; Σdr² = 2
    # discrimination = 100 × 1 / √5.6 = 42.258
    # sorted: dx = [-1.2,-.2,-.2,.8,.8], dr = [-1,0,0,0,1]; Σ = 1.2 + .8 = 2.0 → efficiency = 50
    # facility = 1.2 / 2 = 60 %; sd = √(2.8 / 4) / 2 × 100 = 41.833
    assert figures(q2) == pytest.approx((60, 41.833, 42.258, 50), abs=1e-3)
    assert (q2.index, q2.n, q2.needs_review) == (2, 5, False)


def test_below_min_responses_the_indices_are_none() -> None:
    for item in item_analysis(ROWS, MAX_MARKS, min_responses=6):
        assert item.n == 5
        assert item.facility is not None and item.sd is not None
        assert (item.discrimination, item.efficiency, item.needs_review) == (None, None, False)


def test_questions_not_served_are_left_out() -> None:
    rows = [[1, None], [0, 1], [1, 0]]
    q0, q1 = item_analysis(rows, [1, 1], min_responses=2)
    # Q0: x = [1,0,1] (mean 2/3), rest = [0,1,0] (the None is no mark; mean 1/3).
    # dx = [1/3,-2/3,1/3], dr = [-1/3,2/3,-1/3]: Σdx·dr = -6/9, Σdx² = Σdr² = 6/9 → r = -1
    # sorted: dx = [-2/3,1/3,1/3], dr = [-1/3,-1/3,2/3]; Σ = 2/9-1/9+2/9 = 1/3
    # efficiency = 100 × (-2/3) / (1/3) = -200 (it has no lower bound of -100)
    assert (q0.n, q0.facility) == (3, pytest.approx(200 / 3))
    assert (q0.discrimination, q0.efficiency, q0.needs_review) == (
        pytest.approx(-100),
        pytest.approx(-200),
        True,
    )
    # Q1 is seen by trainees 2 and 3 only: x = [1,0], rest = [0,1] → r = -1; sorted pairing gives +0.5,
    # the actual covariance sum -0.5 → efficiency -100.
    assert (q1.n, q1.facility) == (2, pytest.approx(50))
    assert (q1.discrimination, q1.efficiency) == (pytest.approx(-100), pytest.approx(-100))


def test_no_attempts() -> None:
    assert item_analysis([], [1, 2]) == [
        ItemStats(0, 0, None, None, None, None, False),
        ItemStats(1, 0, None, None, None, None, False),
    ]


def test_one_trainee_has_a_facility_but_no_spread() -> None:
    assert item_analysis([[1, 0.5]], [1, 1], min_responses=1) == [
        ItemStats(0, 1, 100.0, None, None, None, False),
        ItemStats(1, 1, 50.0, None, None, None, False),
    ]


def test_everyone_equal_has_zero_spread_and_no_indices() -> None:
    rows = [[1, 0.1, 0.2]] * 12
    for item in item_analysis(rows, [1, 1, 1]):
        assert item.sd == 0.0
        assert (item.discrimination, item.efficiency, item.needs_review) == (None, None, False)


def test_rest_of_test_constant_gives_no_indices() -> None:
    # The question varies but the rest of the test does not: the correlation is undefined.
    rows = [[1, 1], [0, 1], [1, 1], [0, 1]]
    q0 = item_analysis(rows, [1, 1], min_responses=2)[0]
    assert (q0.facility, q0.discrimination, q0.efficiency) == (50.0, None, None)


def test_question_worth_nothing_has_no_facility() -> None:
    assert item_analysis([[0, 1], [0, 0]], [0, 1], min_responses=2)[0].facility is None


@pytest.mark.parametrize(
    ("rows", "max_marks", "message"),
    [
        ([[1, 1], [1]], [1, 1], "one cell per question"),
        ([[2]], [1], "outside"),
        ([[-0.5]], [1], "outside"),
        ([[math.nan]], [1], "outside"),
    ],
)
def test_item_analysis_refuses_bad_rows(
    rows: list[list[float]], max_marks: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        item_analysis(rows, max_marks)


@st.composite
def mark_tables(draw: st.DrawFn) -> tuple[list[list[float | None]], list[float]]:
    max_marks = draw(st.lists(st.sampled_from([0.1, 0.3, 0.5, 1, 2, 3]), min_size=1, max_size=5))
    cell = [st.none() | st.floats(0, m) | st.sampled_from([0, m]) for m in max_marks]
    rows = draw(st.lists(st.tuples(*cell).map(list), max_size=25))
    return rows, max_marks


@given(mark_tables(), st.integers(1, 12))
def test_item_figures_stay_in_range(
    table: tuple[list[list[float | None]], list[float]], minimum: int
) -> None:
    rows, max_marks = table
    for item in item_analysis(rows, max_marks, min_responses=minimum):
        assert item.facility is None or 0 <= item.facility <= 100
        assert item.discrimination is None or -100 <= item.discrimination <= 100
        assert item.efficiency is None or item.efficiency <= 100
        assert (item.discrimination is None) == (item.efficiency is None)
        assert not item.needs_review or item.n >= minimum


# Distribution -------------------------------------------------------------------------------------------


def test_distribution_in_ten_bands() -> None:
    # 0 and 5 → 0-10; 10 → 10-20; 55 → 50-60; 99.99 and 100 → 90-100.
    assert distribution([0, 5, 10, 55, 99.99, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]


def test_distribution_other_bands_and_nothing() -> None:
    assert distribution([24.9, 25, 100], bins=4) == [1, 1, 0, 1]
    assert distribution([]) == [0] * 10
    assert distribution([0, 100], bins=1) == [2]


@pytest.mark.parametrize(("values", "bins"), [([50], 0), ([101], 10), ([-1], 10)])
def test_distribution_refuses(values: list[float], bins: int) -> None:
    with pytest.raises(ValueError):
        distribution(values, bins)


@given(st.lists(percents), st.integers(1, 20))
def test_distribution_counts_everyone_once(values: list[float], bins: int) -> None:
    counts = distribution(values, bins)
    assert len(counts) == bins
    assert sum(counts) == len(values)
