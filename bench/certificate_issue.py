"""Time a coordinator's bulk issue of a 28-trainee cohort, one request, beside rendering the 28 PDFs alone.

Run: .venv/bin/python -m bench.certificate_issue   (as a module, so `app` is the package with its factory)
The request covers everything issuing does: the eligibility read, 28 codes, 28 renders and hashes, 28
commits with their audit events, and (second figure) 28 e-mails with the PDF attached, sent to a local SMTP
server. The reference is the rendering alone, the part no implementation can skip.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from flask_login import FlaskLoginClient
from flask_migrate import upgrade

from app import create_app
from app.accounts.models import User
from app.certificates.issuing import current_design, verify_url
from app.certificates.models import Certificate, CompletionRuleSetting
from app.certificates.pdf import CertificateData, render_certificate
from app.courses.models import Cohort, Course, Membership
from app.extensions import db
from tests.conftest import PASSWORD_HASH, free_port

TRAINEES = 28
ROUNDS = 5


def build(app) -> tuple[int, int]:
    """Create a cohort of 28 trainees who all meet the (empty) rule; return (cohort id, coordinator id)."""
    with app.app_context():
        upgrade()
        course = Course(slug="bench", title="Protection and assistance for migrants vulnerable to violence")
        db.session.add(course)
        db.session.flush()
        db.session.add(
            CompletionRuleSetting(
                course_id=course.id,
                require_modules=False,
                require_post_test=False,
                require_attendance=False,
                min_attendance_percent=100,
                excused_counts_as_present=False,
                require_assessment=False,
            )
        )
        cohort = Cohort(name="Bench", course_id=course.id)
        coordinator = User(
            email="c@bench.example", display_name="C", certificate_name="C", role="coordinator",
            password_hash=PASSWORD_HASH,
        )  # fmt: skip
        db.session.add_all([cohort, coordinator])
        db.session.flush()
        for n in range(TRAINEES):
            user = User(
                email=f"t{n}@bench.example", display_name=f"Trainee {n}", certificate_name=f"Ѓорѓи Ќосев {n}",
                locale=("mk", "sq", "en")[n % 3], role="trainee", password_hash=PASSWORD_HASH,
            )  # fmt: skip
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(cohort_id=cohort.id, user_id=user.id, role="trainee"))
        db.session.commit()
        return cohort.id, coordinator.id


def issue_once(app, cohort_id: int, coordinator_id: int) -> float:
    with app.app_context():
        db.session.execute(db.delete(Certificate))
        db.session.commit()
        coordinator = db.session.get(User, coordinator_id)
    client = app.test_client(user=coordinator)
    started = time.perf_counter()
    response = client.post(f"/certificates/cohorts/{cohort_id}/issue", data={"all_ready": "y"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Certificate.id))).scalar_one() == TRAINEES
    return elapsed


def render_only(app) -> float:
    with app.app_context(), app.test_request_context():
        design = current_design()
        started = time.perf_counter()
        for n in range(TRAINEES):
            code = f"K7QF-3M9T-XW2P-{n:04d}"
            render_certificate(
                CertificateData(
                    code=code, name=f"Ѓорѓи Ќосев {n}", course_title="Protection and assistance", hours=34.5,
                    completed_on=date(2025, 3, 12), issued_on=date(2025, 3, 14), issuer=design.issuer,
                    verify_url=verify_url(code), language=("mk", "sq", "en")[n % 3],
                ),
                design,
            )  # fmt: skip
        return time.perf_counter() - started


def main() -> None:
    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    folder = Path(tempfile.mkdtemp(prefix="academy-bench-"))
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "SECRET_KEY": "bench",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "BASE_URL": "https://academy.example",
    }
    app = create_app(settings)
    app.test_client_class = FlaskLoginClient
    cohort_id, coordinator_id = build(app)
    render = statistics.median(render_only(app) for _ in range(ROUNDS))
    with_mail = statistics.median(issue_once(app, cohort_id, coordinator_id) for _ in range(ROUNDS))
    app.config["MAIL_SERVER"] = ""  # development: mail is printed instead; silence that for the figure
    with contextlib.redirect_stderr(io.StringIO()):
        without_mail = statistics.median(issue_once(app, cohort_id, coordinator_id) for _ in range(ROUNDS))
    smtp.stop()
    print(f"median of {ROUNDS} rounds, SQLite, {TRAINEES} trainees")
    for label, seconds in (
        (f"reference: render {TRAINEES} PDFs only", render),
        ("bulk issue request, no SMTP server", without_mail),
        ("bulk issue request, e-mails via local SMTP", with_mail),
    ):
        print(f"  {label:<44} {seconds * 1000:8.0f} ms   {seconds / render:4.1f}x the reference")


if __name__ == "__main__":
    main()
