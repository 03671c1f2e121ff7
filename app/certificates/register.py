"""The certificate register of a cohort: every certificate issued, valid or revoked, as rows for export."""

from __future__ import annotations

from sqlalchemy.orm import undefer

from ..extensions import db
from .models import Certificate
from .records import local_date

HEADER = [
    "code",
    "name",
    "course",
    "hours",
    "completed_on",
    "issued_on",
    "issuer",
    "language",
    "status",
    "revoked_on",
    "revocation_reason",
    "override_reason",
    "replaced_by",
]


def cohort_certificates(cohort_id: int, with_pdfs: bool = False) -> list[Certificate]:
    """Return the cohort's certificates in the order they were issued; their PDFs too, in the same query."""
    statement = (
        db.select(Certificate)
        .where(Certificate.cohort_id == cohort_id)
        .order_by(Certificate.issued_at, Certificate.id)
    )
    if with_pdfs:
        statement = statement.options(undefer(Certificate.pdf))
    return list(db.session.execute(statement).scalars())


def register_rows(certificates: list[Certificate]) -> list[list]:
    codes = {c.id: c.code for c in certificates}
    return [
        [
            c.code,
            c.name,
            c.course_title,
            c.hours,
            c.completed_on.isoformat(),
            c.issued_on.isoformat(),
            c.issuer,
            c.language,
            "valid" if c.is_valid else "revoked",
            local_date(c.revoked_at).isoformat() if c.revoked_at else "",
            c.revocation_reason,
            c.override_reason,
            codes.get(c.replaced_by_id, "") if c.replaced_by_id else "",
        ]
        for c in certificates
    ]
