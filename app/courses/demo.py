"""Demo data for the course: the first cohort, its trainers and a realistic spread of progress."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import current_app

from ..extensions import db
from .importer import import_content
from .models import Cohort, Course, Lesson, LessonProgress, Membership, Module

COHORT_NAME = "Centres for Social Work – cohort 2020"
STUDY_START = datetime(2020, 9, 14, 8, 0, tzinfo=UTC)


def build_cohort(trainees, trainers) -> Cohort:
    """Import the content if needed, then create (or refresh) the demo cohort with mixed progress."""
    import_content(Path(current_app.config["CONTENT_DIR"]))
    course = db.session.execute(db.select(Course)).scalars().first()
    cohort = db.session.execute(db.select(Cohort).filter_by(name=COHORT_NAME)).scalar_one_or_none()
    if cohort is None:
        cohort = Cohort(
            name=COHORT_NAME, course=course, starts_on=date(2020, 9, 14), ends_on=date(2020, 12, 18)
        )
        db.session.add(cohort)
    present = {m.user_id for m in cohort.memberships}
    for user, role in [*((t, "trainee") for t in trainees), *((t, "trainer") for t in trainers)]:
        if user.id not in present:
            cohort.memberships.append(Membership(user_id=user.id, role=role))
    db.session.flush()
    _spread_progress(course, trainees)
    return cohort


def _spread_progress(course: Course, trainees) -> None:
    """Give each trainee a plausible, repeatable amount of progress: most finished, some behind."""
    lessons = (
        db.session.execute(
            db.select(Lesson.id)
            .join(Module)
            .where(Module.course_id == course.id, Lesson.is_active)
            .order_by(Module.position, Lesson.position)
        )
        .scalars()
        .all()
    )
    rng = random.Random(2020)
    existing = {(p.user_id, p.lesson_id) for p in db.session.execute(db.select(LessonProgress)).scalars()}
    for index, user in enumerate(trainees):
        share = 1.0 if index < 20 else rng.choice((0.85, 0.6, 0.4, 0.15))
        done = round(len(lessons) * share)
        moment = STUDY_START + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 8))
        for position, lesson_id in enumerate(lessons[: done + 1]):
            moment += timedelta(minutes=rng.randint(20, 60 * 30))
            if (user.id, lesson_id) in existing:
                continue
            completed = moment + timedelta(minutes=12) if position < done else None
            db.session.add(
                LessonProgress(
                    user_id=user.id,
                    lesson_id=lesson_id,
                    first_viewed_at=moment,
                    last_viewed_at=completed or moment,
                    completed_at=completed,
                )
            )
