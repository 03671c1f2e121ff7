"""End-to-end fixtures: a live server on a demo database of its own, Debian's Chromium, and axe-core.

The browser is always Debian's Chromium (`apt-get install chromium`); Playwright's own downloaded browsers
cannot be installed here. Without Chromium every test in this folder is skipped, unless REQUIRE_BROWSER=1
(as in CI), which turns the absence into an error so browser tests are never skipped silently.

The live server runs the real application in a thread, with CSRF on and rate limits off, on a database built
by the migrations and filled by `flask demo`. It is a different database from the integration tests' one,
whose tables are emptied after every test.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.conftest import settings_for_tests

CHROMIUM = shutil.which("chromium")
SKIP_REASON = "Debian chromium is not installed (apt-get install chromium)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
DEMO_PASSWORD = "demo-academy"
DEMO_PASSWORD_HASH = generate_password_hash(DEMO_PASSWORD)  # one hash for every account the tests create
BLOCKING_IMPACTS = ("serious", "critical")


# -- the browser -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _chromium_is_installed() -> None:
    if CHROMIUM is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {SKIP_REASON}", pytrace=False)
        pytest.skip(SKIP_REASON)


@pytest.fixture(scope="session")
def browser_type_launch_args(_chromium_is_installed) -> dict:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args) -> dict:
    # A fixed browser language, so that anonymous pages (chosen from Accept-Language) are English.
    return {**browser_context_args, "locale": "en-GB"}


# -- the live server ---------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: Flask
    cohort_id: int
    course_slug: str


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory) -> Iterator[str]:
    """A database for the live server only: a second SQLite file, or a second PostgreSQL database."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'e2e.db'}"
        return
    name = f"academy_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def live_server(e2e_database_url, smtp_server) -> Iterator[LiveServer]:
    from app.courses.demo import COHORT_NAME
    from app.courses.models import Cohort

    controller, _mailbox = smtp_server
    app = create_app(
        settings_for_tests(
            e2e_database_url,
            controller.port,
            TESTING=False,  # served as in production: errors get the friendly page, not a traceback
            WTF_CSRF_ENABLED=True,  # the browser submits the real forms, tokens included
            RATELIMIT_ENABLED=False,
        )
    )
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, f"`flask demo` failed:\n{result.output}\n{result.exception!r}"
    with app.app_context():
        cohort = db.session.execute(db.select(Cohort).filter_by(name=COHORT_NAME)).scalar_one()
        cohort_id, course_slug = cohort.id, cohort.course.slug

    # The request log would bury a failure's output; errors are still logged.
    werkzeug_logger = logging.getLogger("werkzeug")
    level = werkzeug_logger.level
    werkzeug_logger.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # links in e-mails point at the live server
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app, cohort_id=cohort_id, course_slug=course_slug)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        werkzeug_logger.setLevel(level)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# -- accessibility -----------------------------------------------------------------------------------------


@dataclass
class AxeLog:
    """Every page checked in the run, with every violation (the blocking ones fail the test)."""

    pages: list[tuple[str, list[dict], float]] = field(default_factory=list)  # url, violations, seconds


@pytest.fixture(scope="session")
def axe_log(request) -> Iterator[AxeLog]:
    log = AxeLog()
    yield log
    seconds = sum(duration for _url, _violations, duration in log.pages)
    lines = [f"axe-core on {len(log.pages)} page views in {seconds:.1f} s"]
    for url, violations, duration in log.pages:
        lines.append(f"{duration:5.1f} s  {len(violations)} violation(s)  {url}")
        for v in violations:
            targets = "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
            lines.append(f"        {v['impact']:<9} {v['id']:<28} [{len(v['nodes'])}] {targets}")
    folder = artifacts_folder(request.config)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "axe-summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def artifacts_folder(config) -> Path:
    """Where screenshots and the axe summary go: test-results/, or the folder E2E_ARTIFACTS names.

    pytest-playwright empties test-results/ whenever a pytest run starts, even one without browser tests.
    """
    return Path(os.environ.get("E2E_ARTIFACTS") or Path(config.rootpath) / "test-results")


def describe_violations(violations: list[dict]) -> str:
    parts = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        parts.append(
            f"  - {v['id']} ({v['impact']}, {len(v['nodes'])} element(s)): {v['help']}\n"
            f"    first targets: {targets}\n    {v['helpUrl']}"
        )
    return "\n".join(parts)


@dataclass
class PageGuard:
    """What one test's page did: navigations not yet checked by axe, failed requests, script errors."""

    unchecked: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def responded(self, response) -> None:
        # A page may answer 403 or 404 on purpose; a script, style, image or fetch may not fail at all.
        if response.status >= 500 or (
            response.status >= 400 and response.request.resource_type != "document"
        ):
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def logged(self, message) -> None:
        # Failed loads are reported by responded(); anything else logged as an error (CSP included) counts.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.script_errors.append(message.text)

    def navigated(self, url: str) -> None:
        if not url.startswith("http"):
            return
        url = urldefrag(url).url
        if self.unchecked and self.unchecked[-1] != url:
            self.missed.extend(self.unchecked)
        self.unchecked = [url]


_GUARDS: dict[int, PageGuard] = {}


@pytest.fixture(autouse=True)
def _guard_page(request) -> Iterator[None]:
    """Fail a test that skipped the axe check after a navigation, or met a failed request or script error."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    guard = PageGuard()
    _GUARDS[id(page)] = guard
    page.on("framenavigated", lambda frame: frame == page.main_frame and guard.navigated(frame.url))
    page.on("response", guard.responded)
    page.on("pageerror", lambda error: guard.script_errors.append(str(error)))
    page.on("console", guard.logged)
    yield
    _GUARDS.pop(id(page), None)
    problems = []
    if guard.server_errors:
        problems.append("failed requests:\n  " + "\n  ".join(guard.server_errors))
    if guard.script_errors:
        problems.append("browser console errors:\n  " + "\n  ".join(guard.script_errors))
    if guard.missed or guard.unchecked:
        problems.append(
            "pages visited without an axe check:\n  " + "\n  ".join(guard.missed + guard.unchecked)
        )
    if not problems:
        return
    report = getattr(request.node, "e2e_call_report", None)
    if report is not None and report.failed:  # the test already failed: add these to its output only
        print("\n".join(problems), file=sys.stderr)
        return
    pytest.fail("\n".join(problems), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_call_report = report
    return report


@pytest.fixture
def axe_check(axe_log) -> Callable:
    """Return check(page): run axe-core on the page; fail on any serious or critical violation."""
    axe = Axe()

    def check(page) -> list[dict]:
        page.wait_for_load_state("load")
        started = time.perf_counter()
        violations = axe.run(page).response["violations"]
        axe_log.pages.append((page.url, violations, time.perf_counter() - started))
        guard = _GUARDS.get(id(page))
        if guard is not None and urldefrag(page.url).url in guard.unchecked:
            guard.unchecked.remove(urldefrag(page.url).url)
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, (
            f"axe-core: {len(blocking)} serious/critical accessibility violation(s) on {page.url}:\n"
            + describe_violations(blocking)
        )
        return violations

    return check


@pytest.fixture
def visit(axe_check) -> Callable:
    """Return visit(page, url): open the page, wait for it to load, check it with axe; return the response."""

    def go(page, url: str, expect_status: int | None = 200):
        response = page.goto(url, wait_until="load")
        if expect_status is not None:
            assert response is not None and response.status == expect_status, (
                f"GET {url}: {response and response.status}, expected {expect_status}"
            )
        axe_check(page)
        return response

    return go


# -- people and helpers ------------------------------------------------------------------------------------


@pytest.fixture
def sign_in(visit, axe_check) -> Callable:
    """Return sign_in(page, email, password=...): sign in through the real login form."""

    def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
        visit(page, "/accounts/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        with page.expect_navigation():
            page.locator("main form [type=submit]").click()
        axe_check(page)
        assert "/accounts/login" not in page.url, f"signing in as {email} failed: {page.url}"

    return login


@pytest.fixture
def new_trainee(live_server) -> Callable:
    """Return new_trainee(locale, pretest=False): a fresh trainee in the demo cohort; returns the e-mail.

    With pretest=True the pre-test is already taken and submitted (so the modules are open).
    """
    from app.accounts.models import User
    from app.courses.models import Course, Membership
    from app.database import utcnow
    from app.quizzes import attempts
    from app.quizzes.models import Quiz

    def create(locale: str = "mk", pretest: bool = False) -> str:
        tag = uuid.uuid4().hex[:8]
        email = f"e2e-{tag}@csw-demo.example"
        with live_server.app.app_context():
            user = User(
                email=email,
                display_name=f"E2E Trainee {locale} {tag}",
                certificate_name="Тест Полазник" if locale == "mk" else "Test Trainee",
                organisation="ЈУ Меѓуопштински центар за социјална работа – Скопје",
                role="trainee",
                locale=locale,
                password_hash=DEMO_PASSWORD_HASH,
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(cohort_id=live_server.cohort_id, user_id=user.id, role="trainee"))
            db.session.commit()
            if pretest:  # started and submitted unanswered, through the same rules the views use
                of_course = Course.slug == live_server.course_slug
                quiz = db.session.execute(
                    db.select(Quiz).join(Course).where(of_course, Quiz.kind == "pre")
                ).scalar_one()
                attempts.submit(attempts.start_attempt(quiz, user, utcnow()), utcnow())
        return email

    return create


@pytest.fixture
def t(live_server) -> Callable:
    """Return t(text, locale): the interface text as the app shows it in that language (its catalog)."""

    def translate(message: str, locale: str = "en", **values) -> str:
        with live_server.app.test_request_context(), force_locale(locale):
            return babel_gettext(message, **values)

    return translate


@pytest.fixture
def screenshot(request) -> Callable:
    """Return shot(page, name): save a full-page screenshot in test-results/screenshots/ for people to see."""
    folder = artifacts_folder(request.config) / "screenshots"

    def shot(page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot
