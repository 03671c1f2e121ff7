"""Marking attendance per session day and summing it up: the database side of the attendance rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .. import audit
from ..accounts.models import User
from ..extensions import db
from .attendance import AttendanceSummary, attendance_summary, marking_window_open
from .models import Attendance, Registration, SessionDay, Workshop


@dataclass(frozen=True)
class SessionTally:
    session: SessionDay
    counts: dict[str, int]
    unmarked: int
    enrolled: int

    @property
    def percent(self) -> float | None:
        attended = self.counts.get("present", 0) + self.counts.get("late", 0)
        return attended * 100 / self.enrolled if self.enrolled else None


def enrolled_trainees(workshop_id: int) -> list[User]:
    statement = (
        db.select(User)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.workshop_id == workshop_id, Registration.status == "enrolled")
        .order_by(User.display_name, User.id)
    )
    return list(db.session.execute(statement).scalars())


def marks_of(session_id: int) -> dict[int, Attendance]:
    statement = db.select(Attendance).where(Attendance.session_id == session_id)
    return {
        a.user_id: a
        for a in db.session.execute(statement.execution_options(populate_existing=True)).scalars()
    }


def window(workshop: Workshop, session: SessionDay, now: datetime) -> str:
    """Return "open", "locked" (the workshop is closed) or "not_yet" (more than an hour before the start)."""
    locked = workshop.attendance_locked_at is not None
    if marking_window_open(now, session.starts_at, session.ends_at, is_locked=locked):
        return "open"
    return "locked" if locked else "not_yet"


def record_marks(
    session: SessionDay,
    marks: Mapping[int, tuple[str, str]],
    actor,
    now: datetime,
    *,
    reason: str | None = None,
) -> int:
    """Save {user id: (status, note)}; with a reason (after the lock), audit each change. Return the count."""
    existing = marks_of(session.id)
    changed = 0
    for user_id, (status, note) in marks.items():
        row = existing.get(user_id)
        if row is not None and (row.status, row.note) == (status, note):
            continue
        before = None if row is None else {"user_id": user_id, "status": row.status, "note": row.note}
        if row is None:
            row = Attendance(session_id=session.id, user_id=user_id, status=status, note=note)
            db.session.add(row)
        row.status, row.note, row.marked_by_id, row.marked_at = status, note, actor.id, now
        if reason is not None:
            db.session.flush()
            audit.record(
                actor,
                "attendance.corrected",
                row,
                before=before,
                after={"user_id": user_id, "status": status, "note": note, "session_id": session.id},
                reason=reason,
            )
        changed += 1
    return changed


def mark_all_present(session: SessionDay, user_ids: Sequence[int], actor, now: datetime) -> int:
    """Mark everyone not marked yet as present (corrections already made stay); return how many."""
    existing = marks_of(session.id)
    return record_marks(
        session, {uid: ("present", "") for uid in user_ids if uid not in existing}, actor, now
    )


def grid(workshop: Workshop, user_ids: Sequence[int]) -> dict[tuple[int, int], Attendance]:
    """Return {(user id, session id): attendance} for the workshop's days, in one query."""
    session_ids = [s.id for s in workshop.sessions]
    if not session_ids or not user_ids:
        return {}
    statement = db.select(Attendance).where(
        Attendance.session_id.in_(session_ids), Attendance.user_id.in_(user_ids)
    )
    return {(a.user_id, a.session_id): a for a in db.session.execute(statement).scalars()}


def trainee_rates(
    workshop: Workshop, trainees: Sequence[User], marks: Mapping[tuple[int, int], Attendance]
) -> dict[int, AttendanceSummary]:
    """Return each trainee's attended sessions (present or late) out of the workshop's days."""
    return {
        user.id: attendance_summary(
            [marks[(user.id, s.id)].status if (user.id, s.id) in marks else None for s in workshop.sessions],
            excused_counts=False,
        )
        for user in trainees
    }


def session_tallies(
    workshop: Workshop, trainees: Sequence[User], marks: Mapping[tuple[int, int], Attendance]
) -> list[SessionTally]:
    tallies = []
    for session in workshop.sessions:
        counts: dict[str, int] = {}
        unmarked = 0
        for user in trainees:
            mark = marks.get((user.id, session.id))
            if mark is None:
                unmarked += 1
            else:
                counts[mark.status] = counts.get(mark.status, 0) + 1
        tallies.append(SessionTally(session, counts, unmarked, len(trainees)))
    return tallies
