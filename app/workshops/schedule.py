"""Find scheduling conflicts between workshop session slots: pure rules, no database."""

from __future__ import annotations

import heapq
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

ConflictKind = Literal["ends_before_start", "person_double_booked", "venue_double_booked"]
_KIND_ORDER = {"ends_before_start": 0, "person_double_booked": 1, "venue_double_booked": 2}


@dataclass(frozen=True)
class Slot:
    """A session's time span, venue and the people (trainers and trainees) booked into it."""

    id: int
    workshop_id: int
    starts_at: datetime
    ends_at: datetime
    venue: str
    people: frozenset[int]

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")


@dataclass(frozen=True)
class Conflict:
    """A scheduling problem: its kind, the slots involved, and the person or venue they share."""

    kind: ConflictKind
    slot_ids: tuple[int, ...]
    person_id: int | None = None
    venue: str | None = None


SessionTimesProblem = Literal["ends_at_start", "ends_before_start"]


def session_times_problem(starts: time, ends: time) -> SessionTimesProblem | None:
    """Check a session day's wall-clock start and end (Skopje time); None when they are fine.

    A session starts and ends on the same calendar day, so an end at or before the start is refused,
    never read as "the next day". The workshops are 2-day daytime trainings (about 09:00-16:30): an
    end earlier than the start (09:00-05:00, 13:00-04:30) is almost always a typo for an afternoon hour,
    and reading it as the next morning would silently save a 20-hour session. Everything that shows a
    session (the e-mails, the sign-in sheet, the attendance pages, the reminders by Skopje calendar
    day) also names one date per session. A session that really runs past midnight is entered as two
    days, the second one starting at 00:00.
    """
    if ends == starts:
        return "ends_at_start"
    if ends < starts:
        return "ends_before_start"
    return None


def find_conflicts(slots: Sequence[Slot]) -> list[Conflict]:
    """Return every conflict among the slots, in a stable order."""
    by_id = {slot.id: slot for slot in slots}
    if len(by_id) != len(slots):
        raise ValueError("each slot needs its own id")
    conflicts = [Conflict("ends_before_start", (s.id,)) for s in slots if s.ends_at <= s.starts_at]
    conflicts += _person_conflicts(slots)
    conflicts += _venue_conflicts(slots)
    return sorted(conflicts, key=_conflict_order)


def conflicts_for(new_slots: Sequence[Slot], existing_slots: Sequence[Slot]) -> list[Conflict]:
    """Return the conflicts that involve a new slot; a new slot replaces an existing one with its id."""
    new_ids = {slot.id for slot in new_slots}
    if len(new_ids) != len(new_slots):
        raise ValueError("each new slot needs its own id")
    kept = [slot for slot in existing_slots if slot.id not in new_ids]
    return [c for c in find_conflicts([*kept, *new_slots]) if new_ids.intersection(c.slot_ids)]


def normalize_venue(venue: str) -> str:
    """Return the venue as compared for clashes: case, spacing and Unicode form ignored."""
    return "".join(unicodedata.normalize("NFKC", venue).split()).casefold()


def _person_conflicts(slots: Sequence[Slot]) -> Iterator[Conflict]:
    by_person: dict[int, list[Slot]] = defaultdict(list)
    for slot in slots:
        for person in slot.people:
            by_person[person].append(slot)
    for person, booked in by_person.items():
        for pair in _overlapping_pairs(booked):
            yield Conflict("person_double_booked", pair, person_id=person)


def _venue_conflicts(slots: Sequence[Slot]) -> Iterator[Conflict]:
    by_venue: dict[str, list[Slot]] = defaultdict(list)
    for slot in slots:
        key = normalize_venue(slot.venue)
        # A blank venue means "not decided yet", which cannot clash with anything.
        if key:
            by_venue[key].append(slot)
    for booked in by_venue.values():
        names = {slot.id: slot.venue.strip() for slot in booked}
        for pair in _overlapping_pairs(booked):
            yield Conflict("venue_double_booked", pair, venue=names[pair[0]])


def _overlapping_pairs(slots: list[Slot]) -> Iterator[tuple[int, int]]:
    """Yield the id pairs of slots whose half-open spans overlap, sweeping in start order."""
    ongoing: list[tuple[datetime, int]] = []
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.id)):
        if slot.ends_at <= slot.starts_at:
            continue
        while ongoing and ongoing[0][0] <= slot.starts_at:
            heapq.heappop(ongoing)
        for _, other_id in ongoing:
            yield (min(slot.id, other_id), max(slot.id, other_id))
        heapq.heappush(ongoing, (slot.ends_at, slot.id))


def _conflict_order(conflict: Conflict) -> tuple[int, tuple[int, ...], int, str]:
    return (
        _KIND_ORDER[conflict.kind],
        conflict.slot_ids,
        conflict.person_id if conflict.person_id is not None else -1,
        conflict.venue or "",
    )


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
