"""Summarise attendance and decide when it may be marked: pure rules, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

ATTENDANCE_STATUSES = ("present", "late", "absent", "excused")
_ALWAYS_ATTENDED = frozenset({"present", "late"})


@dataclass(frozen=True)
class AttendanceSummary:
    """Attended out of total sessions (unmarked ones included), and the rate in percent."""

    attended: int
    total: int
    unmarked: int
    percent: float | None


def attendance_summary(statuses: Sequence[str | None], *, excused_counts: bool) -> AttendanceSummary:
    """Count attended sessions; None means not marked yet and counts as not attended."""
    unknown = {s for s in statuses if s is not None and s not in ATTENDANCE_STATUSES}
    if unknown:
        raise ValueError(f"unknown attendance status: {', '.join(sorted(unknown))}")
    counted = (_ALWAYS_ATTENDED | {"excused"}) if excused_counts else _ALWAYS_ATTENDED
    attended = sum(1 for s in statuses if s in counted)
    total = len(statuses)
    unmarked = sum(1 for s in statuses if s is None)
    percent = attended * 100 / total if total else None
    return AttendanceSummary(attended, total, unmarked, percent)


def marking_window_open(
    now: datetime,
    session_starts_at: datetime,
    session_ends_at: datetime,
    *,
    opens_minutes_before: int = 60,
    is_locked: bool,
) -> bool:
    """Return whether attendance may be marked: from shortly before the start until the lock."""
    _require_aware(now, "now")
    _require_aware(session_starts_at, "session_starts_at")
    _require_aware(session_ends_at, "session_ends_at")
    if session_ends_at <= session_starts_at:
        raise ValueError("a session must end after it starts")
    if opens_minutes_before < 0:
        raise ValueError("opens_minutes_before cannot be negative")
    return not is_locked and now >= session_starts_at - timedelta(minutes=opens_minutes_before)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
