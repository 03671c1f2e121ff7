"""Rubrics: building the grid of criteria and levels, step by step (add a criterion, add a level)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import MANAGERS, allow
from ..extensions import db
from . import assessments as service
from .blueprint import bp
from .forms import ActionForm, CriterionForm, LevelForm, RubricForm
from .models import Criterion, Level, Rubric


@bp.route("/workshops/rubrics", methods=["GET", "POST"])
@allow(*MANAGERS)
def rubrics():
    form = RubricForm()
    if form.validate_on_submit():
        rubric = Rubric(title=form.title.data, description=form.description.data)
        db.session.add(rubric)
        db.session.flush()
        audit.record(current_user, "rubric.created", rubric, after={"title": rubric.title})
        db.session.commit()
        flash(_("Rubric created. Now add its criteria and levels."), "success")
        return redirect(url_for("workshops.rubric", rubric_id=rubric.id))
    found = db.session.execute(db.select(Rubric).order_by(Rubric.title)).scalars().all()
    return render_template("workshops/rubrics.html", rubrics=found, form=form), 400 if form.errors else 200


@bp.route("/workshops/rubrics/<int:rubric_id>")
@allow(*MANAGERS)
def rubric(rubric_id: int):
    return _rubric_page(db.get_or_404(Rubric, rubric_id))


def _rubric_page(rubric: Rubric, criterion_form=None, level_forms=None, status: int = 200):
    level_forms = level_forms or {}
    return (
        render_template(
            "workshops/rubric.html",
            rubric=rubric,
            in_use=service.rubric_in_use(rubric.id),
            complete=service.rubric_is_complete(rubric),
            highest=service.max_points(service.specs(rubric)),
            criterion_form=criterion_form or CriterionForm(prefix="criterion"),
            level_forms={
                c.id: level_forms.get(c.id) or LevelForm(prefix=f"level{c.id}") for c in rubric.criteria
            },
            action_form=ActionForm(),
        ),
        status,
    )


def _editable_or_refuse(rubric: Rubric) -> bool:
    if service.rubric_in_use(rubric.id):
        flash(_("Trainees have been scored on this rubric, so it can no longer change."), "danger")
        return False
    return True


@bp.route("/workshops/rubrics/<int:rubric_id>/criteria", methods=["POST"])
@allow(*MANAGERS)
def add_criterion(rubric_id: int):
    rubric = db.get_or_404(Rubric, rubric_id)
    if not _editable_or_refuse(rubric):
        return redirect(url_for("workshops.rubric", rubric_id=rubric.id))
    form = CriterionForm(prefix="criterion")
    if not form.validate_on_submit():
        return _rubric_page(rubric, criterion_form=form, status=400)
    criterion = Criterion(
        position=service.next_position(rubric), title=form.title.data, description=form.description.data
    )
    rubric.criteria.append(criterion)
    audit.record(current_user, "rubric.criterion_added", rubric, after={"title": criterion.title})
    db.session.commit()
    flash(_("Criterion added. Give it its levels."), "success")
    return redirect(url_for("workshops.rubric", rubric_id=rubric.id) + f"#criterion-{criterion.id}")


@bp.route("/workshops/rubrics/<int:rubric_id>/criteria/<int:criterion_id>/levels", methods=["POST"])
@allow(*MANAGERS)
def add_level(rubric_id: int, criterion_id: int):
    rubric = db.get_or_404(Rubric, rubric_id)
    criterion = service.criterion_of(rubric, criterion_id) or abort(404)
    if not _editable_or_refuse(rubric):
        return redirect(url_for("workshops.rubric", rubric_id=rubric.id))
    form = LevelForm(prefix=f"level{criterion.id}")
    if not form.validate_on_submit():
        return _rubric_page(rubric, level_forms={criterion.id: form}, status=400)
    criterion.levels.append(
        Level(points=form.points.data, title=form.title.data, descriptor=form.descriptor.data)
    )
    audit.record(
        current_user,
        "rubric.level_added",
        rubric,
        after={"criterion_id": criterion.id, "title": form.title.data},
    )
    db.session.commit()
    flash(_("Level added."), "success")
    return redirect(url_for("workshops.rubric", rubric_id=rubric.id) + f"#criterion-{criterion.id}")


@bp.route("/workshops/rubrics/<int:rubric_id>/criteria/<int:criterion_id>/remove", methods=["POST"])
@allow(*MANAGERS)
def remove_criterion(rubric_id: int, criterion_id: int):
    rubric = db.get_or_404(Rubric, rubric_id)
    criterion = service.criterion_of(rubric, criterion_id) or abort(404)
    if ActionForm().validate_on_submit() and _editable_or_refuse(rubric):
        audit.record(current_user, "rubric.criterion_removed", rubric, before={"title": criterion.title})
        rubric.criteria.remove(criterion)
        db.session.commit()
        flash(_("Criterion removed."), "success")
    return redirect(url_for("workshops.rubric", rubric_id=rubric.id))


@bp.route("/workshops/rubrics/<int:rubric_id>/levels/<int:level_id>/remove", methods=["POST"])
@allow(*MANAGERS)
def remove_level(rubric_id: int, level_id: int):
    rubric = db.get_or_404(Rubric, rubric_id)
    level = db.get_or_404(Level, level_id)
    if level.criterion.rubric_id != rubric.id:
        abort(404)
    if ActionForm().validate_on_submit() and _editable_or_refuse(rubric):
        audit.record(current_user, "rubric.level_removed", rubric, before={"title": level.title})
        level.criterion.levels.remove(level)
        db.session.commit()
        flash(_("Level removed."), "success")
    return redirect(url_for("workshops.rubric", rubric_id=rubric.id) + f"#criterion-{level.criterion_id}")
