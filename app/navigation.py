"""The main navigation, by role."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from .access import MANAGERS, ROLES, STAFF


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]


NAV = (
    NavItem("main.index", _l("Home"), ROLES),
    NavItem("courses.my_learning", _l("My learning"), ("trainee",)),
    NavItem("cohorts.index", _l("Cohorts"), STAFF),
    NavItem("workshops.index", _l("Workshops"), ROLES),
    NavItem("certificates.index", _l("Certificates"), MANAGERS),
    NavItem("accounts.users", _l("People"), MANAGERS),
)


def nav_for(role: str | None) -> list[NavItem]:
    """Return the navigation entries this role may open."""
    if role is None:
        return []
    return [item for item in NAV if role in item.roles and item.endpoint in current_app.view_functions]
