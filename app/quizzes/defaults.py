"""The quizzes a course starts with: a pre-test, a post-test on the same blueprint, practice per module."""

from __future__ import annotations

import secrets

from ..courses.models import Course
from ..extensions import db
from .models import Quiz

QUESTIONS_PER_MODULE = 2  # 9 modules -> an 18-question pre-test and post-test
PRACTICE_QUESTIONS = 5


def ensure_default_quizzes(course: Course) -> None:
    """Create the default quizzes the first time a course is imported; later, coordinators own them."""
    if db.session.execute(db.select(Quiz.id).filter_by(course_id=course.id).limit(1)).first():
        return
    seed = secrets.randbits(31)  # shared: the post-test asks the pre-test's questions
    db.session.add_all(
        [
            Quiz(
                course_id=course.id,
                kind="pre",
                draw_seed=seed,
                questions_per_module=QUESTIONS_PER_MODULE,
                time_limit_minutes=30,
                attempts_allowed=1,
                grading="first",
                review_after_submit="score",
                review_after_close="score",
            ),
            Quiz(
                course_id=course.id,
                kind="post",
                draw_seed=seed,
                questions_per_module=QUESTIONS_PER_MODULE,
                time_limit_minutes=30,
                attempts_allowed=2,
                grading="highest",
                review_after_submit="feedback",
                review_after_close="feedback",
            ),
            *(
                Quiz(
                    course_id=course.id,
                    module=module,
                    kind="practice",
                    questions_per_module=PRACTICE_QUESTIONS,
                    attempts_allowed=None,
                    grading="highest",
                    review_after_submit="feedback",
                    review_after_close="feedback",
                )
                for module in course.modules
                if module.is_active
            ),
        ]
    )
