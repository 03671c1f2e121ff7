"""Each eligibility condition in words, in the reader's language, from the numbers behind it."""

from __future__ import annotations

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .eligibility import Condition

CONDITION_LABELS = {
    "modules": _l("Modules"),
    "post_test": _l("Post-test"),
    "attendance": _l("Workshop attendance"),
    "assessment": _l("Workshop assessment"),
}


def number(value: float) -> str:
    """Return a percent or count as the reader's language writes it (75, 82.5 or 82,5)."""
    return format_decimal(round(value, 1), format="#,##0.#")


def reason(condition: Condition) -> str:
    """Return what was counted for the condition, e.g. "attended 3 of 4 days, 1 excused (75% required)"."""
    return _WORDING[condition.name](condition.details)


def _modules(details: dict) -> str:
    if details["total"] == 0:
        return _("the course has no modules yet")
    return _("completed %(completed)d of %(total)d modules", **details)


def _post_test(details: dict) -> str:
    mark = number(details["pass_mark"])
    if details["percent"] is None:
        return _("post-test not taken yet (pass mark %(mark)s%%)", mark=mark)
    return _(
        "scored %(percent)s%% in the post-test (pass mark %(mark)s%%)",
        percent=number(details["percent"]),
        mark=mark,
    )


def _attendance(details: dict) -> str:
    if details["total"] == 0:
        return _("no workshop days yet")
    # Whole sentences, one per case, so that each language orders and inflects them its own way.
    values = {
        "attended": details["attended"],
        "excused": details["excused"],
        "required": number(details["required_percent"]),
    }
    if not details["excused"]:
        return ngettext(
            "attended %(attended)d of %(num)d day (%(required)s%% required)",
            "attended %(attended)d of %(num)d days (%(required)s%% required)",
            details["total"],
            **values,
        )
    if details["counted"] > details["attended"]:
        return ngettext(
            "attended %(attended)d of %(num)d day, %(excused)d excused, counted as present "
            "(%(required)s%% required)",
            "attended %(attended)d of %(num)d days, %(excused)d excused, counted as present "
            "(%(required)s%% required)",
            details["total"],
            **values,
        )
    return ngettext(
        "attended %(attended)d of %(num)d day, %(excused)d excused, not counted (%(required)s%% required)",
        "attended %(attended)d of %(num)d days, %(excused)d excused, not counted (%(required)s%% required)",
        details["total"],
        **values,
    )


def _assessment(details: dict) -> str:
    return {
        True: _("workshop assessment passed"),
        False: _("workshop assessment not passed"),
        None: _("workshop assessment not scored yet"),
    }[details["passed"]]


_WORDING = {
    "modules": _modules,
    "post_test": _post_test,
    "attendance": _attendance,
    "assessment": _assessment,
}
