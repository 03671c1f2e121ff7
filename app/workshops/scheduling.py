"""Saving a workshop and its session days: conflict checks, time changes, who hears about them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .. import audit
from ..extensions import db
from .models import Attendance, Registration, SessionDay, Workshop, WorkshopTrainer
from .registration import (
    Notice,
    Refused,
    RemovedSession,
    current_registrations,
    enrolled_count,
    lock_workshop,
    promote,
)
from .schedule import Conflict, Slot, conflicts_for

FIELDS = (
    "title",
    "description",
    "cohort_id",
    "venue",
    "address",
    "capacity",
    "status",
    "self_signup",
    "cancel_cutoff_days",
    "waitlist_freeze_days",
)


@dataclass(frozen=True)
class DayInput:
    id: int | None  # None for a day added in this edit
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class WorkshopInput:
    title: str
    description: str
    cohort_id: int
    venue: str
    address: str
    capacity: int
    status: str
    self_signup: bool
    cancel_cutoff_days: int
    waitlist_freeze_days: int
    trainer_ids: tuple[int, ...]
    days: tuple[DayInput, ...]


@dataclass(frozen=True)
class SlotInfo:
    """What a conflict message needs to name a slot."""

    workshop_title: str
    starts_at: datetime
    ends_at: datetime
    is_new: bool


def new_slots(data: WorkshopInput, workshop: Workshop | None) -> list[Slot]:
    """Return the slots of the days as entered; days added now get negative ids."""
    people = set(data.trainer_ids)
    if workshop is not None:
        people |= {r.user_id for r in workshop.registrations if r.status != "cancelled"}
    return [
        Slot(
            day.id if day.id is not None else -index,
            workshop.id if workshop is not None else 0,
            day.starts_at,
            day.ends_at,
            data.venue,
            frozenset(people),
        )
        for index, day in enumerate(data.days, start=1)
    ]


def other_slots(slots: Sequence[Slot], workshop: Workshop | None) -> tuple[list[Slot], dict[int, SlotInfo]]:
    """Return the sessions of other live workshops that overlap the span of the slots, with their people."""
    if not slots:
        return [], {}
    start = min(s.starts_at for s in slots)
    end = max(s.ends_at for s in slots)
    statement = (
        db.select(SessionDay, Workshop)
        .join(Workshop)
        .where(Workshop.status != "cancelled", SessionDay.starts_at < end, SessionDay.ends_at > start)
    )
    if workshop is not None:
        statement = statement.where(Workshop.id != workshop.id)
    rows = db.session.execute(statement).all()
    workshop_ids = {w.id for _s, w in rows}
    people: dict[int, set[int]] = defaultdict(set)
    if workshop_ids:
        for workshop_id, user_id in db.session.execute(
            db.select(WorkshopTrainer.workshop_id, WorkshopTrainer.user_id).where(
                WorkshopTrainer.workshop_id.in_(workshop_ids)
            )
        ):
            people[workshop_id].add(user_id)
        for workshop_id, user_id in db.session.execute(
            db.select(Registration.workshop_id, Registration.user_id).where(
                Registration.workshop_id.in_(workshop_ids), Registration.status != "cancelled"
            )
        ):
            people[workshop_id].add(user_id)
    existing = [Slot(s.id, w.id, s.starts_at, s.ends_at, w.venue, frozenset(people[w.id])) for s, w in rows]
    info = {s.id: SlotInfo(w.title, s.starts_at, s.ends_at, False) for s, w in rows}
    return existing, info


def find_conflicts(
    data: WorkshopInput, workshop: Workshop | None
) -> tuple[list[Conflict], dict[int, SlotInfo]]:
    """Return the conflicts the workshop as entered would create, and what names each slot."""
    mine = new_slots(data, workshop)
    existing, info = other_slots(mine, workshop)
    info.update({s.id: SlotInfo(data.title, s.starts_at, s.ends_at, True) for s in mine})
    return conflicts_for(mine, existing), info


def save_workshop(
    workshop: Workshop | None, data: WorkshopInput, actor, now: datetime
) -> tuple[Workshop, list[Notice]]:
    """Create or update the workshop and its days; return it with the notices to send after the commit
    (to trainees about their places and times, to newly assigned trainers).

    Raises Refused("capacity_below_enrolled") or Refused("day_has_attendance") and changes nothing.
    """
    if workshop is None:
        workshop = Workshop(**{name: getattr(data, name) for name in FIELDS})
        db.session.add(workshop)
        db.session.flush()
        _sync_trainers(workshop, data.trainer_ids)
        for day in data.days:
            workshop.sessions.append(SessionDay(starts_at=day.starts_at, ends_at=day.ends_at))
        db.session.flush()
        audit.record(actor, "workshop.created", workshop, after=summary(workshop))
        return workshop, trainer_notices(workshop, set())

    if lock_workshop(workshop.id) is None:  # the same object from the identity map, refreshed
        raise Refused("not_found")
    registrations = current_registrations(workshop.id)
    if data.capacity < enrolled_count(registrations):
        raise Refused("capacity_below_enrolled")
    before = summary(workshop)
    old_status, old_capacity = workshop.status, workshop.capacity
    old_trainers = set(workshop.trainer_ids)
    kept_ids = {day.id for day in data.days if day.id is not None}
    if kept_ids - {s.id for s in workshop.sessions}:
        raise Refused("unknown_day")
    removed = [s for s in workshop.sessions if s.id not in kept_ids]
    if (
        removed
        and db.session.execute(
            db.select(Attendance.id).where(Attendance.session_id.in_([s.id for s in removed])).limit(1)
        ).first()
    ):
        raise Refused("day_has_attendance")

    for name in FIELDS:
        setattr(workshop, name, getattr(data, name))
    _sync_trainers(workshop, data.trainer_ids)
    times_changed = bool(removed)
    by_id = {s.id: s for s in workshop.sessions}
    for day in data.days:
        if day.id is None:
            workshop.sessions.append(SessionDay(starts_at=day.starts_at, ends_at=day.ends_at))
            times_changed = True
        else:
            session = by_id[day.id]
            if (session.starts_at, session.ends_at) != (day.starts_at, day.ends_at):
                session.starts_at, session.ends_at = day.starts_at, day.ends_at
                session.sequence += 1  # calendar clients replace the event they hold
                times_changed = True
    if (old_status != "cancelled") and workshop.status == "cancelled":
        for session in workshop.sessions:
            session.sequence += 1
    gone = tuple(RemovedSession(s.id, s.starts_at, s.ends_at, s.sequence + 1) for s in removed)
    for session in removed:
        workshop.sessions.remove(session)
    db.session.flush()
    db.session.expire(workshop, ["sessions"])  # re-read in start order

    notices = _schedule_notices(workshop, registrations, old_status, times_changed, gone)
    if workshop.capacity > old_capacity:
        notices += promote(workshop, registrations, now)
    notices += trainer_notices(workshop, old_trainers)
    audit.record(actor, "workshop.updated", workshop, before=before, after=summary(workshop))
    return workshop, notices


def _schedule_notices(
    workshop: Workshop,
    registrations: list[Registration],
    old_status: str,
    times_changed: bool,
    removed: tuple[RemovedSession, ...],
) -> list[Notice]:
    active = [r for r in registrations if r.status != "cancelled"]
    if old_status == "published" and workshop.status == "cancelled":
        return [Notice("workshop_cancelled", workshop.id, r.user_id) for r in active]
    if old_status != "published" and workshop.status == "published":
        return [Notice(r.status, workshop.id, r.user_id) for r in active]
    if workshop.status == "published" and times_changed:
        return [Notice("changed", workshop.id, r.user_id, removed) for r in active if r.status == "enrolled"]
    return []


def trainer_notices(workshop: Workshop, already_assigned: set[int]) -> list[Notice]:
    """Tell each trainer newly assigned to the workshop (not those assigned before this save).

    A cancelled workshop tells nobody. A draft does: its trainers see it and prepare for it.
    """
    if workshop.status == "cancelled":
        return []
    added = sorted(workshop.trainer_ids - already_assigned)
    return [Notice("trainer_assigned", workshop.id, user_id) for user_id in added]


def _sync_trainers(workshop: Workshop, trainer_ids: Sequence[int]) -> None:
    wanted = set(trainer_ids)
    for link in list(workshop.trainers):
        if link.user_id not in wanted:
            workshop.trainers.remove(link)
    present = {link.user_id for link in workshop.trainers}
    for user_id in trainer_ids:
        if user_id not in present:
            workshop.trainers.append(WorkshopTrainer(user_id=user_id))


def summary(workshop: Workshop) -> dict:
    """Return the workshop as the audit trail keeps it."""
    values = {name: getattr(workshop, name) for name in FIELDS}
    values["trainer_ids"] = sorted(t.user_id for t in workshop.trainers)
    values["sessions"] = [[s.starts_at.isoformat(), s.ends_at.isoformat()] for s in workshop.sessions]
    return values
