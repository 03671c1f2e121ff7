"""Demo certificates: issued to every trainee of the demo cohort who met the completion rule."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ..courses.models import Cohort
from ..database import utcnow
from ..extensions import db
from ..workshops.models import Workshop
from .issuing import IssueOutcome, issue_certificates
from .records import SKOPJE, cohort_standing, local_date, rule_setting


def build_certificates(cohort: Cohort, coordinator) -> IssueOutcome:
    """Issue the cohort's certificates as its coordinator would have, the day after the last of its work.

    The workshops demo is built separately; without any workshop its conditions could never be met, so
    they are switched off here and the demo still shows certificates (and what the others miss).
    """
    has_workshops = db.session.execute(
        db.select(Workshop.id).where(Workshop.cohort_id == cohort.id, Workshop.status != "cancelled").limit(1)
    ).first()
    if not has_workshops:
        setting = rule_setting(cohort.course_id)
        setting.require_attendance = setting.require_assessment = False
        db.session.commit()
    standing = cohort_standing(cohort)
    days = [cohort.ends_on, *(s.last_workshop_day for s in standing.trainees)]
    days += [local_date(s.post_test_submitted_at) for s in standing.trainees if s.post_test_submitted_at]
    known = [day for day in days if day]
    moment = utcnow()
    if known:
        moment = min(moment, datetime.combine(max(known) + timedelta(days=1), time(10), SKOPJE))
    ready = [trainee.user.id for trainee in standing.trainees if trainee.ready]
    # No e-mail: in development mail is printed to the console, and 28 PDFs would bury the logins.
    return issue_certificates(cohort, ready, coordinator, now=moment, send_mail=False)
