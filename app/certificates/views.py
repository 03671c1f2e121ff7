"""Completion rules, eligibility, issuing, revocation, reissue; my certificates; public verification."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func

from .. import audit
from ..access import MANAGERS, ROLES, STAFF, allow, public, require_self_or_staff
from ..accounts.models import User
from ..courses.cohort_views import cohort_or_404, visible_cohorts
from ..courses.models import Cohort, Course, Membership
from ..exports import download
from ..extensions import db, limiter
from ..quizzes.results import course_quizzes
from .codes import normalise_code
from .files import pdf_filename, zip_bytes
from .forms import IssueForm, OverrideForm, ReissueForm, RevokeForm, RuleForm
from .issuing import AlreadyRevoked, IssueOutcome, issue_certificates, reissue, revoke, send_certificate_mail
from .models import Certificate
from .reasons import CONDITION_LABELS, number, reason
from .records import cohort_standing, cohort_trainees, rule_setting
from .register import HEADER, cohort_certificates, register_rows

bp = Blueprint(
    "certificates",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/certificates/static",
)
bp.add_app_template_global(number, "short_number")  # 75, 82.5 or 82,5: in templates and e-mails alike
VERIFY_LIMIT = "30 per minute"
RULE_FIELDS = (
    "require_modules",
    "require_post_test",
    "require_attendance",
    "min_attendance_percent",
    "excused_counts_as_present",
    "require_assessment",
)


@bp.route("/certificates/")
@allow(*STAFF)
def index():
    cohorts = visible_cohorts()
    issued = dict(
        db.session.execute(
            db.select(Certificate.cohort_id, func.count())
            .where(Certificate.revoked_at.is_(None))
            .group_by(Certificate.cohort_id)
        ).all()
    )
    trainees = dict(
        db.session.execute(
            db.select(Membership.cohort_id, func.count())
            .where(Membership.role == "trainee")
            .group_by(Membership.cohort_id)
        ).all()
    )
    return render_template("certificates/index.html", cohorts=cohorts, issued=issued, trainees=trainees)


@bp.route("/certificates/courses/<int:course_id>/rule", methods=["GET", "POST"])
@allow(*MANAGERS)
def edit_rule(course_id: int):
    course = db.get_or_404(Course, course_id)
    setting = rule_setting(course.id)
    form = RuleForm(obj=setting)
    if form.validate_on_submit():
        before = {name: getattr(setting, name) for name in RULE_FIELDS}
        after = {name: getattr(form, name).data for name in RULE_FIELDS}
        for name, value in after.items():
            setattr(setting, name, value)
        audit.record(current_user, "completion_rule.updated", setting, before=before, after=after)
        db.session.commit()
        flash(_("The completion rule is saved."), "success")
        return redirect(url_for(".edit_rule", course_id=course.id))
    cohorts = db.session.execute(
        db.select(Cohort).filter_by(course_id=course.id).order_by(Cohort.name)
    ).scalars()
    return render_template(
        "certificates/rule.html",
        course=course,
        form=form,
        post_test=course_quizzes(course.id).get("post"),
        cohorts=list(cohorts),
    ), (400 if form.errors else 200)


@bp.route("/certificates/cohorts/<int:cohort_id>")
@allow(*STAFF)
def cohort(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    standing = cohort_standing(cohort)
    show = "ready" if request.args.get("show") == "ready" else "all"
    rows = [s for s in standing.trainees if show == "all" or s.ready]
    ready = [s.user.id for s in standing.trainees if s.ready]
    return render_template(
        "certificates/cohort.html",
        cohort=cohort,
        standing=standing,
        rows=rows,
        show=show,
        ready=ready,
        form=IssueForm(ready),
        labels=CONDITION_LABELS,
        reason=reason,
        manager=current_user.role in MANAGERS,
    )


@bp.route("/certificates/cohorts/<int:cohort_id>/issue", methods=["POST"])
@allow(*MANAGERS)
def issue(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    members = [user.id for user in cohort_trainees(cohort.id)]
    form = IssueForm(members)
    back = redirect(url_for(".cohort", cohort_id=cohort.id))
    if not form.validate_on_submit():
        flash(_("Choose trainees from the list."), "danger")
        return back
    chosen = members if form.all_ready.data else form.trainees.data
    if not chosen:
        flash(_("Tick at least one trainee."), "warning")
        return back
    outcome = issue_certificates(cohort, chosen, current_user)
    for message, category in _report(outcome, bulk=bool(form.all_ready.data)):
        flash(message, category)
    return back


def _report(outcome: IssueOutcome, bulk: bool) -> list[tuple[str, str]]:
    """Return the flash messages that say what an issue did, and what it left out.

    "Issue to every eligible trainee" leaves out holders and the not eligible by design: no need to say so.
    """
    messages = []
    if outcome.issued:
        count = len(outcome.issued)
        messages.append(
            (ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", count), "success")
        )
    if outcome.already and not bulk:
        text = ngettext(
            "%(num)d trainee already holds a certificate.",
            "%(num)d trainees already hold a certificate.",
            len(outcome.already),
        )
        messages.append((text, "info"))
    if outcome.not_eligible and not bulk:
        text = ngettext(
            "%(num)d trainee is not eligible: use an override to issue anyway.",
            "%(num)d trainees are not eligible: use an override to issue anyway.",
            len(outcome.not_eligible),
        )
        messages.append((text, "warning"))
    if outcome.mail_failed:
        text = _("Some e-mails could not be sent; the certificates are issued and can be downloaded.")
        messages.append((text, "warning"))
    return messages or [(_("No certificate was issued."), "info")]


@bp.route("/certificates/cohorts/<int:cohort_id>/trainees/<int:user_id>/override", methods=["GET", "POST"])
@allow(*MANAGERS)
def override(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    trainee = cohort_standing(cohort, [user_id]).of(user_id)
    if trainee is None:
        abort(404)
    if trainee.certificate is not None:
        flash(_("%(name)s already holds a valid certificate.", name=trainee.user.display_name), "info")
        return redirect(url_for(".certificate", certificate_id=trainee.certificate.id))
    form = OverrideForm()
    if form.validate_on_submit():
        outcome = issue_certificates(cohort, [user_id], current_user, override_reason=form.reason.data)
        if outcome.issued:
            flash(_("Certificate issued with an override."), "success")
            return redirect(url_for(".certificate", certificate_id=outcome.issued[0].id))
        flash(_("%(name)s already holds a valid certificate.", name=trainee.user.display_name), "info")
        return redirect(url_for(".cohort", cohort_id=cohort.id))
    return render_template(
        "certificates/override.html",
        cohort=cohort,
        trainee=trainee,
        form=form,
        labels=CONDITION_LABELS,
        reason=reason,
    ), (400 if form.errors else 200)


@bp.route("/certificates/cohorts/<int:cohort_id>/certificates.zip")
@allow(*MANAGERS)
def cohort_zip(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    valid = [c for c in cohort_certificates(cohort.id, with_pdfs=True) if c.is_valid]
    return Response(
        zip_bytes(valid),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort.id}-certificates.zip"'},
    )


@bp.route("/certificates/cohorts/<int:cohort_id>/register.<fmt>")
@allow(*MANAGERS)
def register(cohort_id: int, fmt: str):
    cohort = cohort_or_404(cohort_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    return download(
        f"cohort-{cohort.id}-certificates", fmt, HEADER, register_rows(cohort_certificates(cohort.id))
    )


@bp.route("/certificates/<int:certificate_id>")
@allow(*MANAGERS)
def certificate(certificate_id: int):
    return _certificate_page(db.get_or_404(Certificate, certificate_id))


def _certificate_page(certificate: Certificate, revoke_form=None, reissue_form=None, status: int = 200):
    holder = db.session.get(User, certificate.user_id)
    replaces = db.session.execute(
        db.select(Certificate).filter_by(replaced_by_id=certificate.id)
    ).scalar_one_or_none()
    replaced_by = certificate.replaced_by_id and db.session.get(Certificate, certificate.replaced_by_id)
    return render_template(
        "certificates/certificate.html",
        certificate=certificate,
        cohort=db.session.get(Cohort, certificate.cohort_id),
        holder=holder,
        replaces=replaces,
        replaced_by=replaced_by,
        revoke_form=revoke_form or RevokeForm(prefix="revoke"),
        reissue_form=reissue_form or ReissueForm(prefix="reissue"),
    ), status


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@allow(*MANAGERS)
def revoke_certificate(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _certificate_page(certificate, revoke_form=form, status=400)
    try:
        revoke(certificate, current_user, form.reason.data)
    except AlreadyRevoked:
        flash(_("This certificate was already revoked."), "info")
    else:
        flash(_("The certificate is revoked; the verification page now says so."), "success")
    return redirect(url_for(".certificate", certificate_id=certificate_id))


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@allow(*MANAGERS)
def reissue_certificate(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReissueForm(prefix="reissue")
    if not form.validate_on_submit():
        return _certificate_page(certificate, reissue_form=form, status=400)
    try:
        new = reissue(certificate, current_user, form.reason.data)
    except AlreadyRevoked:
        flash(_("This certificate was already revoked or replaced."), "info")
        return redirect(url_for(".certificate", certificate_id=certificate_id))
    if not send_certificate_mail(new):
        flash(
            _("Some e-mails could not be sent; the certificates are issued and can be downloaded."), "warning"
        )
    flash(_("A corrected certificate is issued and the old one revoked."), "success")
    return redirect(url_for(".certificate", certificate_id=new.id))


@bp.route("/certificates/<int:certificate_id>/download")
@allow(*ROLES)
def download_pdf(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    # Managers download any certificate; a trainee only their own valid ones; trainers none.
    require_self_or_staff(certificate.user_id, MANAGERS)
    if current_user.role not in MANAGERS and not certificate.is_valid:
        abort(404)
    return Response(
        certificate.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{pdf_filename(certificate)}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/certificates/mine")
@allow("trainee")
def mine():
    statement = (
        db.select(Certificate)
        .where(Certificate.user_id == current_user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return render_template(
        "certificates/mine.html", certificates=db.session.execute(statement).scalars().all()
    )


@bp.route("/verify")
@public
@limiter.limit(VERIFY_LIMIT)
def verify():
    typed = request.args.get("code")
    if typed is None:
        return _verify_page()
    code = normalise_code(typed)
    if code is None:
        if typed.strip():
            error = _(
                "That is not a certificate code. A code has 16 letters and digits, like K7QF-3M9T-XW2P-8RHD."
            )
        else:
            error = _("Enter the code printed on the certificate.")
        return _verify_page(typed=typed[:40], error=error, status=400)
    return redirect(url_for(".verify_code", code=code))


@bp.route("/verify/<code>")
@public
@limiter.limit(VERIFY_LIMIT)
def verify_code(code: str):
    canonical = normalise_code(code)
    if canonical is not None and canonical != code:
        return redirect(url_for(".verify_code", code=canonical))
    statement = db.select(Certificate).filter_by(code=canonical)
    found = db.session.execute(statement).scalar_one_or_none() if canonical else None
    if not found:
        return _verify_page(typed=code[:40], missing=True, status=404)
    return _verify_page(certificate=found)


def _verify_page(status: int = 200, **context):
    response = Response(render_template("certificates/verify.html", **context), status=status)
    response.headers["X-Robots-Tag"] = "noindex"  # a certificate holder's name is not for search engines
    response.headers["Cache-Control"] = "no-cache"  # a revocation shows at once
    return response
