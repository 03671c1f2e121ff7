"""Progress rules: percentages, where to continue, and when modules open. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def percent(done: int, total: int) -> int:
    """Return done/total as a whole percentage, rounded down so 100 means really finished."""
    return 0 if total <= 0 else min(100, done * 100 // total)


def continue_lesson(ordered: Sequence[int], completed: set[int], last_viewed: int | None) -> int | None:
    """Return the lesson to resume: the one last opened if unfinished, else the next unfinished one.

    `ordered` is every lesson of the course in reading order. None when everything is complete.
    """
    if last_viewed in ordered and last_viewed not in completed:
        return last_viewed
    start = ordered.index(last_viewed) + 1 if last_viewed in ordered else 0
    for lesson in [*ordered[start:], *ordered[:start]]:
        if lesson not in completed:
            return lesson
    return None


def modules_open(requires_pretest: bool, has_pretest: bool, pretest_submitted: bool) -> bool:
    """Return whether the course's modules are open to a trainee.

    With gating on, modules wait for the pre-test, so that it measures what trainees knew before
    studying. A course without a pre-test is never locked.
    """
    return not (requires_pretest and has_pretest and not pretest_submitted)


def neighbours(ordered: Sequence[T], current: T) -> tuple[T | None, T | None]:
    """Return the lessons before and after `current` in reading order."""
    index = ordered.index(current)
    return (
        ordered[index - 1] if index > 0 else None,
        ordered[index + 1] if index + 1 < len(ordered) else None,
    )
