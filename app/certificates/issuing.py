"""Issuing, revoking and reissuing certificates: each frozen, rendered once, stored, hashed and audited."""

from __future__ import annotations

import hashlib
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..accounts.models import User
from ..courses.models import Cohort
from ..database import utcnow
from ..extensions import db
from ..mail import Attachment, send_templated
from .codes import new_code
from .design import Design, load_design
from .files import pdf_filename
from .models import Certificate
from .pdf import CertificateData, render_certificate
from .records import CohortStanding, Standing, cohort_standing, local_date

DEFAULT_DESIGN = Path(__file__).resolve().parents[2] / "certificates" / "default.yaml"
REISSUED = "reissued"  # the revocation reason of a certificate replaced by a corrected one
CODE_TRIES = 5  # draws of a fresh code when one is taken
log = logging.getLogger(__name__)


@dataclass
class IssueOutcome:
    issued: list[Certificate] = field(default_factory=list)
    already: list[User] = field(default_factory=list)  # held a valid certificate (or got one meanwhile)
    not_eligible: list[User] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)  # ids that are not trainees of the cohort
    mail_failed: list[Certificate] = field(default_factory=list)  # issued, but the e-mail did not go


class AlreadyRevoked(Exception):
    """The certificate was revoked already (perhaps by a concurrent request): nothing was changed."""


def current_design() -> Design:
    """Return the configured design, re-read only when its file changes."""
    path = Path(current_app.config.get("CERTIFICATE_DESIGN") or DEFAULT_DESIGN)
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int) -> Design:
    return load_design(path)


def public_url(endpoint: str, **values) -> str:
    """Return BASE_URL plus the endpoint's path: usable in a request, in the CLI and in the demo alike."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def verify_url(code: str) -> str:
    """Return the public address that checks this code (the one the QR code holds)."""
    return public_url("certificates.verify_code", code=code)


def issue_certificates(
    cohort: Cohort,
    user_ids: list[int],
    actor: User,
    *,
    override_reason: str = "",
    now: datetime | None = None,
    send_mail: bool = True,
) -> IssueOutcome:
    """Issue to each named trainee who is eligible (or to anyone, with an override reason); commit each one.

    Each certificate commits on its own, so a trainee who got one meanwhile (a double-click, a second
    coordinator) is skipped without undoing the others; the partial unique index makes that certain.
    """
    now = now or utcnow()
    standing = cohort_standing(cohort, user_ids)
    outcome = IssueOutcome(unknown=sorted(set(user_ids) - {s.user.id for s in standing.trainees}))
    design = current_design()
    for trainee in standing.trainees:
        if trainee.certificate is not None:
            outcome.already.append(trainee.user)
        elif not trainee.eligibility.eligible and not override_reason:
            outcome.not_eligible.append(trainee.user)
        else:
            reason = "" if trainee.eligibility.eligible else override_reason
            certificate = _issue(standing, trainee, actor, reason, now, design)
            if certificate is None:
                outcome.already.append(trainee.user)
            else:
                outcome.issued.append(certificate)
    if send_mail:
        outcome.mail_failed = [c for c in outcome.issued if not send_certificate_mail(c)]
    return outcome


def _issue(
    standing: CohortStanding,
    trainee: Standing,
    actor: User,
    override_reason: str,
    now: datetime,
    design: Design,
) -> Certificate | None:
    """Create, render and commit one certificate; return None if the trainee got one meanwhile."""
    user = trainee.user
    issued_on = local_date(now)
    days = [day for day in (_local(trainee.post_test_submitted_at), trainee.last_workshop_day) if day]
    certificate = Certificate(
        user_id=user.id,
        cohort_id=standing.cohort.id,
        name=user.certificate_name.strip() or user.display_name,
        hours=round(standing.lesson_minutes / 60 + trainee.workshop_hours, 1),
        completed_on=max(days, default=issued_on),
        override_reason=override_reason,
    )
    _freeze(certificate, user, standing.cohort, design, issued_on, now, actor)
    certificate.issuer = design.issuer_in(certificate.language)  # a reissue keeps the issuer first certified
    if not _insert(certificate, design):
        db.session.rollback()
        return None
    audit.record(
        actor, "certificate.issued", certificate, after=_summary(certificate), reason=override_reason
    )
    db.session.commit()
    return certificate


def _freeze(
    certificate: Certificate,
    user: User,
    cohort: Cohort,
    design: Design,
    issued_on: date,
    now: datetime,
    actor,
) -> None:
    """Fill in the fields that follow the person and the moment: language, course title, issue date."""
    language = user.locale if user.locale in design.languages else "en"
    certificate.language = language
    certificate.course_title = cohort.course.title_in(language)
    certificate.issued_on = issued_on
    certificate.issued_at = now
    certificate.issued_by_id = actor.id


def _insert(certificate: Certificate, design: Design) -> bool:
    """Give the certificate a fresh code, render it and insert it; return False if the trainee holds one.

    An 80-bit code colliding is all but impossible, but the unique index would say so: then another
    code is drawn. The other refusal, the one-valid-certificate index, means someone else issued first.
    """
    for _ in range(CODE_TRIES):
        certificate.code = new_code()
        certificate.pdf = render_certificate(_data(certificate), design)
        certificate.sha256 = hashlib.sha256(certificate.pdf).hexdigest()
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            taken = db.session.execute(db.select(Certificate.id).filter_by(code=certificate.code)).first()
            if taken is None:
                return False
        else:
            return True
    raise RuntimeError("no unused certificate code found")


def _data(certificate: Certificate) -> CertificateData:
    return CertificateData(
        code=certificate.code,
        name=certificate.name,
        course_title=certificate.course_title,
        hours=certificate.hours,
        completed_on=certificate.completed_on,
        issued_on=certificate.issued_on,
        issuer=certificate.issuer,
        verify_url=verify_url(certificate.code),
        language=certificate.language,
    )


def revoke(certificate: Certificate, actor: User, reason: str, now: datetime | None = None) -> None:
    """Revoke a valid certificate and commit; raise AlreadyRevoked if it was revoked meanwhile."""
    _mark_revoked(certificate, actor, reason, now or utcnow())
    audit.record(actor, "certificate.revoked", certificate, before={"valid": True}, reason=reason)
    db.session.commit()


def reissue(certificate: Certificate, actor: User, note: str, now: datetime | None = None) -> Certificate:
    """Replace a valid certificate with a corrected one (the name and language as they are now).

    What the trainee achieved stays as first certified: hours, completion date, issuer and any override.
    """
    now = now or utcnow()
    user = db.session.get(User, certificate.user_id)
    _mark_revoked(certificate, actor, REISSUED, now)
    db.session.flush()  # the old one is revoked before the new one meets the one-valid-certificate index
    new = Certificate(
        user_id=user.id,
        cohort_id=certificate.cohort_id,
        name=user.certificate_name.strip() or user.display_name,
        hours=certificate.hours,
        completed_on=certificate.completed_on,
        issuer=certificate.issuer,
        override_reason=certificate.override_reason,
    )
    design = current_design()
    _freeze(new, user, db.session.get(Cohort, certificate.cohort_id), design, local_date(now), now, actor)
    if not _insert(new, design):  # cannot happen after the revocation above; never two valid ones
        db.session.rollback()
        raise AlreadyRevoked
    certificate.replaced_by_id = new.id
    audit.record(
        actor,
        "certificate.reissued",
        certificate,
        before={"valid": True, "name": certificate.name},
        after={"replaced_by_id": new.id, "code": new.code, "name": new.name},
        reason=note,
    )
    audit.record(actor, "certificate.issued", new, after=_summary(new), reason=note)
    db.session.commit()
    return new


def _mark_revoked(certificate: Certificate, actor: User, reason: str, now: datetime) -> None:
    # A conditional update: of two concurrent revocations (or reissues) only one finds it still valid.
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id, revocation_reason=reason)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        raise AlreadyRevoked


def send_certificate_mail(certificate: Certificate) -> bool:
    """E-mail the certificate to its holder, in their language, the PDF attached; return whether it went."""
    user = db.session.get(User, certificate.user_id)
    try:
        send_templated(
            user,
            "certificates/email/issued.txt",
            _l("Your certificate from Protection Academy"),
            attachments=[Attachment(pdf_filename(certificate), certificate.pdf, "application/pdf")],
            certificate=certificate,
            verify_url=verify_url(certificate.code),
            link=public_url("certificates.mine"),
        )
    except (smtplib.SMTPException, OSError):  # the certificate stands; the trainee can still download it
        log.exception("could not e-mail certificate %s", certificate.code)
        return False
    return True


def _local(moment: datetime | None) -> date | None:
    return local_date(moment) if moment else None


def _summary(certificate: Certificate) -> dict:
    return {
        "code": certificate.code,
        "user_id": certificate.user_id,
        "cohort_id": certificate.cohort_id,
        "name": certificate.name,
        "hours": certificate.hours,
        "completed_on": certificate.completed_on.isoformat(),
        "language": certificate.language,
        "sha256": certificate.sha256,
        "override": bool(certificate.override_reason),
    }
