"""Schedule conflict rules: people and venues booked twice, sessions ending before they start."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workshops.schedule import (
    Conflict,
    Slot,
    conflicts_for,
    find_conflicts,
    normalize_venue,
    session_times_problem,
)

DAY = datetime(2026, 5, 11, tzinfo=UTC)
HYPOTHESIS = settings(database=None, deadline=None, max_examples=300)


def slot(
    slot_id: int,
    start: float,
    end: float,
    *,
    workshop: int = 1,
    venue: str = "",
    people: tuple[int, ...] = (),
) -> Slot:
    """Return a slot on DAY from hour `start` to hour `end`."""
    return Slot(
        id=slot_id,
        workshop_id=workshop,
        starts_at=DAY + timedelta(hours=start),
        ends_at=DAY + timedelta(hours=end),
        venue=venue,
        people=frozenset(people),
    )


def person(ids: tuple[int, ...], person_id: int) -> Conflict:
    return Conflict("person_double_booked", ids, person_id=person_id)


def test_separate_sessions_do_not_conflict() -> None:
    slots = [slot(1, 9, 12, venue="Hall", people=(7,)), slot(2, 13, 17, venue="Hall", people=(7,))]
    assert find_conflicts(slots) == []


def test_back_to_back_sessions_do_not_conflict() -> None:
    slots = [slot(1, 9, 12, venue="Hall", people=(7,)), slot(2, 12, 17, venue="Hall", people=(7,))]
    assert find_conflicts(slots) == []


@pytest.mark.parametrize("end", [9, 8])
def test_session_ending_at_or_before_its_start(end: int) -> None:
    bad = slot(1, 9, end, venue="Hall", people=(7,))
    overlapping = slot(2, 8, 10, venue="Hall", people=(7,))
    # An empty span occupies no time, so it is reported once and clashes with nothing.
    assert find_conflicts([bad, overlapping]) == [Conflict("ends_before_start", (1,))]


def test_trainer_in_two_workshops_at_once() -> None:
    slots = [slot(1, 9, 12, workshop=1, people=(7, 8)), slot(2, 11, 13, workshop=2, people=(7, 9))]
    assert find_conflicts(slots) == [person((1, 2), 7)]


def test_overlapping_slots_of_one_workshop_also_conflict() -> None:
    slots = [slot(1, 9, 12, workshop=3, people=(7,)), slot(2, 10, 11, workshop=3, people=(7,))]
    assert find_conflicts(slots) == [person((1, 2), 7)]


def test_each_shared_person_is_reported() -> None:
    slots = [slot(2, 9, 12, people=(5, 6, 7)), slot(1, 10, 11, people=(5, 7))]
    assert find_conflicts(slots) == [person((1, 2), 5), person((1, 2), 7)]


def test_people_in_overlapping_slots_without_overlap_in_people_are_fine() -> None:
    assert find_conflicts([slot(1, 9, 12, people=(1,)), slot(2, 9, 12, people=(2,))]) == []


def test_a_long_slot_conflicts_with_each_slot_it_contains_only() -> None:
    slots = [slot(1, 8, 18, people=(7,)), slot(2, 9, 10, people=(7,)), slot(3, 11, 12, people=(7,))]
    assert find_conflicts(slots) == [person((1, 2), 7), person((1, 3), 7)]


@pytest.mark.parametrize(
    "other",
    ["Hotel Arka", "hotel arka", "  HOTEL   ARKA ", "HotelArka", "Hotel\tArka", "Ｈｏｔｅｌ Ａｒｋａ"],
)
def test_venue_is_compared_without_case_or_spacing(other: str) -> None:
    slots = [slot(1, 9, 12, venue="Hotel Arka"), slot(2, 11, 13, workshop=2, venue=other)]
    assert find_conflicts(slots) == [Conflict("venue_double_booked", (1, 2), venue="Hotel Arka")]


def test_cyrillic_venues_are_compared_without_case() -> None:
    slots = [slot(1, 9, 12, venue=" Хотел Арка "), slot(2, 11, 13, venue="ХОТЕЛ АРКА")]
    assert find_conflicts(slots) == [Conflict("venue_double_booked", (1, 2), venue="Хотел Арка")]


def test_different_venues_and_blank_venues_never_clash() -> None:
    slots = [
        slot(1, 9, 12, venue="Hall A"),
        slot(2, 9, 12, venue="Hall B"),
        slot(3, 9, 12),
        slot(4, 9, 12, venue=" "),
    ]
    assert find_conflicts(slots) == []


def test_overlap_is_judged_on_instants_whatever_the_offset() -> None:
    skopje = timezone(timedelta(hours=2))
    local = Slot(
        2,
        2,
        datetime(2026, 5, 11, 11, 30, tzinfo=skopje),
        datetime(2026, 5, 11, 14, tzinfo=skopje),
        "Hall",
        frozenset({7}),
    )
    # 11:30 in Skopje is 09:30 UTC, inside the first slot; the second pair only touches.
    touching = Slot(
        3,
        3,
        datetime(2026, 5, 11, 14, tzinfo=skopje),
        datetime(2026, 5, 11, 15, tzinfo=skopje),
        "Elsewhere",
        frozenset({7}),
    )
    slots = [slot(1, 9, 10, venue="hall", people=(7,)), local, touching]
    assert find_conflicts(slots) == [person((1, 2), 7), Conflict("venue_double_booked", (1, 2), venue="hall")]


def test_conflicts_come_sorted_by_kind_then_slots() -> None:
    slots = [
        slot(4, 9, 12, venue="Hall", people=(1,)),
        slot(3, 9, 12, venue="Hall", people=(1,)),
        slot(9, 14, 13),
    ]
    assert find_conflicts(slots) == [
        Conflict("ends_before_start", (9,)),
        person((3, 4), 1),
        Conflict("venue_double_booked", (3, 4), venue="Hall"),
    ]


def test_duplicate_slot_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="own id"):
        find_conflicts([slot(1, 9, 10), slot(1, 11, 12)])


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Slot(1, 1, datetime(2026, 5, 11, 9), DAY, "Hall", frozenset())
    with pytest.raises(ValueError, match="timezone-aware"):
        Slot(1, 1, DAY, datetime(2026, 5, 11, 9), "Hall", frozenset())


def test_normalize_venue() -> None:
    assert normalize_venue("  Сала  1 ") == normalize_venue("САЛА1") == "сала1"
    assert normalize_venue(" \t ") == ""


# --- conflicts_for ----------------------------------------------------------------------------------------


def test_conflicts_for_reports_only_those_involving_a_new_slot() -> None:
    existing = [slot(1, 9, 12, people=(7,)), slot(2, 10, 11, people=(7,)), slot(3, 13, 14, venue="Hall")]
    new = [slot(10, 13, 15, venue="hall", people=(8,))]
    assert conflicts_for(new, existing) == [Conflict("venue_double_booked", (3, 10), venue="Hall")]


def test_conflicts_for_includes_clashes_between_new_slots() -> None:
    new = [slot(10, 9, 12, people=(7,)), slot(11, 11, 12, people=(7,)), slot(12, 12, 11)]
    assert conflicts_for(new, []) == [Conflict("ends_before_start", (12,)), person((10, 11), 7)]


def test_an_edited_slot_replaces_its_old_version() -> None:
    existing = [slot(1, 9, 12, venue="Hall", people=(7,))]
    moved = [slot(1, 10, 13, venue="Hall", people=(7,))]
    assert conflicts_for(moved, existing) == []


def test_duplicate_new_slot_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="own id"):
        conflicts_for([slot(5, 9, 10), slot(5, 11, 12)], [])


# --- hypothesis: the sweep agrees with checking every pair ------------------------------------------------


def brute_force(slots: list[Slot]) -> list[Conflict]:
    """Compare every pair: slow and obviously right."""
    found = [Conflict("ends_before_start", (s.id,)) for s in slots if s.ends_at <= s.starts_at]
    for a, b in itertools.combinations(sorted(slots, key=lambda s: s.id), 2):
        valid = a.starts_at < a.ends_at and b.starts_at < b.ends_at
        if not (valid and a.starts_at < b.ends_at and b.starts_at < a.ends_at):
            continue
        found += [person((a.id, b.id), p) for p in a.people & b.people]
        if normalize_venue(a.venue) and normalize_venue(a.venue) == normalize_venue(b.venue):
            found.append(Conflict("venue_double_booked", (a.id, b.id), venue=a.venue.strip()))
    return found


@st.composite
def slot_lists(draw: st.DrawFn, min_id: int = 1) -> list[Slot]:
    ids = draw(st.lists(st.integers(min_id, min_id + 40), unique=True, max_size=12))
    slots = []
    for slot_id in ids:
        # A coarse grid of half hours makes touching and identical spans common.
        start, length = draw(st.integers(0, 16)), draw(st.integers(-2, 8))
        slots.append(
            slot(
                slot_id,
                start / 2,
                (start + length) / 2,
                workshop=draw(st.integers(1, 3)),
                venue=draw(st.sampled_from(["", "Hall", " hall ", "HALL", "Room 2", "room2", "Сала"])),
                people=tuple(draw(st.sets(st.integers(1, 5), max_size=3))),
            )
        )
    return slots


@HYPOTHESIS
@given(slot_lists())
def test_find_conflicts_matches_checking_every_pair(slots: list[Slot]) -> None:
    result = find_conflicts(slots)
    assert sorted(result, key=repr) == sorted(brute_force(slots), key=repr)
    assert find_conflicts(list(reversed(slots))) == result


@HYPOTHESIS
@given(slot_lists(min_id=1), slot_lists(min_id=30))
def test_conflicts_for_is_every_conflict_touching_a_new_slot(existing: list[Slot], new: list[Slot]) -> None:
    new_ids = {s.id for s in new}
    combined = [s for s in existing if s.id not in new_ids] + new
    expected = [c for c in brute_force(combined) if new_ids & set(c.slot_ids)]
    assert sorted(conflicts_for(new, existing), key=repr) == sorted(expected, key=repr)


# -- a session day's start and end (Skopje wall-clock times of one date) -----------------------------------


@pytest.mark.parametrize(
    ("starts", "ends", "problem"),
    [
        (time(9), time(16, 30), None),  # the usual workshop day
        (time(0), time(1), None),  # the second half of a session that ran past midnight
        (time(18), time(23, 59), None),
        (time(9), time(9), "ends_at_start"),
        (time(18), time(1), "ends_before_start"),  # past midnight: refused, never read as the next day
        (time(9), time(5), "ends_before_start"),  # the typo it usually is (05:00 for 17:00)
        (time(13), time(12, 59), "ends_before_start"),
    ],
)
def test_a_session_starts_and_ends_on_the_same_day(starts: time, ends: time, problem: str | None) -> None:
    assert session_times_problem(starts, ends) == problem


@HYPOTHESIS
@given(st.times(), st.times())
def test_session_times_are_fine_exactly_when_the_end_is_later(starts: time, ends: time) -> None:
    assert (session_times_problem(starts, ends) is None) == (ends > starts)
