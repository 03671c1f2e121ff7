"""Every endpoint declares a policy, and every role (and anonymous) gets exactly what it allows."""

from __future__ import annotations

import pytest

from app import create_app
from app.access import ROLES, policy_for

WHO = (None, *ROLES)


def all_endpoints():
    application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with application.app_context():
        return sorted(
            {
                (rule.endpoint, rule.rule, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"})))
                for rule in application.url_map.iter_rules()
            }
        )


ENDPOINTS = all_endpoints()
VIEWS = [e for e in ENDPOINTS if not e[0].endswith("static")]  # asset files: public by rule, tested below


def test_every_endpoint_declares_a_policy():
    application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with application.test_request_context():
        missing = [endpoint for endpoint, _rule, _m in ENDPOINTS if policy_for(endpoint) is None]
    assert missing == []


def test_an_endpoint_without_policy_is_refused():
    """The enforcing hook fails closed: a view someone forgot to annotate answers 403."""
    bare = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True})
    bare.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert bare.test_client().get("/forgotten").status_code == 403


def concrete_url(rule: str) -> str:
    """Fill a rule's variables with values that name nothing (the view answers 404 once let in)."""
    import re

    return re.sub(r"<(?:int:)?(\w+)>", lambda m: "999999" if "id" in m.group(1) else "x", rule)


def sent_to_sign_in(response) -> bool:
    """Whether the response is Flask-Login's "please sign in first" redirect."""
    return response.status_code == 302 and "/accounts/login?next=" in response.location


@pytest.mark.parametrize("who", WHO, ids=lambda w: w or "anonymous")
@pytest.mark.parametrize(("endpoint", "rule", "methods"), VIEWS, ids=[e[0] for e in VIEWS])
def test_policy_per_role(app, make_user, login, who, endpoint, rule, methods):
    client = login(make_user(role=who)) if who else app.test_client()
    with app.test_request_context():
        policy = policy_for(endpoint)
    method = "GET" if "GET" in methods else methods[0]
    response = client.open(concrete_url(rule), method=method)
    assert response.status_code < 500, f"{method} {rule} as {who}: {response.status_code}"
    if policy.admits(who):
        assert response.status_code != 403
        assert not sent_to_sign_in(response)
    elif who is None:
        assert sent_to_sign_in(response)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", ["/static/css/app.css", "/bootstrap/static/css/bootstrap.min.css"])
def test_static_assets_are_public(client, path):
    response = client.get(path)
    response.close()
    assert response.status_code == 200
