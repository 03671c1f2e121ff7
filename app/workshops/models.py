"""Workshops, their session days, registrations, attendance, rubrics and trainer-scored assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..courses.models import Cohort
from ..database import UTCDateTime, utcnow
from ..extensions import db

WORKSHOP_STATUSES = ("draft", "published", "completed", "cancelled")
REGISTRATION_STATUSES = ("enrolled", "waitlisted", "cancelled")
ATTENDANCE_STATUSES = ("present", "late", "absent", "excused")


class Workshop(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # Trainees may sign themselves up (otherwise the coordinator assigns them) and cancel until the cut-off.
    self_signup: Mapped[bool] = mapped_column(default=False)
    cancel_cutoff_days: Mapped[int] = mapped_column(default=2)
    # Within this many days of the first session, the coordinator offers a freed place (not automatic).
    waitlist_freeze_days: Mapped[int] = mapped_column(default=2)
    # Marking is locked once the coordinator closes the workshop; later changes need an audited reason.
    attendance_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scores_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    sessions: Mapped[list[SessionDay]] = relationship(
        back_populates="workshop", order_by="SessionDay.starts_at", cascade="all, delete-orphan"
    )
    trainers: Mapped[list[WorkshopTrainer]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan"
    )

    @property
    def first_session_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def last_session_ends_at(self) -> datetime | None:
        return max((s.ends_at for s in self.sessions), default=None)

    @property
    def trainer_ids(self) -> set[int]:
        return {t.user_id for t in self.trainers}


class WorkshopTrainer(db.Model):
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    workshop: Mapped[Workshop] = relationship(back_populates="trainers")
    user: Mapped[Any] = relationship("User")


class SessionDay(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped on every change, so calendar clients replace the event (RFC 5545 SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")


class Registration(db.Model):
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    position: Mapped[int | None]  # place on the waitlist, 1 = next in line
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="registrations")
    user: Mapped[Any] = relationship("User")


class Attendance(db.Model):
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session_day.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(300), default="")
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[SessionDay] = relationship()


class Rubric(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="rubric", order_by="Criterion.position", cascade="all, delete-orphan"
    )


class Criterion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")
    levels: Mapped[list[Level]] = relationship(
        back_populates="criterion", order_by="Level.points", cascade="all, delete-orphan"
    )


class Level(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"), index=True)
    points: Mapped[float]
    title: Mapped[str] = mapped_column(String(120))
    descriptor: Mapped[str] = mapped_column(Text, default="")

    criterion: Mapped[Criterion] = relationship(back_populates="levels")


class Assessment(db.Model):
    """A trainer-scored exercise of a workshop (e.g. a case study), marked on a rubric."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"))
    title: Mapped[str] = mapped_column(String(200))
    pass_points: Mapped[float]
    second_scorer: Mapped[bool] = mapped_column(default=False)

    workshop: Mapped[Workshop] = relationship()
    rubric: Mapped[Rubric] = relationship()


class AssessmentScore(db.Model):
    """One scorer's marking of one trainee on one assessment: a level per criterion, a comment."""

    __table_args__ = (UniqueConstraint("assessment_id", "trainee_id", "scorer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    scorer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    levels: Mapped[dict[str, Any]] = mapped_column(db.JSON, default=dict)  # criterion id -> level id
    comment: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[float | None]
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    assessment: Mapped[Assessment] = relationship()
