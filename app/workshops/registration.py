"""Sign-ups, assignments, cancellations and the waitlist: the database side of the waitlist rules.

Every change to a workshop's registrations first locks the workshop row (`lock_workshop`), then reads
the registrations afresh, applies a pure rule from waitlist.py and writes the result back: concurrent
sign-ups queue on the lock, so the capacity holds however many arrive at once. The caller commits, then
hands the returned notices to notify.deliver (mail goes out only for what was committed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from .. import audit
from ..courses.models import Membership
from ..extensions import db
from .models import Registration, Workshop
from .waitlist import Seat, SignUp, is_frozen, place_signup, promote_waitlist

OPEN_STATUSES = ("draft", "published")  # registrations can change; after that the list is history


@dataclass(frozen=True)
class RemovedSession:
    """A session day deleted from the schedule: enough to send its cancellation."""

    id: int
    starts_at: datetime
    ends_at: datetime
    sequence: int


@dataclass(frozen=True)
class Notice:
    """An e-mail to send once the change is committed."""

    # enrolled | waitlisted | promoted | cancelled | waitlist_left | changed | workshop_cancelled |
    # trainer_assigned (to a trainer; no calendar attached: their personal feed has the days)
    kind: str
    workshop_id: int
    user_id: int
    removed: tuple[RemovedSession, ...] = ()


class Refused(Exception):
    """The change is not allowed now; `code` says why (the view turns it into a message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def lock_workshop(workshop_id: int) -> Workshop | None:
    """Lock the workshop row until the end of the transaction and return it with fresh values.

    PostgreSQL takes a row lock (SELECT … FOR UPDATE). SQLite ignores FOR UPDATE, and pysqlite opens
    the transaction only at the first write, so there a no-op UPDATE comes first: it takes the database's
    write lock now (waiting for other writers), and everything read after it is current.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Workshop)
            .where(Workshop.id == workshop_id)
            .values(capacity=Workshop.capacity)
            .execution_options(synchronize_session=False)
        )
    statement = (
        db.select(Workshop)
        .where(Workshop.id == workshop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.execute(statement).scalar_one_or_none()


def current_registrations(workshop_id: int) -> list[Registration]:
    """Return the workshop's registrations as stored now (never a stale copy from the session)."""
    statement = (
        db.select(Registration)
        .where(Registration.workshop_id == workshop_id)
        .order_by(Registration.signed_up_at, Registration.id)
        .execution_options(populate_existing=True)
    )
    return list(db.session.execute(statement).scalars())


def seat_of(registration: Registration) -> Seat:
    position = (registration.position or 1) if registration.status == "waitlisted" else None
    return Seat(registration.id, registration.status, registration.signed_up_at, position)  # type: ignore[arg-type]


def notifies(workshop: Workshop) -> bool:
    """Whether people hear about changes: only once the workshop is published (drafts are plans)."""
    return workshop.status == "published"


def enrolled_count(registrations: list[Registration]) -> int:
    return sum(1 for r in registrations if r.status == "enrolled")


def is_cohort_trainee(cohort_id: int, user_id: int) -> bool:
    statement = db.select(Membership.id).filter_by(cohort_id=cohort_id, user_id=user_id, role="trainee")
    return db.session.execute(statement).first() is not None


def sign_up(workshop_id: int, user, now: datetime) -> tuple[Registration, list[Notice]]:
    """Let a trainee sign themselves up: enrolled if a place is free, else at the end of the waitlist."""
    workshop = lock_workshop(workshop_id)
    if workshop is None:
        raise Refused("not_found")
    if workshop.status != "published" or not workshop.self_signup:
        raise Refused("closed")
    if workshop.first_session_at is not None and now >= workshop.first_session_at:
        raise Refused("started")
    if not is_cohort_trainee(workshop.cohort_id, user.id):
        raise Refused("not_member")
    return _enrol(workshop, current_registrations(workshop.id), user.id, now, actor=user)


def assign(workshop_id: int, user_ids: list[int], now: datetime, actor) -> tuple[int, list[Notice]]:
    """Register trainees of the cohort in the order given; return how many were added and the notices."""
    workshop = lock_workshop(workshop_id)
    if workshop is None:
        raise Refused("not_found")
    if workshop.status not in OPEN_STATUSES:
        raise Refused("closed")
    members = set(
        db.session.execute(
            db.select(Membership.user_id).filter_by(cohort_id=workshop.cohort_id, role="trainee")
        ).scalars()
    )
    if not user_ids or any(user_id not in members for user_id in user_ids):
        raise Refused("not_member")
    registrations = current_registrations(workshop.id)
    added, notices = 0, []
    for user_id in dict.fromkeys(user_ids):  # a name ticked twice counts once
        active_before = any(r.user_id == user_id and r.status != "cancelled" for r in registrations)
        registration, sent = _enrol(workshop, registrations, user_id, now, actor=actor)
        if registration not in registrations:
            registrations.append(registration)
        added += not active_before
        notices += sent
    return added, notices


def _enrol(
    workshop: Workshop, registrations: list[Registration], user_id: int, now: datetime, actor
) -> tuple[Registration, list[Notice]]:
    registration = next((r for r in registrations if r.user_id == user_id), None)
    if registration is not None and registration.status != "cancelled":
        return registration, []  # a second click, or already assigned: nothing changes
    if registration is None:
        registration = Registration(
            workshop_id=workshop.id, user_id=user_id, status="cancelled", signed_up_at=now, changed_at=now
        )
        db.session.add(registration)
        db.session.flush()  # the waitlist rule breaks ties by registration id
    others = [seat_of(r) for r in registrations if r.id != registration.id]
    # Stamped under the lock, after everyone already holding a seat: `now` was read before the lock was
    # granted (and two servers' clocks may differ a little), so sign-up order is the order of the lock.
    stamp = now
    latest = max((s.signed_up_at for s in others if s.status != "cancelled"), default=None)
    if latest is not None and stamp <= latest:
        stamp = latest + timedelta(microseconds=1)
    seat = place_signup(workshop.capacity, others, SignUp(registration.id, stamp))
    registration.status, registration.position = seat.status, seat.position
    registration.signed_up_at = registration.changed_at = stamp
    audit.record(
        actor, "registration.created", registration, after={"user_id": user_id, "status": seat.status}
    )
    notices = [Notice(seat.status, workshop.id, user_id)] if notifies(workshop) else []
    return registration, notices


def cancel(
    workshop_id: int, registration_id: int, now: datetime, actor, *, self_service: bool
) -> list[Notice]:
    """Cancel a registration and let the waitlist move up; trainees may do it only until the cut-off."""
    workshop = lock_workshop(workshop_id)
    if workshop is None:
        raise Refused("not_found")
    registrations = current_registrations(workshop.id)
    registration = next((r for r in registrations if r.id == registration_id), None)
    if registration is None or registration.status == "cancelled":
        raise Refused("not_registered")
    if workshop.status not in OPEN_STATUSES:
        raise Refused("closed")
    if self_service and registration.status == "enrolled" and past_cutoff(workshop, now):
        raise Refused("past_cutoff")
    was = registration.status
    registration.status, registration.position, registration.changed_at = "cancelled", None, now
    audit.record(
        actor, "registration.cancelled", registration, before={"status": was}, after={"status": "cancelled"}
    )
    notices = []
    if notifies(workshop):
        notices.append(
            Notice("cancelled" if was == "enrolled" else "waitlist_left", workshop.id, registration.user_id)
        )
    return notices + promote(workshop, registrations, now)


def past_cutoff(workshop: Workshop, now: datetime) -> bool:
    """Whether a trainee can no longer cancel their place themselves."""
    first = workshop.first_session_at
    return first is not None and now >= first - timedelta(days=workshop.cancel_cutoff_days)


def promote(workshop: Workshop, registrations: list[Registration], now: datetime) -> list[Notice]:
    """Fill free places from the waitlist (outside the freeze window) and renumber those still waiting."""
    if workshop.status not in OPEN_STATUSES:
        return []
    first = workshop.first_session_at or now + timedelta(days=workshop.waitlist_freeze_days + 1)
    promotion = promote_waitlist(
        workshop.capacity,
        [seat_of(r) for r in registrations],
        now=now,
        first_session_at=first,
        freeze_days=workshop.waitlist_freeze_days,
    )
    by_id = {r.id: r for r in registrations}
    for registration_id in promotion.promoted:
        registration = by_id[registration_id]
        registration.status, registration.position, registration.changed_at = "enrolled", None, now
        audit.record(None, "registration.promoted", registration, after={"status": "enrolled"})
    for registration_id, position in promotion.positions.items():
        by_id[registration_id].position = position
    if not notifies(workshop):
        return []
    return [Notice("promoted", workshop.id, by_id[rid].user_id) for rid in promotion.promoted]


def offer_place(workshop_id: int, registration_id: int, now: datetime, actor) -> list[Notice]:
    """Give a free place to someone on the waitlist: the coordinator's call inside the freeze window."""
    workshop = lock_workshop(workshop_id)
    if workshop is None:
        raise Refused("not_found")
    if workshop.status not in OPEN_STATUSES:
        raise Refused("closed")
    registrations = current_registrations(workshop.id)
    registration = next((r for r in registrations if r.id == registration_id), None)
    if registration is None or registration.status != "waitlisted":
        raise Refused("not_waiting")
    if enrolled_count(registrations) >= workshop.capacity:
        raise Refused("full")
    registration.status, registration.position, registration.changed_at = "enrolled", None, now
    renumber(registrations)
    audit.record(
        actor,
        "registration.offered_place",
        registration,
        before={"status": "waitlisted"},
        after={"status": "enrolled"},
    )
    return [Notice("promoted", workshop.id, registration.user_id)] if notifies(workshop) else []


def renumber(registrations: list[Registration]) -> None:
    waiting = sorted(
        (r for r in registrations if r.status == "waitlisted"), key=lambda r: (r.signed_up_at, r.id)
    )
    for position, registration in enumerate(waiting, start=1):
        registration.position = position


def waitlist_state(workshop: Workshop, registrations: list[Registration], now: datetime) -> tuple[int, bool]:
    """Return the free places and whether the coordinator must offer them (freeze window, people waiting)."""
    free = max(workshop.capacity - enrolled_count(registrations), 0)
    waiting = any(r.status == "waitlisted" for r in registrations)
    first = workshop.first_session_at
    frozen = first is not None and is_frozen(now, first, workshop.waitlist_freeze_days)
    return free, bool(free and waiting and frozen and workshop.status in OPEN_STATUSES)
