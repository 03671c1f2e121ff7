"""Home page, language choice, health check and the demo command."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from app import create_app
from app.accounts.models import User
from app.demo import TRAINEES, build_people
from app.extensions import db


def test_health_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_health_reports_a_dead_database(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "unavailable"}


@pytest.mark.parametrize(
    ("url", "pings"),
    [("sqlite:///academy.db", False), ("postgresql+psycopg://academy@db.example/academy", True)],
)
def test_connections_are_pinged_before_use_only_on_a_database_server(tmp_path, url, pings):
    application = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    with application.app_context():
        assert db.engine.pool._pre_ping is pings
        db.engine.dispose()


@pytest.mark.parametrize(("header", "expected"), [("mk,en;q=0.5", "mk"), ("sq", "sq"), ("de,fr", "en")])
def test_language_from_the_browser(client, header, expected):
    page = client.get("/accounts/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected}">' in page


def test_language_switcher_beats_the_browser(client):
    client.post("/language", data={"language": "sq", "next": "/accounts/login"})
    page = client.get("/accounts/login", headers={"Accept-Language": "mk"}).get_data(as_text=True)
    assert '<html lang="sq">' in page


def test_language_switcher_saves_the_preference_and_ignores_bad_values(make_user, login):
    user = make_user(locale="en")
    client = login(user)
    response = client.post("/language", data={"language": "xx", "next": "https://evil.example"})
    assert response.location == "/"
    client.post("/language", data={"language": "mk"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "mk"


def test_user_preference_beats_the_browser(make_user, login):
    page = login(make_user(locale="sq")).get("/", headers={"Accept-Language": "mk"}).get_data(as_text=True)
    assert '<html lang="sq">' in page


def test_navigation_follows_the_role(make_user, login):
    assert "/accounts/users" not in login(make_user(role="trainee")).get("/").get_data(as_text=True)
    assert "/accounts/users" in login(make_user(role="coordinator")).get("/").get_data(as_text=True)


def test_demo_command_is_idempotent_and_prints_logins(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "coordinator@demo.example" in first.output and "demo-academy" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    users = db.session.execute(db.select(User)).scalars().all()
    assert len(users) == 4 + len(TRAINEES) == 32
    assert {u.role for u in users} == {"admin", "coordinator", "trainer", "trainee"}
    assert any("Ѓ" in u.certificate_name for u in users) and any(
        "ë" in u.certificate_name.lower() for u in users
    )
    coordinator = next(u for u in users if u.email == "coordinator@demo.example")
    assert coordinator.check_password("demo-academy")


def test_demo_refuses_a_real_database_unless_forced(app, make_user):
    make_user(email="real.person@example.org", is_demo=False)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 1
    assert runner.invoke(args=["demo", "--force"]).exit_code == 0


def test_build_people_shares_one_password(ctx):
    staff, trainees = build_people("another-pass")
    assert len({u.password_hash for u in staff + trainees}) == 1


def test_create_admin_command(app, ctx):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--password",
            "password",
        ]
    )
    assert weak.exit_code != 0 and "rejected" in weak.output
    ok = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Root@Example.org",
            "--name",
            "Root",
            "--password",
            "Quiet-harbour-lantern-42",
        ]
    )
    assert ok.exit_code == 0, ok.output
    user = db.session.execute(db.select(User).filter_by(email="root@example.org")).scalar_one()
    assert user.role == "admin" and user.check_password("Quiet-harbour-lantern-42")
