"""`flask certificates issue`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from ..accounts.models import User
from ..courses.models import Cohort
from ..extensions import db
from .issuing import issue_certificates
from .reasons import CONDITION_LABELS, reason
from .records import cohort_standing

certificates_cli = AppGroup("certificates", help="Check eligibility and issue certificates.")


def _issuer(email: str | None) -> User:
    """Return the coordinator or admin the certificates are issued by (the earliest admin by default)."""
    statement = db.select(User).where(User.role.in_(("coordinator", "admin")), User.is_active)
    if email:
        user = db.session.execute(statement.filter_by(email=email.strip().lower())).scalar_one_or_none()
        if user is None:
            raise click.BadParameter(f"no active coordinator or admin '{email}'", param_hint="--by")
        return user
    user = db.session.execute(statement.filter_by(role="admin").order_by(User.id)).scalars().first()
    if user is None:
        raise click.UsageError("no active admin account: name the issuer with --by")
    return user


@certificates_cli.command("issue")
@click.option("--cohort", "cohort_id", type=int, required=True, help="Id of the cohort.")
@click.option("--all-eligible", is_flag=True, help="Issue to every eligible trainee without a certificate.")
@click.option("--by", "by_email", help="E-mail of the issuing coordinator or admin (default: first admin).")
def issue_command(cohort_id: int, all_eligible: bool, by_email: str | None) -> None:
    """List each trainee's eligibility; with --all-eligible, issue (and e-mail) their certificates."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.BadParameter(f"no cohort {cohort_id}", param_hint="--cohort")
    with force_locale("en"):
        standing = cohort_standing(cohort)
        for trainee in standing.trainees:
            if trainee.certificate:
                status = f"holds {trainee.certificate.code}"
            elif trainee.eligibility.eligible:
                status = "eligible"
            else:
                missing = trainee.eligibility.missing
                status = "missing " + "; ".join(f"{CONDITION_LABELS[c.name]}: {reason(c)}" for c in missing)
            click.echo(f"{trainee.user.email:<42} {status}")
    if not all_eligible:
        click.echo("Nothing issued (add --all-eligible to issue).")
        return
    ready = [trainee.user.id for trainee in standing.trainees if trainee.ready]
    outcome = issue_certificates(cohort, ready, _issuer(by_email))
    for certificate in outcome.issued:
        click.echo(f"issued {certificate.code} to {certificate.name}")
    click.echo(f"{len(outcome.issued)} certificate(s) issued; {len(outcome.mail_failed)} e-mail(s) failed.")
