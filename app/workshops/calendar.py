"""Build RFC 5545 calendars of workshop sessions: pure rules, no database."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone, vCalAddress

PRODID = "-//Protection Academy//Workshops//EN"
CalendarMethod = Literal["PUBLISH", "REQUEST", "CANCEL"]
CALENDAR_METHODS: tuple[str, ...] = get_args(CalendarMethod)


@dataclass(frozen=True)
class Attendee:
    """A person invited to a session, for METHOD:REQUEST and CANCEL messages."""

    name: str
    email: str


@dataclass(frozen=True)
class SessionEvent:
    """One session day as a calendar event; the uid stays the same across updates."""

    uid: str
    summary: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    organizer_name: str
    organizer_email: str
    url: str | None
    sequence: int
    cancelled: bool
    attendees: tuple[Attendee, ...] = ()

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"event {self.uid!r} must end after it starts")
        if not self.uid.strip():
            raise ValueError("an event needs a uid")
        if self.sequence < 0:
            raise ValueError("sequence cannot be negative")


def build_calendar(
    events: Sequence[SessionEvent],
    *,
    name: str,
    method: CalendarMethod = "PUBLISH",
    tz: str = "Europe/Skopje",
    now: datetime,
) -> bytes:
    """Return the events as an iCalendar file with its time zone, ordered by start then uid."""
    _require_aware(now, "now")
    _check_method(method, events)
    zone = _zone(tz)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", method)
    calendar.calendar_name = _text(name)
    first, last = _span(events, zone, now)
    calendar.add_component(Timezone.from_tzid(tz, first_date=first, last_date=last))
    stamp = now.astimezone(UTC)
    for event in sorted(events, key=lambda e: (e.starts_at, e.uid)):
        calendar.add_component(_vevent(event, zone, stamp))
    return calendar.to_ical()


def _vevent(event: SessionEvent, zone: ZoneInfo, stamp: datetime) -> Event:
    return Event.new(
        uid=event.uid,
        stamp=stamp,
        start=_local(event.starts_at, zone),
        end=_local(event.ends_at, zone),
        summary=_text(event.summary),
        description=_text(event.description) or None,
        location=_text(event.location) or None,
        organizer=_address(event.organizer_name, event.organizer_email),
        attendees=[_address(a.name, a.email) for a in event.attendees] or None,
        sequence=event.sequence,
        status="CANCELLED" if event.cancelled else "CONFIRMED",
        url=event.url,
    )


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    local = instant.astimezone(zone)
    # A local time repeated when clocks go back reads as its first occurrence (RFC 5545 3.3.5),
    # so the second occurrence is written in UTC to keep the instant exact.
    return instant.astimezone(UTC) if local.fold else local


def _address(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email.strip()}")
    # Parsers (icalendar's among them) read a backslash in a parameter as an escape; no name needs one.
    address.params["CN"] = " ".join(_text(name).replace("\\", " ").split())
    return address


def _text(value: str) -> str:
    # RFC 5545 TEXT allows no control characters but tab; line breaks travel as "\n".
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def _span(events: Sequence[SessionEvent], zone: ZoneInfo, now: datetime) -> tuple[date, date]:
    """Return whole years around the events, which is all the VTIMEZONE has to describe."""
    instants = [t for e in events for t in (e.starts_at, e.ends_at)] or [now]
    years = [t.astimezone(zone).year for t in instants]
    return date(min(years), 1, 1), date(max(years) + 1, 1, 1)


def _check_method(method: str, events: Sequence[SessionEvent]) -> None:
    if method not in CALENDAR_METHODS:
        raise ValueError(f"unknown calendar method {method!r}")
    if method == "CANCEL" and not all(e.cancelled for e in events):
        raise ValueError("a CANCEL calendar may only hold cancelled events")
    uids = [e.uid for e in events]
    if len(set(uids)) != len(uids):
        raise ValueError("each event needs its own uid")


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(f"unknown time zone {tz!r}") from error


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
