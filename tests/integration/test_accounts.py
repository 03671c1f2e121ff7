"""Sign-in, invitations, resets, profile and the user list, through the test client and a real SMTP server."""

from __future__ import annotations

import re

import pytest

from app.accounts.models import User
from app.audit import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "Olive-grove-river-stone-8"


def link_in(message) -> str:
    body = (
        message.get_payload(decode=True).decode()
        if not message.is_multipart()
        else message.get_body().get_content()
    )
    return re.search(r"http://academy\.test(\S+)", body).group(1)


def fetch(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


# --- sign in -------------------------------------------------------------------------------------


def test_sign_in_and_out(client, make_user):
    user = make_user(email="ana@example.org")
    response = client.post("/accounts/login", data={"email": " ANA@example.org ", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    assert "Welcome" in client.get("/").get_data(as_text=True)
    assert fetch(user.id).last_login_at is not None
    client.post("/accounts/logout")
    assert client.get("/accounts/profile").status_code == 302


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("ana@example.org", "wrong-password", "The e-mail or the password is not right."),
        ("nobody@example.org", PASSWORD, "The e-mail or the password is not right."),
        ("not-an-email", PASSWORD, "Invalid email address."),
        ("", "", "This field is required."),
    ],
)
def test_failed_sign_in_says_why_and_changes_nothing(client, make_user, email, password, message):
    user = make_user(email="ana@example.org")
    response = client.post("/accounts/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert fetch(user.id).last_login_at is None
    assert client.get("/accounts/profile").status_code == 302


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user(email="gone@example.org", is_active=False)
    response = client.post("/accounts/login", data={"email": "gone@example.org", "password": PASSWORD})
    assert "This account has been deactivated" in response.get_data(as_text=True)
    assert client.get("/accounts/profile").status_code == 302


def test_deactivation_ends_an_open_session(make_user, login):
    user = make_user()
    client = login(user)
    assert client.get("/accounts/profile").status_code == 200
    user.is_active = False
    db.session.commit()
    assert client.get("/accounts/profile").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user(email="ana@example.org")
    response = client.post(
        "/accounts/login", data={"email": "ana@example.org", "password": PASSWORD, "next": target}
    )
    assert response.location == "/"


def test_sign_in_returns_to_the_page_asked_for(client, make_user):
    make_user(email="ana@example.org")
    response = client.post(
        "/accounts/login",
        data={"email": "ana@example.org", "password": PASSWORD, "next": "/accounts/profile"},
    )
    assert response.location == "/accounts/profile"


# --- invitations ---------------------------------------------------------------------------------


def test_coordinator_invites_and_invitee_sets_password(make_user, login, mailbox, app):
    coordinator = make_user(role="coordinator", display_name="Elena")
    response = login(coordinator).post(
        "/accounts/users/invite",
        data={
            "email": "Vesna@CSW.example",
            "display_name": "Vesna Ristovska",
            "certificate_name": "",
            "organisation": "ЦСР Скопје",
            "role": "trainee",
            "locale": "mk",
        },
    )
    assert response.status_code == 302
    invitee = db.session.execute(db.select(User).filter_by(email="vesna@csw.example")).scalar_one()
    assert invitee.password_hash is None and invitee.certificate_name == "Vesna Ristovska"
    assert db.session.execute(db.select(AuditEvent).filter_by(action="user.invited")).scalar_one()

    [message] = mailbox.messages
    assert message["To"] == "vesna@csw.example"
    assert message["Subject"] == "Покана за Protection Academy"  # in the invitee's language
    path = link_in(message)

    guest = app.test_client()
    page = guest.get(path)
    assert page.status_code == 200 and "Vesna Ristovska" in page.get_data(as_text=True)
    response = guest.post(
        path, data={"certificate_name": "Весна Ристовска", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    invitee = fetch(invitee.id)
    assert invitee.check_password(NEW_PASSWORD) and invitee.certificate_name == "Весна Ристовска"
    assert guest.get("/accounts/profile").status_code == 200

    # The link is single-use.
    assert app.test_client().get(path).status_code == 400


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "taken@example.org"}, "An account with this e-mail address already exists."),
        ({"email": "not-an-address"}, "Invalid email address."),
        ({"display_name": ""}, "This field is required."),
        ({"role": "admin"}, "Not a valid choice."),  # coordinators cannot create admins
    ],
)
def test_invitation_bad_input(make_user, login, mailbox, data, message):
    make_user(email="taken@example.org")
    coordinator = make_user(role="coordinator")
    before = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
    form = {
        "email": "new@example.org",
        "display_name": "New Person",
        "organisation": "",
        "role": "trainee",
        "locale": "en",
        **data,
    }
    response = login(coordinator).post("/accounts/users/invite", data=form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == before
    assert mailbox.messages == []


def test_admin_may_invite_a_coordinator(make_user, login, mailbox):
    admin = make_user(role="admin")
    login(admin).post(
        "/accounts/users/invite",
        data={"email": "c@example.org", "display_name": "C", "role": "coordinator", "locale": "en"},
    )
    assert (
        db.session.execute(db.select(User.role).filter_by(email="c@example.org")).scalar_one()
        == "coordinator"
    )
    assert len(mailbox.messages) == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        ({"password": "password1234", "confirm": "password1234"}, "too easy to guess"),
        ({"password": "invitee.person-2024", "confirm": "invitee.person-2024"}, "Do not use your e-mail"),
        ({"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, "The two passwords do not match."),
    ],
)
def test_weak_or_mismatched_password_is_refused(app, make_user, form, message):
    from app.accounts import tokens

    invitee = make_user(email="invitee.person@example.org", password_hash=None)
    token = tokens.make_token(app.config["SECRET_KEY"], "invitation", invitee.id, None)
    response = app.test_client().post(f"/accounts/invitation/{token}", data={"certificate_name": "X", **form})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert fetch(invitee.id).password_hash is None


@pytest.mark.parametrize("kind", ["forged", "expired", "other-purpose"])
def test_bad_invitation_links(app, make_user, kind, monkeypatch):
    from app.accounts import tokens

    invitee = make_user(password_hash=None)
    key = app.config["SECRET_KEY"]
    token = {
        "forged": tokens.make_token("not-our-key", "invitation", invitee.id, None),
        "expired": tokens.make_token(key, "invitation", invitee.id, None),
        "other-purpose": tokens.make_token(key, "reset", invitee.id, None),
    }[kind]
    if kind == "expired":
        monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)
    response = app.test_client().post(
        f"/accounts/invitation/{token}",
        data={"certificate_name": "X", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "This link no longer works" in response.get_data(as_text=True)
    assert fetch(invitee.id).password_hash is None


# --- password reset ------------------------------------------------------------------------------


def test_password_reset_by_email(app, make_user, mailbox):
    user = make_user(email="ana@example.org")
    client = app.test_client()
    response = client.post("/accounts/reset", data={"email": "ana@example.org"}, follow_redirects=True)
    assert "a reset link is on its way" in response.get_data(as_text=True)
    [message] = mailbox.messages
    assert message["Subject"] == "Reset your Protection Academy password"
    path = link_in(message)
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert fetch(user.id).check_password(NEW_PASSWORD)
    assert app.test_client().get(path).status_code == 400  # used once


def test_reset_for_unknown_address_looks_the_same_and_sends_nothing(client, mailbox):
    response = client.post("/accounts/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "a reset link is on its way" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_reset_request_with_malformed_address(client, mailbox):
    response = client.post("/accounts/reset", data={"email": "nobody"})
    assert "Invalid email address." in response.get_data(as_text=True)
    assert mailbox.messages == []


# --- profile -------------------------------------------------------------------------------------


def test_profile_update(make_user, login):
    user = make_user()
    response = login(user).post(
        "/accounts/profile",
        data={
            "display_name": "Gjorgji Ljubenovski",
            "certificate_name": "Ѓорѓи Љубеновски",
            "organisation": "ЦСР Куманово",
            "gender": "male",
            "locale": "mk",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    user = fetch(user.id)
    assert (user.certificate_name, user.locale, user.gender) == ("Ѓорѓи Љубеновски", "mk", "male")


@pytest.mark.parametrize(
    ("field", "value"),
    [("display_name", ""), ("certificate_name", "x" * 161), ("gender", "robot"), ("locale", "de")],
)
def test_profile_bad_input_changes_nothing(make_user, login, field, value):
    user = make_user(locale="en")
    data = {
        "display_name": "Name",
        "certificate_name": "Name",
        "organisation": "",
        "gender": "female",
        "locale": "mk",
        "submit": "1",
        field: value,
    }
    response = login(user).post("/accounts/profile", data=data)
    assert response.status_code == 200
    assert "Please correct the highlighted fields." in response.get_data(as_text=True)
    assert fetch(user.id).locale == "en"


def test_change_password_needs_the_current_one(make_user, login):
    user = make_user()
    client = login(user)
    wrong = client.post(
        "/accounts/password",
        data={"pw-current_password": "nope", "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "This is not your current password." in wrong.get_data(as_text=True)
    assert fetch(user.id).check_password(PASSWORD)
    right = client.post(
        "/accounts/password",
        data={"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    assert right.status_code == 302 and fetch(user.id).check_password(NEW_PASSWORD)


# --- user list -----------------------------------------------------------------------------------


def test_user_list_search_and_filter(make_user, login):
    coordinator = make_user(role="coordinator")
    make_user(display_name="Blerta Memeti", organisation="QPS Tetovë")
    make_user(display_name="Бојан Јовановски", role="trainer")
    client = login(coordinator)
    page = client.get("/accounts/users?q=tetov").get_data(as_text=True)
    assert "Blerta Memeti" in page and "Бојан" not in page
    page = client.get("/accounts/users?role=trainer").get_data(as_text=True)
    assert "Бојан Јовановски" in page and "Blerta" not in page


def test_admin_changes_a_role_with_an_audit_record(make_user, login):
    admin = make_user(role="admin")
    user = make_user(role="trainee")
    login(admin).post(f"/accounts/users/{user.id}/role", data={"role": "trainer"})
    assert fetch(user.id).role == "trainer"
    event = db.session.execute(db.select(AuditEvent).filter_by(action="user.role_changed")).scalar_one()
    assert (event.actor_id, event.target_id, event.before, event.after) == (
        admin.id,
        user.id,
        {"role": "trainee"},
        {"role": "trainer"},
    )


def test_admin_deactivates_and_reactivates_without_deleting(make_user, login):
    admin = make_user(role="admin")
    user = make_user()
    client = login(admin)
    client.post(f"/accounts/users/{user.id}/active", data={"active": "0"})
    assert fetch(user.id).is_active is False
    client.post(f"/accounts/users/{user.id}/active", data={"active": "1"})
    assert fetch(user.id).is_active is True
    actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions == ["user.deactivated", "user.reactivated"]


@pytest.mark.parametrize(("url", "data"), [("role", {"role": "emperor"}), ("active", {"active": "maybe"})])
def test_admin_actions_reject_bad_values(make_user, login, url, data):
    admin = make_user(role="admin")
    user = make_user()
    assert login(admin).post(f"/accounts/users/{user.id}/{url}", data=data).status_code == 400
    user = fetch(user.id)
    assert (user.role, user.is_active) == ("trainee", True)


def test_admin_cannot_demote_or_deactivate_themselves(make_user, login):
    admin = make_user(role="admin")
    client = login(admin)
    client.post(f"/accounts/users/{admin.id}/role", data={"role": "trainee"})
    client.post(f"/accounts/users/{admin.id}/active", data={"active": "0"})
    admin = fetch(admin.id)
    assert (admin.role, admin.is_active) == ("admin", True)


@pytest.mark.parametrize(
    ("locale", "message"), [("mk", "Ова поле е задолжително."), ("sq", "Kjo fushë është e detyrueshme.")]
)
def test_form_errors_speak_the_users_language(make_user, login, locale, message):
    user = make_user(locale=locale)
    data = {"display_name": "", "certificate_name": "X", "gender": "female", "locale": locale, "submit": "1"}
    assert message in login(user).post("/accounts/profile", data=data).get_data(as_text=True)
