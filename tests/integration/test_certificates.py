"""Certificates end to end: the completion rule, eligibility in words, issuing (one, bulk, override,
idempotent), the frozen PDF and its hash, revocation and reissue, downloads, the ZIP and the register,
the e-mail, public verification (and its rate limit), the QR code read back, the demo, the CLI and the
query budget of the eligibility page.

Every test builds a small course in the database: two modules of two lessons (2 hours of reading), a
post-test with a 70% pass mark, and one workshop of two 8-hour days with a rubric-scored assessment that
every trainee is enrolled in. Attendance and assessment results are read by app/workshops/records.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from app import create_app
from app.audit import AuditEvent
from app.certificates import records as records_module
from app.certificates.codes import ALPHABET
from app.certificates.issuing import issue_certificates
from app.certificates.models import Certificate, CompletionRuleSetting
from app.courses.models import Cohort, Course, Lesson, LessonProgress, Membership, Module
from app.extensions import db, limiter
from app.quizzes.models import Attempt, Quiz
from app.workshops.models import (
    Assessment,
    AssessmentScore,
    Attendance,
    Registration,
    Rubric,
    SessionDay,
    Workshop,
)
from tests.conftest import IsolatedClient, settings_for_tests

POST_TEST_AT = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
DAY_ONE = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 in Skopje
DAY_TWO = datetime(2025, 3, 12, 7, 0, tzinfo=UTC)  # the last workshop day, after the post-test
LESSON_MINUTES = (30, 30, 45, 15)  # 2 hours of reading
CODE = re.compile(rf"^([{ALPHABET}]{{4}}-){{3}}[{ALPHABET}]{{4}}$")


@pytest.fixture
def workshop_records():
    from app.workshops import records

    return records


# --- the scenario -------------------------------------------------------------------------------------------


@dataclass
class World:
    course: Course
    cohort: Cohort
    lessons: list[Lesson]
    post_test: Quiz
    sessions: list[SessionDay]
    assessment: Assessment
    coordinator: object
    trainer: object

    def join(self, user) -> None:
        db.session.add(Membership(cohort_id=self.cohort.id, user_id=user.id, role="trainee"))
        db.session.add(
            Registration(workshop_id=self.sessions[0].workshop_id, user_id=user.id, status="enrolled")
        )
        db.session.commit()

    def study(self, user, lessons: int | None = None) -> None:
        for lesson in self.lessons[: len(self.lessons) if lessons is None else lessons]:
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=POST_TEST_AT))
        db.session.commit()

    def sit_post_test(self, user, percent: float, at: datetime = POST_TEST_AT) -> None:
        number = (
            1
            + db.session.execute(db.select(db.func.count(Attempt.id)).filter_by(user_id=user.id)).scalar_one()
        )
        db.session.add(
            Attempt(
                quiz_id=self.post_test.id,
                user_id=user.id,
                number=number,
                seed=number,
                language="en",
                questions=[],
                started_at=at - timedelta(minutes=20),
                submitted_at=at,
                earned=percent,
                possible=100,
                percent=percent,
            )
        )
        db.session.commit()

    def attend(self, user, *statuses: str) -> None:
        for session, status in zip(self.sessions, statuses, strict=True):
            db.session.add(
                Attendance(
                    session_id=session.id, user_id=user.id, status=status, marked_by_id=self.trainer.id
                )
            )
        db.session.commit()

    def assess(self, user, total: float, finalised: bool = True) -> None:
        db.session.add(
            AssessmentScore(
                assessment_id=self.assessment.id,
                trainee_id=user.id,
                scorer_id=self.trainer.id,
                total=total,
                finalised_at=DAY_TWO if finalised else None,
            )
        )
        db.session.commit()

    def graduate(self, user, **overrides) -> None:
        """Give the trainee everything the default rule asks for."""
        self.study(user)
        self.sit_post_test(user, overrides.get("percent", 85))
        self.attend(user, "present", "present")
        self.assess(user, 8)

    def trainee(self, make_user, graduated: bool = True, **fields):
        user = make_user(**fields)
        self.join(user)
        if graduated:
            self.graduate(user)
        return user


@pytest.fixture
def world(ctx, make_user) -> World:
    course = Course(
        slug="protection",
        title="Protection and assistance for migrants",
        translations={
            "mk": {"title": "Заштита и помош за мигранти"},
            "sq": {"title": "Mbrojtja e migrantëve"},
        },
    )
    db.session.add(course)
    lessons = []
    for position, slug in enumerate(("basics", "cases"), start=1):
        module = Module(slug=slug, position=position, title=slug.title(), folder=slug)
        course.modules.append(module)
        for index in (0, 1):
            minutes = LESSON_MINUTES[(position - 1) * 2 + index]
            lessons.append(Lesson(slug=f"{slug}-{index}", position=index, minutes=minutes))
            module.lessons.append(lessons[-1])
    # A retired module and an inactive lesson count for nothing.
    retired = Module(slug="old", position=9, title="Old", folder="old", is_active=False)
    course.modules.append(retired)
    retired.lessons.append(Lesson(slug="old-0", position=0, minutes=600))
    course.modules[0].lessons.append(Lesson(slug="gone", position=5, minutes=600, is_active=False))
    db.session.flush()
    post_test = Quiz(
        course_id=course.id, kind="post", pass_mark=70.0, grading="highest", attempts_allowed=None
    )
    cohort = Cohort(
        name="Cohort 2025", course_id=course.id, starts_on=date(2025, 1, 6), ends_on=date(2025, 3, 31)
    )
    db.session.add_all([post_test, cohort])
    db.session.flush()
    workshop = Workshop(
        cohort_id=cohort.id, title="Case work", venue="Skopje", capacity=40, status="published"
    )
    cancelled = Workshop(
        cohort_id=cohort.id, title="Cancelled", venue="Ohrid", capacity=40, status="cancelled"
    )
    db.session.add_all([workshop, cancelled])
    db.session.flush()
    sessions = [
        SessionDay(workshop_id=workshop.id, starts_at=day, ends_at=day + timedelta(hours=8))
        for day in (DAY_ONE, DAY_TWO)
    ]
    late = DAY_TWO + timedelta(days=20)  # a cancelled workshop's day neither counts nor dates anything
    db.session.add_all(
        [*sessions, SessionDay(workshop_id=cancelled.id, starts_at=late, ends_at=late + timedelta(hours=8))]
    )
    rubric = Rubric(title="Case study")
    db.session.add(rubric)
    db.session.flush()
    assessment = Assessment(workshop_id=workshop.id, rubric_id=rubric.id, title="Case study", pass_points=6)
    db.session.add(assessment)
    db.session.commit()
    coordinator = make_user(role="coordinator")
    trainer = make_user(role="trainer")
    db.session.add(Membership(cohort_id=cohort.id, user_id=trainer.id, role="trainer"))
    db.session.commit()
    return World(course, cohort, lessons, post_test, sessions, assessment, coordinator, trainer)


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def row(markup: str, name: str) -> str:
    """Return the eligibility table's row of a trainee, tags stripped and spaces squeezed."""
    [found] = [r for r in re.findall(r"<tr>(.*?)</tr>", markup, re.S) if f">{name}</div></th>" in r]
    return " ".join(re.sub(r"<[^>]+>", " ", found).split())


def certificates_of(user) -> list[Certificate]:
    db.session.expire_all()
    statement = db.select(Certificate).filter_by(user_id=user.id).order_by(Certificate.id)
    return list(db.session.execute(statement).scalars())


def valid_certificate(user) -> Certificate:
    [certificate] = [c for c in certificates_of(user) if c.is_valid]
    return certificate


def events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(db.select(AuditEvent).filter_by(action=action)).scalars())


def eligibility_url(world: World, **query) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/certificates/cohorts/{world.cohort.id}{suffix}"


def issue_url(world: World) -> str:
    return f"/certificates/cohorts/{world.cohort.id}/issue"


# --- the completion rule ------------------------------------------------------------------------------------


def test_default_rule_is_created_on_first_use(world, login):
    assert db.session.execute(db.select(CompletionRuleSetting)).first() is None
    markup = page(login(world.coordinator), eligibility_url(world))
    assert "every module complete" in markup and "post-test at or above 70%" in markup
    db.session.expire_all()
    [setting] = db.session.execute(db.select(CompletionRuleSetting)).scalars()
    assert (setting.course_id, setting.require_modules, setting.require_post_test) == (
        world.course.id,
        True,
        True,
    )
    assert (setting.require_attendance, setting.min_attendance_percent) == (True, 100.0)
    assert (setting.excused_counts_as_present, setting.require_assessment) == (False, True)


def rule_form(**changes) -> dict:
    form = {
        "require_modules": "y",
        "require_post_test": "y",
        "require_attendance": "y",
        "min_attendance_percent": "100",
        "require_assessment": "y",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_coordinator_edits_the_rule_and_it_is_audited(world, login):
    client = login(world.coordinator)
    url = f"/certificates/courses/{world.course.id}/rule"
    assert "The post-test's pass mark is 70%" in page(client, url)
    response = client.post(
        url,
        data=rule_form(require_assessment=None, min_attendance_percent="75", excused_counts_as_present="y"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    setting = db.session.execute(db.select(CompletionRuleSetting)).scalar_one()
    assert (
        setting.require_assessment,
        setting.min_attendance_percent,
        setting.excused_counts_as_present,
    ) == (
        False,
        75.0,
        True,
    )
    [event] = events("completion_rule.updated")
    assert event.actor_id == world.coordinator.id
    assert event.before["require_assessment"] is True and event.after["require_assessment"] is False
    assert event.after["min_attendance_percent"] == 75.0


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "100.5", "many", ""])
def test_a_bad_attendance_minimum_is_refused_and_changes_nothing(world, login, value):
    client = login(world.coordinator)
    url = f"/certificates/courses/{world.course.id}/rule"
    page(client, url)
    response = client.post(url, data=rule_form(min_attendance_percent=value, require_modules=None))
    assert response.status_code == 400
    assert "Please correct the highlighted fields." in response.get_data(as_text=True)
    db.session.expire_all()
    setting = db.session.execute(db.select(CompletionRuleSetting)).scalar_one()
    assert (setting.require_modules, setting.min_attendance_percent) == (True, 100.0)
    assert events("completion_rule.updated") == []


def test_zero_percent_is_a_valid_minimum(world, login):
    client = login(world.coordinator)
    response = client.post(
        f"/certificates/courses/{world.course.id}/rule", data=rule_form(min_attendance_percent="0")
    )
    assert response.status_code == 302


def test_trainers_and_trainees_cannot_change_the_rule(world, login, make_user):
    for user in (world.trainer, make_user()):
        assert (
            login(user).post(f"/certificates/courses/{world.course.id}/rule", data=rule_form()).status_code
            == 403
        )


# --- every condition, in words, through the page ------------------------------------------------------------


def test_each_condition_says_what_was_counted(world, login, make_user):
    world.trainee(make_user, display_name="Ana Done")
    reading = world.trainee(make_user, graduated=False, display_name="Bo Reading")
    world.study(reading, 3)  # the second module lacks a lesson
    failed = world.trainee(make_user, graduated=False, display_name="Cy Failed")
    world.study(failed)
    world.sit_post_test(failed, 60)
    world.attend(failed, "present", "absent")
    world.assess(failed, 4)
    unscored = world.trainee(make_user, graduated=False, display_name="Di Unscored")
    world.study(unscored)
    world.attend(unscored, "present", "excused")
    world.assess(unscored, 9, finalised=False)

    markup = page(login(world.coordinator), eligibility_url(world))
    assert row(markup, "Ana Done") == (
        "Ana Done ✓ Met: completed 2 of 2 modules ✓ Met: scored 85% in the post-test (pass mark 70%) "
        "✓ Met: attended 2 of 2 days (100% required) ✓ Met: workshop assessment passed Eligible"
    )
    assert "✗ Not met: completed 1 of 2 modules" in row(markup, "Bo Reading")
    assert "post-test not taken yet (pass mark 70%)" in row(markup, "Bo Reading")
    assert "attended 0 of 2 days (100% required)" in row(markup, "Bo Reading")
    assert "workshop assessment not scored yet" in row(markup, "Bo Reading")
    cy = row(markup, "Cy Failed")
    assert "✓ Met: completed 2 of 2 modules" in cy
    assert "✗ Not met: scored 60% in the post-test (pass mark 70%)" in cy
    assert "✗ Not met: attended 1 of 2 days (100% required)" in cy
    assert "✗ Not met: workshop assessment not passed" in cy and "Not eligible yet" in cy
    di = row(markup, "Di Unscored")
    assert "✗ Not met: attended 1 of 2 days, 1 excused, not counted (100% required)" in di
    assert "workshop assessment not scored yet" in di  # not finalised: not a result yet


def test_excused_days_count_when_the_rule_says_so(world, login, make_user):
    user = world.trainee(make_user, graduated=False, display_name="Ed Excused")
    world.study(user)
    world.sit_post_test(user, 70)  # exactly the pass mark passes
    world.attend(user, "late", "excused")
    world.assess(user, 6)  # exactly the pass points pass
    client = login(world.coordinator)
    assert "Not eligible yet" in row(page(client, eligibility_url(world)), "Ed Excused")
    client.post(
        f"/certificates/courses/{world.course.id}/rule", data=rule_form(excused_counts_as_present="y")
    )
    cells = row(page(client, eligibility_url(world)), "Ed Excused")
    assert "✓ Met: attended 1 of 2 days, 1 excused, counted as present (100% required)" in cells
    assert "✓ Met: scored 70% in the post-test" in cells and cells.endswith("Eligible")


def test_a_lower_attendance_minimum_and_switched_off_conditions(world, login, make_user):
    user = world.trainee(make_user, graduated=False, display_name="Flo Half")
    world.study(user)
    world.sit_post_test(user, 90)
    world.attend(user, "present", "absent")
    client = login(world.coordinator)
    client.post(
        f"/certificates/courses/{world.course.id}/rule",
        data=rule_form(min_attendance_percent="50", require_assessment=None),
    )
    markup = page(client, eligibility_url(world))
    assert "✓ Met: attended 1 of 2 days (50% required)" in row(markup, "Flo Half")
    assert "Workshop assessment" not in markup  # a switched-off condition has no column
    assert row(markup, "Flo Half").endswith("Eligible")


def test_the_best_of_several_post_test_attempts_counts(world, login, make_user):
    user = world.trainee(make_user, graduated=False, display_name="Gus Retry")
    world.study(user)
    world.sit_post_test(user, 50)
    world.sit_post_test(user, 80, at=POST_TEST_AT + timedelta(days=1))
    assert "scored 80% in the post-test" in row(
        page(login(world.coordinator), eligibility_url(world)), "Gus Retry"
    )


def test_no_condition_switched_on_makes_everyone_eligible(world, login, make_user):
    world.trainee(make_user, graduated=False, display_name="Hal Nothing")
    client = login(world.coordinator)
    client.post(
        f"/certificates/courses/{world.course.id}/rule",
        data=rule_form(
            require_modules=None, require_post_test=None, require_attendance=None, require_assessment=None
        ),
    )
    markup = page(client, eligibility_url(world))
    assert "no condition: every trainee is eligible" in markup
    assert row(markup, "Hal Nothing") == "Hal Nothing Eligible"


def test_the_page_words_what_the_workshop_records_return(
    world, login, make_user, workshop_records, monkeypatch
):
    """The interface of app/workshops/records.py, exercised with made-up answers."""
    user = world.trainee(make_user, graduated=False, display_name="Ivo Stub")
    monkeypatch.setattr(workshop_records, "attendance_counts", lambda cohort_id, ids: {user.id: (3, 1, 4)})
    monkeypatch.setattr(workshop_records, "assessment_results", lambda cohort_id, ids: {user.id: False})
    cells = row(page(login(world.coordinator), eligibility_url(world)), "Ivo Stub")
    assert "attended 3 of 4 days, 1 excused, not counted (100% required)" in cells
    assert "workshop assessment not passed" in cells


def test_filter_shows_the_eligible_not_yet_issued(world, login, make_user):
    world.trainee(make_user, display_name="Jo Ready")
    holder = world.trainee(make_user, display_name="Ka Holder")
    world.trainee(make_user, graduated=False, display_name="Li Behind")
    issue_certificates(world.cohort, [holder.id], world.coordinator, send_mail=False)
    markup = page(login(world.coordinator), eligibility_url(world, show="ready"))
    assert "Jo Ready" in markup and "Ka Holder" not in markup and "Li Behind" not in markup
    assert "Eligible, not yet issued (1)" in markup
    everyone = page(login(world.coordinator), eligibility_url(world))
    assert all(name in everyone for name in ("Jo Ready", "Ka Holder", "Li Behind"))
    assert 'name="trainees" value="' in everyone and 'data-select-all="trainees"' in everyone


def test_trainers_read_the_page_of_their_cohort_only(world, login, make_user):
    world.trainee(make_user, display_name="Mo Ready")
    markup = page(login(world.trainer), eligibility_url(world))
    assert "Mo Ready" in markup and "Eligible" in markup
    assert 'name="trainees"' not in markup and "Issue with an override" not in markup
    assert "/issue" not in markup and "Change the rule" not in markup
    page(login(make_user(role="trainer")), eligibility_url(world), status=404)
    assert login(make_user()).get(eligibility_url(world)).status_code == 403


# --- issuing ------------------------------------------------------------------------------------------------


def test_bulk_issue_issues_to_the_eligible_only(world, login, make_user):
    ready = [world.trainee(make_user, display_name=f"Ready {n}") for n in range(3)]
    behind = world.trainee(make_user, graduated=False, display_name="Not Ready")
    client = login(world.coordinator)
    response = client.post(issue_url(world), data={"trainees": [u.id for u in [*ready, behind]]})
    assert response.status_code == 302
    markup = page(client, eligibility_url(world))
    assert "3 certificates issued." in markup
    assert "1 trainee is not eligible: use an override to issue anyway." in markup
    assert [len(certificates_of(u)) for u in ready] == [1, 1, 1]
    assert certificates_of(behind) == []
    assert len(events("certificate.issued")) == 3


def test_issue_to_every_eligible_trainee(world, login, make_user):
    ready = [world.trainee(make_user) for _ in range(2)]
    behind = world.trainee(make_user, graduated=False)
    client = login(world.coordinator)
    client.post(issue_url(world), data={"all_ready": "y"})
    assert [len(certificates_of(u)) for u in ready] == [1, 1] and certificates_of(behind) == []
    assert "not eligible" not in page(client, eligibility_url(world))


@pytest.mark.parametrize("trainees", [["abc"], ["999999"], []])
def test_bad_selections_issue_nothing(world, login, make_user, trainees):
    world.trainee(make_user)
    response = login(world.coordinator).post(issue_url(world), data={"trainees": trainees})
    assert response.status_code == 302
    assert db.session.execute(db.select(Certificate.id)).first() is None


def test_someone_outside_the_cohort_cannot_be_issued(world, login, make_user):
    world.trainee(make_user)
    stranger = make_user()
    world.graduate(stranger)  # records, but no membership
    login(world.coordinator).post(issue_url(world), data={"trainees": [stranger.id]})
    assert certificates_of(stranger) == []


def test_issuing_freezes_what_the_certificate_states(world, login, make_user, app):
    user = world.trainee(make_user, certificate_name="Ѓорѓи Љубеновски", locale="mk")
    login(world.coordinator).post(issue_url(world), data={"trainees": [user.id]})
    certificate = valid_certificate(user)
    assert CODE.match(certificate.code)
    assert certificate.name == "Ѓорѓи Љубеновски"
    assert certificate.course_title == "Заштита и помош за мигранти" and certificate.language == "mk"
    assert certificate.hours == 2 + 16  # reading + two 8-hour workshop days; the cancelled one is left out
    assert certificate.completed_on == date(2025, 3, 12)  # the last workshop day, after the post-test
    assert certificate.issuer == "Меѓународната организација за миграција (ИОМ) – Скопје"  # its language
    assert certificate.issued_by_id == world.coordinator.id and certificate.override_reason == ""
    assert certificate.issued_on == certificate.issued_at.astimezone(records_module.SKOPJE).date()
    assert certificate.pdf.startswith(b"%PDF-")
    assert hashlib.sha256(certificate.pdf).hexdigest() == certificate.sha256
    [event] = events("certificate.issued")
    assert event.target_id == certificate.id and event.after["sha256"] == certificate.sha256
    # Later edits to the person and the course change nothing already issued.
    user.certificate_name = "Someone Else"
    world.course.translations = {}
    db.session.commit()
    again = valid_certificate(user)
    assert (again.name, again.course_title) == ("Ѓорѓи Љубеновски", "Заштита и помош за мигранти")


def test_each_workshop_group_gets_its_own_hours_and_dates(world, make_user):
    """A cohort split in two groups meeting on different days: each trainee's own days count."""
    first_group = world.trainee(make_user)
    group_b = Workshop(
        cohort_id=world.cohort.id, title="Group B", venue="Tetovo", capacity=14, status="published"
    )
    db.session.add(group_b)
    db.session.flush()
    later = [DAY_TWO + timedelta(days=7), DAY_TWO + timedelta(days=8)]
    days = [SessionDay(workshop_id=group_b.id, starts_at=d, ends_at=d + timedelta(hours=6)) for d in later]
    assessment = Assessment(
        workshop_id=group_b.id, rubric_id=world.assessment.rubric_id, title="B", pass_points=6
    )
    db.session.add_all([*days, assessment])
    db.session.commit()
    second_group = make_user()
    db.session.add(Membership(cohort_id=world.cohort.id, user_id=second_group.id, role="trainee"))
    db.session.add(Registration(workshop_id=group_b.id, user_id=second_group.id, status="enrolled"))
    for day in days:
        db.session.add(
            Attendance(
                session_id=day.id, user_id=second_group.id, status="present", marked_by_id=world.trainer.id
            )
        )
    db.session.add(
        AssessmentScore(
            assessment_id=assessment.id,
            trainee_id=second_group.id,
            scorer_id=world.trainer.id,
            total=7,
            finalised_at=later[1],
        )
    )
    db.session.commit()
    world.study(second_group)
    world.sit_post_test(second_group, 90)
    outcome = issue_certificates(
        world.cohort, [first_group.id, second_group.id], world.coordinator, send_mail=False
    )
    assert len(outcome.issued) == 2
    assert (valid_certificate(first_group).hours, valid_certificate(first_group).completed_on) == (
        18,
        date(2025, 3, 12),
    )
    assert (valid_certificate(second_group).hours, valid_certificate(second_group).completed_on) == (
        14,
        date(2025, 3, 20),
    )


def test_completion_date_follows_a_late_post_test(world, make_user):
    user = world.trainee(make_user, graduated=False)
    world.study(user)
    world.sit_post_test(user, 90, at=datetime(2025, 4, 2, 22, 30, tzinfo=UTC))  # 3 April in Skopje
    world.attend(user, "present", "present")
    world.assess(user, 7)
    issue_certificates(world.cohort, [user.id], world.coordinator, send_mail=False)
    assert valid_certificate(user).completed_on == date(2025, 4, 3)


def test_issuing_twice_gives_one_certificate(world, login, make_user):
    user = world.trainee(make_user)
    client = login(world.coordinator)
    for _ in range(2):  # a double-click
        client.post(issue_url(world), data={"trainees": [user.id]})
    assert len(certificates_of(user)) == 1
    assert "1 trainee already holds a certificate." in page(client, eligibility_url(world))


def test_a_concurrent_issue_is_stopped_by_the_database(world, make_user, monkeypatch):
    """Two requests that both read "no certificate yet": the partial unique index lets one through."""
    user = world.trainee(make_user)
    issue_certificates(world.cohort, [user.id], world.coordinator, send_mail=False)
    monkeypatch.setattr(records_module, "valid_certificates", lambda cohort_id: {})  # the stale read
    outcome = issue_certificates(world.cohort, [user.id], world.coordinator, send_mail=False)
    assert outcome.issued == [] and [u.id for u in outcome.already] == [user.id]
    assert len(certificates_of(user)) == 1
    assert len(events("certificate.issued")) == 1


def test_a_code_already_taken_is_drawn_again(world, make_user, monkeypatch):
    from app.certificates import issuing

    first = issued(world, make_user)
    codes = iter([first.code, "ZZZZ-ZZZZ-ZZZZ-ZZZ1"])
    monkeypatch.setattr(issuing, "new_code", lambda: next(codes))
    second = issued(world, make_user)
    assert second.code == "ZZZZ-ZZZZ-ZZZZ-ZZZ1"
    assert hashlib.sha256(second.pdf).hexdigest() == second.sha256 != first.sha256
    assert len(events("certificate.issued")) == 2


def test_override_issues_to_a_trainee_who_is_not_eligible(world, login, make_user):
    user = world.trainee(make_user, graduated=False, display_name="Ne Override")
    world.study(user)
    client = login(world.coordinator)
    url = f"/certificates/cohorts/{world.cohort.id}/trainees/{user.id}/override"
    markup = page(client, url)
    assert "post-test not taken yet" in markup and "attended 0 of 2 days" in markup
    assert "completed 2 of 2 modules" not in markup  # only what is missing
    response = client.post(url, data={"reason": ""})
    assert response.status_code == 400 and certificates_of(user) == []
    reason = "Attended the equivalent course in Tetovo (letter of 4 March)."
    assert client.post(url, data={"reason": reason}).status_code == 302
    certificate = valid_certificate(user)
    assert certificate.override_reason == reason
    [event] = events("certificate.issued")
    assert event.reason == reason and event.after["override"] is True
    assert "override" in row(page(client, eligibility_url(world)), "Ne Override")
    # Once issued, the override page sends the coordinator to the certificate.
    assert client.get(url).status_code == 302


def test_override_for_someone_outside_the_cohort_is_not_found(world, login, make_user):
    stranger = make_user()
    url = f"/certificates/cohorts/{world.cohort.id}/trainees/{stranger.id}/override"
    assert login(world.coordinator).get(url).status_code == 404
    assert login(world.coordinator).post(url, data={"reason": "because I say so"}).status_code == 404


# --- revocation and reissue ---------------------------------------------------------------------------------


def issued(world, make_user, **fields) -> Certificate:
    user = world.trainee(make_user, **fields)
    outcome = issue_certificates(world.cohort, [user.id], world.coordinator, send_mail=False)
    return outcome.issued[0]


def test_revoke_needs_a_reason_and_shows_on_the_verification_page(world, login, make_user, client):
    certificate = issued(world, make_user)
    coordinator = login(world.coordinator)
    url = f"/certificates/{certificate.id}/revoke"
    assert coordinator.post(url, data={"revoke-reason": ""}).status_code == 400
    assert "This certificate is valid" in page(client, f"/verify/{certificate.code}")
    assert coordinator.post(url, data={"revoke-reason": "Issued by mistake."}).status_code == 302
    db.session.expire_all()
    revoked = db.session.get(Certificate, certificate.id)
    assert revoked.revoked_at is not None and revoked.revocation_reason == "Issued by mistake."
    [event] = events("certificate.revoked")
    assert event.reason == "Issued by mistake." and event.actor_id == world.coordinator.id
    markup = page(client, f"/verify/{certificate.code}")
    day = revoked.revoked_at.astimezone(records_module.SKOPJE)
    assert f"This certificate was revoked on {day:%B} {day.day}, {day.year}" in markup
    assert "Issued by mistake" not in markup  # the reason stays internal
    # A second revocation (another tab) changes nothing.
    coordinator.post(url, data={"revoke-reason": "Again."})
    assert len(events("certificate.revoked")) == 1
    assert "This certificate was already revoked." in page(coordinator, f"/certificates/{certificate.id}")


def test_reissue_revokes_the_old_and_links_the_new(world, login, make_user, client):
    old = issued(world, make_user, certificate_name="Jasmina Saliu")
    user = db.session.get(type(world.coordinator), old.user_id)
    user.certificate_name = "Jasmina Saliu-Memeti"
    db.session.commit()
    coordinator = login(world.coordinator)
    assert "Reissue the certificate to print it." in page(coordinator, f"/certificates/{old.id}")
    response = coordinator.post(f"/certificates/{old.id}/reissue", data={"reissue-reason": "Name corrected."})
    assert response.status_code == 302
    first, second = certificates_of(user)
    assert first.id == old.id and first.revocation_reason == "reissued" and first.replaced_by_id == second.id
    assert second.is_valid and second.name == "Jasmina Saliu-Memeti" and second.code != first.code
    assert (second.hours, second.completed_on, second.issuer) == (
        first.hours,
        first.completed_on,
        first.issuer,
    )
    assert hashlib.sha256(second.pdf).hexdigest() == second.sha256
    [reissued] = events("certificate.reissued")
    assert reissued.target_id == first.id and reissued.after["replaced_by_id"] == second.id
    assert reissued.reason == "Name corrected."
    assert {e.target_id for e in events("certificate.issued")} == {first.id, second.id}
    assert "revoked on" in page(client, f"/verify/{first.code}")
    assert "This certificate is valid" in page(client, f"/verify/{second.code}")
    markup = page(coordinator, f"/certificates/{second.id}")
    assert "Replaces" in markup and first.code in markup
    assert second.code in page(coordinator, f"/certificates/{first.id}")
    # Reissuing the old one again (a double-click) is refused: it is revoked already.
    coordinator.post(f"/certificates/{old.id}/reissue", data={"reissue-reason": "Name corrected."})
    assert len(certificates_of(user)) == 2


def test_revoke_and_reissue_are_for_managers(world, login, make_user):
    certificate = issued(world, make_user)
    for user in (world.trainer, make_user()):
        client = login(user)
        assert (
            client.post(f"/certificates/{certificate.id}/revoke", data={"revoke-reason": "nope!"}).status_code
            == 403
        )
        assert client.get(f"/certificates/{certificate.id}").status_code == 403
    assert certificates_of(db.session.get(type(world.coordinator), certificate.user_id))[0].is_valid


# --- downloads, ZIP, register, e-mail -----------------------------------------------------------------------


def test_the_download_is_exactly_the_stored_bytes(world, login, make_user):
    user = world.trainee(make_user, certificate_name="Ëndrit Çela", locale="sq")
    login(world.coordinator).post(issue_url(world), data={"trainees": [user.id]})
    certificate = valid_certificate(user)
    [event] = events("certificate.issued")
    own = login(user)
    markup = page(own, "/certificates/mine")
    assert certificate.code in markup and "Mbrojtja e migrantëve" in markup
    response = own.get(f"/certificates/{certificate.id}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{certificate.code}-endrit-cela.pdf"' in response.headers["Content-Disposition"]
    served = hashlib.sha256(response.data).hexdigest()
    assert served == certificate.sha256 == event.after["sha256"]
    assert login(world.coordinator).get(f"/certificates/{certificate.id}/download").data == response.data


def test_a_trainee_sees_and_downloads_only_their_own(world, login, make_user):
    mine, theirs = issued(world, make_user), issued(world, make_user)
    me = login(db.session.get(type(world.coordinator), mine.user_id))
    markup = page(me, "/certificates/mine")
    assert mine.code in markup and theirs.code not in markup
    assert me.get(f"/certificates/{theirs.id}/download").status_code == 404
    assert login(world.trainer).get(f"/certificates/{mine.id}/download").status_code == 404
    assert me.get("/certificates/999999/download").status_code == 404


def test_my_learning_links_to_my_certificates(world, login, make_user):
    user = world.trainee(make_user)
    assert "/certificates/mine" in page(login(user), "/learning")
    assert "You have no certificate yet" in page(login(user), "/certificates/mine")


def test_revoked_certificates_are_listed_but_not_served_to_the_trainee(world, login, make_user):
    certificate = issued(world, make_user)
    login(world.coordinator).post(
        f"/certificates/{certificate.id}/revoke", data={"revoke-reason": "Mistake."}
    )
    holder = login(db.session.get(type(world.coordinator), certificate.user_id))
    assert "This certificate was revoked on" in page(holder, "/certificates/mine")
    assert holder.get(f"/certificates/{certificate.id}/download").status_code == 404
    assert login(world.coordinator).get(f"/certificates/{certificate.id}/download").status_code == 200


def test_zip_holds_every_valid_certificate_under_a_readable_name(world, login, make_user):
    a = issued(world, make_user, certificate_name="Ѓорѓи Ќосев")
    b = issued(world, make_user, certificate_name="Blerta Memeti")
    c = issued(world, make_user, certificate_name="Revoked Person")
    client = login(world.coordinator)
    client.post(f"/certificates/{c.id}/revoke", data={"revoke-reason": "Mistake."})
    url = f"/certificates/cohorts/{world.cohort.id}/certificates.zip"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    db.session.expire_all()
    stored = {cert.id: cert for cert in db.session.execute(db.select(Certificate)).scalars()}
    expected = sorted([f"{a.code}-gjorgji-kjosev.pdf", f"{b.code}-blerta-memeti.pdf"])
    assert archive.namelist() == expected
    assert archive.read(f"{a.code}-gjorgji-kjosev.pdf") == stored[a.id].pdf
    assert client.get(url).data == response.data  # deterministic


def test_register_exports_parse_back(world, login, make_user):
    plain = issued(world, make_user, certificate_name="Ana Plain")
    behind = world.trainee(make_user, graduated=False, certificate_name="Bo Override")
    client = login(world.coordinator)
    client.post(
        f"/certificates/cohorts/{world.cohort.id}/trainees/{behind.id}/override",
        data={"reason": "Equivalent training elsewhere."},
    )
    client.post(f"/certificates/{plain.id}/revoke", data={"revoke-reason": "=cmd|' /C calc'!A0"})
    response = client.get(f"/certificates/cohorts/{world.cohort.id}/register.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_name = {r["name"]: r for r in rows}
    assert by_name["Ana Plain"]["status"] == "revoked" and by_name["Ana Plain"]["code"] == plain.code
    assert by_name["Ana Plain"]["revocation_reason"] == "'=cmd|' /C calc'!A0"  # neutralised for spreadsheets
    assert by_name["Ana Plain"]["revoked_on"]
    assert by_name["Bo Override"]["status"] == "valid"
    assert by_name["Bo Override"]["override_reason"] == "Equivalent training elsewhere."
    assert (
        by_name["Bo Override"]["hours"] == "18.0" and by_name["Bo Override"]["course"] == world.course.title
    )
    workbook = load_workbook(
        io.BytesIO(client.get(f"/certificates/cohorts/{world.cohort.id}/register.xlsx").data)
    )
    sheet = list(workbook.active.values)
    assert list(sheet[0])[:3] == ["code", "name", "course"] and len(sheet) == 3
    assert client.get(f"/certificates/cohorts/{world.cohort.id}/register.pdf").status_code == 404


def test_the_trainee_gets_an_email_with_the_pdf(world, login, make_user, mailbox):
    user = world.trainee(
        make_user, email="vesna@example.org", locale="mk", certificate_name="Весна Ристовска"
    )
    login(world.coordinator).post(issue_url(world), data={"trainees": [user.id]})
    certificate = valid_certificate(user)
    [message] = mailbox.messages
    assert message["To"] == "vesna@example.org"
    [attachment] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert attachment.get_filename() == f"{certificate.code}-vesna-ristovska.pdf"
    assert attachment.get_payload(decode=True) == certificate.pdf
    body = (
        next(p for p in message.walk() if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
    )
    assert f"http://academy.test/verify/{certificate.code}" in body
    assert "http://academy.test/certificates/mine" in body


def test_issue_survives_a_mail_server_that_is_down(world, login, make_user, app):
    user = world.trainee(make_user)
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    try:
        client = login(world.coordinator)
        client.post(issue_url(world), data={"trainees": [user.id]})
        assert "Some e-mails could not be sent" in page(client, eligibility_url(world))
    finally:
        app.config["MAIL_PORT"] = port
    assert len(certificates_of(user)) == 1


# --- public verification ------------------------------------------------------------------------------------


def test_verification_shows_what_the_certificate_states_and_nothing_else(world, make_user, client):
    certificate = issued(
        world,
        make_user,
        certificate_name="Ѓорѓи Љубеновски",
        email="gjorgji.private@example.org",
        organisation="Центар за социјална работа – Куманово",
        display_name="Gjorgji L.",
    )
    response = client.get(f"/verify/{certificate.code}")
    markup = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["X-Robots-Tag"] == "noindex"
    assert "This certificate is valid" in markup
    for shown in (
        "Ѓорѓи Љубеновски",
        certificate.course_title,
        certificate.code,
        certificate.issuer,
        "March 12, 2025",
    ):
        assert shown in markup
    for hidden in ("gjorgji.private@example.org", "Куманово", "Gjorgji L.", certificate.sha256):
        assert hidden not in markup


@pytest.mark.parametrize("typed", ["lower", "nodash", "spaces", "cyrillic"])
def test_codes_are_found_however_they_are_typed(world, make_user, client, typed):
    certificate = issued(world, make_user)
    code = certificate.code
    variant = {
        "lower": code.lower(),
        "nodash": code.replace("-", ""),
        "spaces": code.replace("-", " "),
        "cyrillic": code.replace("K", "К").replace("A", "А").replace("E", "Е"),
    }[typed]
    response = client.get("/verify", query_string={"code": f" {variant} "})
    assert response.status_code == 302 and response.location == f"/verify/{code}"
    if " " not in variant:
        direct = client.get(f"/verify/{variant}")
        assert direct.status_code in (200, 302)
        if direct.status_code == 302:
            assert direct.location == f"/verify/{code}"
    assert "This certificate is valid" in page(client, f"/verify/{code}")


def test_unknown_and_malformed_codes_say_so_plainly(client):
    markup = page(client, "/verify/K7QF-3M9T-XW2P-8RHD", status=404)
    assert "No certificate found" in markup and "K7QF-3M9T-XW2P-8RHD" in markup
    assert "No certificate found" in page(client, "/verify/not-a-code", status=404)
    assert "That is not a certificate code" in page(client, "/verify?code=12345", status=400)
    assert "Enter the code printed on the certificate" in page(client, "/verify?code=+", status=400)
    form = page(client, "/verify")
    assert (
        'method="get"' in form and 'name="code"' in form and '<label class="form-label" for="code">' in form
    )


def test_verification_url_matches_the_route(app):
    from flask import url_for

    from app.certificates.issuing import verify_url

    with app.test_request_context():
        assert verify_url("K7QF-3M9T-XW2P-8RHD") == "http://academy.test" + url_for(
            "certificates.verify_code", code="K7QF-3M9T-XW2P-8RHD"
        )


@pytest.fixture
def limited_app(database_url, smtp_server, app):
    """The app with rate limits on, as in production; the shared limiter is switched back off after."""
    application = create_app(settings_for_tests(database_url, smtp_server[0].port, RATELIMIT_ENABLED=True))
    application.test_client_class = IsolatedClient
    yield application
    limiter.init_app(app)  # RATELIMIT_ENABLED is False there: the other tests run unthrottled again
    with application.app_context():
        db.engine.dispose()  # its own pool: closed now, not left for the garbage collector to complain of


def test_verification_is_rate_limited(limited_app):
    client = limited_app.test_client()
    codes = [client.get("/verify/K7QF-3M9T-XW2P-8RHD").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429
    assert "Too many attempts" in client.get("/verify/K7QF-3M9T-XW2P-8RHD").get_data(as_text=True)


# --- the PDF read back: the QR code leads to the verification page ------------------------------------------


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)",
)
def test_the_qr_code_opens_a_page_that_says_valid(world, make_user, client, tmp_path):
    certificate = issued(world, make_user, certificate_name="Ѓорѓи Љубеновски", locale="mk")
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(tmp_path / "page")], check=True
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    )
    url = scanned.stdout.strip()
    assert url == f"http://academy.test/verify/{certificate.code}"
    assert "This certificate is valid" in page(client, url.removeprefix("http://academy.test"))


# --- the demo, the CLI, navigation and the query budget -----------------------------------------------------


def test_demo_issues_to_those_who_met_the_rule(world, make_user, login):
    from app.certificates.demo import build_certificates

    done = world.trainee(make_user, display_name="Demo Done")
    behind = world.trainee(make_user, graduated=False, display_name="Demo Behind")
    world.study(behind, 2)
    outcome = build_certificates(world.cohort, world.coordinator)
    assert [c.user_id for c in outcome.issued] == [done.id] and certificates_of(behind) == []
    assert valid_certificate(done).issued_on == date(2025, 4, 1)  # the day after the cohort ended
    assert "completed 1 of 2 modules" in row(
        page(login(world.coordinator), eligibility_url(world)), "Demo Behind"
    )
    assert build_certificates(world.cohort, world.coordinator).issued == []  # a second run adds nothing


def test_demo_without_workshops_switches_their_conditions_off(world, make_user):
    from app.certificates.demo import build_certificates

    user = world.trainee(make_user, graduated=False)
    world.study(user)
    world.sit_post_test(user, 90)
    for workshop in db.session.execute(db.select(Workshop)).scalars():
        workshop.status = "cancelled"
    db.session.commit()
    assert [c.user_id for c in build_certificates(world.cohort, world.coordinator).issued] == [user.id]
    assert valid_certificate(user).hours == 2


def test_cli_lists_and_issues(world, make_user, app):
    ready = world.trainee(make_user, email="ready@example.org")
    world.trainee(make_user, graduated=False, email="behind@example.org")
    admin = make_user(role="admin")
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["certificates", "issue", "--cohort", str(world.cohort.id)])
    assert listing.exit_code == 0, listing.output
    assert "ready@example.org" in listing.output and "eligible" in listing.output
    assert "behind@example.org" in listing.output and "completed 0 of 2 modules" in listing.output
    assert "Nothing issued" in listing.output and certificates_of(ready) == []
    result = runner.invoke(args=["certificates", "issue", "--cohort", str(world.cohort.id), "--all-eligible"])
    assert result.exit_code == 0, result.output
    assert "1 certificate(s) issued" in result.output
    assert valid_certificate(ready).issued_by_id == admin.id
    missing = runner.invoke(args=["certificates", "issue", "--cohort", "999999"])
    assert missing.exit_code != 0 and "no cohort 999999" in missing.output


def test_navigation_and_index(world, login, make_user):
    issued(world, make_user)
    markup = page(login(world.coordinator), "/certificates/")
    assert 'href="/certificates/"' in markup and "Cohort 2025" in markup
    assert "Certificates" not in page(login(make_user()), "/learning").split("<main")[0]
    assert "Cohort 2025" in page(login(world.trainer), "/certificates/")
    assert "Cohort 2025" not in page(login(make_user(role="trainer")), "/certificates/")


def test_the_eligibility_page_issues_a_constant_number_of_statements(world, login, make_user, count_queries):
    for _ in range(3):
        world.trainee(make_user)
    client = login(world.coordinator)
    client.get(eligibility_url(world))  # warm-up: creates the rule
    with count_queries() as few:
        assert client.get(eligibility_url(world)).status_code == 200
    for _ in range(27):
        world.trainee(make_user)
    issue_certificates(world.cohort, [], world.coordinator)
    with count_queries() as many:
        assert client.get(eligibility_url(world)).status_code == 200
    assert len(few) == len(many), f"{len(few)} statements for 3 trainees, {len(many)} for 30"
