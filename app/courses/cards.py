"""The summary of one trainee's place in a course: progress, where to continue, module by module."""

from __future__ import annotations

from dataclasses import dataclass

from ..quizzes.gating import pretest_status
from . import queries
from .models import Course, Module
from .outline import LessonRow, outline_of
from .progress import continue_lesson, modules_open, percent


@dataclass(frozen=True)
class ModuleCard:
    module: Module
    title: str
    lessons: int
    completed: int
    minutes: int
    first_lesson: LessonRow | None

    @property
    def percent(self) -> int:
        return percent(self.completed, self.lessons)


@dataclass(frozen=True)
class CourseCard:
    course: Course
    title: str
    summary: str
    modules: list[ModuleCard]
    lessons: int
    completed: int
    minutes: int
    resume: LessonRow | None
    started: bool
    is_open: bool
    has_pretest: bool
    pretest_submitted: bool

    @property
    def percent(self) -> int:
        return percent(self.completed, self.lessons)


def course_card(course: Course, user_id: int, language: str) -> CourseCard:
    """Build the course card for a user in five queries, whatever the size of the course."""
    rows = outline_of(course, language).rows
    progress = queries.progress_of(user_id, [row.id for row in rows])
    completed = {lesson_id for lesson_id, p in progress.items() if p.completed_at is not None}
    last_viewed = max(progress.values(), key=lambda p: p.last_viewed_at).lesson_id if progress else None
    resume_id = continue_lesson([row.id for row in rows], completed, last_viewed)
    modules = []
    for module in (m for m in course.modules if m.is_active):
        own = [row for row in rows if row.module_id == module.id]
        modules.append(
            ModuleCard(
                module,
                module.title_in(language),
                len(own),
                sum(r.id in completed for r in own),
                sum(r.minutes for r in own),
                own[0] if own else None,
            )
        )
    has_pretest, submitted = pretest_status(course.id, user_id)
    return CourseCard(
        course=course,
        title=course.title_in(language),
        summary=course.summary_in(language),
        modules=modules,
        lessons=len(rows),
        completed=len(completed & {r.id for r in rows}),
        minutes=sum(r.minutes for r in rows),
        resume=next((r for r in rows if r.id == resume_id), None),
        started=bool(progress),
        is_open=modules_open(course.modules_require_pretest, has_pretest, submitted),
        has_pretest=has_pretest,
        pretest_submitted=submitted,
    )
