"""Workshops through the test client: scheduling and conflicts, registration and the waitlist (also under
concurrent sign-ups), calendars and invitations by e-mail, reminders, attendance and its lock, sign-in
sheets, rubric scoring with its lock and audit, the gradebook, and what a trainee may see."""

from __future__ import annotations

import csv
import io
import itertools
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, format_date, gettext
from icalendar import Calendar
from openpyxl import load_workbook

from app.accounts.models import User
from app.audit import AuditEvent
from app.certificates.models import Certificate
from app.courses.models import Cohort, Course, Membership
from app.database import utcnow
from app.extensions import db
from app.pdf_fonts import missing_glyphs, register_fonts
from app.workshops import records
from app.workshops.feed import make_feed_token
from app.workshops.models import (
    Assessment,
    AssessmentScore,
    Attendance,
    Criterion,
    Level,
    Registration,
    Rubric,
    SessionDay,
    Workshop,
    WorkshopTrainer,
)

SKOPJE = ZoneInfo("Europe/Skopje")


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    cohort: Cohort
    coordinator: User
    trainer: User
    trainees: list[User]

    def member(self, user: User) -> User:
        db.session.add(Membership(cohort_id=self.cohort.id, user_id=user.id, role="trainee"))
        db.session.commit()
        return user


@pytest.fixture
def world(ctx, make_user) -> World:
    course = Course(slug="handbook", title="Protection and assistance")
    cohort = Cohort(name="Cohort 2026", course=course)
    db.session.add(cohort)
    db.session.commit()
    coordinator = make_user(role="coordinator", display_name="Elena Coordinator")
    trainer = make_user(role="trainer", display_name="Marija Trainer")
    trainees = [make_user(display_name=f"Trainee {n:02d}") for n in range(1, 7)]
    for user in [*trainees, trainer]:
        db.session.add(
            Membership(cohort_id=cohort.id, user_id=user.id, role="trainer" if user is trainer else "trainee")
        )
    db.session.commit()
    return World(cohort, coordinator, trainer, trainees)


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def make_workshop(
    world: World,
    *,
    first: datetime | None = None,
    days: int = 2,
    capacity: int = 3,
    status: str = "published",
    self_signup: bool = True,
    venue: str = "Hotel Arka, Skopje",
    trainers: list[User] | None = None,
    **fields,
) -> Workshop:
    # By default at 09:00 Skopje time a month from now, so that the edit form can post it back.
    first = minute(first or datetime.combine((utcnow() + timedelta(days=30)).date(), time(9), SKOPJE))
    workshop = Workshop(
        cohort_id=fields.pop("cohort_id", world.cohort.id),
        title=fields.pop("title", "Case work with vulnerable migrants"),
        venue=venue,
        address="ul. Makedonija 1, Skopje",
        capacity=capacity,
        status=status,
        self_signup=self_signup,
        **fields,
    )
    for day in range(days):
        start = first + timedelta(days=day)
        workshop.sessions.append(SessionDay(starts_at=start, ends_at=start + timedelta(hours=7, minutes=30)))
    for trainer in [world.trainer] if trainers is None else trainers:
        workshop.trainers.append(WorkshopTrainer(user_id=trainer.id))
    db.session.add(workshop)
    db.session.commit()
    return workshop


def enrol(workshop: Workshop, *users: User, status: str = "enrolled") -> None:
    for index, user in enumerate(users):
        moment = utcnow() - timedelta(days=10) + timedelta(minutes=index)
        position = index + 1 if status == "waitlisted" else None
        db.session.add(
            Registration(
                workshop_id=workshop.id,
                user_id=user.id,
                status=status,
                position=position,
                signed_up_at=moment,
                changed_at=moment,
            )
        )
    db.session.commit()


def seats(workshop_id: int) -> dict[str, tuple[str, int | None]]:
    """Return {display name: (status, waitlist position)} as stored now."""
    db.session.expire_all()
    rows = db.session.execute(
        db.select(User.display_name, Registration.status, Registration.position)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.workshop_id == workshop_id)
    )
    return {name: (status, position) for name, status, position in rows}


def count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def page(response) -> str:
    return response.get_data(as_text=True)


def flashed(client) -> str:
    return page(client.get("/workshops/"))


def audit_events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.execute(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars()
    )


def form_data(workshop: Workshop, **changes) -> dict:
    """Return what the edit form posts for the workshop as stored, with some fields changed."""
    data = {
        "title": workshop.title,
        "description": workshop.description,
        "cohort": str(workshop.cohort_id),
        "venue": workshop.venue,
        "address": workshop.address,
        "capacity": str(workshop.capacity),
        "status": workshop.status,
        "cancel_cutoff_days": str(workshop.cancel_cutoff_days),
        "waitlist_freeze_days": str(workshop.waitlist_freeze_days),
        "trainers": [str(t.user_id) for t in workshop.trainers],
        "submit": "Save the workshop",
    }
    if workshop.self_signup:
        data["self_signup"] = "y"
    for index, session in enumerate(workshop.sessions):
        local_start, local_end = session.starts_at.astimezone(SKOPJE), session.ends_at.astimezone(SKOPJE)
        data[f"sessions-{index}-id"] = str(session.id)
        data[f"sessions-{index}-day"] = local_start.date().isoformat()
        data[f"sessions-{index}-starts"] = local_start.strftime("%H:%M")
        data[f"sessions-{index}-ends"] = local_end.strftime("%H:%M")
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def new_workshop_data(world: World, **changes) -> dict:
    data = {
        "title": "Identification and referral",
        "description": "Two days of case work.",
        "cohort": str(world.cohort.id),
        "venue": "Hotel Bristol, Tetovo",
        "address": "Ilindenska 1",
        "capacity": "14",
        "status": "published",
        "self_signup": "y",
        "cancel_cutoff_days": "2",
        "waitlist_freeze_days": "3",
        "trainers": [str(world.trainer.id)],
        "sessions-0-day": "2026-10-05",
        "sessions-0-starts": "09:00",
        "sessions-0-ends": "16:30",
        "sessions-1-day": "2026-12-01",
        "sessions-1-starts": "09:00",
        "sessions-1-ends": "16:30",
        "submit": "Save the workshop",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def calendars_in(message) -> list[Calendar]:
    return [
        Calendar.from_ical(part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


def body_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text body")


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def subjects_to(mailbox, email: str) -> list[str]:
    return [subject(m) for m in mailbox.messages if m["To"] == email]


# --- visibility: who sees which workshop --------------------------------------------------------


def test_each_role_sees_the_workshops_it_should(world, make_user, login):
    published = make_workshop(world, title="Published one")
    draft = make_workshop(world, title="Draft one", status="draft")
    other_trainer = make_user(role="trainer")
    taught_by_other = make_workshop(world, title="Someone else's", trainers=[other_trainer])
    outsider = make_user()  # a trainee of no cohort

    trainee_page = page(login(world.trainees[0]).get("/workshops/"))
    assert "Published one" in trainee_page and "Draft one" not in trainee_page
    assert "Published one" not in page(login(outsider).get("/workshops/"))
    trainer_page = page(login(world.trainer).get("/workshops/"))
    assert "Published one" in trainer_page and "Someone else&#39;s" not in trainer_page
    coordinator_page = page(login(world.coordinator).get("/workshops/"))
    assert all(title in coordinator_page for title in ("Published one", "Draft one", "Someone else&#39;s"))

    assert login(world.trainees[0]).get(f"/workshops/{draft.id}").status_code == 404
    assert login(outsider).get(f"/workshops/{published.id}").status_code == 404
    assert login(world.trainer).get(f"/workshops/{taught_by_other.id}").status_code == 404
    assert login(world.trainer).get(f"/workshops/{taught_by_other.id}/attendance").status_code == 404
    assert login(world.trainer).get(f"/workshops/{taught_by_other.id}/gradebook").status_code == 404
    session_id = taught_by_other.sessions[0].id
    assert login(world.trainer).get(f"/workshops/sessions/{session_id}/attendance").status_code == 404
    assert login(world.trainer).get(f"/workshops/sessions/{session_id}/sign-in-sheet.pdf").status_code == 404


def test_a_trainee_sees_no_roster_but_their_own_place(world, login):
    workshop = make_workshop(world)
    enrol(workshop, world.trainees[0], world.trainees[1])
    markup = page(login(world.trainees[0]).get(f"/workshops/{workshop.id}"))
    assert "You are enrolled" in markup
    assert "Trainee 02" not in markup  # nobody else's name
    staff = page(login(world.trainer).get(f"/workshops/{workshop.id}"))
    assert "Trainee 01" in staff and "Trainee 02" in staff


# --- scheduling: create, edit, bad input, conflicts ---------------------------------------------


def test_coordinator_creates_a_workshop_with_days_in_skopje_time(world, login):
    response = login(world.coordinator).post("/workshops/new", data=new_workshop_data(world))
    assert response.status_code == 302
    workshop = db.session.execute(db.select(Workshop)).scalar_one()
    assert workshop.title == "Identification and referral" and workshop.capacity == 14
    assert workshop.trainer_ids == {world.trainer.id}
    summer, winter = workshop.sessions
    assert summer.starts_at == datetime(2026, 10, 5, 7, 0, tzinfo=UTC)  # CEST, UTC+2
    assert summer.ends_at == datetime(2026, 10, 5, 14, 30, tzinfo=UTC)
    assert winter.starts_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # CET, UTC+1
    [event] = audit_events("workshop.created")
    assert event.actor_id == world.coordinator.id and event.after["capacity"] == 14


def test_the_edit_form_shows_the_days_in_skopje_time(world, login):
    workshop = make_workshop(world, first=datetime(2026, 10, 5, 7, 0, tzinfo=UTC))
    markup = page(login(world.coordinator).get(f"/workshops/{workshop.id}/edit"))
    assert 'value="2026-10-05"' in markup and 'value="09:00"' in markup and 'value="16:30"' in markup


def test_add_a_day_button_adds_an_empty_day_and_saves_nothing(world, login):
    data = new_workshop_data(world, submit=None, add_day="Add a day")
    response = login(world.coordinator).post("/workshops/new", data=data)
    assert response.status_code == 200
    assert 'name="sessions-2-day"' in page(response)
    assert count(Workshop) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sessions-0-ends": "08:00"}, "The end time is earlier than the start time."),
        ({"sessions-0-starts": "18:00", "sessions-0-ends": "01:00"}, "A session past midnight is entered"),
        ({"sessions-0-ends": "09:00"}, "The session must end after it starts."),
        ({"capacity": "0"}, "Number must be between 1 and 1000."),
        ({"capacity": "many"}, "Not a valid integer value."),
        ({"title": "  "}, "This field is required."),
        ({"status": "postponed"}, "Not a valid choice."),
        ({"trainers": ["999999"]}, "not a valid choice"),
        ({"cohort": "999999"}, "Not a valid choice."),
        ({"cancel_cutoff_days": "-1"}, "Number must be between 0 and 60."),
        ({"sessions-0-day": "5 Oct"}, "Not a valid date value."),
        ({"sessions-0-remove": "y", "sessions-1-remove": "y"}, "A workshop needs at least one day."),
    ],
)
def test_bad_workshop_input_is_refused_and_changes_nothing(world, login, changes, message):
    response = login(world.coordinator).post("/workshops/new", data=new_workshop_data(world, **changes))
    assert response.status_code == 400
    assert message in page(response)
    assert count(Workshop) == 0 and count(SessionDay) == 0


def test_a_tampered_day_id_is_refused(world, login):
    workshop = make_workshop(world)
    other = make_workshop(world, title="Other", venue="Elsewhere", trainers=[])
    data = form_data(workshop, **{"sessions-0-id": str(other.sessions[0].id)})
    response = login(world.coordinator).post(f"/workshops/{workshop.id}/edit", data=data)
    assert response.status_code == 400
    assert "not part of this workshop" in page(response)


def test_capacity_cannot_drop_below_the_people_enrolled(world, login):
    workshop = make_workshop(world, capacity=3)
    enrol(workshop, *world.trainees[:3])
    response = login(world.coordinator).post(
        f"/workshops/{workshop.id}/edit", data=form_data(workshop, capacity="2")
    )
    assert response.status_code == 400
    assert "More people are enrolled than that" in page(response)
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).capacity == 3


def test_a_day_with_attendance_cannot_be_removed(world, login):
    yesterday = (utcnow() - timedelta(days=1)).astimezone(SKOPJE).date()
    workshop = make_workshop(world, first=datetime.combine(yesterday, time(9), SKOPJE))
    enrol(workshop, world.trainees[0])
    db.session.add(
        Attendance(
            session_id=workshop.sessions[0].id,
            user_id=world.trainees[0].id,
            status="present",
            marked_by_id=world.trainer.id,
        )
    )
    db.session.commit()
    data = form_data(workshop, **{"sessions-0-remove": "y"})
    response = login(world.coordinator).post(f"/workshops/{workshop.id}/edit", data=data)
    assert response.status_code == 400 and "cannot be removed" in page(response)
    assert count(SessionDay) == 2


def test_conflicts_are_shown_and_saving_needs_confirmation(world, login):
    make_workshop(
        world, first=datetime(2026, 10, 5, 7, 0, tzinfo=UTC), days=1, venue="Hotel Bristol,  TETOVO"
    )
    client = login(world.coordinator)
    data = new_workshop_data(world, **{"sessions-0-starts": "13:00", "sessions-0-ends": "17:00"})
    response = client.post("/workshops/new", data=data)
    markup = page(response)
    assert response.status_code == 200
    assert "This schedule has 2 conflicts" in markup
    assert "Marija Trainer is booked into two sessions at the same time" in markup
    # Venues match whatever their case and spacing.
    assert 'The venue "Hotel Bristol, Tetovo" is used by two sessions at the same time' in markup
    assert 'name="save_anyway"' in markup
    assert count(Workshop) == 1  # only the existing one

    response = client.post("/workshops/new", data={**data, "save_anyway": "Save anyway"})
    assert response.status_code == 302
    assert count(Workshop) == 2


def test_fixing_a_conflict_saves_without_confirmation(world, login):
    make_workshop(world, first=datetime(2026, 10, 5, 7, 0, tzinfo=UTC), days=1, venue="Hotel Bristol, Tetovo")
    data = new_workshop_data(world, **{"sessions-0-day": "2026-10-06"})  # the next day: no clash
    assert login(world.coordinator).post("/workshops/new", data=data).status_code == 302


def test_a_trainee_booked_into_two_workshops_at_once_is_a_conflict(world, make_user, login):
    trainee = world.trainees[0]
    first = make_workshop(
        world, first=datetime(2026, 10, 5, 7, 0, tzinfo=UTC), days=1, venue="Room A", trainers=[]
    )
    second = make_workshop(
        world, first=datetime(2026, 10, 9, 7, 0, tzinfo=UTC), days=1, venue="Room B", trainers=[]
    )
    enrol(first, trainee)
    enrol(second, trainee)
    data = form_data(second, **{"sessions-0-day": "2026-10-05"})  # moved onto the first one's day
    markup = page(login(world.coordinator).post(f"/workshops/{second.id}/edit", data=data))
    assert "Trainee 01 is booked into two sessions at the same time" in markup
    db.session.expire_all()
    assert db.session.get(SessionDay, second.sessions[0].id).starts_at == datetime(
        2026, 10, 9, 7, 0, tzinfo=UTC
    )


# --- registration and the waitlist ---------------------------------------------------------------


def test_signup_enrols_then_waitlists_in_order(world, login, mailbox):
    workshop = make_workshop(world, capacity=2)
    clients = [login(trainee) for trainee in world.trainees[:4]]
    for client in clients:
        assert client.post(f"/workshops/{workshop.id}/signup").status_code == 302
    assert seats(workshop.id) == {
        "Trainee 01": ("enrolled", None),
        "Trainee 02": ("enrolled", None),
        "Trainee 03": ("waitlisted", 1),
        "Trainee 04": ("waitlisted", 2),
    }
    assert "number 2 on the waiting list" in flashed(clients[3])
    assert [subject(m) for m in mailbox.messages] == [
        f"Your place at the workshop: {workshop.title}",
        f"Your place at the workshop: {workshop.title}",
        f"You are on the waiting list: {workshop.title}",
        f"You are on the waiting list: {workshop.title}",
    ]
    assert calendars_in(mailbox.messages[2]) == []  # no calendar entry without a place


def test_signing_up_twice_counts_once(world, login):
    workshop = make_workshop(world, capacity=1)
    client = login(world.trainees[0])
    client.post(f"/workshops/{workshop.id}/signup")
    client.post(f"/workshops/{workshop.id}/signup")
    assert seats(workshop.id) == {"Trainee 01": ("enrolled", None)}
    assert count(Registration) == 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"self_signup": False}, "Registrations for this workshop are closed."),
        ({"status": "completed"}, "Registrations for this workshop are closed."),
        ({"first": datetime(2020, 1, 1, tzinfo=UTC)}, "The workshop has already started."),
    ],
)
def test_signup_is_refused_when_closed(world, login, setup, message):
    workshop = make_workshop(world, **setup)
    client = login(world.trainees[0])
    client.post(f"/workshops/{workshop.id}/signup")
    assert message in flashed(client)
    assert count(Registration) == 0


def test_a_trainee_of_another_cohort_cannot_sign_up(world, make_user, login):
    workshop = make_workshop(world)
    assert login(make_user()).post(f"/workshops/{workshop.id}/signup").status_code == 404
    assert count(Registration) == 0


def test_cancelling_promotes_the_next_in_line_and_emails_them(world, login, mailbox):
    workshop = make_workshop(world, capacity=1)
    first, second, third = world.trainees[:3]
    enrol(workshop, first)
    enrol(workshop, second, third, status="waitlisted")
    client = login(first)
    assert client.post(f"/workshops/{workshop.id}/cancel").status_code == 302
    assert seats(workshop.id) == {
        "Trainee 01": ("cancelled", None),
        "Trainee 02": ("enrolled", None),
        "Trainee 03": ("waitlisted", 1),
    }
    assert subjects_to(mailbox, first.email) == [f"Your place is cancelled: {workshop.title}"]
    [promoted] = [m for m in mailbox.messages if m["To"] == second.email]
    assert subject(promoted) == f"A place is yours: {workshop.title}"
    assert [str(c["METHOD"]) for c in calendars_in(promoted)] == ["REQUEST", "REQUEST"]
    [cancelled] = [m for m in mailbox.messages if m["To"] == first.email]
    assert [str(c["METHOD"]) for c in calendars_in(cancelled)] == ["CANCEL", "CANCEL"]
    assert {e["STATUS"] for c in calendars_in(cancelled) for e in c.walk("VEVENT")} == {"CANCELLED"}
    [event] = audit_events("registration.promoted")
    assert event.after == {"status": "enrolled"}


def test_a_trainee_cannot_cancel_after_the_cutoff(world, login):
    workshop = make_workshop(world, first=utcnow() + timedelta(days=1), cancel_cutoff_days=2)
    enrol(workshop, world.trainees[0])
    client = login(world.trainees[0])
    client.post(f"/workshops/{workshop.id}/cancel")
    assert "The cancellation deadline has passed" in flashed(client)
    assert seats(workshop.id) == {"Trainee 01": ("enrolled", None)}
    # The coordinator can still cancel it.
    registration = db.session.execute(db.select(Registration)).scalar_one()
    login(world.coordinator).post(f"/workshops/registrations/{registration.id}/cancel")
    assert seats(workshop.id) == {"Trainee 01": ("cancelled", None)}


def test_inside_the_freeze_window_the_coordinator_offers_the_place(world, login, mailbox):
    workshop = make_workshop(world, capacity=1, first=utcnow() + timedelta(days=1), waitlist_freeze_days=3)
    first, second, third = world.trainees[:3]
    enrol(workshop, first)
    enrol(workshop, second, third, status="waitlisted")
    registration = {r.user_id: r for r in workshop.registrations}
    coordinator = login(world.coordinator)
    coordinator.post(f"/workshops/registrations/{registration[first.id].id}/cancel")
    assert seats(workshop.id)["Trainee 02"] == ("waitlisted", 1)  # not promoted automatically
    markup = page(coordinator.get(f"/workshops/{workshop.id}"))
    assert "1 place is free" in markup and markup.count("Offer the place") == 2

    mailbox.messages.clear()
    coordinator.post(
        f"/workshops/registrations/{registration[third.id].id}/offer"
    )  # the coordinator's choice
    assert seats(workshop.id) == {
        "Trainee 01": ("cancelled", None),
        "Trainee 02": ("waitlisted", 1),
        "Trainee 03": ("enrolled", None),
    }
    assert subjects_to(mailbox, third.email) == [f"A place is yours: {workshop.title}"]
    # The workshop is full again: a second offer is refused.
    coordinator.post(f"/workshops/registrations/{registration[second.id].id}/offer")
    assert "There is no free place to offer." in flashed(coordinator)
    assert seats(workshop.id)["Trainee 02"] == ("waitlisted", 1)


def test_coordinator_assigns_one_and_in_bulk_beyond_capacity(world, make_user, login):
    workshop = make_workshop(world, capacity=3, status="draft", self_signup=False)
    client = login(world.coordinator)
    client.post(f"/workshops/{workshop.id}/registrations", data={"one-trainee": str(world.trainees[5].id)})
    response = client.post(f"/workshops/{workshop.id}/registrations/bulk", data={"bulk-assign_all": "y"})
    assert response.status_code == 302
    assert seats(workshop.id) == {
        "Trainee 06": ("enrolled", None),
        "Trainee 01": ("enrolled", None),
        "Trainee 02": ("enrolled", None),
        "Trainee 03": ("waitlisted", 1),
        "Trainee 04": ("waitlisted", 2),
        "Trainee 05": ("waitlisted", 3),
    }


def test_bulk_assign_of_ticked_trainees(world, login):
    workshop = make_workshop(world, capacity=5)
    ids = [str(world.trainees[3].id), str(world.trainees[1].id)]
    login(world.coordinator).post(f"/workshops/{workshop.id}/registrations/bulk", data={"bulk-trainees": ids})
    assert seats(workshop.id) == {"Trainee 02": ("enrolled", None), "Trainee 04": ("enrolled", None)}


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("registrations", {"one-trainee": "999999"}),
        ("registrations", {"one-trainee": "outsider"}),
        ("registrations", {}),
        ("registrations/bulk", {"bulk-trainees": ["999999"]}),
        ("registrations/bulk", {}),
    ],
)
def test_assigning_an_unknown_trainee_changes_nothing(world, make_user, login, url, data):
    workshop = make_workshop(world)
    outsider = make_user()
    data = {k: (str(outsider.id) if v == "outsider" else v) for k, v in data.items()}
    client = login(world.coordinator)
    client.post(f"/workshops/{workshop.id}/{url}", data=data)
    assert "from the list" in flashed(client)
    assert count(Registration) == 0


def test_publishing_a_draft_invites_those_already_assigned(world, login, mailbox):
    workshop = make_workshop(world, capacity=1, status="draft")
    enrol(workshop, world.trainees[0])
    enrol(workshop, world.trainees[1], status="waitlisted")
    assert mailbox.messages == []
    login(world.coordinator).post(
        f"/workshops/{workshop.id}/edit", data=form_data(workshop, status="published")
    )
    assert subjects_to(mailbox, world.trainees[0].email) == [f"Your place at the workshop: {workshop.title}"]
    assert subjects_to(mailbox, world.trainees[1].email) == [f"You are on the waiting list: {workshop.title}"]


# The waitlist through the views, in every order of four events, against a reference model.

EVENTS = ("cancel_enrolled", "cancel_waiting", "capacity_up", "late_signup")


class Reference:
    """A plain queue: the expected outcome of any order of events."""

    def __init__(self, capacity: int, names: list[str]):
        self.capacity = capacity
        self.enrolled = names[:capacity]
        self.waiting = names[capacity:]
        self.cancelled: list[str] = []
        self.promoted: list[str] = []

    def fill(self) -> None:
        while self.waiting and len(self.enrolled) < self.capacity:
            self.promoted.append(self.waiting[0])
            self.enrolled.append(self.waiting.pop(0))

    def cancel(self, name: str) -> None:
        (self.enrolled if name in self.enrolled else self.waiting).remove(name)
        self.cancelled.append(name)
        self.fill()

    def sign_up(self, name: str) -> None:
        if not self.waiting and len(self.enrolled) < self.capacity:
            self.enrolled.append(name)
        else:
            self.waiting.append(name)

    def seats(self) -> dict[str, tuple[str, int | None]]:
        found = dict.fromkeys(self.enrolled, ("enrolled", None))
        found.update({name: ("waitlisted", i) for i, name in enumerate(self.waiting, start=1)})
        found.update(dict.fromkeys(self.cancelled, ("cancelled", None)))
        return found


@pytest.mark.parametrize("order", list(itertools.permutations(EVENTS)), ids="-".join)
def test_waitlist_promotion_in_every_order_of_events(world, make_user, login, mailbox, order):
    late = world.member(make_user(display_name="Trainee 07"))
    workshop = make_workshop(world, capacity=2)
    names = [t.display_name for t in world.trainees[:5]]
    for trainee in world.trainees[:5]:
        login(trainee).post(f"/workshops/{workshop.id}/signup")
    model = Reference(2, names)
    assert seats(workshop.id) == model.seats()
    by_name = {u.display_name: u for u in [*world.trainees, late]}
    mailbox.messages.clear()

    for event in order:
        if event == "cancel_enrolled":  # Trainee 01 leaves, whatever happened before
            login(by_name["Trainee 01"]).post(f"/workshops/{workshop.id}/cancel")
            model.cancel("Trainee 01")
        elif event == "cancel_waiting":  # Trainee 05, last in line at first, leaves
            login(by_name["Trainee 05"]).post(f"/workshops/{workshop.id}/cancel")
            model.cancel("Trainee 05")
        elif event == "capacity_up":
            db.session.expire_all()
            current = db.session.get(Workshop, workshop.id)
            data = form_data(current, capacity=str(current.capacity + 1))
            assert (
                login(world.coordinator).post(f"/workshops/{workshop.id}/edit", data=data).status_code == 302
            )
            model.capacity += 1
            model.fill()
        else:
            login(late).post(f"/workshops/{workshop.id}/signup")
            model.sign_up("Trainee 07")
        assert seats(workshop.id) == model.seats(), f"after {event}"

    promoted = [m["To"] for m in mailbox.messages if subject(m).startswith("A place is yours")]
    assert promoted == [by_name[name].email for name in model.promoted]


def test_twenty_concurrent_signups_never_exceed_five_places(app, world, make_user, login):
    trainees = [world.member(make_user(display_name=f"Rush {n:02d}")) for n in range(20)]
    workshop = make_workshop(world, capacity=5)
    clients = [login(user) for user in trainees]
    url = f"/workshops/{workshop.id}/signup"
    start = threading.Barrier(len(clients))

    def sign_up(client) -> int:
        start.wait()
        return client.post(url).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        codes = list(pool.map(sign_up, clients))
    assert codes == [302] * 20
    db.session.expire_all()
    found = (
        db.session.execute(
            db.select(Registration).filter_by(workshop_id=workshop.id).order_by(Registration.signed_up_at)
        )
        .scalars()
        .all()
    )
    assert len(found) == 20
    assert sum(r.status == "enrolled" for r in found) == 5
    waiting = [r for r in found if r.status == "waitlisted"]
    # Places went in sign-up order: the five first stamped hold them, the others queue in stamp order.
    assert [r.status for r in found[:5]] == ["enrolled"] * 5
    assert [r.position for r in waiting] == list(range(1, 16))


# --- calendars and e-mail ------------------------------------------------------------------------


def test_workshop_calendar_has_one_event_per_day_at_the_right_instants(world, login):
    workshop = make_workshop(world, first=datetime(2026, 10, 24, 7, 0, tzinfo=UTC), days=1)  # 09:00 CEST
    workshop.sessions.append(
        SessionDay(
            starts_at=datetime(2026, 10, 26, 8, 0, tzinfo=UTC),  # after the clocks went back: 09:00 CET
            ends_at=datetime(2026, 10, 26, 15, 30, tzinfo=UTC),
            sequence=3,
        )
    )
    db.session.commit()
    enrol(workshop, world.trainees[0])
    response = login(world.trainees[0]).get(f"/workshops/{workshop.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Skopje"]
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    for event, session in zip(events, workshop.sessions, strict=True):
        assert event["DTSTART"].params["TZID"] == "Europe/Skopje"
        assert event.decoded("DTSTART").astimezone(UTC) == session.starts_at
        assert event.decoded("DTEND").astimezone(UTC) == session.ends_at
        assert event.decoded("DTSTART").strftime("%H:%M") == "09:00"
        assert event["SEQUENCE"] == session.sequence
        assert event["UID"] == f"workshop-session-{session.id}@academy.test"
        assert str(event["LOCATION"]) == "Hotel Arka, Skopje, ul. Makedonija 1, Skopje"
        assert str(event["ORGANIZER"]).startswith("mailto:")


def test_calendar_is_for_the_cohort_and_staff_only(world, make_user, login):
    workshop = make_workshop(world)
    assert login(world.trainees[0]).get(f"/workshops/{workshop.id}/calendar.ics").status_code == 200
    assert login(world.coordinator).get(f"/workshops/{workshop.id}/calendar.ics").status_code == 200
    assert login(make_user()).get(f"/workshops/{workshop.id}/calendar.ics").status_code == 404


def test_personal_feed_lists_only_the_users_sessions(app, world, make_user, client, login):
    mine = make_workshop(world, title="Mine", days=2)
    make_workshop(world, title="Not mine", days=1, venue="Elsewhere", trainers=[])
    cancelled = make_workshop(world, title="Cancelled one", status="cancelled", trainers=[])
    enrol(mine, world.trainees[0])
    enrol(cancelled, world.trainees[0])
    index = page(login(world.trainees[0]).get("/workshops/"))
    path = re.search(r"http://academy\.test(/calendar/[^\"]+\.ics)", index).group(1)
    response = client.get(path)  # no sign-in needed: the address is the secret
    assert response.status_code == 200
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Mine (day 1 of 2)", "Mine (day 2 of 2)"]
    trainer_feed = client.get(f"/calendar/{make_feed_token(app.config['SECRET_KEY'], world.trainer.id)}.ics")
    assert len(Calendar.from_ical(trainer_feed.data).walk("VEVENT")) == 2  # the days they teach
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    forged = make_feed_token("another-secret", world.trainees[0].id)
    assert client.get(f"/calendar/{forged}.ics").status_code == 404


def test_invitation_is_in_the_recipients_language_with_a_calendar_request(world, login, mailbox):
    trainee = world.trainees[0]
    trainee.locale = "mk"
    db.session.commit()
    workshop = make_workshop(world, title="Работилница за случаи")
    login(trainee).post(f"/workshops/{workshop.id}/signup")
    [message] = mailbox.messages
    assert message["To"] == trainee.email
    with force_locale("mk"):
        expected = gettext("Your place at the workshop: %(title)s", title=workshop.title)
        greeting = gettext("Hello %(name)s,", name=trainee.display_name)
        day_one = gettext("day %(number)d of %(total)d", number=1, total=2)
    assert expected != f"Your place at the workshop: {workshop.title}"  # the catalog has it
    assert subject(message) == expected
    assert greeting in body_of(message)
    files = [part.get_filename() for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert files == [f"workshop-{workshop.id}-day-1.ics", f"workshop-{workshop.id}-day-2.ics"]
    for calendar, session in zip(calendars_in(message), workshop.sessions, strict=True):
        assert str(calendar["METHOD"]) == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert event.decoded("DTSTART").astimezone(UTC) == session.starts_at
        assert str(event["ATTENDEE"]) == f"mailto:{trainee.email}"
    first_event = calendars_in(message)[0].walk("VEVENT")[0]
    assert str(first_event["SUMMARY"]) == f"Работилница за случаи ({day_one})"  # in Macedonian too


def test_changed_times_bump_the_sequence_and_update_the_enrolled(world, login, mailbox):
    workshop = make_workshop(world, first=datetime(2026, 10, 5, 7, 0, tzinfo=UTC))
    enrol(workshop, world.trainees[0])
    enrol(workshop, world.trainees[1], status="waitlisted")
    data = form_data(workshop, **{"sessions-1-starts": "10:00"})
    assert login(world.coordinator).post(f"/workshops/{workshop.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    first, second = db.session.get(Workshop, workshop.id).sessions
    assert (first.sequence, second.sequence) == (0, 1)
    assert second.starts_at == datetime(2026, 10, 6, 8, 0, tzinfo=UTC)
    [message] = mailbox.messages  # the waiting list has no calendar entry to update
    assert message["To"] == world.trainees[0].email
    assert subject(message) == f"Workshop times changed: {workshop.title}"
    sequences = [c.walk("VEVENT")[0]["SEQUENCE"] for c in calendars_in(message)]
    assert sequences == [0, 1]


def test_removing_a_day_sends_its_cancellation(world, login, mailbox):
    workshop = make_workshop(world, first=datetime(2026, 10, 5, 7, 0, tzinfo=UTC))
    enrol(workshop, world.trainees[0])
    removed_id = workshop.sessions[1].id
    data = form_data(workshop, **{"sessions-1-remove": "y"})
    assert login(world.coordinator).post(f"/workshops/{workshop.id}/edit", data=data).status_code == 302
    [message] = mailbox.messages
    methods = [(str(c["METHOD"]), str(c.walk("VEVENT")[0]["UID"])) for c in calendars_in(message)]
    assert methods[1] == ("CANCEL", f"workshop-session-{removed_id}@academy.test")
    assert methods[0][0] == "REQUEST"
    assert "no longer take place" in body_of(message)


def test_cancelling_the_workshop_sends_cancellations(world, login, mailbox):
    workshop = make_workshop(world)
    enrol(workshop, world.trainees[0])
    login(world.coordinator).post(
        f"/workshops/{workshop.id}/edit", data=form_data(workshop, status="cancelled")
    )
    [message] = mailbox.messages
    assert subject(message) == f"Workshop cancelled: {workshop.title}"
    events = [c.walk("VEVENT")[0] for c in calendars_in(message)]
    assert [str(c["METHOD"]) for c in calendars_in(message)] == ["CANCEL", "CANCEL"]
    assert [e["SEQUENCE"] for e in events] == [1, 1] and {str(e["STATUS"]) for e in events} == {"CANCELLED"}


def test_remind_sends_once_per_person_for_tomorrows_sessions(app, world, mailbox):
    tomorrow_9 = datetime(2026, 3, 11, 9, 0, tzinfo=SKOPJE).astimezone(UTC)
    workshop = make_workshop(world, first=tomorrow_9, days=1)
    make_workshop(world, first=tomorrow_9 + timedelta(days=1), days=1, venue="Later", trainers=[])
    make_workshop(world, first=tomorrow_9, days=1, venue="Draft room", status="draft", trainers=[])
    world.trainees[1].locale = "sq"
    db.session.commit()
    enrol(workshop, world.trainees[0], world.trainees[1])
    enrol(workshop, world.trainees[2], status="waitlisted")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["workshops", "remind", "--today", "2026-03-10"])
    assert result.exit_code == 0 and "3 reminder(s) sent, 0 already sent earlier" in result.output
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        [world.trainees[0].email, world.trainees[1].email, world.trainer.email]
    )
    assert subjects_to(mailbox, world.trainees[0].email) == [f"Tomorrow: {workshop.title}"]
    with force_locale("sq"):
        albanian = gettext("Tomorrow: %(title)s", title=workshop.title)
    assert albanian != f"Tomorrow: {workshop.title}"
    assert subjects_to(mailbox, world.trainees[1].email) == [albanian]
    assert "09:00–16:30" in body_of(mailbox.messages[0])

    again = runner.invoke(args=["workshops", "remind", "--today", "2026-03-10"])
    assert "0 reminder(s) sent, 3 already sent earlier" in again.output
    assert len(mailbox.messages) == 3
    assert (
        "0 reminder(s) sent, 0 already"
        in runner.invoke(args=["workshops", "remind", "--today", "2026-03-09"]).output
    )


# --- attendance ----------------------------------------------------------------------------------


def marks(session_id: int) -> dict[str, tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        db.select(User.display_name, Attendance.status, Attendance.note)
        .join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.session_id == session_id)
    )
    return {name: (status, note) for name, status, note in rows}


@pytest.fixture
def running(world) -> Workshop:
    """A workshop whose first day starts in half an hour (marking is open) and second day tomorrow."""
    workshop = make_workshop(world, first=utcnow() + timedelta(minutes=30), capacity=6)
    enrol(workshop, *world.trainees[:3])
    return workshop


def test_trainer_marks_everyone_present_then_corrects(world, running, login):
    session = running.sessions[0]
    client = login(world.trainer)
    assert "Mark everyone present" in page(client.get(f"/workshops/sessions/{session.id}/attendance"))
    client.post(f"/workshops/sessions/{session.id}/attendance/all-present")
    assert marks(session.id) == dict.fromkeys(("Trainee 01", "Trainee 02", "Trainee 03"), ("present", ""))
    ids = [t.id for t in world.trainees]
    data = {
        f"status_{ids[0]}": "present",
        f"status_{ids[1]}": "late",
        f"note_{ids[1]}": "Bus from Kumanovo delayed",
        f"status_{ids[2]}": "excused",
    }
    assert client.post(f"/workshops/sessions/{session.id}/attendance", data=data).status_code == 302
    assert marks(session.id) == {
        "Trainee 01": ("present", ""),
        "Trainee 02": ("late", "Bus from Kumanovo delayed"),
        "Trainee 03": ("excused", ""),
    }
    # "Everyone present" again keeps the corrections.
    client.post(f"/workshops/sessions/{session.id}/attendance/all-present")
    assert marks(session.id)["Trainee 02"] == ("late", "Bus from Kumanovo delayed")
    overview = page(client.get(f"/workshops/{running.id}/attendance"))
    assert "2/3 (67%)" in overview  # day 1: present or late
    assert "1/2 (50%)" in overview and "0/2 (0%)" in overview  # per trainee, over the two days


def test_marking_is_closed_before_the_window_opens(world, login):
    workshop = make_workshop(world, first=utcnow() + timedelta(hours=3))
    enrol(workshop, world.trainees[0])
    session = workshop.sessions[0]
    client = login(world.trainer)
    assert "Marking opens an hour before the start" in page(
        client.get(f"/workshops/sessions/{session.id}/attendance")
    )
    client.post(
        f"/workshops/sessions/{session.id}/attendance", data={f"status_{world.trainees[0].id}": "present"}
    )
    client.post(f"/workshops/sessions/{session.id}/attendance/all-present")
    assert marks(session.id) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "asleep", "Not a valid choice."),
        ("note", "x" * 301, "Field cannot be longer than 300 characters."),
    ],
)
def test_bad_attendance_input_changes_nothing(world, running, login, field, value, message):
    session = running.sessions[0]
    trainee = world.trainees[0]
    data = {f"status_{trainee.id}": "present", f"{field}_{trainee.id}": value}
    response = login(world.trainer).post(f"/workshops/sessions/{session.id}/attendance", data=data)
    assert response.status_code == 400 and message in page(response)
    assert marks(session.id) == {}


def test_closing_locks_attendance_and_corrections_need_a_reason(world, running, login):
    session = running.sessions[0]
    trainee = world.trainees[0]
    trainer, coordinator = login(world.trainer), login(world.coordinator)
    trainer.post(f"/workshops/sessions/{session.id}/attendance/all-present")
    coordinator.post(f"/workshops/{running.id}/close")
    db.session.expire_all()
    closed = db.session.get(Workshop, running.id)
    assert closed.attendance_locked_at is not None and closed.status == "completed"
    assert audit_events("workshop.closed")[0].after == {"status": "completed"}

    # The trainer can no longer change anything.
    trainer.post(f"/workshops/sessions/{session.id}/attendance", data={f"status_{trainee.id}": "absent"})
    trainer.post(f"/workshops/sessions/{session.id}/attendance/all-present")
    assert marks(session.id)["Trainee 01"] == ("present", "")

    # The coordinator can, with a reason.
    response = coordinator.post(
        f"/workshops/sessions/{session.id}/attendance", data={f"status_{trainee.id}": "absent"}
    )
    assert response.status_code == 400 and "Say why the change is made." in page(response)
    assert marks(session.id)["Trainee 01"] == ("present", "")
    data = {
        f"status_{trainee.id}": "excused",
        f"note_{trainee.id}": "Sick note",
        f"status_{world.trainees[1].id}": "present",  # unchanged: not audited
        f"status_{world.trainees[2].id}": "present",
        "reason": "Medical certificate handed in after the workshop",
    }
    assert coordinator.post(f"/workshops/sessions/{session.id}/attendance", data=data).status_code == 302
    assert marks(session.id)["Trainee 01"] == ("excused", "Sick note")
    [event] = audit_events("attendance.corrected")
    assert event.actor_id == world.coordinator.id
    assert event.reason == "Medical certificate handed in after the workshop"
    assert event.before == {"user_id": trainee.id, "status": "present", "note": ""}
    assert event.after == {
        "user_id": trainee.id,
        "status": "excused",
        "note": "Sick note",
        "session_id": session.id,
    }


def test_trainees_cannot_mark_attendance(world, running, login):
    session = running.sessions[0]
    client = login(world.trainees[0])
    assert client.post(f"/workshops/sessions/{session.id}/attendance/all-present").status_code == 403
    assert marks(session.id) == {}


def test_sign_in_sheet_has_every_name_as_written(world, make_user, login):
    names = [
        "Александра Николовска",
        "Ѓорѓи Љубеновски",
        "Кирил Ќосев",
        "Џенита Рамадани",
        "Ѕвездан Богоевски",
        "Његош Митревски",
        "Ëndrit Çela",
        "Jasmina Saliu",
    ]
    people = [
        world.member(make_user(certificate_name=name, display_name=f"Person {i:02d}"))
        for i, name in enumerate(names)
    ]
    people += [world.member(make_user(certificate_name=f"Учесник {i}")) for i in range(10)]  # 18: two pages
    workshop = make_workshop(world, title="Работилница 1", capacity=20)
    enrol(workshop, *people)
    response = login(world.trainer).get(f"/workshops/sessions/{workshop.sessions[0].id}/sign-in-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    fonts = register_fonts()
    for person in people:
        assert missing_glyphs(person.certificate_name, fonts.regular) == set()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    for person in people:
        assert person.certificate_name in text
    assert "Работилница 1" in text and world.trainer.certificate_name in text
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert "Signature" in text and "Hotel Arka, Skopje" in text


# --- rubrics, scores, gradebook ------------------------------------------------------------------


def make_rubric(criteria: int = 2) -> Rubric:
    """A rubric whose criterion n has levels worth 0, 1 and 2 points ("Weak", "Fair", "Good")."""
    rubric = Rubric(title="Case study")
    for position in range(1, criteria + 1):
        criterion = Criterion(position=position, title=f"Criterion {position}")
        for points, title in ((0.0, "Weak"), (1.0, "Fair"), (2.0, "Good")):
            criterion.levels.append(Level(points=points, title=title, descriptor=f"{title} work"))
        rubric.criteria.append(criterion)
    db.session.add(rubric)
    db.session.commit()
    return rubric


@dataclass
class Scoring:
    workshop: Workshop
    assessment: Assessment
    rubric: Rubric

    def level(self, criterion: int, title: str) -> int:
        levels = self.rubric.criteria[criterion].levels
        return next(level.id for level in levels if level.title == title)

    def form(self, *titles: str, action: str = "finalise", **extra) -> dict:
        data = {
            f"criterion_{c.id}": str(self.level(i, t))
            for i, (c, t) in enumerate(zip(self.rubric.criteria, titles, strict=False))
        }
        data[action] = "y"
        data.update(extra)
        return data

    def url(self, trainee: User) -> str:
        return f"/workshops/assessments/{self.assessment.id}/trainees/{trainee.id}/score"


@pytest.fixture
def scoring(world) -> Scoring:
    workshop = make_workshop(world, first=utcnow() - timedelta(days=3))
    enrol(workshop, *world.trainees[:3])
    rubric = make_rubric()
    assessment = Assessment(workshop_id=workshop.id, rubric_id=rubric.id, title="Case study", pass_points=3)
    db.session.add(assessment)
    db.session.commit()
    return Scoring(workshop, assessment, rubric)


def scores_of(trainee: User) -> list[AssessmentScore]:
    db.session.expire_all()
    return list(
        db.session.execute(
            db.select(AssessmentScore).filter_by(trainee_id=trainee.id).order_by(AssessmentScore.id)
        ).scalars()
    )


def test_coordinator_builds_a_rubric_step_by_step(world, login):
    client = login(world.coordinator)
    response = client.post("/workshops/rubrics", data={"title": "Role play", "description": "Day 1"})
    rubric = db.session.execute(db.select(Rubric)).scalar_one()
    assert response.location == f"/workshops/rubrics/{rubric.id}"
    client.post(f"/workshops/rubrics/{rubric.id}/criteria", data={"criterion-title": "Listens actively"})
    criterion = db.session.execute(db.select(Criterion)).scalar_one()
    for points, title in (("2", "Good"), ("0", "Weak"), ("1.5", "Fair")):
        data = {f"level{criterion.id}-points": points, f"level{criterion.id}-title": title}
        assert (
            client.post(
                f"/workshops/rubrics/{rubric.id}/criteria/{criterion.id}/levels", data=data
            ).status_code
            == 302
        )
    db.session.expire_all()
    assert [(lv.title, lv.points) for lv in db.session.get(Criterion, criterion.id).levels] == [
        ("Weak", 0.0),
        ("Fair", 1.5),
        ("Good", 2.0),
    ]
    markup = page(client.get(f"/workshops/rubrics/{rubric.id}"))
    assert (
        "Listens actively" in markup
        and "1.5 points" in markup
        and "Highest possible total: 2 points." in markup
    )


@pytest.mark.parametrize(
    ("points", "title", "message"),
    [
        ("", "Good", "Enter the points."),
        ("-1", "Good", "Number must be between 0 and 1000."),
        ("nan", "Good", "Enter a number."),
        ("2", "", "This field is required."),
    ],
)
def test_bad_level_input_changes_nothing(world, login, points, title, message):
    rubric = make_rubric(criteria=1)
    criterion = rubric.criteria[0]
    data = {f"level{criterion.id}-points": points, f"level{criterion.id}-title": title}
    response = login(world.coordinator).post(
        f"/workshops/rubrics/{rubric.id}/criteria/{criterion.id}/levels", data=data
    )
    assert response.status_code == 400 and message in page(response)
    assert count(Level) == 3


def test_a_rubric_or_criterion_without_a_title_is_refused(world, login):
    client = login(world.coordinator)
    response = client.post("/workshops/rubrics", data={"title": "   ", "description": "x"})
    assert response.status_code == 400 and "This field is required." in page(response)
    assert count(Rubric) == 0
    rubric = make_rubric(criteria=1)
    response = client.post(f"/workshops/rubrics/{rubric.id}/criteria", data={"criterion-title": ""})
    assert response.status_code == 400 and "This field is required." in page(response)
    assert count(Criterion) == 1
    other = make_rubric(criteria=1)
    foreign = other.criteria[0]  # a criterion of another rubric is not found through this one
    data = {f"level{foreign.id}-points": "1", f"level{foreign.id}-title": "Fair"}
    assert (
        client.post(f"/workshops/rubrics/{rubric.id}/criteria/{foreign.id}/levels", data=data).status_code
        == 404
    )
    assert (
        client.post(f"/workshops/rubrics/{rubric.id}/levels/{foreign.levels[0].id}/remove").status_code == 404
    )
    assert count(Level) == 6


def test_the_workshop_list_takes_the_same_queries_for_2_and_12_workshops(world, login, count_queries):
    client = login(world.coordinator)
    figures = []
    for total in (2, 12):
        while count(Workshop) < total:
            workshop = make_workshop(world, title=f"Workshop {count(Workshop)}", trainers=[])
            enrol(workshop, world.trainees[0])
        with count_queries() as statements:
            assert client.get("/workshops/").status_code == 200
        figures.append(len(statements))
    assert figures[0] == figures[1]


def test_a_rubric_in_use_cannot_change(world, scoring, login):
    login(world.trainer).post(scoring.url(world.trainees[0]), data=scoring.form("Good", action="save_draft"))
    client = login(world.coordinator)
    client.post(f"/workshops/rubrics/{scoring.rubric.id}/criteria", data={"criterion-title": "New"})
    level = scoring.rubric.criteria[0].levels[0]
    client.post(f"/workshops/rubrics/{scoring.rubric.id}/levels/{level.id}/remove")
    assert count(Criterion) == 2 and count(Level) == 6
    assert "can no longer change" in page(client.get(f"/workshops/rubrics/{scoring.rubric.id}"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pass_points": "5"}, "At most 4 points can be scored on this rubric."),
        ({"pass_points": "-1"}, "Number must be at least 0."),
        ({"pass_points": ""}, "Enter the points needed to pass."),
        ({"rubric": "999999"}, "Not a valid choice."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_bad_assessment_input_changes_nothing(world, login, data, message):
    workshop = make_workshop(world)
    rubric = make_rubric()
    form = {"title": "Case study", "rubric": str(rubric.id), "pass_points": "3", **data}
    response = login(world.coordinator).post(f"/workshops/{workshop.id}/assessments/new", data=form)
    assert response.status_code == 400 and message in page(response)
    assert count(Assessment) == 0


def test_an_incomplete_rubric_cannot_be_attached(world, login):
    workshop = make_workshop(world)
    rubric = Rubric(title="Half done")
    rubric.criteria.append(Criterion(position=1, title="No levels yet"))
    db.session.add(rubric)
    db.session.commit()
    form = {"title": "Case study", "rubric": str(rubric.id), "pass_points": "0"}
    assert (
        login(world.coordinator).post(f"/workshops/{workshop.id}/assessments/new", data=form).status_code
        == 400
    )
    assert count(Assessment) == 0


def test_trainer_saves_a_draft_then_finalises(world, scoring, login):
    trainee = world.trainees[0]
    client = login(world.trainer)
    response = client.post(
        scoring.url(trainee), data=scoring.form("Good", action="save_draft", comment="So far")
    )
    assert response.status_code == 302
    [draft] = scores_of(trainee)
    assert draft.finalised_at is None and draft.total is None and draft.comment == "So far"
    assert draft.levels == {str(scoring.rubric.criteria[0].id): scoring.level(0, "Good")}

    response = client.post(
        scoring.url(trainee), data=scoring.form("Good")
    )  # finalising needs every criterion
    assert response.status_code == 400 and "Choose a level." in page(response)
    assert scores_of(trainee)[0].finalised_at is None

    response = client.post(scoring.url(trainee), data=scoring.form("Good", "Fair", comment="Clear plan."))
    assert response.status_code == 302
    [final] = scores_of(trainee)
    assert final.total == 3.0 and final.finalised_at is not None and final.scorer_id == world.trainer.id
    [event] = audit_events("assessment.score_finalised")
    assert event.actor_id == world.trainer.id and event.after["total"] == 3.0


def test_a_level_of_another_criterion_is_refused(world, scoring, login):
    wrong = {f"criterion_{scoring.rubric.criteria[0].id}": str(scoring.level(1, "Good")), "finalise": "y"}
    response = login(world.trainer).post(scoring.url(world.trainees[0]), data=wrong)
    assert response.status_code == 400
    assert scores_of(world.trainees[0]) == []


def test_only_the_workshops_trainers_score_its_enrolled_trainees(world, scoring, make_user, login):
    stranger = make_user(role="trainer")
    assert login(stranger).get(scoring.url(world.trainees[0])).status_code == 404
    not_enrolled = world.trainees[4]
    assert login(world.trainer).get(scoring.url(not_enrolled)).status_code == 404
    assert login(world.trainees[0]).get(scoring.url(world.trainees[0])).status_code == 403


def test_one_scorer_unless_a_second_is_asked_for(world, scoring, make_user, login):
    second = make_user(role="trainer", display_name="Arben Second")
    scoring.workshop.trainers.append(WorkshopTrainer(user_id=second.id))
    db.session.commit()
    trainee = world.trainees[0]
    login(world.trainer).post(scoring.url(trainee), data=scoring.form("Good", "Good"))
    login(second).post(scoring.url(trainee), data=scoring.form("Weak", "Weak"))
    assert [s.scorer_id for s in scores_of(trainee)] == [world.trainer.id]
    assert "already been scored" in page(login(second).get(scoring.url(trainee)))


def test_two_scorers_and_their_disagreements(world, scoring, make_user, login):
    scoring.assessment.second_scorer = True
    second, third = make_user(role="trainer", display_name="Arben Second"), make_user(role="trainer")
    for trainer in (second, third):
        scoring.workshop.trainers.append(WorkshopTrainer(user_id=trainer.id))
    db.session.commit()
    trainee = world.trainees[0]
    login(world.trainer).post(scoring.url(trainee), data=scoring.form("Good", "Fair"))
    login(second).post(scoring.url(trainee), data=scoring.form("Good", "Weak"))
    login(third).post(scoring.url(trainee), data=scoring.form("Weak", "Weak"))  # a third is one too many
    assert [s.scorer_id for s in scores_of(trainee)] == [world.trainer.id, second.id]

    markup = page(
        login(world.coordinator).get(f"/workshops/assessments/{scoring.assessment.id}/disagreements")
    )
    assert "1 trainee scored twice" in markup and "1 with a disagreement" in markup
    assert "Marija Trainer" in markup and "Arben Second" in markup
    assert "Fair (1)" in markup and "Weak (0)" in markup and "Good (2)" in markup
    # The first scorer's score counts.
    assert records.assessment_results(world.cohort.id, [trainee.id]) == {trainee.id: True}


def test_locked_scores_change_only_with_a_reason_and_are_audited(world, scoring, login):
    trainee = world.trainees[0]
    trainer = login(world.trainer)
    trainer.post(scoring.url(trainee), data=scoring.form("Good", "Good", comment="Excellent"))
    login(world.coordinator).post(f"/workshops/{scoring.workshop.id}/scores/lock")
    db.session.expire_all()
    assert db.session.get(Workshop, scoring.workshop.id).scores_locked_at is not None
    assert audit_events("workshop.scores_locked")

    response = trainer.post(scoring.url(trainee), data=scoring.form("Good", "Weak"))
    assert response.status_code == 400 and "Say why the change is made." in page(response)
    assert scores_of(trainee)[0].total == 4.0

    data = scoring.form("Good", "Weak", comment="Excellent", reason="Criterion 2 misread: no referral plan")
    assert trainer.post(scoring.url(trainee), data=data).status_code == 302
    [score] = scores_of(trainee)
    assert score.total == 2.0
    [event] = audit_events("assessment.score_changed")
    assert event.actor_id == world.trainer.id and event.reason == "Criterion 2 misread: no referral plan"
    assert event.before["total"] == 4.0 and event.after["total"] == 2.0
    assert event.at is not None and event.target_id == score.id


def test_gradebook_exports_parse_back(world, scoring, login):
    a, b, c = world.trainees[:3]
    trainer = login(world.trainer)
    trainer.post(scoring.url(a), data=scoring.form("Good", "Fair"))  # 3: passes at 3
    trainer.post(scoring.url(b), data=scoring.form("Fair", "Weak"))  # 1: does not
    trainer.post(scoring.url(c), data=scoring.form("Good", action="save_draft"))  # a draft counts for nothing
    db.session.execute(db.update(User).where(User.id == a.id).values(display_name="=HYPERLINK(1)"))
    db.session.commit()
    markup = page(login(world.coordinator).get(f"/workshops/{scoring.workshop.id}/gradebook"))
    assert "1 passed, 1 not passed, 1 not final yet." in markup

    response = login(world.coordinator).get(f"/workshops/assessments/{scoring.assessment.id}/gradebook.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "name", "name_as_written", "email", "organisation", "Criterion 1", "Criterion 2",
        "total", "max_points", "pass_points", "passed", "scorer", "finalised_at",
    ]  # fmt: skip
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email[a.email][0] == "'=HYPERLINK(1)"  # neutralised for spreadsheets
    assert by_email[a.email][4:10] == ["2.0", "1.0", "3.0", "4.0", "3.0", "yes"]
    assert by_email[b.email][4:10] == ["1.0", "0.0", "1.0", "4.0", "3.0", "no"]
    assert by_email[c.email][4:11] == ["", "", "", "4.0", "3.0", "", ""]
    assert by_email[a.email][10] == "Marija Trainer"

    response = login(world.trainer).get(f"/workshops/assessments/{scoring.assessment.id}/gradebook.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0][0] == "name" and len(table) == 4
    assert {row[2]: row[6] for row in table[1:]} == {a.email: 3, b.email: 1, c.email: None}
    assert (
        login(world.trainer).get(f"/workshops/assessments/{scoring.assessment.id}/gradebook.pdf").status_code
        == 404
    )


def test_a_trainee_sees_only_their_own_final_score(world, scoring, login):
    a, b = world.trainees[:2]
    trainer = login(world.trainer)
    trainer.post(scoring.url(a), data=scoring.form("Good", "Fair", comment="Clear, realistic plan."))
    trainer.post(scoring.url(b), data=scoring.form("Weak", action="save_draft", comment="Draft note"))
    own = login(a).get(f"/workshops/assessments/{scoring.assessment.id}/trainees/{a.id}")
    markup = page(own)
    assert own.status_code == 200
    assert "3 of 4 points" in markup and "Passed" in markup and "Clear, realistic plan." in markup
    # Someone else's result does not exist for A, whatever its state.
    assert login(a).get(f"/workshops/assessments/{scoring.assessment.id}/trainees/{b.id}").status_code == 404
    assert login(b).get(f"/workshops/assessments/{scoring.assessment.id}/trainees/{a.id}").status_code == 404
    # B's own draft is not shown to B.
    markup = page(login(b).get(f"/workshops/assessments/{scoring.assessment.id}/trainees/{b.id}"))
    assert "not available yet" in markup and "Draft note" not in markup
    # Nor any staff page.
    assert login(a).get(f"/workshops/{scoring.workshop.id}/gradebook").status_code == 403
    assert login(a).get(f"/workshops/assessments/{scoring.assessment.id}/gradebook.csv").status_code == 403


# --- records for the certificates ---------------------------------------------------------------


def test_records_count_by_hand(world, make_user, count_queries):
    a, b, c, d, e = world.trainees[:5]
    other_trainer = make_user(role="trainer")
    w1 = make_workshop(world, title="W1", days=2, first=datetime(2026, 5, 4, 7, tzinfo=UTC))
    w2 = make_workshop(world, title="W2", days=1, first=datetime(2026, 5, 11, 7, tzinfo=UTC), venue="B")
    w3 = make_workshop(world, title="W3", days=1, status="cancelled", venue="C")
    other_cohort = Cohort(name="Other cohort", course_id=world.cohort.course_id)
    db.session.add(other_cohort)
    db.session.commit()
    elsewhere = make_workshop(world, title="Elsewhere", days=1, venue="D", cohort_id=other_cohort.id)
    enrol(elsewhere, a)
    enrol(w1, a, b, e)
    enrol(w1, c, status="waitlisted")
    enrol(w2, a)
    enrol(w3, c)

    def mark(workshop, day, user, status):
        db.session.add(
            Attendance(
                session_id=workshop.sessions[day].id,
                user_id=user.id,
                status=status,
                marked_by_id=world.trainer.id,
            )
        )

    mark(w1, 0, a, "present")
    mark(w1, 1, a, "excused")
    mark(w2, 0, a, "late")
    mark(w1, 0, b, "absent")
    mark(w1, 0, c, "present")  # waitlisted: counts for nothing
    mark(w3, 0, c, "present")  # a cancelled workshop counts for nothing
    mark(elsewhere, 0, a, "present")  # nor does another cohort's workshop
    rubric = make_rubric()
    first = Assessment(workshop_id=w1.id, rubric_id=rubric.id, title="W1 case", pass_points=3)
    second = Assessment(workshop_id=w2.id, rubric_id=rubric.id, title="W2 case", pass_points=2)
    db.session.add_all([first, second])
    db.session.commit()
    done = utcnow()

    def score(assessment, trainee, scorer, total, final=True):
        db.session.add(
            AssessmentScore(
                assessment_id=assessment.id,
                trainee_id=trainee.id,
                scorer_id=scorer.id,
                levels={},
                total=total,
                finalised_at=done if final else None,
            )
        )
        db.session.commit()

    score(first, a, world.trainer, 4)  # the first scorer: passes…
    score(first, a, other_trainer, 1)  # …whatever the second scorer thinks
    score(second, a, world.trainer, 1)  # but fails the second assessment
    score(first, b, world.trainer, None, final=False)  # a draft started first…
    score(first, b, other_trainer, 4)  # …does not hold back the score finalised first
    score(first, e, world.trainer, 3)  # exactly at the threshold

    ids, cohort_id = [a.id, b.id, c.id, d.id, e.id], world.cohort.id
    with count_queries() as statements:
        counts = records.attendance_counts(cohort_id, ids)
    assert len(statements) == 1
    assert counts == {a.id: (2, 1, 3), b.id: (0, 0, 2), c.id: (0, 0, 0), d.id: (0, 0, 0), e.id: (0, 0, 2)}
    with count_queries() as statements:
        results = records.assessment_results(cohort_id, ids)
    assert len(statements) == 2
    assert results == {a.id: False, b.id: True, c.id: None, d.id: None, e.id: True}
    assert records.attendance_counts(world.cohort.id, []) == {}
    assert records.assessment_results(world.cohort.id, []) == {}


def test_records_take_the_same_queries_for_3_and_30_trainees(world, make_user, count_queries):
    many = [world.member(make_user()) for _ in range(30)]
    workshop = make_workshop(world, capacity=40)
    enrol(workshop, *many)
    rubric = make_rubric()
    assessment = Assessment(workshop_id=workshop.id, rubric_id=rubric.id, title="Case", pass_points=2)
    db.session.add(assessment)
    db.session.flush()
    for user in many:
        db.session.add(
            Attendance(
                session_id=workshop.sessions[0].id,
                user_id=user.id,
                status="present",
                marked_by_id=world.trainer.id,
            )
        )
        db.session.add(
            AssessmentScore(
                assessment_id=assessment.id,
                trainee_id=user.id,
                scorer_id=world.trainer.id,
                levels={},
                total=3,
                finalised_at=utcnow(),
            )
        )
    db.session.commit()
    figures, cohort_id = [], world.cohort.id
    for group in (many[:3], many):
        ids = [u.id for u in group]
        with count_queries() as statements:
            counts = records.attendance_counts(cohort_id, ids)
            results = records.assessment_results(cohort_id, ids)
        figures.append(len(statements))
        assert set(counts.values()) == {(1, 0, 2)} and set(results.values()) == {True}
    assert figures == [3, 3]


def test_demo_workshops_are_built_once(world, make_user):
    from app.workshops.demo import build_workshops

    trainees = [world.member(make_user()) for _ in range(28)]
    trainers = [world.trainer, make_user(role="trainer")]
    for _ in range(2):
        built = build_workshops(world.cohort, trainees, trainers)
    assert [w.status for w in built] == ["completed", "completed"]
    assert count(Workshop) == 2 and count(Registration) == 28 and count(Attendance) == 56
    assert count(AssessmentScore) == 28 and count(Rubric) == 1 and count(Level) == 16
    counts = records.attendance_counts(world.cohort.id, [t.id for t in trainees])
    assert sum(1 for attended, _e, total in counts.values() if attended < total) >= 4
    results = records.assessment_results(world.cohort.id, [t.id for t in trainees])
    assert list(results.values()).count(False) == 3 and list(results.values()).count(True) == 25


# --- trainers hear about their workshops ----------------------------------------------------------


def test_a_newly_assigned_trainer_is_emailed_in_their_language(app, world, login, mailbox):
    world.trainer.locale = "sq"
    db.session.commit()
    response = login(world.coordinator).post("/workshops/new", data=new_workshop_data(world))
    assert response.status_code == 302
    workshop = db.session.execute(db.select(Workshop)).scalar_one()
    [message] = mailbox.messages  # the trainer; trainees are told when they get a place
    assert message["To"] == world.trainer.email
    with app.test_request_context(), force_locale("sq"):
        title = gettext("You are a trainer of the workshop: %(title)s", title=workshop.title)
        greeting = gettext("Hello %(name)s,", name=world.trainer.display_name)
        when = gettext("When (Skopje time):")
        days = [format_date(s.starts_at, "full") for s in workshop.sessions]
    assert greeting != f"Hello {world.trainer.display_name}," and when != "When (Skopje time):"
    assert subject(message) == title
    body = body_of(message)
    assert greeting in body and when in body and "Identification and referral" in body
    # 07:00 UTC in October and 08:00 UTC in December are both 09:00 in Skopje.
    assert [s.starts_at.hour for s in workshop.sessions] == [7, 8]
    assert body.count("09:00–16:30") == 2 and all(day in body for day in days)
    assert f"http://academy.test/workshops/{workshop.id}" in body
    assert calendars_in(message) == []  # their personal calendar feed has the days


def test_only_trainers_added_by_an_edit_are_emailed(world, make_user, login, mailbox):
    workshop = make_workshop(world)  # world.trainer is assigned already
    second = make_user(role="trainer", display_name="Arben Second")
    coordinator = login(world.coordinator)
    data = form_data(workshop, trainers=[str(world.trainer.id), str(second.id)])
    assert coordinator.post(f"/workshops/{workshop.id}/edit", data=data).status_code == 302
    assert [m["To"] for m in mailbox.messages] == [second.email]
    assert subject(mailbox.messages[0]) == f"You are a trainer of the workshop: {workshop.title}"

    mailbox.messages.clear()
    db.session.expire_all()
    workshop = db.session.get(Workshop, workshop.id)
    assert coordinator.post(f"/workshops/{workshop.id}/edit", data=form_data(workshop)).status_code == 302
    assert mailbox.messages == []  # nobody new

    third = make_user(role="trainer")
    data = form_data(workshop, status="cancelled", trainers=[str(world.trainer.id), str(third.id)])
    assert coordinator.post(f"/workshops/{workshop.id}/edit", data=data).status_code == 302
    assert third.email not in [m["To"] for m in mailbox.messages]  # a cancelled workshop: no news


# --- reopening what was locked ------------------------------------------------------------------------


def reopen_events(action: str, workshop: Workshop) -> list[AuditEvent]:
    return [e for e in audit_events(action) if e.target_type == "Workshop" and e.target_id == workshop.id]


def test_coordinator_reopens_a_closed_workshops_attendance_with_a_reason(world, running, login):
    session = running.sessions[0]
    trainee = world.trainees[0]
    trainer, coordinator = login(world.trainer), login(world.coordinator)
    trainer.post(f"/workshops/sessions/{session.id}/attendance/all-present")
    coordinator.post(f"/workshops/{running.id}/close")
    assert "Reopen attendance" not in page(trainer.get(f"/workshops/{running.id}/attendance"))
    assert "Reopen attendance" in page(coordinator.get(f"/workshops/{running.id}/attendance"))

    # Not a trainer; not without a reason.
    assert trainer.post(f"/workshops/{running.id}/reopen", data={"reason": "Mine"}).status_code == 403
    response = coordinator.post(f"/workshops/{running.id}/reopen", data={"reason": "  "})
    assert response.status_code == 400 and "Say why it is reopened." in page(response)
    db.session.expire_all()
    assert db.session.get(Workshop, running.id).attendance_locked_at is not None
    assert reopen_events("workshop.reopened", running) == []

    reason = "Trainee 01 was marked present on day 1 but left at 10:00"
    response = coordinator.post(f"/workshops/{running.id}/reopen", data={"reason": reason})
    assert response.status_code == 302
    db.session.expire_all()
    reopened = db.session.get(Workshop, running.id)
    assert reopened.attendance_locked_at is None and reopened.status == "completed"
    [event] = reopen_events("workshop.reopened", running)
    assert event.actor_id == world.coordinator.id and event.reason == reason
    assert event.before["attendance_locked_at"] is not None and event.before["status"] == "completed"
    assert event.after == {"attendance_locked_at": None, "status": "completed", "certificates_issued": 0}

    # The trainer corrects the day as usual, without a reason; everyone sees the reopening.
    data = {f"status_{trainee.id}": "absent", f"note_{trainee.id}": "Left at 10:00"}
    assert trainer.post(f"/workshops/sessions/{session.id}/attendance", data=data).status_code == 302
    assert marks(session.id)["Trainee 01"] == ("absent", "Left at 10:00")
    overview = page(trainer.get(f"/workshops/{running.id}/attendance"))
    assert "Attendance was reopened" in overview and "Elena Coordinator" in overview
    assert "Trainee 01 was marked present on day 1 but left at 10:00" in overview
    assert "Close the workshop and lock attendance" in page(
        coordinator.get(f"/workshops/{running.id}/attendance")
    )

    # Closing again locks it again; reopening what is open changes nothing.
    coordinator.post(f"/workshops/{running.id}/close")
    db.session.expire_all()
    assert db.session.get(Workshop, running.id).attendance_locked_at is not None
    coordinator.post(f"/workshops/{running.id}/close")
    coordinator.post(f"/workshops/{running.id}/reopen", data={"reason": "Second look"})
    coordinator.post(f"/workshops/{running.id}/reopen", data={"reason": "Again"})
    assert [e.reason for e in reopen_events("workshop.reopened", running)] == [reason, "Second look"]


def test_coordinator_reopens_locked_scores_with_a_reason(world, scoring, login):
    trainee = world.trainees[0]
    trainer, coordinator = login(world.trainer), login(world.coordinator)
    trainer.post(scoring.url(trainee), data=scoring.form("Good", "Good"))
    coordinator.post(f"/workshops/{scoring.workshop.id}/scores/lock")
    url = f"/workshops/{scoring.workshop.id}/scores/reopen"
    assert "Reopen the scores" not in page(trainer.get(f"/workshops/{scoring.workshop.id}/gradebook"))
    assert trainer.post(url, data={"reason": "x"}).status_code == 403
    response = coordinator.post(url, data={})
    assert response.status_code == 400 and "Say why it is reopened." in page(response)

    assert (
        coordinator.post(url, data={"reason": "Criterion 2 was scored on the wrong case"}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(Workshop, scoring.workshop.id).scores_locked_at is None
    [event] = reopen_events("workshop.scores_reopened", scoring.workshop)
    assert event.actor_id == world.coordinator.id and event.after["scores_locked_at"] is None
    assert event.reason == "Criterion 2 was scored on the wrong case"
    # The trainer changes the score without a reason again.
    assert trainer.post(scoring.url(trainee), data=scoring.form("Good", "Fair")).status_code == 302
    assert scores_of(trainee)[0].total == 3.0
    markup = page(trainer.get(f"/workshops/{scoring.workshop.id}/gradebook"))
    assert "The scores were reopened" in markup and "Criterion 2 was scored on the wrong case" in markup


def test_reopening_says_what_it_means_for_certificates_already_issued(world, running, login):
    holder = world.trainees[0]
    certificate = Certificate(
        code="ABCD-EFGH-JKLM-NPQR",
        user_id=holder.id,
        cohort_id=world.cohort.id,
        name=holder.certificate_name,
        course_title="Protection and assistance",
        hours=16.0,
        completed_on=date(2026, 5, 12),
        issued_on=date(2026, 5, 12),
        issuer="Protection Academy",
        language="en",
        issued_by_id=world.coordinator.id,
        pdf=b"%PDF-1.4",
        sha256="0" * 64,
    )
    db.session.add(certificate)
    db.session.commit()
    coordinator = login(world.coordinator)
    coordinator.post(f"/workshops/{running.id}/close")
    markup = page(coordinator.get(f"/workshops/{running.id}/attendance"))
    assert "1 trainee of this workshop already has a certificate. Reopening does not revoke it" in markup
    assert f"/certificates/cohorts/{world.cohort.id}" in markup

    coordinator.post(f"/workshops/{running.id}/reopen", data={"reason": "Day 2 was marked on day 1"})
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoked_at is None  # never revoked automatically
    [event] = reopen_events("workshop.reopened", running)
    assert event.after["certificates_issued"] == 1
    assert "already has a certificate" in page(coordinator.get(f"/workshops/{running.id}/attendance"))


# --- the score that counts ------------------------------------------------------------------------


def test_the_score_finalised_first_counts_not_the_draft_started_first(world, scoring, make_user, login):
    scoring.assessment.second_scorer = True
    second = make_user(role="trainer", display_name="Arben Second")
    scoring.workshop.trainers.append(WorkshopTrainer(user_id=second.id))
    db.session.commit()
    trainee = world.trainees[0]
    first, other = login(world.trainer), login(second)
    # Marija opens the form first and saves a draft; Arben finalises before she does.
    first.post(scoring.url(trainee), data=scoring.form("Good", action="save_draft"))
    other.post(scoring.url(trainee), data=scoring.form("Weak", "Weak"))  # 0 points: not passed
    gradebook = page(login(world.coordinator).get(f"/workshops/{scoring.workshop.id}/gradebook"))
    assert "0 passed, 1 not passed, 2 not final yet." in gradebook  # Arben's final score counts already
    first.post(scoring.url(trainee), data=scoring.form("Good", "Good"))  # 4 points, finalised later
    assert records.assessment_results(world.cohort.id, [trainee.id]) == {trainee.id: False}

    # Arben corrects his final score: it stays the one that counts, and keeps its first finalisation.
    finalised_at = next(s for s in scores_of(trainee) if s.scorer_id == second.id).finalised_at
    other.post(scoring.url(trainee), data=scoring.form("Fair", "Fair"))
    arben = next(s for s in scores_of(trainee) if s.scorer_id == second.id)
    assert arben.total == 2.0 and arben.finalised_at == finalised_at
    assert records.assessment_results(world.cohort.id, [trainee.id]) == {trainee.id: False}
    rows = list(
        csv.reader(
            io.StringIO(
                login(world.coordinator)
                .get(f"/workshops/assessments/{scoring.assessment.id}/gradebook.csv")
                .data.decode("utf-8-sig")
            )
        )
    )
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email[trainee.email][6] == "2.0" and by_email[trainee.email][10] == "Arben Second"
    # The comparison lists the score that counts first.
    markup = page(
        login(world.coordinator).get(f"/workshops/assessments/{scoring.assessment.id}/disagreements")
    )
    assert markup.index("Arben Second") < markup.index("Marija Trainer")
