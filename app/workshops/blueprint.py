"""The workshops blueprint, shared by its view modules (views, attendance_views, assessment_views)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_decimal
from flask_babel import gettext as _

from .forms import ATTENDANCE_LABELS, REGISTRATION_LABELS, STATUS_LABELS

bp = Blueprint(
    "workshops",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/workshops/static",
)


# Globals rather than a context processor: the shared macros (imported without context) use them too.
bp.add_app_template_global(STATUS_LABELS, "WORKSHOP_STATUS_LABELS")
bp.add_app_template_global(REGISTRATION_LABELS, "REGISTRATION_LABELS")
bp.add_app_template_global(ATTENDANCE_LABELS, "ATTENDANCE_LABELS")


@bp.app_template_filter("workshop_points")
def points(value: float | None) -> str:
    """Return points as people write them: 12, 12.5 (12,5 in Macedonian and Albanian)."""
    return "" if value is None else format_decimal(value, format="#,##0.##")


def refusal_message(code: str) -> str:
    """Say, in the reader's language, why a registration, attendance or score change was refused."""
    return {
        "not_found": _("This workshop no longer exists."),
        "closed": _("Registrations for this workshop are closed."),
        "started": _("The workshop has already started."),
        "not_member": _("Only trainees of the workshop's cohort can be registered."),
        "not_registered": _("There is no registration to cancel."),
        "past_cutoff": _("The cancellation deadline has passed. Please contact your coordinator."),
        "not_waiting": _("This person is not on the waiting list."),
        "full": _("There is no free place to offer."),
        "capacity_below_enrolled": _("More people are enrolled than that. Cancel registrations first."),
        "day_has_attendance": _("Attendance has been marked for a day you removed; it cannot be removed."),
        "unknown_day": _("One of the days is not part of this workshop. Reload the page and try again."),
        "scorers_full": _("This trainee has already been scored by the number of trainers allowed."),
        "reason_required": _("The scores are locked: say why you change this one."),
    }[code]
