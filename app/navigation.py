"""The main navigation by role, and the page furniture around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from .access import MANAGERS, ROLES, STAFF
from .i18n import current_language


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


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    url: str
    label: str


@dataclass(frozen=True)
class Chrome:
    """The page furniture for one language and role (see templates/_chrome.html)."""

    locale: str
    parts: Any  # the rendered _chrome.html: its {% set %} names are attributes
    nav: tuple[NavLink, ...]


def page_chrome(role: str | None) -> Chrome:
    """Return the page furniture for the reader's language and role, rendered once per worker.

    Every page shows the same header and footer in a language; rendering their two dozen translations and
    addresses anew was a third of the time of a lesson page.
    """
    locale = current_language()
    cache: dict[tuple[str, str | None], Chrome] = current_app.extensions.setdefault("page_chrome", {})
    if (locale, role) not in cache:
        template = current_app.jinja_env.get_template("_chrome.html")
        links = (NavLink(item.endpoint, url_for(item.endpoint), str(item.label)) for item in nav_for(role))
        cache[locale, role] = Chrome(locale, template.make_module({"locale": locale}), tuple(links))
    return cache[locale, role]
