"""Who sees which workshop: the object-level half of access (the route policies are the other half).

Coordinators and admins see every workshop, a trainer the ones they teach, a trainee the published
(or completed) workshops of their cohorts and any they are registered for. Everyone else gets a 404,
so nobody learns that a workshop they may not see exists.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import or_

from ..access import MANAGERS
from ..courses.models import Membership
from ..extensions import db
from .models import Registration, Workshop, WorkshopTrainer

SEEN_BY_TRAINEES = ("published", "completed")


def visible_workshops_statement(user):
    """Return a SELECT of the workshops the user may see, newest first."""
    statement = db.select(Workshop).order_by(Workshop.created_at.desc(), Workshop.id.desc())
    if user.role in MANAGERS:
        return statement
    if user.role == "trainer":
        teaching = db.select(WorkshopTrainer.workshop_id).where(WorkshopTrainer.user_id == user.id)
        return statement.where(Workshop.id.in_(teaching))
    cohorts = db.select(Membership.cohort_id).where(
        Membership.user_id == user.id, Membership.role == "trainee"
    )
    registered = db.select(Registration.workshop_id).where(Registration.user_id == user.id)
    return statement.where(
        Workshop.status != "draft",
        or_(
            Workshop.id.in_(registered),
            Workshop.cohort_id.in_(cohorts) & Workshop.status.in_(SEEN_BY_TRAINEES),
        ),
    )


def can_see(workshop: Workshop, user) -> bool:
    if user.role in MANAGERS:
        return True
    if user.role == "trainer":
        return user.id in workshop.trainer_ids
    if workshop.status == "draft":
        return False
    if any(r.user_id == user.id for r in workshop.registrations):
        return True
    if workshop.status not in SEEN_BY_TRAINEES:
        return False
    member = db.select(Membership.id).filter_by(cohort_id=workshop.cohort_id, user_id=user.id, role="trainee")
    return db.session.execute(member).first() is not None


def is_staff_of(workshop: Workshop, user) -> bool:
    """Whether the user runs this workshop: a coordinator or admin, or one of its trainers."""
    return user.role in MANAGERS or (user.role == "trainer" and user.id in workshop.trainer_ids)


def workshop_or_404(workshop_id: int) -> Workshop:
    workshop = db.get_or_404(Workshop, workshop_id)
    if not can_see(workshop, current_user):
        abort(404)
    return workshop


def staff_workshop_or_404(workshop_id: int) -> Workshop:
    workshop = db.get_or_404(Workshop, workshop_id)
    if not is_staff_of(workshop, current_user):
        abort(404)
    return workshop
