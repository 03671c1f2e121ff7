"""Cohorts: creating them, adding trainees (one by one or from a roster file), trainers and progress."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import audit
from ..access import MANAGERS, STAFF, allow
from ..accounts.models import User
from ..accounts.views import send_invitation
from ..extensions import db
from ..i18n import current_language
from . import queries
from .forms import AddMemberForm, CohortForm, RosterForm
from .models import Cohort, Course, Membership
from .outline import outline_of
from .roster import read_roster

bp = Blueprint("cohorts", __name__, template_folder="templates", url_prefix="/cohorts")


def visible_cohorts():
    """Coordinators and admins see every cohort; a trainer sees the cohorts they teach."""
    statement = db.select(Cohort).order_by(Cohort.created_at.desc())
    if current_user.role == "trainer":
        statement = statement.join(Membership).where(
            Membership.user_id == current_user.id, Membership.role == "trainer"
        )
    return db.session.execute(statement).scalars().all()


def cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if current_user.role == "trainer" and not any(
        m.user_id == current_user.id and m.role == "trainer" for m in cohort.memberships
    ):
        abort(404)
    return cohort


@bp.route("/")
@allow(*STAFF)
def index():
    return render_template("courses/cohorts.html", cohorts=visible_cohorts())


@bp.route("/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def create():
    courses = db.session.execute(db.select(Course).order_by(Course.title)).scalars().all()
    form = CohortForm(courses)
    if form.validate_on_submit():
        cohort = Cohort(
            name=form.name.data,
            course_id=form.course.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
        )
        db.session.add(cohort)
        db.session.flush()
        audit.record(current_user, "cohort.created", cohort, after={"name": cohort.name})
        db.session.commit()
        flash(_("Cohort created."), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("courses/cohort_form.html", form=form)


@bp.route("/<int:cohort_id>")
@allow(*STAFF)
def detail(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    members = {role: queries.members_of(cohort.id, role) for role in ("trainee", "trainer")}
    return render_template(
        "courses/cohort.html",
        cohort=cohort,
        members=members,
        roster_form=RosterForm(),
        trainee_form=AddMemberForm(_candidates(cohort, "trainee"), prefix="trainee"),
        trainer_form=AddMemberForm(_candidates(cohort, "trainer"), prefix="trainer"),
    )


def _candidates(cohort: Cohort, role: str) -> list[User]:
    taken = {m.user_id for m in cohort.memberships}
    statement = db.select(User).filter_by(role=role, is_active=True).order_by(User.display_name)
    return [user for user in db.session.execute(statement).scalars() if user.id not in taken]


@bp.route("/<int:cohort_id>/members/<role>", methods=["POST"])
@allow(*MANAGERS)
def add_member(cohort_id: int, role: str):
    cohort = cohort_or_404(cohort_id)
    if role not in ("trainee", "trainer"):
        abort(404)
    form = AddMemberForm(_candidates(cohort, role), prefix=role)
    if form.validate_on_submit():
        user = db.session.get(User, form.user.data)
        cohort.memberships.append(Membership(user_id=user.id, role=role))
        audit.record(current_user, f"cohort.{role}_added", cohort, after={"user_id": user.id})
        db.session.commit()
        flash(_("%(name)s added to the cohort.", name=user.display_name), "success")
    else:
        flash(_("Choose a person from the list."), "danger")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/members/<int:user_id>/remove", methods=["POST"])
@allow(*MANAGERS)
def remove_member(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    membership = next((m for m in cohort.memberships if m.user_id == user_id), None)
    if membership is None:
        abort(404)
    # Progress belongs to the person, not the membership: removing someone keeps their history.
    audit.record(
        current_user, "cohort.member_removed", cohort, before={"user_id": user_id, "role": membership.role}
    )
    db.session.delete(membership)
    db.session.commit()
    flash(_("Removed from the cohort; their progress is kept."), "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/roster", methods=["POST"])
@allow(*MANAGERS)
def import_roster(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = RosterForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(error, "danger")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    upload = form.file.data
    rows, problems = read_roster(upload.filename or "roster.csv", upload.read())
    if problems:
        return render_template("courses/roster_problems.html", cohort=cohort, problems=problems), 400
    created, added = _apply_roster(cohort, rows)
    db.session.commit()
    if form.send_invitations.data:
        for user in created:
            send_invitation(user, current_user)
    flash(
        ngettext(
            "Roster imported: %(num)d person added to the cohort; new accounts: %(created)d.",
            "Roster imported: %(num)d people added to the cohort; new accounts: %(created)d.",
            added,
            created=len(created),
        ),
        "success",
    )
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


def _apply_roster(cohort: Cohort, rows) -> tuple[list[User], int]:
    emails = [row.email for row in rows]
    existing = {
        u.email: u for u in db.session.execute(db.select(User).where(User.email.in_(emails))).scalars()
    }
    members = {m.user_id for m in cohort.memberships}
    created, added = [], 0
    for row in rows:
        user = existing.get(row.email)
        if user is None:
            user = User(
                email=row.email,
                display_name=row.name,
                certificate_name=row.certificate_name,
                organisation=row.organisation,
                locale=row.language,
                gender=row.gender,
                role="trainee",
                invited_by_id=current_user.id,
            )
            db.session.add(user)
            db.session.flush()
            created.append(user)
        if user.id not in members:
            cohort.memberships.append(Membership(user_id=user.id, role="trainee"))
            members.add(user.id)
            added += 1
    audit.record(
        current_user,
        "cohort.roster_imported",
        cohort,
        after={"rows": len(rows), "added": added, "created": len(created)},
    )
    return created, added


@bp.route("/<int:cohort_id>/progress")
@allow(*STAFF)
def progress(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    language = current_language()
    rows = outline_of(cohort.course, language).rows
    modules = [m for m in cohort.course.modules if m.is_active]
    totals = {m.id: sum(1 for r in rows if r.module_id == m.id) for m in modules}
    table = queries.cohort_progress(cohort)
    trainees = queries.members_of(cohort.id, "trainee")
    return render_template(
        "courses/progress.html",
        cohort=cohort,
        modules=modules,
        totals=totals,
        table=table,
        trainees=trainees,
        language=language,
        lesson_total=len(rows),
    )
