"""Attendance rules: the summary that feeds certificates, and when marking is open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workshops.attendance import (
    ATTENDANCE_STATUSES,
    AttendanceSummary,
    attendance_summary,
    marking_window_open,
)

STARTS = datetime(2026, 5, 11, 7, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=8)


def test_statuses_are_the_four_a_trainer_can_mark() -> None:
    assert ATTENDANCE_STATUSES == ("present", "late", "absent", "excused")


@pytest.mark.parametrize(
    ("statuses", "excused_counts", "expected"),
    [
        (["present", "late", "absent", "excused"], False, AttendanceSummary(2, 4, 0, 50.0)),
        (["present", "late", "absent", "excused"], True, AttendanceSummary(3, 4, 0, 75.0)),
        (["present", None], False, AttendanceSummary(1, 2, 1, 50.0)),
        ([None, None], True, AttendanceSummary(0, 2, 2, 0.0)),
        (["late", "late", "late"], False, AttendanceSummary(3, 3, 0, 100.0)),
        (["excused"], False, AttendanceSummary(0, 1, 0, 0.0)),
        ([], True, AttendanceSummary(0, 0, 0, None)),
    ],
)
def test_attendance_summary(
    statuses: list[str | None], excused_counts: bool, expected: AttendanceSummary
) -> None:
    assert attendance_summary(statuses, excused_counts=excused_counts) == expected


def test_percent_is_not_rounded() -> None:
    assert attendance_summary(["present", "absent", "absent"], excused_counts=False).percent == pytest.approx(
        100 / 3
    )


@pytest.mark.parametrize("bad", ["Present", "sick", ""])
def test_unknown_status_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown attendance status"):
        attendance_summary(["present", bad], excused_counts=True)


@settings(database=None, deadline=None)
@given(st.lists(st.sampled_from([*ATTENDANCE_STATUSES, None]), max_size=30), st.booleans())
def test_summary_properties(statuses: list[str | None], excused_counts: bool) -> None:
    summary = attendance_summary(statuses, excused_counts=excused_counts)
    assert 0 <= summary.attended <= summary.total == len(statuses)
    assert summary.unmarked == statuses.count(None)
    assert summary.attended + summary.unmarked <= summary.total
    if summary.total:
        assert summary.percent is not None
        assert 0 <= summary.percent <= 100
    else:
        assert summary.percent is None
    lenient = attendance_summary(statuses, excused_counts=True)
    strict = attendance_summary(statuses, excused_counts=False)
    assert lenient.attended - strict.attended == statuses.count("excused")


# --- marking window ---------------------------------------------------------------------------------------


def window(now: datetime, *, is_locked: bool = False, **kwargs: int) -> bool:
    return marking_window_open(now, STARTS, ENDS, is_locked=is_locked, **kwargs)


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (STARTS - timedelta(days=1), False),
        (STARTS - timedelta(minutes=60, seconds=1), False),
        (STARTS - timedelta(minutes=60), True),
        (STARTS, True),
        (ENDS, True),
        (ENDS + timedelta(days=30), True),
    ],
)
def test_marking_opens_an_hour_before_and_stays_open_until_locked(now: datetime, is_open: bool) -> None:
    assert window(now) is is_open


@pytest.mark.parametrize("now", [STARTS - timedelta(minutes=30), STARTS, ENDS + timedelta(days=1)])
def test_locked_attendance_cannot_be_marked(now: datetime) -> None:
    assert window(now, is_locked=True) is False


def test_opening_lead_time_is_configurable() -> None:
    assert window(STARTS - timedelta(minutes=15), opens_minutes_before=15)
    assert not window(STARTS - timedelta(minutes=16), opens_minutes_before=15)
    assert not window(STARTS - timedelta(seconds=1), opens_minutes_before=0)
    assert window(STARTS, opens_minutes_before=0)


def test_instants_are_compared_whatever_the_offset() -> None:
    skopje = timezone(timedelta(hours=2))
    assert window(datetime(2026, 5, 11, 8, 0, tzinfo=skopje))
    assert not window(datetime(2026, 5, 11, 7, 59, tzinfo=skopje))


@pytest.mark.parametrize("which", ["now", "starts", "ends"])
def test_naive_times_are_refused(which: str) -> None:
    naive = datetime(2026, 5, 11, 7, 0)
    times = {"now": STARTS, "starts": STARTS, "ends": ENDS, which: naive}
    with pytest.raises(ValueError, match="timezone-aware"):
        marking_window_open(times["now"], times["starts"], times["ends"], is_locked=False)


def test_session_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        marking_window_open(STARTS, ENDS, STARTS, is_locked=False)


def test_negative_lead_time_is_refused() -> None:
    with pytest.raises(ValueError, match="opens_minutes_before"):
        window(STARTS, opens_minutes_before=-5)
