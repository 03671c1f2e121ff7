"""Search across a course's lessons in the reader's language, portable to SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import and_, or_

from ..extensions import db
from .models import Lesson, LessonText, Module

MAX_RESULTS = 30
SNIPPET_RADIUS = 90


@dataclass(frozen=True)
class SearchResult:
    module_slug: str
    module_title: str
    lesson_slug: str
    title: Markup
    snippet: Markup


def search_terms(query: str) -> list[str]:
    """Split a query into case-folded terms of two or more characters (at most eight)."""
    return [term for term in dict.fromkeys(query.casefold().split()) if len(term) >= 2][:8]


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape the text and wrap every occurrence of a term in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile(
        "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE
    )
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts += [escape(text[last : match.start()]), Markup("<mark>%s</mark>") % match.group(0)]
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def snippet(text: str, terms: list[str]) -> Markup:
    """Return the passage around the first term found, highlighted."""
    lowered = text.casefold()
    positions = [lowered.find(term) for term in terms if lowered.find(term) >= 0]
    start = max(0, min(positions, default=0) - SNIPPET_RADIUS)
    end = min(len(text), start + 2 * SNIPPET_RADIUS)
    passage = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    return highlight(passage, terms)


def search_lessons(course_id: int, query: str, language: str) -> list[SearchResult]:
    """Find lessons whose title and text contain every term, in the language or, lacking it, in English."""
    terms = search_terms(query)
    if not terms:
        return []
    translated = (db.select(LessonText.lesson_id).where(LessonText.language == language)).scalar_subquery()
    readable = or_(
        LessonText.language == language,
        and_(LessonText.language == "en", LessonText.lesson_id.not_in(translated)),
    )
    statement = (
        db.select(LessonText, Lesson.slug, Module.slug, Module.title, Module.translations)
        .join(Lesson, Lesson.id == LessonText.lesson_id)
        .join(Module)
        .where(
            Module.course_id == course_id,
            Module.is_active,
            Lesson.is_active,
            readable,
            *(LessonText.search_text.contains(term, autoescape=True) for term in terms),
        )
        .order_by(Module.position, Lesson.position)
        .limit(MAX_RESULTS)
    )
    results = []
    for text, lesson_slug, module_slug, module_title, translations in db.session.execute(statement):
        title = (translations.get(language) or {}).get("title") or module_title
        results.append(
            SearchResult(
                module_slug, title, lesson_slug, highlight(text.title, terms), snippet(text.text, terms)
            )
        )
    return results
