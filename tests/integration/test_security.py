"""Security baseline: headers, CSRF, cookies, throttling, error pages that leak nothing."""

from __future__ import annotations

import pytest

from app import create_app
from tests.conftest import PASSWORD, IsolatedClient, release, settings_for_tests


def test_security_headers(client):
    response = client.get("/accounts/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_in_pages(client):
    page = client.get("/accounts/login").get_data(as_text=True)
    assert "<script>" not in page and " onclick=" not in page


@pytest.fixture
def strict_app(database_url, smtp_server, app):
    """The app as production runs it: CSRF and rate limits on, secure cookies."""
    controller, _ = smtp_server
    application = create_app(
        settings_for_tests(
            database_url,
            controller.port,
            WTF_CSRF_ENABLED=True,
            RATELIMIT_ENABLED=True,
            DEVELOPMENT=False,
            SESSION_COOKIE_SECURE=True,
        )
    )
    application.test_client_class = IsolatedClient
    yield application
    release(application, app)


POST_ENDPOINTS = [
    "/accounts/login",
    "/accounts/logout",
    "/accounts/reset",
    "/accounts/profile",
    "/accounts/password",
    "/accounts/users/invite",
    "/language",
]


@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_post_without_csrf_token_is_refused(strict_app, make_user, path):
    client = strict_app.test_client(user=make_user(role="admin"))
    response = client.post(path, data={"email": "a@example.org", "password": PASSWORD, "language": "mk"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_session_cookie_flags_in_production(strict_app, make_user):
    make_user(email="ana@example.org")
    client = strict_app.test_client()
    page = client.get("/accounts/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/accounts/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_login_is_throttled(strict_app):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = strict_app.test_client()
    codes = [
        client.post("/accounts/login", data={"email": "x@example.org", "password": "nope"}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    page = client.post("/accounts/login", data={}).get_data(as_text=True)
    assert "Too many attempts" in page


def test_reset_is_throttled(strict_app):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = strict_app.test_client()
    codes = [client.post("/accounts/reset", data={"email": "x@example.org"}).status_code for _ in range(11)]
    assert codes[-1] == 429 and 429 not in codes[:10]


def test_unknown_page_is_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_server_error_leaks_nothing(database_url, smtp_server, app):
    from app.access import public

    application = create_app(
        settings_for_tests(database_url, smtp_server[0].port, PROPAGATE_EXCEPTIONS=False)
    )

    @application.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    response = application.test_client().get("/boom")
    body = response.get_data(as_text=True)
    release(application, app)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body and "secret internals" not in body
