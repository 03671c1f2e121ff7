"""Place sign-ups on a workshop and promote its waitlist: pure rules, no database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args

SeatStatus = Literal["enrolled", "waitlisted", "cancelled"]
SEAT_STATUSES: tuple[str, ...] = get_args(SeatStatus)


@dataclass(frozen=True)
class SignUp:
    """A registration asking for a place."""

    registration_id: int
    signed_up_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.signed_up_at, "signed_up_at")


@dataclass(frozen=True)
class Seat:
    """A registration's standing on a workshop: enrolled, waitlisted at a position, or cancelled."""

    registration_id: int
    status: SeatStatus
    signed_up_at: datetime
    position: int | None = None

    def __post_init__(self) -> None:
        _require_aware(self.signed_up_at, "signed_up_at")
        if self.status not in SEAT_STATUSES:
            raise ValueError(f"unknown seat status {self.status!r}")
        if self.status == "waitlisted" and (self.position is None or self.position < 1):
            raise ValueError("a waitlisted seat needs a position of 1 or more")
        if self.status != "waitlisted" and self.position is not None:
            raise ValueError(f"a seat that is {self.status} has no waitlist position")


@dataclass(frozen=True)
class Promotion:
    """What to apply after a cancellation or a capacity change."""

    promoted: tuple[int, ...]
    positions: dict[int, int] = field(default_factory=dict)
    needs_coordinator: bool = False


def place_signup(capacity: int, seats: Sequence[Seat], new: SignUp) -> Seat:
    """Enrol the new sign-up if a place is free and nobody waits; otherwise waitlist it at the end."""
    _check_capacity(capacity)
    active = _active_by_id(seats)
    if new.registration_id in active:
        raise ValueError(f"registration {new.registration_id} already holds a seat")
    waiting = _waitlist(active.values())
    # Positions are handed out in arrival order; an earlier time would contradict the sign-up order.
    if waiting and _signup_key(new) < _signup_key(waiting[-1]):
        raise ValueError("a new sign-up cannot predate someone already waiting; stamp it under the lock")
    if not waiting and _enrolled_count(active.values()) < capacity:
        return Seat(new.registration_id, "enrolled", new.signed_up_at)
    return Seat(new.registration_id, "waitlisted", new.signed_up_at, position=len(waiting) + 1)


def promote_waitlist(
    capacity: int,
    seats: Sequence[Seat],
    *,
    now: datetime,
    first_session_at: datetime,
    freeze_days: int,
) -> Promotion:
    """Fill free places from the waitlist in sign-up order, unless the coordinator must decide."""
    _check_capacity(capacity)
    _require_aware(now, "now")
    _require_aware(first_session_at, "first_session_at")
    if freeze_days < 0:
        raise ValueError("freeze_days cannot be negative")
    active = _active_by_id(seats).values()
    waiting = _waitlist(active)
    free = max(capacity - _enrolled_count(active), 0)
    if is_frozen(now, first_session_at, freeze_days):
        return Promotion((), _positions(waiting), needs_coordinator=bool(free and waiting))
    promoted = tuple(seat.registration_id for seat in waiting[:free])
    return Promotion(promoted, _positions(waiting[free:]))


def is_frozen(now: datetime, first_session_at: datetime, freeze_days: int) -> bool:
    """Return whether automatic promotion has stopped because the first session is near or past."""
    return now >= first_session_at - timedelta(days=freeze_days)


def _active_by_id(seats: Sequence[Seat]) -> dict[int, Seat]:
    active: dict[int, Seat] = {}
    for seat in seats:
        if seat.status == "cancelled":
            continue
        if seat.registration_id in active:
            raise ValueError(f"registration {seat.registration_id} holds two seats")
        active[seat.registration_id] = seat
    return active


def _waitlist(seats: Iterable[Seat]) -> list[Seat]:
    return sorted((seat for seat in seats if seat.status == "waitlisted"), key=_signup_key)


def _enrolled_count(seats: Iterable[Seat]) -> int:
    return sum(1 for seat in seats if seat.status == "enrolled")


def _positions(waiting: Sequence[Seat]) -> dict[int, int]:
    return {seat.registration_id: index for index, seat in enumerate(waiting, start=1)}


def _signup_key(entry: Seat | SignUp) -> tuple[datetime, int]:
    return (entry.signed_up_at, entry.registration_id)


def _check_capacity(capacity: int) -> None:
    if capacity < 0:
        raise ValueError("capacity cannot be negative")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
