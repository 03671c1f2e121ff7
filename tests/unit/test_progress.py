"""Progress rules: percentages, where a trainee continues, when modules open, previous and next."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.courses.progress import continue_lesson, modules_open, neighbours, percent

HYPOTHESIS = settings(database=None, deadline=None, max_examples=300)

# --- percent -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "total", "expected"),
    [(0, 3, 0), (1, 3, 33), (2, 3, 66), (3, 3, 100), (38, 39, 97), (199, 200, 99), (5, 0, 0), (0, 0, 0)],
)
def test_percent_rounds_down(done, total, expected):
    assert percent(done, total) == expected


@HYPOTHESIS
@given(total=st.integers(1, 500), data=st.data())
def test_percent_is_100_only_when_everything_is_done(total, data):
    done = data.draw(st.integers(0, total))
    assert 0 <= percent(done, total) <= 100
    assert (percent(done, total) == 100) == (done == total)


# --- continue_lesson ------------------------------------------------------------------------------------

LESSONS = [10, 20, 30, 40]


def test_nothing_viewed_starts_at_the_first_lesson():
    assert continue_lesson(LESSONS, set(), None) == 10


def test_nothing_viewed_but_some_completed_starts_at_the_first_unfinished():
    assert continue_lesson(LESSONS, {10, 20}, None) == 30


def test_last_viewed_unfinished_lesson_is_resumed():
    assert continue_lesson(LESSONS, {10, 20, 40}, 30) == 30


def test_last_viewed_finished_goes_to_the_next_unfinished_after_it():
    assert continue_lesson(LESSONS, {10, 20, 30}, 20) == 40


def test_after_the_last_unfinished_lesson_it_wraps_to_the_beginning():
    assert continue_lesson(LESSONS, {20, 30, 40}, 40) == 10


def test_last_viewed_lesson_no_longer_in_the_course_starts_from_the_top():
    assert continue_lesson(LESSONS, {10}, 99) == 20


def test_everything_completed_gives_none():
    assert continue_lesson(LESSONS, set(LESSONS), 40) is None
    assert continue_lesson(LESSONS, set(LESSONS), None) is None


def test_an_empty_course_gives_none():
    assert continue_lesson([], set(), None) is None


@st.composite
def course_states(draw):
    ordered = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=30))
    completed = draw(st.sets(st.sampled_from(ordered))) if ordered else set()
    extra = draw(st.sets(st.integers(10_001, 10_010), max_size=2))  # completed lessons since removed
    last = (
        draw(st.one_of(st.none(), st.sampled_from(ordered), st.integers(10_001, 10_010))) if ordered else None
    )
    return ordered, completed | extra, last


@HYPOTHESIS
@given(state=course_states())
def test_continue_is_none_iff_all_completed_else_an_unfinished_lesson(state):
    ordered, completed, last = state
    result = continue_lesson(ordered, completed, last)
    if set(ordered) <= completed:
        assert result is None
    else:
        assert result in ordered and result not in completed


@HYPOTHESIS
@given(state=course_states())
def test_continue_is_the_first_unfinished_lesson_from_where_the_trainee_was(state):
    ordered, completed, last = state
    result = continue_lesson(ordered, completed, last)
    if result is None or last not in ordered:
        return
    # no unfinished lesson lies between the last viewed one (inclusive) and the result, going forward
    start = ordered.index(last)
    rotated = ordered[start:] + ordered[:start]
    assert all(lesson in completed for lesson in rotated[: rotated.index(result)])


# --- modules_open ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requires_pretest", "has_pretest", "submitted", "expected"),
    [
        (True, True, False, False),  # the only closed case: gating on, a pre-test exists, not yet taken
        (True, True, True, True),
        (True, False, False, True),  # a course without a pre-test is never locked
        (True, False, True, True),
        (False, True, False, True),
        (False, True, True, True),
        (False, False, False, True),
        (False, False, True, True),
    ],
)
def test_modules_open_truth_table(requires_pretest, has_pretest, submitted, expected):
    assert modules_open(requires_pretest, has_pretest, submitted) is expected


# --- neighbours -----------------------------------------------------------------------------------------


def test_first_lesson_has_no_previous():
    assert neighbours(LESSONS, 10) == (None, 20)


def test_last_lesson_has_no_next():
    assert neighbours(LESSONS, 40) == (30, None)


def test_middle_lesson_has_both():
    assert neighbours(LESSONS, 30) == (20, 40)


def test_single_lesson_has_neither():
    assert neighbours([7], 7) == (None, None)
