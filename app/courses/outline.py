"""A course's reading order, module titles and lesson texts, kept by each worker until the next import.

Lesson content changes only through `flask content import`, which stamps `Course.imported_at`. Every request
reads the course row anyway, so comparing that stamp tells a worker whether its copy is current: no shared
cache, no invalidation messages, and never a page older than the last import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from markupsafe import Markup

from ..extensions import db
from .models import Course, Lesson, LessonText, Module


@dataclass(frozen=True)
class LessonRow:
    id: int
    slug: str
    module_id: int
    module_slug: str
    position: int
    minutes: int
    title: str


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    slug: str
    title: str
    handbook_parts: tuple[str, ...]  # in the outline's language


@dataclass(frozen=True)
class LessonPage:
    """What the lesson page shows of a lesson text: rendered and sanitised at import."""

    title: str
    language: str
    html: Markup
    toc: tuple[tuple[Any, ...], ...]
    handbook: str  # the handbook reference in the text's language


@dataclass
class Outline:
    """Every active lesson of a course in reading order, titled in one language (or English)."""

    language: str
    rows: list[LessonRow]
    modules: dict[int, ModuleInfo]
    _kept: dict[Any, Any] = field(default_factory=dict, repr=False)

    def lesson(self, module_slug: str, lesson_slug: str) -> LessonRow | None:
        return next((r for r in self.rows if r.module_slug == module_slug and r.slug == lesson_slug), None)

    def of_module(self, module_id: int) -> list[LessonRow]:
        return [row for row in self.rows if row.module_id == module_id]

    def page(self, lesson_id: int) -> LessonPage:
        """The lesson's text in the outline's language, or English when it has no translation yet."""
        return self.remember(("page", lesson_id), lambda: _load_page(lesson_id, self.language))

    def remember(self, key: Any, make: Callable[[], Any]) -> Any:
        """Keep what `make` derives from this content (a text, a rendered fragment) until the next import."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]


def outline_of(course: Course, language: str) -> Outline:
    """Return the course outline, loading it again only when the content was imported since."""
    cache: dict[tuple[int, str], tuple[datetime, Outline]] = current_app.extensions.setdefault(
        "course_outlines", {}
    )
    stamp, outline = cache.get((course.id, language), (None, None))
    if outline is None or stamp != course.imported_at:
        outline = _load_outline(course.id, language)
        cache[course.id, language] = (course.imported_at, outline)
    return outline


def _load_outline(course_id: int, language: str) -> Outline:
    statement = (
        db.select(
            Lesson.id,
            Lesson.slug,
            Lesson.module_id,
            Module.slug,
            Lesson.position,
            Lesson.minutes,
            LessonText.title,
            LessonText.language,
        )
        .join(Module)
        .join(LessonText)
        .where(
            Module.course_id == course_id,
            Module.is_active,
            Lesson.is_active,
            LessonText.language.in_({language, "en"}),
        )
        .order_by(Module.position, Lesson.position)
    )
    rows: dict[int, LessonRow] = {}
    for *fields, text_language in db.session.execute(statement):
        if fields[0] not in rows or text_language == language:
            rows[fields[0]] = LessonRow(*fields)
    modules = db.session.execute(
        db.select(Module).where(Module.course_id == course_id, Module.is_active).order_by(Module.position)
    ).scalars()
    return Outline(
        language=language,
        rows=list(rows.values()),
        modules={
            m.id: ModuleInfo(m.id, m.slug, m.title_in(language), tuple(m.handbook_parts_in(language)))
            for m in modules
        },
    )


def _load_page(lesson_id: int, language: str) -> LessonPage:
    statement = db.select(
        LessonText.title, LessonText.language, LessonText.html, LessonText.toc, LessonText.handbook
    ).where(LessonText.lesson_id == lesson_id, LessonText.language.in_({language, "en"}))
    texts = {row.language: row for row in db.session.execute(statement)}
    text = texts.get(language) or texts["en"]
    # The HTML was sanitised with nh3 when it was imported (rendering.render_markdown).
    return LessonPage(
        text.title,
        text.language,
        Markup(text.html),
        tuple(tuple(entry) for entry in text.toc),
        text.handbook,
    )
