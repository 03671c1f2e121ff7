"""Fixtures shared by the integration and end-to-end tests.

The database is built by the migrations, once per run: SQLite in a temporary folder by default,
PostgreSQL when TEST_DATABASE_URL names a server (a fresh database is created there and dropped
afterwards). Every test starts from empty tables.
"""

from __future__ import annotations

import contextvars
import email
import email.policy
import os
import socket
import uuid
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from flask.globals import _cv_app
from flask_login import FlaskLoginClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db, limiter

PASSWORD = "Quiet-harbour-lantern-42"
PASSWORD_HASH = generate_password_hash(PASSWORD)


class IsolatedClient(FlaskLoginClient):
    """A test client whose requests get their own app context, as in production.

    Flask reuses an app context already pushed by the test (the `ctx` fixture), which would share
    `g` (and so Flask-Login's cached user and Babel's locale) and the database session between a
    test and its requests. Running each request in a copied context with no app context avoids that.
    """

    def open(self, *args, **kwargs):
        def isolated():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(isolated)


class Mailbox(Message):
    """An SMTP handler that keeps every message it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def prepare_message(self, session, envelope):
        # The modern policy decodes encoded headers (a Cyrillic subject arrives as =?utf-8?b?...?=).
        return email.message_from_bytes(envelope.content, policy=email.policy.default)

    def handle_message(self, message) -> None:
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = f"academy_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def settings_for_tests(database_url: str, smtp_port: int, **overrides) -> dict:
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "BASE_URL": "http://academy.test",
        "DEVELOPMENT": True,
        "SESSION_COOKIE_SECURE": False,
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def app(database_url, smtp_server):
    controller, _mailbox = smtp_server
    application = create_app(settings_for_tests(database_url, controller.port))
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()  # close the pool now: the garbage collector would warn after the session


def release(extra_app, session_app) -> None:
    """Undo what building a second app did to shared state: close its pool, re-bind the limiter.

    The limiter is one object for every app, and init_app takes the new app's RATELIMIT_ENABLED;
    an unclosed pool would be closed by the garbage collector, mid-way through some later test.
    """
    limiter.init_app(session_app)
    with extra_app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    _controller, box = smtp_server
    box.messages.clear()
    return box


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app, ctx):
    """Return a factory: make_user(role="trainer", email=..., ...) -> a committed User."""
    from app.accounts.models import User

    counter = iter(range(1, 10_000))

    def factory(role: str = "trainee", **fields) -> User:
        n = next(counter)
        values = {
            "email": f"{role}{n}@example.org",
            "display_name": f"{role.title()} {n}",
            "certificate_name": f"{role.title()} {n}",
            "organisation": "ЈУ Меѓуопштински центар за социјална работа – Скопје",
            "locale": "en",
            "role": role,
            "password_hash": PASSWORD_HASH,
        }
        values.update(fields)
        user = User(**values)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login(app):
    """Return a function giving a test client signed in as the given user."""

    def as_user(user):
        return app.test_client(user=user)

    return as_user


@pytest.fixture
def count_queries(app):
    """Return a context manager that counts the SQL statements run inside it."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(_conn, _cursor, statement, *_args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
