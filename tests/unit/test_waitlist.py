"""Waitlist rules: placing sign-ups and promoting, in every order of events."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from app.workshops.waitlist import Promotion, Seat, SignUp, is_frozen, place_signup, promote_waitlist

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FIRST_SESSION = datetime(2026, 5, 11, 7, 0, tzinfo=UTC)
FREEZE_DAYS = 3
IN_FREEZE = FIRST_SESSION - timedelta(days=1)
HYPOTHESIS = settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def enrolled(rid: int, minutes: int = 0) -> Seat:
    return Seat(rid, "enrolled", at(minutes))


def waiting(rid: int, position: int, minutes: int = 0) -> Seat:
    return Seat(rid, "waitlisted", at(minutes), position)


def cancelled(rid: int, minutes: int = 0) -> Seat:
    return Seat(rid, "cancelled", at(minutes))


def promote(capacity: int, seats: list[Seat], now: datetime = START) -> Promotion:
    return promote_waitlist(capacity, seats, now=now, first_session_at=FIRST_SESSION, freeze_days=FREEZE_DAYS)


# --- place_signup -----------------------------------------------------------------------------------------


def test_first_signup_is_enrolled() -> None:
    assert place_signup(2, [], SignUp(1, at(0))) == enrolled(1)


def test_signup_to_a_full_workshop_waits_at_the_end() -> None:
    seats = [enrolled(1, 0), enrolled(2, 1), waiting(3, 1, 2)]
    assert place_signup(2, seats, SignUp(4, at(3))) == waiting(4, 2, 3)


def test_cancelled_seats_free_their_place() -> None:
    assert place_signup(1, [cancelled(1)], SignUp(2, at(1))).status == "enrolled"


def test_signup_never_jumps_the_queue_even_with_a_free_place() -> None:
    # Possible inside the freeze window, where a free place waits for the coordinator.
    seats = [enrolled(1, 0), waiting(2, 1, 1)]
    assert place_signup(5, seats, SignUp(3, at(2))) == waiting(3, 2, 2)


def test_zero_capacity_waitlists_everyone() -> None:
    assert place_signup(0, [], SignUp(1, at(0))) == waiting(1, 1, 0)


def test_signing_up_again_after_cancelling_is_allowed() -> None:
    assert place_signup(1, [cancelled(1, 0)], SignUp(1, at(5))) == enrolled(1, 5)


@pytest.mark.parametrize("existing", [enrolled(1), waiting(1, 1)])
def test_signing_up_twice_is_refused(existing: Seat) -> None:
    with pytest.raises(ValueError, match="already holds a seat"):
        place_signup(3, [existing], SignUp(1, at(9)))


def test_signup_predating_a_waiting_one_is_refused() -> None:
    with pytest.raises(ValueError, match="predate"):
        place_signup(0, [waiting(1, 1, 10)], SignUp(2, at(5)))


def test_signup_at_the_same_instant_is_ordered_by_registration_id() -> None:
    assert place_signup(0, [waiting(1, 1, 10)], SignUp(2, at(10))) == waiting(2, 2, 10)
    with pytest.raises(ValueError, match="predate"):
        place_signup(0, [waiting(2, 1, 10)], SignUp(1, at(10)))


def test_negative_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        place_signup(-1, [], SignUp(1, at(0)))


def test_two_active_seats_for_one_registration_are_refused() -> None:
    with pytest.raises(ValueError, match="two seats"):
        place_signup(3, [enrolled(1), waiting(1, 1)], SignUp(2, at(1)))


# --- Seat and SignUp validation ---------------------------------------------------------------------------


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 3, 1, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        SignUp(1, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        Seat(1, "enrolled", naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        promote_waitlist(1, [], now=naive, first_session_at=FIRST_SESSION, freeze_days=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        promote_waitlist(1, [], now=START, first_session_at=naive, freeze_days=1)


@pytest.mark.parametrize(
    ("status", "position", "message"),
    [
        ("waitlisted", None, "needs a position"),
        ("waitlisted", 0, "needs a position"),
        ("enrolled", 1, "no waitlist position"),
        ("cancelled", 2, "no waitlist position"),
        ("pending", None, "unknown seat status"),
    ],
)
def test_inconsistent_seats_are_refused(status: str, position: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Seat(1, status, START, position)  # type: ignore[arg-type]


def test_any_aware_zone_is_accepted() -> None:
    skopje_summer = timezone(timedelta(hours=2))
    assert SignUp(1, START.astimezone(skopje_summer)).signed_up_at == START


# --- promote_waitlist -------------------------------------------------------------------------------------


def test_cancellation_promotes_the_first_in_sign_up_order() -> None:
    seats = [cancelled(1), enrolled(2, 1), waiting(4, 1, 3), waiting(3, 2, 2), waiting(5, 3, 4)]
    assert promote(2, seats) == Promotion(promoted=(3,), positions={4: 1, 5: 2})


def test_capacity_increase_promotes_several_in_order() -> None:
    seats = [enrolled(1, 0), waiting(2, 1, 1), waiting(3, 2, 2), waiting(4, 3, 3)]
    assert promote(3, seats) == Promotion(promoted=(2, 3), positions={4: 1})


def test_capacity_increase_beyond_the_waitlist_promotes_everyone() -> None:
    assert promote(10, [enrolled(1, 0), waiting(2, 1, 1)]) == Promotion(promoted=(2,), positions={})


def test_full_workshop_promotes_nobody_and_renumbers_gaps() -> None:
    seats = [enrolled(1, 0), waiting(2, 1, 1), cancelled(3, 2), waiting(4, 3, 3)]
    assert promote(1, seats) == Promotion(promoted=(), positions={2: 1, 4: 2})


def test_capacity_lowered_below_enrolled_demotes_and_promotes_nobody() -> None:
    seats = [
        enrolled(1, 0),
        enrolled(2, 1),
        enrolled(3, 2),
        waiting(4, 1, 3),
        waiting(5, 2, 4),
        waiting(6, 3, 5),
    ]
    assert promote(1, seats) == Promotion(promoted=(), positions={4: 1, 5: 2, 6: 3})


def test_equal_sign_up_times_are_ordered_by_registration_id() -> None:
    seats = [waiting(9, 1, 0), waiting(7, 2, 0), waiting(8, 3, 0)]
    assert promote(1, seats) == Promotion(promoted=(7,), positions={8: 1, 9: 2})


def test_inside_the_freeze_window_the_coordinator_decides() -> None:
    seats = [cancelled(1, 0), enrolled(2, 1), waiting(3, 2, 2), waiting(4, 3, 3)]
    assert promote(2, seats, now=IN_FREEZE) == Promotion(
        promoted=(), positions={3: 1, 4: 2}, needs_coordinator=True
    )


def test_inside_the_freeze_window_a_full_workshop_needs_no_decision() -> None:
    result = promote(1, [enrolled(1, 0), waiting(2, 1, 1)], now=IN_FREEZE)
    assert result == Promotion(promoted=(), positions={2: 1}, needs_coordinator=False)


def test_inside_the_freeze_window_an_empty_waitlist_needs_no_decision() -> None:
    assert not promote(5, [enrolled(1, 0)], now=IN_FREEZE).needs_coordinator


@pytest.mark.parametrize(
    ("now", "frozen"),
    [
        (FIRST_SESSION - timedelta(days=FREEZE_DAYS, microseconds=1), False),
        (FIRST_SESSION - timedelta(days=FREEZE_DAYS), True),
        (FIRST_SESSION, True),
        (FIRST_SESSION + timedelta(days=1), True),
    ],
)
def test_freeze_window_starts_exactly_freeze_days_before_and_never_ends(now: datetime, frozen: bool) -> None:
    assert is_frozen(now, FIRST_SESSION, FREEZE_DAYS) is frozen
    result = promote(1, [waiting(1, 1)], now=now)
    assert result.needs_coordinator is frozen
    assert result.promoted == (() if frozen else (1,))


def test_zero_freeze_days_promotes_until_the_first_session_starts() -> None:
    kwargs = {"first_session_at": FIRST_SESSION, "freeze_days": 0}
    just_before = FIRST_SESSION - timedelta(seconds=1)
    assert promote_waitlist(1, [waiting(1, 1)], now=just_before, **kwargs).promoted == (1,)
    assert promote_waitlist(1, [waiting(1, 1)], now=FIRST_SESSION, **kwargs).needs_coordinator


def test_negative_freeze_days_are_refused() -> None:
    with pytest.raises(ValueError, match="freeze_days"):
        promote_waitlist(1, [], now=START, first_session_at=FIRST_SESSION, freeze_days=-1)


def test_negative_capacity_is_refused_when_promoting() -> None:
    with pytest.raises(ValueError, match="capacity"):
        promote(-1, [])


# --- a workshop driven only through the rules, and a reference model to compare it with -----------------


@dataclass
class Workshop:
    """Apply events through the rules the way the views will: write back what they return."""

    capacity: int
    now: datetime = START
    seats: dict[int, Seat] = field(default_factory=dict)
    last_promotion: Promotion | None = None

    def tick(self) -> None:
        self.now += timedelta(minutes=1)

    def sign_up(self, rid: int) -> None:
        self.tick()
        self.seats[rid] = place_signup(self.capacity, list(self.seats.values()), SignUp(rid, self.now))

    def cancel(self, rid: int) -> None:
        self.tick()
        self.seats[rid] = Seat(rid, "cancelled", self.seats[rid].signed_up_at)
        self.settle()

    def set_capacity(self, capacity: int) -> None:
        self.tick()
        self.capacity = capacity
        self.settle()

    def enter_freeze(self) -> None:
        self.now = max(self.now, IN_FREEZE)
        self.settle()

    def settle(self) -> None:
        result = promote(self.capacity, list(self.seats.values()), now=self.now)
        for rid in result.promoted:
            self.seats[rid] = Seat(rid, "enrolled", self.seats[rid].signed_up_at)
        for rid, position in result.positions.items():
            self.seats[rid] = replace(self.seats[rid], position=position)
        self.last_promotion = result

    def ids(self, status: str) -> list[int]:
        chosen = [s for s in self.seats.values() if s.status == status]
        return [s.registration_id for s in sorted(chosen, key=lambda s: (s.signed_up_at, s.registration_id))]

    def frozen(self) -> bool:
        return is_frozen(self.now, FIRST_SESSION, FREEZE_DAYS)


@dataclass
class Model:
    """The obvious first-come, first-served queue, written independently of the rules."""

    capacity: int
    frozen: bool = False
    enrolled: set[int] = field(default_factory=set)
    queue: deque[int] = field(default_factory=deque)

    def sign_up(self, rid: int) -> None:
        if not self.queue and len(self.enrolled) < self.capacity:
            self.enrolled.add(rid)
        else:
            self.queue.append(rid)

    def cancel(self, rid: int) -> None:
        self.enrolled.discard(rid)
        if rid in self.queue:
            self.queue.remove(rid)
        self.fill()

    def set_capacity(self, capacity: int) -> None:
        self.capacity = capacity
        self.fill()

    def enter_freeze(self) -> None:
        self.frozen = True

    def fill(self) -> None:
        while not self.frozen and self.queue and len(self.enrolled) < self.capacity:
            self.enrolled.add(self.queue.popleft())


def apply(event: tuple[str, int], *targets: Workshop | Model) -> None:
    action, argument = event
    for target in targets:
        if action == "enter_freeze":
            target.enter_freeze()
        else:
            getattr(target, action)(argument)


def check_invariants(workshop: Workshop, model: Model, enrolled_before: set[int]) -> None:
    """Check what must hold after every event, whatever came before."""
    seats = workshop.seats.values()
    now_enrolled = workshop.ids("enrolled")
    waitlist = workshop.ids("waitlisted")
    signed_up = {s.registration_id: s.signed_up_at for s in seats}
    assert len(now_enrolled) <= max(workshop.capacity, len(enrolled_before)), "over capacity"
    assert [workshop.seats[rid].position for rid in waitlist] == list(range(1, len(waitlist) + 1))
    assert all(signed_up[e] < signed_up[w] for e in now_enrolled for w in waitlist), (
        "someone jumped the queue"
    )
    assert enrolled_before - set(now_enrolled) <= set(workshop.ids("cancelled")), "someone was demoted"
    if not workshop.frozen():
        assert not waitlist or len(now_enrolled) >= workshop.capacity, "a free place while someone waits"
    assert set(now_enrolled) == model.enrolled
    assert waitlist == list(model.queue)


def run(events: tuple[tuple[str, int], ...], capacity: int) -> Workshop:
    workshop, model = Workshop(capacity), Model(capacity)
    for event in events:
        before = set(workshop.ids("enrolled"))
        apply(event, workshop, model)
        check_invariants(workshop, model, before)
    return workshop


def valid_orders(events: list[tuple[str, int]]) -> list[tuple[tuple[str, int], ...]]:
    """Return every order of the events in which nobody cancels before signing up."""

    def valid(order: tuple[tuple[str, int], ...]) -> bool:
        seen: set[int] = set()
        for action, argument in order:
            if action == "sign_up":
                seen.add(argument)
            elif action == "cancel" and argument not in seen:
                return False
        return True

    return [order for order in itertools.permutations(events) if valid(order)]


SIGN_UPS = [("sign_up", rid) for rid in range(1, 6)]


def test_every_order_of_sign_ups_cancellations_and_a_capacity_increase() -> None:
    events = [*SIGN_UPS, ("cancel", 1), ("cancel", 3), ("set_capacity", 2)]
    orders = valid_orders(events)
    assert len(orders) == 40320 // 4
    for order in orders:
        workshop = run(order, capacity=1)
        survivors = [rid for action, rid in order if action == "sign_up" and rid not in (1, 3)]
        # Three survivors, two places: whatever the order, the last survivor to sign up is the one waiting.
        assert workshop.ids("enrolled") == survivors[:2]
        assert workshop.ids("waitlisted") == survivors[2:]
        assert workshop.seats[survivors[2]].position == 1


def test_every_order_with_a_capacity_decrease() -> None:
    events = [("sign_up", rid) for rid in range(1, 5)] + [("cancel", 2), ("set_capacity", 1)]
    for order in valid_orders(events):
        workshop = run(order, capacity=3)
        assert len(workshop.ids("enrolled")) <= 3
        assert len(workshop.ids("enrolled")) + len(workshop.ids("waitlisted")) == 3


def test_every_order_around_the_freeze_window() -> None:
    events = [("sign_up", rid) for rid in range(1, 5)] + [
        ("cancel", 1),
        ("set_capacity", 3),
        ("enter_freeze", 0),
    ]
    for order in valid_orders(events):
        workshop = run(order, capacity=2)
        free = workshop.capacity - len(workshop.ids("enrolled"))
        assert workshop.last_promotion is not None
        assert workshop.last_promotion.needs_coordinator == bool(free > 0 and workshop.ids("waitlisted"))


# --- hypothesis: arbitrary seat lists and arbitrary event sequences --------------------------------------


@st.composite
def seat_lists(draw: st.DrawFn) -> list[Seat]:
    statuses = draw(st.lists(st.sampled_from(["enrolled", "waitlisted", "cancelled"]), max_size=25))
    minutes = draw(st.lists(st.integers(0, 50), min_size=len(statuses), max_size=len(statuses)))
    seats = []
    for rid, (status, minute) in enumerate(zip(statuses, minutes, strict=True), start=1):
        # Stale, unordered positions are what a cancellation leaves behind: the rule must not trust them.
        stale = draw(st.integers(1, 30)) if status == "waitlisted" else None
        seats.append(Seat(rid, status, at(minute), stale))  # type: ignore[arg-type]
    return seats


@HYPOTHESIS
@given(seat_lists(), st.integers(0, 30), st.booleans())
def test_promotion_properties(seats: list[Seat], capacity: int, frozen: bool) -> None:
    now = IN_FREEZE if frozen else START
    result = promote(capacity, seats, now=now)
    waiters = sorted(
        (s for s in seats if s.status == "waitlisted"), key=lambda s: (s.signed_up_at, s.registration_id)
    )
    enrolled_count = sum(s.status == "enrolled" for s in seats)
    free = max(capacity - enrolled_count, 0)
    expected_promoted = [] if frozen else [s.registration_id for s in waiters[:free]]
    assert list(result.promoted) == expected_promoted
    remaining = [s.registration_id for s in waiters if s.registration_id not in result.promoted]
    assert result.positions == {rid: index for index, rid in enumerate(remaining, start=1)}
    assert enrolled_count + len(result.promoted) <= max(capacity, enrolled_count)
    assert result.needs_coordinator == (frozen and free > 0 and bool(waiters))


@HYPOTHESIS
@given(seat_lists(), st.integers(0, 30))
def test_promotion_is_idempotent(seats: list[Seat], capacity: int) -> None:
    workshop = Workshop(capacity, seats={s.registration_id: s for s in seats})
    workshop.settle()
    once = dict(workshop.seats)
    workshop.settle()
    assert workshop.seats == once
    assert workshop.last_promotion is not None
    assert workshop.last_promotion.promoted == ()


class WaitlistMachine(RuleBasedStateMachine):
    """Random sign-ups, cancellations, capacity changes and the freeze, checked against the model."""

    @initialize(capacity=st.integers(0, 4))
    def open_workshop(self, capacity: int) -> None:
        self.workshop, self.model = Workshop(capacity), Model(capacity)
        self.next_id = 1
        self.enrolled_before: set[int] = set()

    def step(self, event: tuple[str, int]) -> None:
        self.enrolled_before = set(self.workshop.ids("enrolled"))
        apply(event, self.workshop, self.model)

    @rule()
    def sign_up(self) -> None:
        self.step(("sign_up", self.next_id))
        self.next_id += 1

    @precondition(lambda self: self.active())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        self.step(("cancel", data.draw(st.sampled_from(self.active()))))

    @rule(capacity=st.integers(0, 8))
    def set_capacity(self, capacity: int) -> None:
        self.step(("set_capacity", capacity))

    @precondition(lambda self: not self.model.frozen)
    @rule()
    def enter_freeze(self) -> None:
        self.step(("enter_freeze", 0))

    def active(self) -> list[int]:
        return self.workshop.ids("enrolled") + self.workshop.ids("waitlisted")

    @invariant()
    def rules_hold(self) -> None:
        check_invariants(self.workshop, self.model, self.enrolled_before)


WaitlistMachine.TestCase.settings = settings(HYPOTHESIS, max_examples=200, stateful_step_count=40)
TestWaitlistMachine = WaitlistMachine.TestCase
