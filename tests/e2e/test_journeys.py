"""The main journeys, in Debian's Chromium against a live server with the demo data.

Every page the browser opens is checked with axe-core (no serious or critical violation); the page guard in
conftest.py fails a test that skipped the check, met a failed request (any 5xx; a 4xx for anything but the
page itself) or logged a script error (a CSP violation too). Screenshots of key pages go to
test-results/screenshots/ (or $E2E_ARTIFACTS/screenshots/), with an axe summary beside them.
"""

from __future__ import annotations

import re
from functools import partial

import pytest
from babel.numbers import format_decimal
from playwright.sync_api import expect

from app.extensions import db

pytestmark = pytest.mark.e2e

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
PERCENT = re.compile(r"^\d{1,3}%$")
DEMO_TRAINEE = "aleksandra.nikolovska@csw-demo.example"  # Macedonian, pre-test and all lessons done


# -- helpers -----------------------------------------------------------------------------------------------


def main_nav(page, label: str):
    return page.get_by_role("navigation", name=label)


def quiz_row(page, name: str):
    """The row of the course page's test table for the named test."""
    return page.locator("#tests tbody tr", has_text=name)


def is_autosave(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/answer")


def follow(page, axe_check, locator) -> None:
    """Click a link or button that loads a new page, then check that page with axe."""
    with page.expect_navigation():
        locator.click()
    axe_check(page)


def answer_every_question(page) -> int:
    """Answer each question (first option, first choice of each select, a word), waiting for each autosave."""
    questions = page.locator("fieldset.question")
    count = questions.count()
    assert count > 0, "the test page shows no questions"
    for index in range(count):
        question = questions.nth(index)
        selects = question.locator("select")
        text = question.locator("input[type=text]")
        if selects.count():
            for n in range(selects.count()):
                # One save at a time: each change posts the whole question.
                with page.expect_response(is_autosave):
                    selects.nth(n).select_option(index=1)
        elif text.count():
            text.fill("protection")
            with page.expect_response(is_autosave):
                text.press("Tab")  # the change event fires when the field loses focus
        else:
            with page.expect_response(is_autosave):
                question.locator("input[type=radio], input[type=checkbox]").first.check()
        expect(question.locator(".save-status")).to_have_text("✓")
    return count


def course_facts(live_server, language: str) -> dict:
    """Titles and lesson addresses of the demo course, read from the live server's database."""
    from app.courses.models import Course, LessonText
    from app.courses.outline import outline_of

    with live_server.app.app_context():
        course = db.session.execute(db.select(Course).filter_by(slug=live_server.course_slug)).scalar_one()
        modules = [m for m in course.modules if m.is_active]
        rows = outline_of(course, language).rows
        urls = {r.id: f"/courses/{course.slug}/{r.module_slug}/{r.slug}" for r in rows}
        texts = db.session.execute(
            db.select(LessonText.lesson_id, LessonText.html).where(
                LessonText.lesson_id.in_(urls), LessonText.language == language
            )
        ).all()
        widest = max(texts, key=lambda row: table_columns(row.html), default=None)
        return {
            "title": course.title_in(language),
            "modules": [m.title_in(language) for m in modules],
            "lessons": list(urls.values()),
            "lesson_titles": [r.title for r in rows],
            "course_url": f"/courses/{course.slug}",
            "widest_table_lesson": urls[widest.lesson_id] if widest else urls[rows[0].id],
        }


def table_columns(html: str) -> int:
    """The number of columns of the widest table in a lesson's HTML (0 without a table)."""
    return max((head.count("<th") for head in re.findall(r"<thead>.*?</thead>", html, re.S)), default=0)


def complete_other_lessons(live_server, email: str) -> None:
    """Record every lesson of the course as complete for the user (the fast way to reach the post-test)."""
    from app.accounts.models import User
    from app.courses.models import Lesson, LessonProgress, Module
    from app.database import utcnow

    with live_server.app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        done = {
            p.lesson_id: p
            for p in db.session.execute(db.select(LessonProgress).filter_by(user_id=user.id)).scalars()
        }
        lessons = db.session.execute(
            db.select(Lesson.id).join(Module).where(Module.is_active, Lesson.is_active)
        ).scalars()
        for lesson_id in lessons:
            if lesson_id in done:
                done[lesson_id].completed_at = done[lesson_id].completed_at or utcnow()
            else:
                db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson_id, completed_at=utcnow()))
        db.session.commit()


def scores_of(live_server, email: str) -> tuple[float, float]:
    from app.accounts.models import User
    from app.quizzes.models import Attempt, Quiz

    with live_server.app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        rows = db.session.execute(
            db.select(Quiz.kind, Attempt.percent).join(Quiz).where(Attempt.user_id == user.id)
        ).all()
        scores = dict(rows)
        return scores["pre"], scores["post"]


def no_horizontal_scroll(page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px: scrollWidth is {scroll_width}px"


# -- 1. the whole trainee journey, in Macedonian -----------------------------------------------------------


def test_trainee_journey_in_macedonian(
    page, live_server, new_trainee, sign_in, visit, axe_check, t, screenshot
):
    mk = partial(t, locale="mk")
    course = course_facts(live_server, "mk")
    assert CYRILLIC.search(course["title"]), "the course has no Macedonian title to show"
    email = new_trainee("mk")

    sign_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "mk")
    follow(page, axe_check, main_nav(page, mk("Main navigation")).get_by_role("link", name=mk("My learning")))
    expect(page.get_by_role("heading", level=1)).to_have_text(mk("My learning"))
    expect(page.get_by_role("link", name=course["title"])).to_be_visible()
    screenshot(page, "mk-01-my-learning")

    # Before the pre-test the modules are locked.
    follow(page, axe_check, page.get_by_role("link", name=mk("Go to the pre-test")))
    expect(page.get_by_role("heading", level=1)).to_have_text(course["title"])
    modules = page.locator(".module-list > li")
    expect(modules).to_have_count(len(course["modules"]))
    expect(modules.first).to_contain_text(course["modules"][0])
    expect(page.locator(".module-list .badge", has_text=mk("Locked"))).to_have_count(len(course["modules"]))
    expect(page.locator(".module-list a")).to_have_count(0)
    screenshot(page, "mk-02-course-locked")

    # The pre-test.
    follow(page, axe_check, quiz_row(page, mk("Pre-test")).get_by_role("button", name=mk("Start")))
    expect(page.get_by_role("heading", level=1)).to_have_text(mk("Pre-test"))
    answered = answer_every_question(page)
    screenshot(page, "mk-03-pretest")
    follow(page, axe_check, page.get_by_role("button", name=mk("Submit my answers")))
    expect(page.locator(".result-card .display-6")).to_have_text(PERCENT)
    expect(
        page.get_by_text(mk("Thank you. This score shows where you start; the modules are now open."))
    ).to_be_visible()
    screenshot(page, "mk-04-pretest-result")
    assert answered >= len(course["modules"])

    # The modules are open: the first lesson, in Macedonian, marked as complete with the button.
    follow(page, axe_check, page.get_by_role("link", name=mk("Back to the course")))
    expect(page.locator(".module-list a")).to_have_count(len(course["modules"]))
    follow(page, axe_check, page.locator(".module-list a").first)
    expect(page.get_by_role("heading", level=1)).to_have_text(course["modules"][0])
    follow(page, axe_check, page.get_by_role("link", name=course["lesson_titles"][0]))
    lesson = page.locator("article.lesson")
    expect(lesson).to_have_attribute("lang", "mk")
    expect(lesson.get_by_role("heading", level=1)).to_have_text(course["lesson_titles"][0])
    assert CYRILLIC.search(course["lesson_titles"][0])
    screenshot(page, "mk-05-lesson")
    follow(page, axe_check, page.get_by_role("button", name=mk("Mark as complete")))
    expect(page.locator(".flash-messages")).to_contain_text(mk("Lesson marked as complete."))
    assert page.url.endswith(course["lessons"][1])
    first_in_aside = page.locator(".lesson-aside ol li").first
    expect(first_in_aside.get_by_label(mk("Complete"))).to_be_visible()

    # Every other lesson done behind the scenes; then the post-test.
    complete_other_lessons(live_server, email)
    visit(page, course["course_url"])
    expect(page.locator(".course-progress").first).to_have_attribute("value", "100")
    follow(page, axe_check, quiz_row(page, mk("Post-test")).get_by_role("button", name=mk("Start")))
    expect(page.get_by_role("heading", level=1)).to_have_text(mk("Post-test"))
    assert answer_every_question(page) == answered  # the post-test asks the pre-test's questions
    follow(page, axe_check, page.get_by_role("button", name=mk("Submit my answers")))
    expect(page.locator(".result-card .display-6")).to_have_text(PERCENT)
    expect(page.get_by_role("heading", name=mk("Your answers"))).to_be_visible()
    expect(page.locator("section.question")).to_have_count(answered)
    expect(page.locator(".feedback").first).to_be_visible()
    screenshot(page, "mk-06-posttest-review")

    # My results: pre, post and the knowledge gain.
    follow(page, axe_check, page.get_by_role("link", name=mk("Back to the course")))
    follow(page, axe_check, page.get_by_role("link", name=mk("My results and knowledge gain")))
    stats = page.locator(".card.stat .display-6")
    expect(stats).to_have_count(3)
    expect(stats.nth(0)).to_have_text(PERCENT)
    expect(stats.nth(1)).to_have_text(PERCENT)
    from app.quizzes.statistics import normalized_change

    pre, post = scores_of(live_server, email)
    gain = normalized_change(pre, post)
    expect(stats.nth(0)).to_have_text(f"{pre:.0f}%")
    expect(stats.nth(1)).to_have_text(f"{post:.0f}%")
    shown_gain = "–" if gain is None else format_decimal(gain, "+0.00;-0.00", locale="mk")  # +0,46
    expect(stats.nth(2)).to_have_text(shown_gain)
    expect(page.get_by_role("cell", name=course["modules"][0])).to_be_visible()
    screenshot(page, "mk-07-my-results")


# -- 2. the same journey in English, shorter ---------------------------------------------------------------


def test_trainee_journey_in_english(page, live_server, new_trainee, sign_in, axe_check, t, screenshot):
    course = course_facts(live_server, "en")
    email = new_trainee("en")

    sign_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    follow(page, axe_check, page.get_by_role("link", name="My learning").first)
    expect(page.get_by_role("link", name=course["title"])).to_be_visible()
    follow(page, axe_check, page.get_by_role("link", name="Go to the pre-test"))
    expect(page.get_by_text("The modules open once you have submitted the pre-test")).to_be_visible()
    follow(page, axe_check, quiz_row(page, "Pre-test").get_by_role("button", name="Start"))
    answer_every_question(page)
    follow(page, axe_check, page.get_by_role("button", name="Submit my answers"))
    expect(page.locator(".result-card .display-6")).to_have_text(PERCENT)
    screenshot(page, "en-01-pretest-result")

    follow(page, axe_check, page.get_by_role("link", name="Back to the course"))
    follow(page, axe_check, page.get_by_role("link", name=f"Start the course: {course['lesson_titles'][0]}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(course["lesson_titles"][0])
    expect(page.locator("article.lesson")).to_have_attribute("lang", "en")
    follow(page, axe_check, page.get_by_role("button", name="Mark as complete"))
    expect(page.locator(".flash-messages")).to_contain_text("Lesson marked as complete.")
    expect(page.locator(".lesson-aside ol li").first.get_by_label("Complete")).to_be_visible()

    follow(page, axe_check, page.get_by_role("link", name="My learning").first)
    expect(page.get_by_text(f"1 of {len(course['lessons'])} lessons complete")).to_be_visible()
    resume = f"Continue where you left off: {course['lesson_titles'][1]}"
    expect(page.get_by_role("link", name=resume)).to_be_visible()


# -- 3. answers are saved as you go ------------------------------------------------------------------------


def test_pretest_autosave_survives_a_reload(page, live_server, new_trainee, sign_in, visit, axe_check):
    course = course_facts(live_server, "en")
    sign_in(page, new_trainee("en"))
    visit(page, course["course_url"])
    follow(page, axe_check, quiz_row(page, "Pre-test").get_by_role("button", name="Start"))
    attempt_url = page.url

    question = page.locator("fieldset.question").filter(has=page.locator("input[type=radio]")).first
    choice = question.locator("input[type=radio]").last  # not the first: nothing is pre-selected by chance
    choice_id = choice.get_attribute("id")
    with page.expect_response(is_autosave) as saved:
        choice.check()
    assert saved.value.ok
    expect(question.locator(".save-status")).to_have_text("✓")

    page.reload(wait_until="load")
    axe_check(page)
    expect(page.locator(f"#{choice_id}")).to_be_checked()

    # The attempt is resumable from the course page.
    visit(page, course["course_url"])
    follow(page, axe_check, quiz_row(page, "Pre-test").get_by_role("link", name="Continue"))
    assert page.url == attempt_url
    expect(page.locator(f"#{choice_id}")).to_be_checked()
    expect(page.locator("input:checked")).to_have_count(1)


# -- 4. reading to the end completes a lesson --------------------------------------------------------------


def test_reading_to_the_end_completes_the_lesson(page, live_server, new_trainee, sign_in, visit):
    course = course_facts(live_server, "en")
    sign_in(page, new_trainee("en", pretest=True))
    visit(page, course["lessons"][0])
    status = page.locator("[data-lesson-status]")
    expect(status).to_be_hidden()
    expect(page.get_by_role("button", name="Mark as complete")).to_be_visible()

    page.locator("#lesson-end").scroll_into_view_if_needed()
    # lesson.js starts observing the end 4 s after load, then records the lesson without a click.
    page.wait_for_selector("[data-lesson-status]", state="visible", timeout=10_000)
    expect(page.locator("form[data-auto-complete]")).to_be_hidden()

    visit(page, course["lessons"][0])
    expect(page.get_by_text("You have completed this lesson.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)


# -- 5. staff pages, and a trainee kept out of them --------------------------------------------------------


def test_coordinator_follows_the_cohort(page, live_server, sign_in, visit, axe_check, screenshot):
    from app.courses.demo import COHORT_NAME

    sign_in(page, "coordinator@demo.example")
    follow(page, axe_check, main_nav(page, "Main navigation").get_by_role("link", name="Cohorts"))
    follow(page, axe_check, page.get_by_role("link", name=COHORT_NAME))
    expect(page.get_by_role("heading", level=1)).to_have_text(COHORT_NAME)
    trainees = int(page.locator("#trainees-heading .badge").inner_text())
    assert trainees >= 28  # the demo's 28, and the trainees other tests added
    screenshot(page, "coordinator-01-cohort")

    follow(page, axe_check, page.get_by_role("link", name="Progress table"))
    table = page.locator("table.progress-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(trainees)
    screenshot(page, "coordinator-02-progress")

    page.go_back(wait_until="load")
    axe_check(page)
    follow(page, axe_check, page.get_by_role("link", name="Test results"))
    expect(page.get_by_role("heading", name="Item analysis: post-test")).to_be_visible()
    items = page.locator("table.item-table").first
    expect(items).to_be_visible()
    assert items.locator("tbody tr").count() >= 18
    expect(items.locator("tbody tr").first.locator("td").nth(2)).to_have_text(PERCENT)
    screenshot(page, "coordinator-03-test-results")

    follow(page, axe_check, main_nav(page, "Main navigation").get_by_role("link", name="People"))
    follow(page, axe_check, page.get_by_role("link", name="Invite a person"))
    page.get_by_label("E-mail").fill("not-an-e-mail")
    page.locator("#display_name").fill("Someone New")
    follow(page, axe_check, page.locator("main form [type=submit]"))
    expect(page.get_by_role("alert")).to_have_text("Please correct the highlighted fields.")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_be_visible()
    screenshot(page, "coordinator-04-invite-error")

    visit(page, f"/courses/{live_server.course_slug}")
    follow(page, axe_check, page.get_by_role("link", name="Course settings"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Course settings")
    # The demo keeps the modules closed until the pre-test is submitted.
    expect(page.locator("form input[type=checkbox]")).to_be_checked()
    screenshot(page, "coordinator-05-course-settings")


def test_trainer_sees_their_cohort(page, sign_in, axe_check, t):
    from app.courses.demo import COHORT_NAME

    mk = partial(t, locale="mk")  # trainer1 works in Macedonian
    sign_in(page, "trainer1@demo.example")
    navigation = main_nav(page, mk("Main navigation"))
    expect(navigation.get_by_role("link", name=mk("People"))).to_have_count(0)
    follow(page, axe_check, navigation.get_by_role("link", name=mk("Cohorts")))
    follow(page, axe_check, page.get_by_role("link", name=COHORT_NAME))
    expect(page.get_by_role("heading", name=mk("Trainers"))).to_be_visible()
    expect(page.get_by_role("link", name=mk("Progress table"))).to_be_visible()
    expect(page.get_by_role("heading", name=mk("Add a trainee"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(mk("Remove")))).to_have_count(0)


def test_trainee_cannot_open_cohorts(page, sign_in, visit, t, screenshot):
    mk = partial(t, locale="mk")
    sign_in(page, DEMO_TRAINEE)
    navigation = main_nav(page, mk("Main navigation"))
    expect(navigation.get_by_role("link", name=mk("Cohorts"))).to_have_count(0)
    visit(page, "/cohorts/", expect_status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text(mk("You do not have access to this page"))
    expect(page.get_by_text(mk("If you think you should, ask your coordinator."))).to_be_visible()
    expect(page.get_by_role("link", name=mk("Go to the home page"))).to_be_visible()
    screenshot(page, "trainee-403")


# -- 6. the language switcher ------------------------------------------------------------------------------


def test_language_switcher_on_the_login_page(page, visit, axe_check, t):
    visit(page, "/accounts/login")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    switcher = page.get_by_role("form", name="Language")
    for code, name in (("sq", "Shqip"), ("mk", "Македонски"), ("en", "English")):
        follow(page, axe_check, switcher.get_by_role("button", name=name))
        assert page.url.split("?")[0].endswith("/accounts/login")
        expect(html).to_have_attribute("lang", code)
        expect(page.get_by_role("heading", level=1)).to_have_text(t("Sign in", locale=code))
        switcher = page.get_by_role("form", name=t("Language", locale=code))
        expect(switcher.get_by_role("button", name=name)).to_have_attribute("aria-pressed", "true")

    # The live server really checks CSRF tokens: the same form posted without one changes nothing.
    refused = page.request.post("/language", form={"language": "sq", "next": "/accounts/login"})
    assert refused.status == 400
    page.reload(wait_until="load")
    axe_check(page)
    expect(html).to_have_attribute("lang", "en")


# -- 7. a phone ----------------------------------------------------------------------------------------------


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_phone_layout(page, live_server, sign_in, visit, axe_check, t, screenshot):
    mk = partial(t, locale="mk")
    course = course_facts(live_server, "mk")
    sign_in(page, DEMO_TRAINEE)
    no_horizontal_scroll(page, 390)

    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#nav-main")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    toggler.click()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))  # Bootstrap's collapse has finished opening
    expect(menu).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    screenshot(page, "phone-01-menu-open")
    follow(page, axe_check, menu.get_by_role("link", name=mk("My learning")))
    expect(page.locator("#nav-main")).to_be_hidden()
    no_horizontal_scroll(page, 390)

    visit(page, course["course_url"])
    no_horizontal_scroll(page, 390)
    visit(page, course["lessons"][0])
    expect(page.locator("article.lesson")).to_have_attribute("lang", "mk")
    no_horizontal_scroll(page, 390)
    screenshot(page, "phone-02-lesson")
    visit(page, course["widest_table_lesson"])  # a table with many columns must still fit
    expect(page.locator(".lesson-body table").first).to_be_visible()
    no_horizontal_scroll(page, 390)
    screenshot(page, "phone-03-lesson-with-a-wide-table")
