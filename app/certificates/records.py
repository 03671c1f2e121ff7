"""Where each trainee of a cohort stands against the completion rule, read in a fixed number of queries.

The counting is here; the judging is eligibility.check_eligibility, a pure function of what is counted.
Workshop attendance and assessment results come from the workshops feature (app/workshops/records.py),
which counts each trainee against the workshops they are enrolled in; the workshop hours and the last
workshop day of a certificate follow the same workshops, so a cohort split into two groups that meet on
different days gives each trainee their own group's hours and dates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..courses import queries
from ..courses.models import Cohort, Lesson, Membership, Module
from ..extensions import db
from ..quizzes.models import Attempt, Quiz
from ..quizzes.results import course_quizzes, submitted_attempts
from ..quizzes.scoring import combine_attempt_scores
from ..workshops import records as workshop_records
from ..workshops.models import Registration, SessionDay, Workshop
from .eligibility import CompletionRule, Eligibility, TraineeRecord, check_eligibility
from .models import Certificate, CompletionRuleSetting

SKOPJE = ZoneInfo("Europe/Skopje")
# Used only where a course has no post-test: the condition cannot be met then, whatever the mark.
DEFAULT_PASS_MARK = 70.0


@dataclass(frozen=True)
class Standing:
    """One trainee: what was counted, the verdict, and the valid certificate they hold (if any)."""

    user: User
    record: TraineeRecord
    eligibility: Eligibility
    certificate: Certificate | None
    post_test_submitted_at: datetime | None
    workshop_hours: float  # of the workshops the trainee is enrolled in
    last_workshop_day: date | None

    @property
    def ready(self) -> bool:
        """Eligible and not yet holding a valid certificate."""
        return self.eligibility.eligible and self.certificate is None


@dataclass(frozen=True)
class CohortStanding:
    cohort: Cohort
    setting: CompletionRuleSetting
    rule: CompletionRule
    post_test: Quiz | None
    trainees: list[Standing]
    lesson_minutes: int

    def of(self, user_id: int) -> Standing | None:
        return next((s for s in self.trainees if s.user.id == user_id), None)


def rule_setting(course_id: int) -> CompletionRuleSetting:
    """Return the course's completion rule, creating the default one on first use."""
    statement = db.select(CompletionRuleSetting).filter_by(course_id=course_id)
    setting = db.session.execute(statement).scalar_one_or_none()
    if setting is not None:
        return setting
    try:
        with db.session.begin_nested():
            setting = CompletionRuleSetting(
                course_id=course_id,
                require_modules=True,
                require_post_test=True,
                require_attendance=True,
                min_attendance_percent=100.0,
                excused_counts_as_present=False,
                require_assessment=True,
            )
            db.session.add(setting)
    except IntegrityError:  # another request created it first: use theirs
        setting = db.session.execute(statement).scalar_one()
    db.session.commit()
    return setting


def completion_rule(setting: CompletionRuleSetting, post_test: Quiz | None) -> CompletionRule:
    """Return the pure rule: the coordinator's switches plus the post-test's own pass mark."""
    return CompletionRule(
        require_modules=setting.require_modules,
        require_post_test=setting.require_post_test,
        post_test_pass_mark=post_test.pass_mark if post_test else DEFAULT_PASS_MARK,
        require_attendance=setting.require_attendance,
        min_attendance_percent=setting.min_attendance_percent,
        excused_counts_as_present=setting.excused_counts_as_present,
        require_assessment=setting.require_assessment,
    )


def cohort_trainees(cohort_id: int, user_ids: list[int] | None = None) -> list[User]:
    statement = (
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort_id, Membership.role == "trainee")
        .order_by(User.display_name, User.id)
    )
    if user_ids is not None:
        statement = statement.where(User.id.in_(user_ids))
    return list(db.session.execute(statement).scalars())


def cohort_standing(cohort: Cohort, user_ids: list[int] | None = None) -> CohortStanding:
    """Count and judge every trainee of the cohort (or only `user_ids`): the same queries for 3 or 3,000."""
    setting = rule_setting(cohort.course_id)
    post_test = course_quizzes(cohort.course_id).get("post")
    rule = completion_rule(setting, post_test)
    trainees = cohort_trainees(cohort.id, user_ids)
    ids = [user.id for user in trainees]
    module_lessons, lesson_minutes = _course_lessons(cohort.course_id)
    done = queries.cohort_progress(cohort)
    attempts = submitted_attempts([post_test.id], ids) if post_test else {}
    sessions = _workshop_days(cohort.id, ids)
    attendance = workshop_records.attendance_counts(cohort.id, ids) if ids else {}
    assessments = workshop_records.assessment_results(cohort.id, ids) if ids else {}
    certificates = valid_certificates(cohort.id)

    standings = []
    for user in trainees:
        completed = done.get(user.id, {})
        own = attempts.get((post_test.id, user.id), []) if post_test else []
        percent, submitted_at = _post_test(post_test, own)
        attended, excused, total = attendance.get(user.id, (0, 0, 0))
        record = TraineeRecord(
            modules_completed=sum(completed.get(m, 0) >= n for m, n in module_lessons.items()),
            modules_total=len(module_lessons),
            post_test_percent=percent,
            sessions_attended=attended,
            sessions_excused=excused,
            sessions_total=total,
            assessment_passed=assessments.get(user.id),
        )
        days = sessions.get(user.id, [])
        standings.append(
            Standing(
                user=user,
                record=record,
                eligibility=check_eligibility(rule, record),
                certificate=certificates.get(user.id),
                post_test_submitted_at=submitted_at,
                workshop_hours=sum((end - start).total_seconds() for start, end in days) / 3600,
                last_workshop_day=max((local_date(start) for start, _ in days), default=None),
            )
        )
    return CohortStanding(
        cohort=cohort,
        setting=setting,
        rule=rule,
        post_test=post_test,
        trainees=standings,
        lesson_minutes=lesson_minutes,
    )


def valid_certificates(cohort_id: int) -> dict[int, Certificate]:
    statement = db.select(Certificate).where(
        Certificate.cohort_id == cohort_id, Certificate.revoked_at.is_(None)
    )
    return {c.user_id: c for c in db.session.execute(statement).scalars()}


def local_date(moment: datetime) -> date:
    return moment.astimezone(SKOPJE).date()


def _course_lessons(course_id: int) -> tuple[dict[int, int], int]:
    """Return {module id: active lessons} for the active modules that have any, and the course's minutes."""
    statement = (
        db.select(Lesson.module_id, Lesson.minutes)
        .join(Module)
        .where(Module.course_id == course_id, Module.is_active, Lesson.is_active)
    )
    lessons: dict[int, int] = defaultdict(int)
    minutes = 0
    for module_id, lesson_minutes in db.session.execute(statement):
        lessons[module_id] += 1
        minutes += lesson_minutes
    return dict(lessons), minutes


def _workshop_days(cohort_id: int, user_ids: list[int]) -> dict[int, list[tuple[datetime, datetime]]]:
    """Return each trainee's session days: those of the live workshops they are enrolled in."""
    if not user_ids:
        return {}
    statement = (
        db.select(Registration.user_id, SessionDay.starts_at, SessionDay.ends_at)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .join(SessionDay, SessionDay.workshop_id == Workshop.id)
        .where(
            Workshop.cohort_id == cohort_id,
            Workshop.status != "cancelled",
            Registration.status == "enrolled",
            Registration.user_id.in_(user_ids),
        )
    )
    days: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for user_id, starts_at, ends_at in db.session.execute(statement):
        days[user_id].append((starts_at, ends_at))
    return days


def _post_test(quiz: Quiz | None, attempts: list[Attempt]) -> tuple[float | None, datetime | None]:
    """Return the post-test score and when the attempt that gave it was submitted."""
    scored = [a for a in attempts if a.percent is not None]
    if quiz is None or not scored:
        return None, None
    score = combine_attempt_scores(quiz.grading, [a.percent for a in scored])
    # As in the results pages: the attempt that gave the score, or the last one for an average.
    chosen = next((a for a in scored if a.percent == score), scored[-1])
    return min(max(score, 0.0), 100.0), chosen.submitted_at
