"""Who may use which endpoint: every view declares a policy, and one hook enforces it.

Views are annotated with @public or @allow(...). The before_request hook denies any endpoint
that has no policy, so a forgotten decorator fails closed (and tests/integration/test_access.py
fails on it too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user

ROLES = ("trainee", "trainer", "coordinator", "admin")
STAFF = ("trainer", "coordinator", "admin")
MANAGERS = ("coordinator", "admin")


@dataclass(frozen=True)
class Policy:
    roles: frozenset[str]
    public: bool = False

    def admits(self, role: str | None) -> bool:
        """Return whether a user with this role (None = anonymous) may use the endpoint."""
        return self.public or (role is not None and role in self.roles)


PUBLIC = Policy(roles=frozenset(ROLES), public=True)


def public(view: Callable) -> Callable:
    """Let anyone, signed in or not, use this view."""
    view.access_policy = PUBLIC
    return view


def allow(*roles: str) -> Callable[[Callable], Callable]:
    """Let signed-in users with one of these roles use this view."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: Callable) -> Callable:
        view.access_policy = Policy(roles=frozenset(roles))
        return view

    return decorate


signed_in = allow(*ROLES)


def policy_for(endpoint: str | None) -> Policy | None:
    """Return the policy of an endpoint, or None when it declares none."""
    endpoint = endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):  # asset files (ours and Bootstrap's)
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def enforce_policy():
    """Stop the request unless the current user may use the endpoint."""
    if request.endpoint is None:  # 404 and 405 are answered by Flask itself
        return None
    policy = policy_for(request.endpoint)
    if policy is None:
        abort(403)
    if policy.public:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not policy.admits(current_user.role):
        abort(403)
    return None


def require_self_or_staff(owner_id: int, staff_roles: tuple[str, ...] = STAFF) -> None:
    """Abort with 404 unless the current user owns the object or holds a staff role.

    404 rather than 403, so a trainee cannot even learn that someone else's record exists.
    """
    if current_user.id != owner_id and current_user.role not in staff_roles:
        abort(404)


def init_app(app) -> None:
    """Install the hook that enforces every endpoint's policy."""
    app.before_request(enforce_policy)
