"""Workshops: the list, the page, scheduling, registrations and the waitlist, calendars.

Attendance and assessments have their own view modules; all of them hang off one blueprint.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..access import MANAGERS, ROLES, allow, public
from ..accounts.models import User
from ..courses.models import Cohort, Membership
from ..database import utcnow
from ..extensions import db

# assessment_views, attendance_views and rubric_views add their routes to the blueprint when imported.
from . import assessment_views, attendance_views, notify, rubric_views, scheduling  # noqa: F401
from .blueprint import bp, refusal_message
from .feed import make_feed_token, read_feed_token
from .forms import SKOPJE, ActionForm, AssignForm, BulkAssignForm, WorkshopForm
from .models import Assessment, Registration, Workshop
from .registration import Refused, assign, cancel, offer_place, past_cutoff, sign_up, waitlist_state
from .visibility import is_staff_of, visible_workshops_statement, workshop_or_404

__all__ = ["bp"]


@bp.route("/workshops/")
@allow(*ROLES)
def index():
    statement = visible_workshops_statement(current_user).options(
        selectinload(Workshop.sessions), selectinload(Workshop.registrations), selectinload(Workshop.cohort)
    )
    workshops = list(db.session.execute(statement).scalars())
    mine = {
        r.workshop_id: r
        for r in db.session.execute(db.select(Registration).filter_by(user_id=current_user.id)).scalars()
    }
    feed = notify.public_url(
        "workshops.personal_feed", token=make_feed_token(current_app.config["SECRET_KEY"], current_user.id)
    )
    return render_template("workshops/index.html", workshops=workshops, mine=mine, feed_url=feed)


@bp.route("/workshops/<int:workshop_id>")
@allow(*ROLES)
def detail(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    now = utcnow()
    registrations = list(
        db.session.execute(
            db.select(Registration)
            .filter_by(workshop_id=workshop.id)
            .options(selectinload(Registration.user))
            .order_by(Registration.signed_up_at, Registration.id)
        ).scalars()
    )
    staff = is_staff_of(workshop, current_user)
    mine = next((r for r in registrations if r.user_id == current_user.id), None)
    free, offer = waitlist_state(workshop, registrations, now)
    candidates = _candidates(workshop, registrations) if current_user.role in MANAGERS else []
    assessments = list(db.session.execute(db.select(Assessment).filter_by(workshop_id=workshop.id)).scalars())
    return render_template(
        "workshops/detail.html",
        workshop=workshop,
        registrations=registrations if staff else [],
        enrolled=[r for r in registrations if r.status == "enrolled"],
        waiting=sorted((r for r in registrations if r.status == "waitlisted"), key=lambda r: r.position or 0),
        mine=mine,
        staff=staff,
        manager=current_user.role in MANAGERS,
        free=free,
        offer=offer,
        can_sign_up=_can_sign_up(workshop, mine, now),
        can_cancel=_can_cancel(workshop, mine, now),
        assessments=assessments,
        action_form=ActionForm(),
        assign_form=AssignForm(candidates, prefix="one"),
        bulk_form=BulkAssignForm(candidates, prefix="bulk"),
        now=now,
    )


def _can_sign_up(workshop: Workshop, mine: Registration | None, now) -> bool:
    if current_user.role != "trainee" or workshop.status != "published" or not workshop.self_signup:
        return False
    if mine is not None and mine.status != "cancelled":
        return False
    return workshop.first_session_at is None or now < workshop.first_session_at


def _can_cancel(workshop: Workshop, mine: Registration | None, now) -> bool:
    """A trainee leaves the waiting list at any time, and gives up a place until the cut-off."""
    if mine is None or mine.status == "cancelled" or workshop.status not in ("draft", "published"):
        return False
    return not (mine.status == "enrolled" and past_cutoff(workshop, now))


def _candidates(workshop: Workshop, registrations: list[Registration]) -> list[User]:
    """Return the cohort's trainees without a live registration, by name."""
    taken = {r.user_id for r in registrations if r.status != "cancelled"}
    statement = (
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == workshop.cohort_id, Membership.role == "trainee", User.is_active)
        .order_by(User.display_name, User.id)
    )
    return [user for user in db.session.execute(statement).scalars() if user.id not in taken]


def _form_choices():
    cohorts = db.session.execute(db.select(Cohort).order_by(Cohort.created_at.desc())).scalars().all()
    trainers = (
        db.session.execute(
            db.select(User).filter_by(role="trainer", is_active=True).order_by(User.display_name)
        )
        .scalars()
        .all()
    )
    return cohorts, trainers


@bp.route("/workshops/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def create():
    form = WorkshopForm(*_form_choices())
    return _save(form, None)


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@allow(*MANAGERS)
def edit(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    form = WorkshopForm(*_form_choices(), data=None if request.method == "POST" else _form_data(workshop))
    return _save(form, workshop)


def _form_data(workshop: Workshop) -> dict:
    return {
        **{name: getattr(workshop, name) for name in scheduling.FIELDS if name != "cohort_id"},
        "cohort": workshop.cohort_id,
        "trainers": sorted(workshop.trainer_ids),
        "sessions": [
            {
                "id": str(s.id),
                "day": s.starts_at.astimezone(SKOPJE).date(),
                "starts": s.starts_at.astimezone(SKOPJE).time(),
                "ends": s.ends_at.astimezone(SKOPJE).time(),
            }
            for s in workshop.sessions
        ],
    }


def _save(form: WorkshopForm, workshop: Workshop | None):
    """Validate, check conflicts (and ask for confirmation), save, tell the people concerned."""
    conflicts, slots, refused = [], {}, None
    if request.method == "POST" and form.add_day.data:
        form.sessions.append_entry()
        return _render_form(form, workshop, [], {}, None, 200)
    if form.validate_on_submit():
        data = form.to_input()
        conflicts, slots = scheduling.find_conflicts(data, workshop)
        blocking = [c for c in conflicts if c.kind == "ends_before_start"]
        if not blocking and (not conflicts or form.save_anyway.data):
            try:
                saved, notices = scheduling.save_workshop(workshop, data, current_user, utcnow())
            except Refused as error:
                db.session.rollback()
                refused = refusal_message(error.code)
            else:
                db.session.commit()
                _deliver(notices)
                flash(_("Workshop saved."), "success")
                return redirect(url_for("workshops.detail", workshop_id=saved.id))
    failed = bool(form.errors) or refused is not None
    return _render_form(form, workshop, conflicts, slots, refused, 400 if failed else 200)


def _render_form(form, workshop, conflicts, slots, refused, status):
    people = {}
    ids = {c.person_id for c in conflicts if c.person_id is not None}
    if ids:
        people = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()}
    return (
        render_template(
            "workshops/form.html",
            form=form,
            workshop=workshop,
            conflicts=conflicts,
            slots=slots,
            people=people,
            refused=refused,
        ),
        status,
    )


def _deliver(notices) -> None:
    failed = notify.deliver(notices)
    if failed:
        flash(
            ngettext("%(num)d e-mail could not be sent.", "%(num)d e-mails could not be sent.", failed),
            "warning",
        )


@bp.route("/workshops/<int:workshop_id>/signup", methods=["POST"])
@allow("trainee")
def signup(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    if ActionForm().validate_on_submit():
        try:
            registration, notices = sign_up(workshop.id, current_user, utcnow())
        except Refused as error:
            db.session.rollback()
            flash(refusal_message(error.code), "danger")
        else:
            db.session.commit()
            _deliver(notices)
            if registration.status == "enrolled":
                flash(_("You have a place at this workshop."), "success")
            else:
                flash(
                    _(
                        "The workshop is full: you are number %(n)d on the waiting list.",
                        n=registration.position,
                    ),
                    "info",
                )
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/cancel", methods=["POST"])
@allow("trainee")
def cancel_own(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    mine = db.session.execute(
        db.select(Registration).filter_by(workshop_id=workshop.id, user_id=current_user.id)
    ).scalar_one_or_none()
    if mine is None:
        abort(404)
    if ActionForm().validate_on_submit():
        _cancel(workshop, mine, self_service=True)
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/registrations/<int:registration_id>/cancel", methods=["POST"])
@allow(*MANAGERS)
def cancel_registration(registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    if ActionForm().validate_on_submit():
        _cancel(registration.workshop, registration, self_service=False)
    return redirect(url_for("workshops.detail", workshop_id=registration.workshop_id))


def _cancel(workshop: Workshop, registration: Registration, *, self_service: bool) -> None:
    try:
        notices = cancel(workshop.id, registration.id, utcnow(), current_user, self_service=self_service)
    except Refused as error:
        db.session.rollback()
        flash(refusal_message(error.code), "danger")
        return
    db.session.commit()
    _deliver(notices)
    flash(_("The registration is cancelled."), "success")


@bp.route("/workshops/registrations/<int:registration_id>/offer", methods=["POST"])
@allow(*MANAGERS)
def offer(registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    if ActionForm().validate_on_submit():
        try:
            notices = offer_place(registration.workshop_id, registration.id, utcnow(), current_user)
        except Refused as error:
            db.session.rollback()
            flash(refusal_message(error.code), "danger")
        else:
            db.session.commit()
            _deliver(notices)
            flash(_("The place is given to %(name)s.", name=registration.user.display_name), "success")
    return redirect(url_for("workshops.detail", workshop_id=registration.workshop_id))


@bp.route("/workshops/<int:workshop_id>/registrations", methods=["POST"])
@allow(*MANAGERS)
def assign_one(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    form = AssignForm(_candidates(workshop, list(workshop.registrations)), prefix="one")
    if not form.validate_on_submit():
        flash(_("Choose a trainee of the cohort from the list."), "danger")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return _assign(workshop, [form.trainee.data])


@bp.route("/workshops/<int:workshop_id>/registrations/bulk", methods=["POST"])
@allow(*MANAGERS)
def assign_bulk(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    candidates = _candidates(workshop, list(workshop.registrations))
    form = BulkAssignForm(candidates, prefix="bulk")
    if not form.validate_on_submit():
        flash(_("Tick trainees of the cohort from the list."), "danger")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    chosen = set(form.trainees.data or ())
    ids = [u.id for u in candidates if form.assign_all.data or u.id in chosen]  # sign-up order: by name
    return _assign(workshop, ids)


def _assign(workshop: Workshop, user_ids: list[int]):
    try:
        added, notices = assign(workshop.id, user_ids, utcnow(), current_user)
    except Refused as error:
        db.session.rollback()
        flash(refusal_message(error.code), "danger")
    else:
        db.session.commit()
        _deliver(notices)
        flash(ngettext("%(num)d trainee registered.", "%(num)d trainees registered.", added), "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/calendar.ics")
@allow(*ROLES)
def calendar(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    if not workshop.sessions:
        abort(404)
    return _ics(notify.workshop_calendar(workshop), f"workshop-{workshop.id}.ics")


@bp.route("/calendar/<token>.ics")
@public
def personal_feed(token: str):
    user_id = read_feed_token(current_app.config["SECRET_KEY"], token)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        abort(404)
    return _ics(notify.personal_calendar(user), "workshops.ics")


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, max-age=300",
        },
    )
