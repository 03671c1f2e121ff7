"""Completion rules per course and the certificates issued under them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..courses.models import Course
from ..database import UTCDateTime, utcnow
from ..extensions import db


class CompletionRuleSetting(db.Model):
    """A course's completion rule as a coordinator set it (see eligibility.CompletionRule)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), unique=True)
    require_modules: Mapped[bool] = mapped_column(default=True)
    require_post_test: Mapped[bool] = mapped_column(default=True)
    require_attendance: Mapped[bool] = mapped_column(default=True)
    min_attendance_percent: Mapped[float] = mapped_column(default=100.0)
    excused_counts_as_present: Mapped[bool] = mapped_column(default=False)
    require_assessment: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()


class Certificate(db.Model):
    # One valid certificate per trainee and cohort: a double-click or two coordinators issuing at once
    # cannot create a second one (revoked ones, any number, sit beside it).
    __table_args__ = (
        Index(
            "uq_certificate_valid_per_trainee",
            "user_id",
            "cohort_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(19), unique=True)  # XXXX-XXXX-XXXX-XXXX, 80 random bits
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    # Frozen at issue: later edits to the person or the course never change an issued certificate.
    name: Mapped[str] = mapped_column(String(160))
    course_title: Mapped[str] = mapped_column(String(250))
    hours: Mapped[float]
    completed_on: Mapped[date]
    issued_on: Mapped[date]
    issuer: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    override_reason: Mapped[str] = mapped_column(Text, default="")  # issued although not eligible: why
    pdf: Mapped[bytes] = mapped_column(db.LargeBinary, deferred=True)  # loaded only when served
    sha256: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
