"""Load the content folder into the database in one transaction, skipping what has not changed."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from ..database import utcnow
from ..extensions import db
from ..problems import Problem
from ..quizzes.defaults import ensure_default_quizzes
from ..quizzes.models import Question
from .loader import CourseSpec, ModuleSpec, load_course
from .models import Course, GlossaryTerm, Lesson, LessonText, Module
from .rendering import RENDERER_VERSION, render_markdown


class ContentError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the content")
        self.problems = problems


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def lines(self) -> list[str]:
        return [
            *(f"added    {name}" for name in self.added),
            *(f"changed  {name}" for name in self.changed),
            *(f"removed  {name}" for name in self.removed),
            f"unchanged: {self.unchanged}",
        ]


def import_content(root: Path) -> ImportReport:
    """Validate the folder and apply it; on any problem raise ContentError and write nothing."""
    spec, problems = load_course(root)
    if problems or spec is None:
        raise ContentError(problems)
    report = ImportReport()
    try:
        course = _upsert_course(spec, report)
        resolve = _link_resolver(spec)
        for module_spec in spec.modules:
            module = _upsert_module(course, module_spec, report)
            _sync_lessons(module, module_spec, resolve, report)
            _sync_questions(module, module_spec, report)
        _retire_modules(course, {m.slug for m in spec.modules}, report)
        _sync_glossary(course, spec)
        ensure_default_quizzes(course)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _upsert_course(spec: CourseSpec, report: ImportReport) -> Course:
    course = db.session.execute(db.select(Course).filter_by(slug=spec.slug)).scalar_one_or_none()
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
        report.added.append(f"course {spec.slug}")
    course.title, course.summary, course.translations = spec.title, spec.summary, spec.translations
    course.imported_at = utcnow()  # tells every worker that its cached outline is out of date (outline.py)
    db.session.flush()
    return course


def _upsert_module(course: Course, spec: ModuleSpec, report: ImportReport) -> Module:
    module = next((m for m in course.modules if m.slug == spec.slug), None)
    if module is None:
        module = Module(course=course, slug=spec.slug)
        db.session.add(module)
        report.added.append(f"module {spec.slug}")
    module.is_active = True
    module.position, module.folder, module.title, module.summary = (
        spec.position,
        spec.folder,
        spec.title,
        spec.summary,
    )
    module.objectives, module.handbook_parts, module.translations = (
        spec.objectives,
        spec.handbook_parts,
        spec.translations,
    )
    db.session.flush()
    return module


def _retire_modules(course: Course, kept: set[str], report: ImportReport) -> None:
    for module in course.modules:
        if module.is_active and module.slug not in kept:
            module.is_active = False
            report.removed.append(f"module {module.slug}")


def _sync_lessons(module: Module, spec: ModuleSpec, resolve: Callable, report: ImportReport) -> None:
    existing = {lesson.slug: lesson for lesson in module.lessons}
    for lesson_spec in spec.lessons:
        lesson = existing.pop(lesson_spec.slug, None)
        if lesson is None:
            lesson = Lesson(module=module, slug=lesson_spec.slug)
            db.session.add(lesson)
            report.added.append(f"lesson {spec.slug}/{lesson_spec.slug}")
        lesson.position, lesson.minutes, lesson.handbook = (
            lesson_spec.position,
            lesson_spec.minutes,
            lesson_spec.handbook,
        )
        lesson.is_active = True
        texts = {text.language: text for text in lesson.texts}
        for language, title in lesson_spec.titles.items():
            digest = _rendered_hash(lesson_spec.content_hash(language))
            text = texts.pop(language, None)
            if text is not None and text.content_hash == digest:
                report.unchanged += 1
                continue
            if text is None:
                text = LessonText(lesson=lesson, language=language)
                db.session.add(text)
            elif f"lesson {spec.slug}/{lesson_spec.slug}" not in report.added:
                report.changed.append(f"lesson {spec.slug}/{lesson_spec.slug} ({language})")
            rendered = render_markdown(lesson_spec.bodies[language], lambda target: resolve(spec, target))
            text.title, text.html, text.toc, text.text = title, rendered.html, rendered.toc, rendered.text
            text.handbook = lesson_spec.handbook_in(language)
            text.search_text = f"{title}\n{rendered.text}".casefold()
            text.content_hash = digest
        for gone in texts.values():  # a language variant was deleted
            db.session.delete(gone)
            report.removed.append(f"lesson {spec.slug}/{lesson_spec.slug} ({gone.language})")
    for lesson in existing.values():
        if lesson.is_active:
            lesson.is_active = False
            report.removed.append(f"lesson {spec.slug}/{lesson.slug}")


def _rendered_hash(source_hash: str) -> str:
    """Fingerprint a lesson text by its source and by the renderer that turns it into the stored HTML."""
    return hashlib.sha256(f"{RENDERER_VERSION}\x1f{source_hash}".encode()).hexdigest()


def _sync_questions(module: Module, spec: ModuleSpec, report: ImportReport) -> None:
    # Questions uploaded as GIFT live only in the database: content import neither updates nor retires them.
    questions = db.session.execute(db.select(Question).filter_by(module_id=module.id)).scalars().all()
    existing = {q.key: q for q in questions if q.origin == "content"}
    uploaded = {q.key for q in questions if q.origin != "content"}
    clashes = [q for q in spec.questions if q.key in uploaded]
    if clashes:
        raise ContentError(
            [
                Problem(
                    q.source.rsplit(":", 1)[0],
                    int(q.source.rsplit(":", 1)[1]),
                    f"the key '{q.key}' is already used by a question imported from GIFT",
                )
                for q in clashes
            ]
        )
    for question_spec in spec.questions:
        question = existing.pop(question_spec.key, None)
        digest = question_spec.content_hash()
        if question is not None and question.content_hash == digest and question.is_active:
            report.unchanged += 1
            continue
        if question is None:
            question = Question(module_id=module.id, key=question_spec.key)
            db.session.add(question)
            report.added.append(f"question {spec.slug}/{question_spec.key}")
        else:
            report.changed.append(f"question {spec.slug}/{question_spec.key}")
        for name in (
            "type",
            "prompt",
            "feedback",
            "points",
            "objective",
            "difficulty",
            "data",
            "translations",
            "source",
        ):
            setattr(question, name, getattr(question_spec, name))
        question.content_hash, question.is_active = digest, True
    for question in existing.values():
        if question.is_active:
            question.is_active = False
            report.removed.append(f"question {spec.slug}/{question.key}")


def _sync_glossary(course: Course, spec: CourseSpec) -> None:
    existing = {
        t.slug: t
        for t in db.session.execute(db.select(GlossaryTerm).filter_by(course_id=course.id)).scalars()
    }
    for position, entry in enumerate(spec.glossary):
        term = existing.pop(entry.slug, None) or GlossaryTerm(course_id=course.id, slug=entry.slug)
        term.position, term.entries = position, entry.entries
        db.session.add(term)
    for term in existing.values():
        db.session.delete(term)


def _link_resolver(spec: CourseSpec) -> Callable[[ModuleSpec, str], str | None]:
    """Map link targets as written in lessons to the platform's addresses."""
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT", "/")
    )
    lessons = {
        f"{m.folder}/{name}": (m.slug, lesson.slug)
        for m in spec.modules
        for lesson in m.lessons
        for name in lesson.source.values()
    }

    def resolve(module: ModuleSpec, target: str) -> str | None:
        if target.startswith("glossary:"):
            slug = target.removeprefix("glossary:")
            return adapter.build("courses.glossary", {"course_slug": spec.slug}) + f"#term-{slug}"
        if target.startswith("images/"):
            return adapter.build(
                "courses.image",
                {
                    "course_slug": spec.slug,
                    "module_slug": module.slug,
                    "filename": target.removeprefix("images/"),
                },
            )
        if target.startswith(("https://", "mailto:", "#")):
            return None
        path, _, anchor = target.partition("#")
        found = lessons.get(posixpath.normpath(posixpath.join(module.folder, path)))
        if found is None:
            return None
        url = adapter.build(
            "courses.lesson", {"course_slug": spec.slug, "module_slug": found[0], "lesson_slug": found[1]}
        )
        return f"{url}#{anchor}" if anchor else url

    return resolve
