"""The workshop journey in Debian's Chromium against the live server with the demo data.

The coordinator (English) schedules a workshop and assigns a trainer and a trainee; the trainer (Macedonian)
marks the day's attendance and scores the trainee on the demo rubric; the trainee sees the workshop and the
result. Every page is checked with axe-core (see conftest.py).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.extensions import db

pytestmark = pytest.mark.e2e

SKOPJE = ZoneInfo("Europe/Skopje")
TRAINER = "trainer1@demo.example"  # Marija Petrovska, works in Macedonian


def follow(page, axe_check, locator) -> None:
    """Click a link or button that loads a new page, then check that page with axe."""
    with page.expect_navigation():
        locator.click()
    axe_check(page)


def sign_out(page, axe_check) -> None:
    follow(page, axe_check, page.locator("form[action$='/accounts/logout'] button"))


def ids_of(live_server, email: str, workshop_title: str) -> tuple[int, int, int, int]:
    """Return (user id, workshop id, its first session's id, its assessment's id) from the database."""
    from app.accounts.models import User
    from app.workshops.models import Assessment, Workshop

    with live_server.app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        workshop = db.session.execute(db.select(Workshop).filter_by(title=workshop_title)).scalar_one()
        assessment = db.session.execute(db.select(Assessment).filter_by(workshop_id=workshop.id)).scalar_one()
        return user.id, workshop.id, workshop.sessions[0].id, assessment.id


def test_workshop_from_scheduling_to_the_trainees_result(
    page, live_server, new_trainee, sign_in, visit, axe_check, t, mailbox, screenshot
):
    mk = partial(t, locale="mk")
    trainee_email = new_trainee("en")
    trainee_name = f"E2E Trainee en {trainee_email.split('@')[0].removeprefix('e2e-')}"
    title = f"Case work on the day {uuid.uuid4().hex[:6]}"
    yesterday = (utcnow().astimezone(SKOPJE) - timedelta(days=1)).date()  # marking is open for it

    # -- the coordinator schedules the workshop, with a trainer, and registers a trainee --------------------
    sign_in(page, "coordinator@demo.example")
    visit(page, "/workshops/new")
    page.locator("#title").fill(title)
    page.locator("#venue").fill(f"E2E room {title}")
    page.locator("#capacity").fill("10")
    page.locator("#status").select_option("published")
    page.get_by_label("Marija Petrovska").check()
    page.locator("#sessions-0-day").fill(yesterday.isoformat())
    page.locator("#sessions-0-starts").fill("09:00")
    page.locator("#sessions-0-ends").fill("16:30")
    follow(page, axe_check, page.locator("#submit"))
    if page.locator("#save_anyway").count():  # a clash with another test's data: save as it is
        follow(page, axe_check, page.locator("#save_anyway"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("aside")).to_contain_text("Marija Petrovska")

    page.locator("#one-trainee").select_option(label=trainee_name)
    follow(page, axe_check, page.locator("form[action$='/registrations'] button[type=submit]"))
    expect(page.locator("table tbody tr", has_text=trainee_name)).to_contain_text("Enrolled")
    follow(page, axe_check, page.get_by_role("link", name="Add an assessment"))
    page.locator("#title").fill("Case study")
    page.locator("#pass_points").fill("1")
    follow(page, axe_check, page.locator("#submit"))
    screenshot(page, "workshop-01-assessment")
    trainee_id, workshop_id, session_id, assessment_id = ids_of(live_server, trainee_email, title)

    # The trainer was told, in Macedonian, with a link to the workshop.
    [mail] = [m for m in mailbox.messages if m["To"] == TRAINER and title in str(m["Subject"])]
    body = mail.get_body(("plain",)).get_content()
    assert mk("You have been assigned as a trainer of this workshop:") in body
    assert f"{live_server.url}/workshops/{workshop_id}" in body and "09:00–16:30" in body
    sign_out(page, axe_check)

    # -- the trainer marks the day and scores the trainee ----------------------------------------------------
    sign_in(page, TRAINER)
    visit(page, f"/workshops/{workshop_id}")
    follow(page, axe_check, page.locator(f"a[href$='/sessions/{session_id}/attendance']"))
    follow(page, axe_check, page.get_by_role("button", name=mk("Mark everyone present")))
    expect(page.locator(f"input[name=status_{trainee_id}][value=present]")).to_be_checked()
    screenshot(page, "workshop-02-attendance")

    visit(page, f"/workshops/assessments/{assessment_id}")
    follow(page, axe_check, page.locator(f"a[href$='/trainees/{trainee_id}/score']"))
    for criterion in page.locator("fieldset.rubric-criterion").all():
        criterion.locator("label.rubric-level").last.click()  # the highest level of each criterion
    follow(page, axe_check, page.locator("#finalise"))
    expect(page.locator("tr", has_text=trainee_name)).to_contain_text(mk("final"))
    sign_out(page, axe_check)

    # -- the trainee sees the workshop and their result ---------------------------------------------------
    sign_in(page, trainee_email)
    visit(page, "/workshops/")
    follow(page, axe_check, page.get_by_role("link", name=title))
    expect(page.get_by_text("You are enrolled.")).to_be_visible()
    follow(page, axe_check, page.get_by_role("link", name="Your result: Case study"))
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    screenshot(page, "workshop-03-trainee-result")
    sign_out(page, axe_check)

    # -- the coordinator closes the workshop, then reopens its attendance to correct it ----------------------
    sign_in(page, "coordinator@demo.example")
    visit(page, f"/workshops/{workshop_id}/attendance")
    follow(page, axe_check, page.get_by_role("button", name="Close the workshop and lock attendance"))
    page.get_by_label("Reason for reopening").fill("Day 1 was marked for the wrong trainee")
    follow(page, axe_check, page.get_by_role("button", name="Reopen attendance"))
    history = page.get_by_role("region", name="Attendance was reopened")
    expect(history).to_contain_text("Elena Stojanovska")
    expect(history).to_contain_text("Day 1 was marked for the wrong trainee")
    screenshot(page, "workshop-04-reopened")
