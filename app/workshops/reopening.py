"""Reopening what a coordinator locked: a workshop's attendance (closed) or its scores (locked).

A lock is there so the records that certificates are issued from stop changing; a mistake found later
(a trainee marked absent who was there, a criterion misread) still has to be put right. Reopening clears
the lock, so trainers can mark and score again as before, and writes the coordinator's reason to the
audit trail; the pages show every reopening. Closing or locking again is the usual button.

Reopening never touches a certificate: one already issued stays valid until a coordinator revokes or
reissues it on the certificates pages, so the reopen panel says how many there are.
No column is added: the lock columns go back to NULL and the audit trail keeps the story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import audit
from ..accounts.models import User
from ..audit import AuditEvent
from ..certificates.models import Certificate
from ..extensions import db
from .models import Registration, Workshop

ATTENDANCE_REOPENED = "workshop.reopened"
SCORES_REOPENED = "workshop.scores_reopened"


@dataclass(frozen=True)
class Reopening:
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class Panel:
    """What a page shows about reopening one kind of lock: the form (for a coordinator, while locked),
    the reopenings so far, and the certificates already issued to the workshop's trainees."""

    kind: str  # "attendance" | "scores"
    url: str
    locked: bool
    form: object | None
    events: list[Reopening]
    certificates: int
    cohort_id: int


def certificates_issued(workshop: Workshop) -> int:
    """Return how many valid certificates the workshop's enrolled trainees hold for its cohort."""
    enrolled = db.select(Registration.user_id).where(
        Registration.workshop_id == workshop.id, Registration.status == "enrolled"
    )
    statement = (
        db.select(db.func.count())
        .select_from(Certificate)
        .where(
            Certificate.cohort_id == workshop.cohort_id,
            Certificate.revoked_at.is_(None),
            Certificate.user_id.in_(enrolled.scalar_subquery()),
        )
    )
    return db.session.execute(statement).scalar_one()


def history(workshop: Workshop, action: str) -> list[Reopening]:
    """Return the workshop's reopenings of one kind, oldest first, with who did it and why."""
    statement = (
        db.select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.action == action,
            AuditEvent.target_type == "Workshop",
            AuditEvent.target_id == workshop.id,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [Reopening(event.at, name or "", event.reason) for event, name in db.session.execute(statement)]


def reopen_attendance(workshop: Workshop, actor, reason: str) -> None:
    """Unlock the attendance of a closed workshop (the caller holds the workshop's row lock).

    The status stays as it is ("completed"): the workshop did take place, and its registrations stay
    history. Only the marking opens again; the "close" button locks it again.
    """
    issued = certificates_issued(workshop)
    before = {"attendance_locked_at": workshop.attendance_locked_at.isoformat(), "status": workshop.status}
    workshop.attendance_locked_at = None
    after = {"attendance_locked_at": None, "status": workshop.status, "certificates_issued": issued}
    audit.record(actor, ATTENDANCE_REOPENED, workshop, before=before, after=after, reason=reason)


def reopen_scores(workshop: Workshop, actor, reason: str) -> None:
    """Unlock a workshop's scores: trainers change them again without giving a reason each time."""
    issued = certificates_issued(workshop)
    before = {"scores_locked_at": workshop.scores_locked_at.isoformat()}
    workshop.scores_locked_at = None
    after = {"scores_locked_at": None, "certificates_issued": issued}
    audit.record(actor, SCORES_REOPENED, workshop, before=before, after=after, reason=reason)
