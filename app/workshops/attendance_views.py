"""Attendance: marking a session day, the overview with rates, closing the workshop, sign-in sheets."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import MANAGERS, STAFF, allow
from ..database import utcnow
from ..extensions import db
from ..i18n import current_language
from . import reopening, roll
from .blueprint import bp
from .forms import SKOPJE, ActionForm, ReopenForm, attendance_form
from .models import SessionDay, Workshop
from .registration import lock_workshop
from .signin_sheet import SheetLabels, SheetRow, SignInSheet, render_signin_sheet
from .visibility import is_staff_of, staff_workshop_or_404

OPENS_MINUTES_BEFORE = 60  # attendance.marking_window_open's default


def session_or_404(session_id: int) -> SessionDay:
    session = db.get_or_404(SessionDay, session_id)
    if not is_staff_of(session.workshop, current_user):
        abort(404)
    return session


def day_number(session: SessionDay) -> int:
    return session.workshop.sessions.index(session) + 1


@bp.route("/workshops/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@allow(*STAFF)
def mark_attendance(session_id: int):
    session = session_or_404(session_id)
    workshop = session.workshop
    state = roll.window(workshop, session, utcnow())
    correcting = state == "locked" and current_user.role in MANAGERS
    trainees = roll.enrolled_trainees(workshop.id)
    marks = roll.marks_of(session.id)
    data = {}
    for user_id, mark in marks.items():
        data[f"status_{user_id}"], data[f"note_{user_id}"] = mark.status, mark.note
    form = attendance_form(trainees, needs_reason=correcting, data=data)
    status = 200
    if request.method == "POST":
        if state != "open" and not correcting:
            flash(_("Attendance cannot be marked now."), "danger")
            return redirect(url_for("workshops.mark_attendance", session_id=session.id))
        if form.validate_on_submit():
            workshop = lock_workshop(workshop.id)  # two trainers saving at once: one after the other
            if roll.window(workshop, session, utcnow()) == "locked" and not correcting:
                flash(_("The workshop was closed meanwhile: attendance is locked."), "danger")
                return redirect(url_for("workshops.mark_attendance", session_id=session.id))
            chosen = {
                user.id: (form[f"status_{user.id}"].data, form[f"note_{user.id}"].data or "")
                for user in trainees
                if form[f"status_{user.id}"].data
            }
            reason = form.reason.data if correcting else None
            changed = roll.record_marks(session, chosen, current_user, utcnow(), reason=reason)
            db.session.commit()
            flash(ngettext("%(num)d mark saved.", "%(num)d marks saved.", changed), "success")
            return redirect(url_for("workshops.mark_attendance", session_id=session.id))
        status = 400
    return (
        render_template(
            "workshops/attendance.html",
            workshop=workshop,
            session=session,
            number=day_number(session),
            trainees=trainees,
            marks=marks,
            form=form,
            state=state,
            correcting=correcting,
            opens_at=session.starts_at - timedelta(minutes=OPENS_MINUTES_BEFORE),
            action_form=ActionForm(),
        ),
        status,
    )


@bp.route("/workshops/sessions/<int:session_id>/attendance/all-present", methods=["POST"])
@allow(*STAFF)
def mark_all_present(session_id: int):
    session = session_or_404(session_id)
    if ActionForm().validate_on_submit():
        workshop = lock_workshop(session.workshop_id)
        if roll.window(workshop, session, utcnow()) != "open":
            flash(_("Attendance cannot be marked now."), "danger")
        else:
            ids = [user.id for user in roll.enrolled_trainees(workshop.id)]
            changed = roll.mark_all_present(session, ids, current_user, utcnow())
            db.session.commit()
            flash(
                ngettext("%(num)d trainee marked present.", "%(num)d trainees marked present.", changed),
                "success",
            )
    return redirect(url_for("workshops.mark_attendance", session_id=session.id))


@bp.route("/workshops/<int:workshop_id>/attendance")
@allow(*STAFF)
def attendance_overview(workshop_id: int):
    workshop = staff_workshop_or_404(workshop_id)
    return _overview(workshop, ReopenForm())


def _overview(workshop: Workshop, reopen_form: ReopenForm):
    trainees = roll.enrolled_trainees(workshop.id)
    marks = roll.grid(workshop, [t.id for t in trainees])
    return render_template(
        "workshops/attendance_overview.html",
        workshop=workshop,
        trainees=trainees,
        marks=marks,
        rates=roll.trainee_rates(workshop, trainees, marks),
        tallies=roll.session_tallies(workshop, trainees, marks),
        action_form=ActionForm(),
        panel=reopen_panel(workshop, "attendance", reopen_form),
    )


def reopen_panel(workshop: Workshop, kind: str, form: ReopenForm) -> reopening.Panel:
    """Return what the page shows about reopening the workshop's attendance or scores."""
    if kind == "attendance":
        locked, action = workshop.attendance_locked_at is not None, reopening.ATTENDANCE_REOPENED
        url = url_for("workshops.reopen_attendance", workshop_id=workshop.id)
    else:
        locked, action = workshop.scores_locked_at is not None, reopening.SCORES_REOPENED
        url = url_for("workshops.reopen_scores", workshop_id=workshop.id)
    events = reopening.history(workshop, action)
    manager = current_user.role in MANAGERS
    # Counted only where the page says something about it: to a coordinator, or after a reopening.
    certificates = reopening.certificates_issued(workshop) if (manager and locked) or events else 0
    return reopening.Panel(
        kind=kind,
        url=url,
        locked=locked,
        form=form if manager and locked else None,
        events=events,
        certificates=certificates,
        cohort_id=workshop.cohort_id,
    )


@bp.route("/workshops/<int:workshop_id>/close", methods=["POST"])
@allow(*MANAGERS)
def close(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    if ActionForm().validate_on_submit():
        workshop = lock_workshop(workshop.id)
        if workshop.attendance_locked_at is not None:
            flash(_("The workshop is already closed."), "info")
        else:
            before = {"status": workshop.status}
            workshop.attendance_locked_at = utcnow()
            if workshop.status in ("draft", "published"):
                workshop.status = "completed"
            audit.record(
                current_user, "workshop.closed", workshop, before=before, after={"status": workshop.status}
            )
            db.session.commit()
            flash(_("The workshop is closed: attendance is locked."), "success")
    return redirect(url_for("workshops.attendance_overview", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/reopen", methods=["POST"])
@allow(*MANAGERS)
def reopen_attendance(workshop_id: int):
    """Unlock a closed workshop's attendance, with a reason (audited); trainers mark it again."""
    workshop = db.get_or_404(Workshop, workshop_id)
    form = ReopenForm()
    if workshop.attendance_locked_at is None:
        flash(_("Attendance is not locked: there is nothing to reopen."), "info")
    elif not form.validate_on_submit():
        return _overview(workshop, form), 400
    else:
        workshop = lock_workshop(workshop.id)
        if workshop.attendance_locked_at is not None:  # not reopened meanwhile by someone else
            reopening.reopen_attendance(workshop, current_user, form.reason.data)
            db.session.commit()
        flash(
            _(
                "Attendance is reopened: trainers can mark and correct it. "
                "Close the workshop again when done."
            ),
            "success",
        )
    return redirect(url_for("workshops.attendance_overview", workshop_id=workshop.id))


@bp.route("/workshops/sessions/<int:session_id>/sign-in-sheet.pdf")
@allow(*STAFF)
def signin_sheet(session_id: int):
    session = session_or_404(session_id)
    workshop: Workshop = session.workshop
    total = len(workshop.sessions)
    trainees = roll.enrolled_trainees(workshop.id)
    sheet = SignInSheet(
        workshop=workshop.title,
        day=_("Day %(number)d of %(total)d", number=day_number(session), total=total),
        date=format_date(session.starts_at, "full"),
        time=_(
            "%(start)s–%(end)s (Skopje time)",
            start=format_time(session.starts_at, "HH:mm"),
            end=format_time(session.ends_at, "HH:mm"),
        ),
        venue=workshop.venue,
        address=workshop.address,
        trainers=tuple(t.user.certificate_name for t in workshop.trainers),
        rows=tuple(SheetRow(user.certificate_name, user.organisation) for user in trainees),
        labels=SheetLabels(
            title=_("Sign-in sheet"),
            workshop=_("Workshop"),
            date=_("Date"),
            time=_("Time"),
            venue=_("Venue"),
            trainers=_("Trainers"),
            number=_("No."),
            name=_("Name and surname"),
            organisation=_("Organisation"),
            signature=_("Signature"),
            page_of=_("Page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
            brand=_("Protection Academy"),
        ),
        language=current_language(),
    )
    local_day = session.starts_at.astimezone(SKOPJE).date().isoformat()
    return Response(
        render_signin_sheet(sheet),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="sign-in-{workshop.id}-{local_day}.pdf"'},
    )
