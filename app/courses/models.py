"""Courses, modules, lessons (with their rendered text per language), glossary, cohorts and progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db


def translated(default: str, translations: dict[str, dict[str, Any]], language: str, key: str) -> Any:
    """Return the text in the language when it has one, else the English source."""
    return (translations.get(language) or {}).get(key) or default


class Course(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Modules open only once the trainee has submitted the pre-test (when the course has one).
    modules_require_pretest: Mapped[bool] = mapped_column(default=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    def title_in(self, language: str) -> str:
        return translated(self.title, self.translations, language, "title")

    def summary_in(self, language: str) -> str:
        return translated(self.summary, self.translations, language, "summary")


class Module(db.Model):
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    handbook_parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    folder: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )

    def title_in(self, language: str) -> str:
        return translated(self.title, self.translations, language, "title")

    def summary_in(self, language: str) -> str:
        return translated(self.summary, self.translations, language, "summary")

    def objectives_in(self, language: str) -> list[str]:
        return translated(self.objectives, self.translations, language, "objectives")

    def handbook_parts_in(self, language: str) -> list[str]:
        return translated(self.handbook_parts, self.translations, language, "handbook_parts")


class Lesson(db.Model):
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    minutes: Mapped[int]
    handbook: Mapped[str] = mapped_column(String(200), default="")
    # A lesson removed from the content is kept inactive, so progress history survives.
    is_active: Mapped[bool] = mapped_column(default=True)

    module: Mapped[Module] = relationship(back_populates="lessons")
    texts: Mapped[list[LessonText]] = relationship(back_populates="lesson", cascade="all, delete-orphan")


class LessonText(db.Model):
    """A lesson in one language, rendered and sanitised at import time."""

    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(250))
    # The handbook part(s) the lesson draws on, in this language (the English reference when untranslated).
    handbook: Mapped[str] = mapped_column(String(250), default="", server_default="")
    html: Mapped[str] = mapped_column(Text)
    toc: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    # Case-folded title and text: portable case-insensitive search (SQLite's lower() is ASCII-only).
    search_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))

    lesson: Mapped[Lesson] = relationship(back_populates="texts")


class GlossaryTerm(db.Model):
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    entries: Mapped[dict[str, Any]] = mapped_column(JSON)  # language -> {term, definition}

    def entry_in(self, language: str) -> dict[str, str]:
        return self.entries.get(language) or self.entries["en"]


class Cohort(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    """A person's place in a cohort: as a trainee, or as one of its trainers."""

    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # "trainee" | "trainer"
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="memberships")
    user: Mapped[Any] = relationship("User")


class LessonProgress(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
