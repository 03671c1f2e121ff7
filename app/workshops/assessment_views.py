"""Assessments: scoring by trainers, disagreements, the gradebook and each trainee's result."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import audit
from ..access import MANAGERS, STAFF, allow, require_self_or_staff
from ..accounts.models import User
from ..database import utcnow
from ..exports import download
from ..extensions import db
from ..i18n import plural_count
from . import assessments as service
from . import reopening, roll
from .attendance_views import reopen_panel
from .blueprint import bp, points, refusal_message
from .forms import (
    SKOPJE,
    ActionForm,
    AssessmentForm,
    ReopenForm,
    score_form,
)
from .models import Assessment, Registration, Rubric, Workshop
from .registration import Refused, lock_workshop
from .scoring import IncompleteScore
from .visibility import is_staff_of, staff_workshop_or_404


@bp.route("/workshops/<int:workshop_id>/assessments/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def new_assessment(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    choices = [
        r
        for r in db.session.execute(db.select(Rubric).order_by(Rubric.title)).scalars()
        if service.rubric_is_complete(r)
    ]
    form = AssessmentForm(choices)
    if form.validate_on_submit():
        chosen = next(r for r in choices if r.id == form.rubric.data)
        highest = service.max_points(service.specs(chosen))
        if form.pass_points.data > highest:
            form.pass_points.errors.append(
                ngettext(
                    "At most %(points)s point can be scored on this rubric.",
                    "At most %(points)s points can be scored on this rubric.",
                    plural_count(highest),
                    points=points(highest),
                )
            )
        else:
            assessment = Assessment(
                workshop_id=workshop.id,
                rubric_id=chosen.id,
                title=form.title.data,
                pass_points=form.pass_points.data,
                second_scorer=form.second_scorer.data,
            )
            db.session.add(assessment)
            db.session.flush()
            audit.record(current_user, "assessment.created", assessment, after={"title": assessment.title})
            db.session.commit()
            flash(_("Assessment added."), "success")
            return redirect(url_for("workshops.assessment", assessment_id=assessment.id))
    status = 400 if form.errors else 200
    return render_template(
        "workshops/assessment_form.html", workshop=workshop, form=form, rubrics=choices
    ), status


def assessment_or_404(assessment_id: int) -> Assessment:
    assessment = db.get_or_404(Assessment, assessment_id)
    if not is_staff_of(assessment.workshop, current_user):
        abort(404)
    return assessment


def enrolled_or_404(workshop_id: int, trainee_id: int) -> User:
    registration = db.session.execute(
        db.select(Registration).filter_by(workshop_id=workshop_id, user_id=trainee_id, status="enrolled")
    ).scalar_one_or_none()
    if registration is None:
        abort(404)
    return registration.user


@bp.route("/workshops/assessments/<int:assessment_id>")
@allow(*STAFF)
def assessment(assessment_id: int):
    assessment = assessment_or_404(assessment_id)
    trainees = roll.enrolled_trainees(assessment.workshop_id)
    scores = service.scores_by_trainee(assessment.id, [t.id for t in trainees])
    scorer_ids = {s.scorer_id for found in scores.values() for s in found}
    scorers = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(scorer_ids))).scalars()}
    return render_template(
        "workshops/assessment.html",
        assessment=assessment,
        workshop=assessment.workshop,
        trainees=trainees,
        scores=scores,
        scorers=scorers,
        highest=service.highest_total(assessment),
    )


@bp.route(
    "/workshops/assessments/<int:assessment_id>/trainees/<int:trainee_id>/score", methods=["GET", "POST"]
)
@allow(*STAFF)
def score(assessment_id: int, trainee_id: int):
    assessment = assessment_or_404(assessment_id)
    workshop = assessment.workshop
    trainee = enrolled_or_404(workshop.id, trainee_id)
    criteria = service.specs(assessment.rubric)
    rows = service.scores_by_trainee(assessment.id, [trainee.id]).get(trainee.id, [])
    mine = next((s for s in rows if s.scorer_id == current_user.id), None)
    others = [s for s in rows if s.scorer_id != current_user.id]
    may_score = mine is not None or len(rows) < (2 if assessment.second_scorer else 1)
    locked = workshop.scores_locked_at is not None
    final = mine is not None and mine.finalised_at is not None
    data = {f"criterion_{c}": level for c, level in service.choices_of(mine).items()}
    data["comment"] = mine.comment if mine else ""
    form = score_form(criteria, needs_reason=locked, final=final, data=data)
    status = 200
    if request.method == "POST":
        if not may_score:
            flash(refusal_message("scorers_full"), "danger")
            return redirect(url_for("workshops.assessment", assessment_id=assessment.id))
        if form.validate_on_submit():
            chosen = {
                c.id: form[f"criterion_{c.id}"].data
                for c in criteria
                if form[f"criterion_{c.id}"].data is not None
            }
            finalise = bool(form.finalise.data)
            try:
                saved = service.save_score(
                    assessment,
                    trainee.id,
                    current_user,
                    chosen,
                    form.comment.data or "",
                    finalise=finalise,
                    now=utcnow(),
                    reason=form.reason.data if locked else None,
                )
            except IncompleteScore as error:
                db.session.rollback()
                for criterion_id in error.criterion_ids:
                    if f"criterion_{criterion_id}" in form:
                        form[f"criterion_{criterion_id}"].errors.append(_("Choose a level."))
                flash(_("Choose a level for every criterion to finalise the score."), "danger")
            except Refused as error:
                db.session.rollback()
                flash(refusal_message(error.code), "danger")
            else:
                db.session.commit()
                if saved.finalised_at is not None:
                    flash(
                        _(
                            "Score of %(name)s saved as final: %(total)s points.",
                            name=trainee.display_name,
                            total=saved.total,
                        ),
                        "success",
                    )
                else:
                    flash(_("Draft saved."), "success")
                return redirect(url_for("workshops.assessment", assessment_id=assessment.id))
        status = 400
    scorer_ids = {s.scorer_id for s in others}
    scorers = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(scorer_ids))).scalars()}
    return (
        render_template(
            "workshops/score.html",
            assessment=assessment,
            workshop=workshop,
            trainee=trainee,
            criteria=assessment.rubric.criteria,
            form=form,
            mine=mine,
            others=others,
            scorers=scorers,
            may_score=may_score,
            locked=locked,
            final=final,
            highest=service.highest_total(assessment),
        ),
        status,
    )


@bp.route("/workshops/assessments/<int:assessment_id>/disagreements")
@allow(*STAFF)
def disagreements(assessment_id: int):
    assessment = assessment_or_404(assessment_id)
    trainees = roll.enrolled_trainees(assessment.workshop_id)
    found = service.disagreements(assessment, trainees)
    scorer_ids = {s.scorer_id for d in found for s in (d.first, d.second)}
    scorers = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(scorer_ids))).scalars()}
    return render_template(
        "workshops/disagreements.html",
        assessment=assessment,
        workshop=assessment.workshop,
        found=found,
        scorers=scorers,
        criteria={c.id: c for c in assessment.rubric.criteria},
    )


@bp.route("/workshops/assessments/<int:assessment_id>/trainees/<int:trainee_id>")
@allow("trainee", *STAFF)
def result(assessment_id: int, trainee_id: int):
    require_self_or_staff(trainee_id)
    assessment = db.get_or_404(Assessment, assessment_id)
    if current_user.role != "trainee" and not is_staff_of(assessment.workshop, current_user):
        abort(404)
    trainee = enrolled_or_404(assessment.workshop_id, trainee_id)
    [row] = service.gradebook(assessment, [trainee])
    final = row.state == "final"
    return render_template(
        "workshops/result.html",
        assessment=assessment,
        workshop=assessment.workshop,
        trainee=trainee,
        row=row if final else None,
        chosen=service.choices_of(row.score) if final else {},
        highest=service.highest_total(assessment),
    )


@bp.route("/workshops/<int:workshop_id>/gradebook")
@allow(*STAFF)
def gradebook(workshop_id: int):
    workshop = staff_workshop_or_404(workshop_id)
    return _gradebook(workshop, ReopenForm())


def _gradebook(workshop: Workshop, reopen_form: ReopenForm):
    trainees = roll.enrolled_trainees(workshop.id)
    found = db.session.execute(
        db.select(Assessment).filter_by(workshop_id=workshop.id).order_by(Assessment.id)
    ).scalars()
    books = [(a, service.gradebook(a, trainees), service.highest_total(a)) for a in found]
    return render_template(
        "workshops/gradebook.html",
        workshop=workshop,
        books=books,
        action_form=ActionForm(),
        panel=reopen_panel(workshop, "scores", reopen_form),
    )


@bp.route("/workshops/assessments/<int:assessment_id>/gradebook.<fmt>")
@allow(*STAFF)
def export_gradebook(assessment_id: int, fmt: str):
    assessment = assessment_or_404(assessment_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    trainees = roll.enrolled_trainees(assessment.workshop_id)
    rows = service.gradebook(assessment, trainees)
    criteria = assessment.rubric.criteria
    scorer_ids = {r.score.scorer_id for r in rows if r.score is not None}
    scorers = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(scorer_ids))).scalars()}
    header = ["name", "name_as_written", "email", "organisation"]
    header += [c.title for c in criteria]
    header += ["total", "max_points", "pass_points", "passed", "scorer", "finalised_at"]
    table = []
    for row in rows:
        final = row.state == "final"
        table.append(
            [
                row.trainee.display_name,
                row.trainee.certificate_name,
                row.trainee.email,
                row.trainee.organisation,
                *[row.points.get(c.id) if final else None for c in criteria],
                row.total,
                service.highest_total(assessment),
                assessment.pass_points,
                "" if row.passed is None else ("yes" if row.passed else "no"),
                scorers[row.score.scorer_id].display_name if final else "",
                row.score.finalised_at.astimezone(SKOPJE).strftime("%Y-%m-%d %H:%M") if final else "",
            ]
        )
    return download(
        f"workshop-{assessment.workshop_id}-assessment-{assessment.id}-gradebook", fmt, header, table
    )


@bp.route("/workshops/<int:workshop_id>/scores/lock", methods=["POST"])
@allow(*MANAGERS)
def lock_scores(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    if ActionForm().validate_on_submit():
        workshop = lock_workshop(workshop.id)
        if workshop.scores_locked_at is not None:
            flash(_("The scores are already locked."), "info")
        else:
            service.lock_scores(workshop, current_user, utcnow())
            db.session.commit()
            flash(_("Scores locked: from now on, every change needs a reason and is recorded."), "success")
    return redirect(url_for("workshops.gradebook", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/scores/reopen", methods=["POST"])
@allow(*MANAGERS)
def reopen_scores(workshop_id: int):
    """Unlock a workshop's scores, with a reason (audited); trainers change them again without one."""
    workshop = db.get_or_404(Workshop, workshop_id)
    form = ReopenForm()
    if workshop.scores_locked_at is None:
        flash(_("The scores are not locked: there is nothing to reopen."), "info")
    elif not form.validate_on_submit():
        return _gradebook(workshop, form), 400
    else:
        workshop = lock_workshop(workshop.id)
        if workshop.scores_locked_at is not None:  # not reopened meanwhile by someone else
            reopening.reopen_scores(workshop, current_user, form.reason.data)
            db.session.commit()
        flash(
            _("The scores are reopened: trainers can change them again. Lock them again when done."),
            "success",
        )
    return redirect(url_for("workshops.gradebook", workshop_id=workshop.id))
