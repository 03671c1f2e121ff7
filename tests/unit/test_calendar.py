"""Calendar building: parse what we write with icalendar and compare with what went in."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from app.workshops.calendar import PRODID, Attendee, SessionEvent, build_calendar

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
WINTER = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
SUMMER = datetime(2026, 5, 11, 7, 0, tzinfo=UTC)
HYPOTHESIS = settings(database=None, deadline=None, max_examples=150)


def session(number: int = 12, starts_at: datetime = SUMMER, **changes: object) -> SessionEvent:
    event = SessionEvent(
        uid=f"session-{number}@protection-academy",
        summary="Работилница 1 — ден 1",
        description="Заштита на ранливи мигранти.\nДен 1: идентификација и упатување.",
        location="Хотел Арка, ул. Македонија 1; Скопје",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=8),
        organizer_name="Ана Петровска",
        organizer_email="ana.petrovska@example.org",
        url=f"https://academy.example.org/workshops/1#session-{number}",
        sequence=0,
        cancelled=False,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def build(events: list[SessionEvent], **kwargs: object) -> bytes:
    kwargs.setdefault("name", "Работилници — Protection Academy")
    kwargs.setdefault("now", NOW)
    return build_calendar(events, **kwargs)  # type: ignore[arg-type]


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def only_event(data: bytes) -> Event:
    (event,) = parse(data).walk("VEVENT")
    return event


def test_calendar_header() -> None:
    calendar = parse(build([session()], method="REQUEST"))
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["X-WR-CALNAME"]) == "Работилници — Protection Academy"


def test_default_method_is_publish() -> None:
    assert str(parse(build([session()]))["METHOD"]) == "PUBLISH"


def test_skopje_time_zone_is_embedded_before_the_events() -> None:
    data = build([session()])
    (vtimezone,) = parse(data).walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Skopje"
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


@pytest.mark.parametrize("starts_at", [WINTER, SUMMER])
def test_times_are_written_in_skopje_and_read_back_as_the_same_instants(starts_at: datetime) -> None:
    data = build([session(starts_at=starts_at)])
    event = only_event(data)
    assert event.start == starts_at
    assert event.end == starts_at + timedelta(hours=8)
    # 08:00 UTC in winter (+01:00) and 07:00 UTC in summer (+02:00) are both 09:00 in Skopje.
    assert f"DTSTART;TZID=Europe/Skopje:{starts_at:%Y%m%d}T090000".encode() in data
    assert event["DTSTART"].params["TZID"] == "Europe/Skopje"
    assert event["DTEND"].params["TZID"] == "Europe/Skopje"


def test_another_zone_can_be_asked_for() -> None:
    data = build([session()], tz="Europe/Tirane")
    assert b"TZID:Europe/Tirane" in data
    assert only_event(data)["DTSTART"].params["TZID"] == "Europe/Tirane"
    assert only_event(data).start == SUMMER


def test_second_occurrence_of_a_repeated_hour_keeps_its_instant() -> None:
    # 00:30 and 01:30 UTC on 25 October 2026 are both 02:30 in Skopje.
    first = session(
        1, datetime(2026, 10, 25, 0, 30, tzinfo=UTC), ends_at=datetime(2026, 10, 25, 3, tzinfo=UTC)
    )
    second = session(
        2, datetime(2026, 10, 25, 1, 30, tzinfo=UTC), ends_at=datetime(2026, 10, 25, 3, tzinfo=UTC)
    )
    events = parse(build([first, second])).walk("VEVENT")
    # Compared in UTC: Python never calls an ambiguous local time equal to an instant in another zone.
    assert [utc(e.start) for e in events] == [first.starts_at, second.starts_at]


@HYPOTHESIS
@given(
    st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC)), st.integers(1, 600)
)
@example(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), 2)  # clocks go forward at 01:00 UTC
@example(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 60)
@example(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 60)  # clocks go back at 01:00 UTC
@example(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 30)
@example(datetime(2035, 12, 31, 23, 30, tzinfo=UTC), 60)  # already the next year in Skopje
def test_every_instant_survives_with_the_embedded_time_zone_alone(starts_at: datetime, minutes: int) -> None:
    starts_at = starts_at.replace(second=0, microsecond=0)
    ends_at = starts_at + timedelta(minutes=minutes)
    data = build([session(starts_at=starts_at, ends_at=ends_at)])
    calendar = parse(data)
    # Read the wall times against our VTIMEZONE rather than the system's zone database.
    (vtimezone,) = calendar.walk("VTIMEZONE")
    embedded = vtimezone.to_tz(lookup_tzid=False)
    event = only_event(data)
    for name, instant in (("DTSTART", starts_at), ("DTEND", ends_at)):
        value = event.decoded(name)
        assert utc(value) == instant
        if "TZID" in event[name].params:
            assert utc(value.replace(tzinfo=embedded)) == instant


def test_stamp_is_now_in_utc() -> None:
    skopje = timezone(timedelta(hours=2))
    data = build([session()], now=NOW.astimezone(skopje))
    assert b"DTSTAMP:20260401T100000Z" in data
    assert only_event(data).DTSTAMP == NOW


def test_event_properties() -> None:
    event = only_event(build([session(sequence=3)]))
    assert str(event["UID"]) == "session-12@protection-academy"
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Работилница 1 — ден 1"
    assert str(event["DESCRIPTION"]) == "Заштита на ранливи мигранти.\nДен 1: идентификација и упатување."
    assert str(event["LOCATION"]) == "Хотел Арка, ул. Македонија 1; Скопје"
    assert str(event["URL"]) == "https://academy.example.org/workshops/1#session-12"


def test_organizer_has_a_name_and_a_mailto_address() -> None:
    organizer = only_event(build([session()]))["ORGANIZER"]
    assert str(organizer) == "mailto:ana.petrovska@example.org"
    assert organizer.params["CN"] == "Ана Петровска"


def test_organizer_name_loses_backslashes_and_line_breaks() -> None:
    organizer = only_event(build([session(organizer_name="Ана\\Петровска\n\\ ")]))["ORGANIZER"]
    assert organizer.params["CN"] == "Ана Петровска"


def test_organizer_name_with_quotes_and_separators_survives() -> None:
    name = 'Ана "Ани" Петровска; CSW Скопје, Центар: 1'
    organizer = only_event(build([session(organizer_name=name)]))["ORGANIZER"]
    assert organizer.params["CN"] == name


def test_attendees_are_listed_for_invitations() -> None:
    attendees = (
        Attendee("Марија Стојанова", "marija@example.org"),
        Attendee("Arben Hoxha", "arben@example.org"),
    )
    event = only_event(build([session(attendees=attendees)], method="REQUEST"))
    listed = event["ATTENDEE"]
    assert [str(a) for a in listed] == ["mailto:marija@example.org", "mailto:arben@example.org"]
    assert [a.params["CN"] for a in listed] == ["Марија Стојанова", "Arben Hoxha"]


def test_no_attendees_by_default() -> None:
    assert "ATTENDEE" not in only_event(build([session()]))


def test_cancelled_session() -> None:
    data = build([session(cancelled=True, sequence=2)], method="CANCEL")
    event = only_event(data)
    assert str(parse(data)["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 2


def test_cancelled_session_in_a_published_feed() -> None:
    assert str(only_event(build([session(cancelled=True)]))["STATUS"]) == "CANCELLED"


def test_cancel_message_may_only_hold_cancelled_sessions() -> None:
    with pytest.raises(ValueError, match="only hold cancelled"):
        build([session(1, cancelled=True), session(2)], method="CANCEL")


def test_empty_optional_fields_are_left_out() -> None:
    event = only_event(build([session(description="", location="", url=None)]))
    assert "DESCRIPTION" not in event
    assert "LOCATION" not in event
    assert "URL" not in event


def test_control_characters_are_dropped_and_line_breaks_kept() -> None:
    event = only_event(build([session(description="ред 1\r\nред 2\rред 3\x00\x0b\tкрај")]))
    assert str(event["DESCRIPTION"]) == "ред 1\nред 2\nред 3\tкрај"


@HYPOTHESIS
@given(
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t"), min_size=1, max_size=200
    ),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=80),
)
def test_any_text_round_trips(text: str, name: str) -> None:
    event = only_event(build([session(summary=text, description=text, location=text, organizer_name=name)]))
    assert str(event["SUMMARY"]) == text
    assert str(event["DESCRIPTION"]) == text
    assert str(event["LOCATION"]) == text
    assert event["ORGANIZER"].params["CN"] == " ".join(name.replace("\\", " ").split())


def test_several_sessions_in_start_order() -> None:
    events = [session(3, SUMMER + timedelta(days=1)), session(1, WINTER), session(2, SUMMER)]
    parsed = parse(build(events)).walk("VEVENT")
    assert [str(e["UID"]) for e in parsed] == [
        "session-1@protection-academy",
        "session-2@protection-academy",
        "session-3@protection-academy",
    ]
    assert len(parse(build(events)).walk("VTIMEZONE")) == 1


def test_empty_calendar_is_valid() -> None:
    calendar = parse(build([]))
    assert calendar.walk("VEVENT") == []
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Skopje"]


# --- the bytes on the wire --------------------------------------------------------------------------------


def long_session() -> SessionEvent:
    return session(
        summary="Работилница за заштита и помош на мигранти ранливи на насилство, "
        "експлоатација и злоупотреба",
        description="Опис со кирилица и долги редови. " * 20,
        organizer_name="Ана Петровска-Стојановска, Центар за социјална работа Скопје",
    )


def test_lines_end_with_crlf() -> None:
    data = build([long_session()])
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")


def test_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    data = build([long_session()])
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long description should have been folded"
    for line in lines:
        line.decode("utf-8")  # a character split across a fold would fail here


def test_output_is_deterministic_and_independent_of_input_order() -> None:
    events = [long_session(), session(2, WINTER), session(3, SUMMER + timedelta(days=1))]
    first = build(events)
    assert build(events) == first
    assert build(list(reversed(events))) == first


def test_sessions_starting_together_are_ordered_by_uid() -> None:
    events = [session(2), session(1)]
    assert build(events) == build(list(reversed(events)))
    assert [str(e["UID"]) for e in parse(build(events)).walk("VEVENT")] == [
        "session-1@protection-academy",
        "session-2@protection-academy",
    ]


def test_content_lines_are_well_formed() -> None:
    unfolded = re.sub(rb"\r\n[ \t]", b"", build([long_session()])).split(b"\r\n")[:-1]
    assert all(re.match(rb"^[A-Z][A-Z0-9-]*[;:]", line) for line in unfolded)


# --- refused input ----------------------------------------------------------------------------------------


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 5, 11, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        session(starts_at=naive, ends_at=naive + timedelta(hours=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        session(ends_at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        build([session()], now=naive)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": SUMMER}, "end after it starts"),
        ({"ends_at": SUMMER - timedelta(hours=1)}, "end after it starts"),
        ({"uid": " "}, "needs a uid"),
        ({"sequence": -1}, "sequence"),
    ],
)
def test_invalid_events_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        session(**changes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "PUBLISHED"}, "unknown calendar method"),
        ({"tz": "Europe/Nowhere"}, "unknown time zone"),
        ({"tz": "Europe"}, "unknown time zone"),
        ({"tz": ""}, "unknown time zone"),
    ],
)
def test_invalid_calendar_options_are_refused(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build([session()], **kwargs)


def test_duplicate_uids_are_refused() -> None:
    with pytest.raises(ValueError, match="own uid"):
        build([session(1), session(1, WINTER)])
