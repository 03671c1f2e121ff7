"""When a trainee may start an attempt. Pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QuizWindow:
    kind: str
    is_published: bool
    opens_at: datetime | None
    closes_at: datetime | None
    attempts_allowed: int | None


def start_refusal(quiz: QuizWindow, now: datetime, attempts_used: int, modules_complete: bool) -> str | None:
    """Return why an attempt cannot start ("unpublished", "not_open", "closed", "no_attempts_left",
    "modules_incomplete"), or None when it can."""
    if not quiz.is_published:
        return "unpublished"
    if quiz.opens_at and now < quiz.opens_at:
        return "not_open"
    if quiz.closes_at and now >= quiz.closes_at:
        return "closed"
    if quiz.attempts_allowed is not None and attempts_used >= quiz.attempts_allowed:
        return "no_attempts_left"
    # The post-test measures what the course taught: it opens when every module is complete.
    if quiz.kind == "post" and not modules_complete:
        return "modules_incomplete"
    return None


def review_level(after_submit: str, after_close: str, closes_at: datetime | None, now: datetime) -> str:
    """Return what a trainee may see of a submitted attempt now: nothing, score, answers or feedback."""
    return after_close if closes_at is not None and now >= closes_at else after_submit


LEVELS = ("nothing", "score", "answers", "feedback")


def shows(level: str, what: str) -> bool:
    """Return whether a review level includes `what` (each level includes the ones before it)."""
    return LEVELS.index(level) >= LEVELS.index(what)
