"""The front door: home page, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..access import public
from ..extensions import db
from ..i18n import LANGUAGES

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template("main/home.html")


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Remember the chosen language (and save it on the signed-in user's profile)."""
    code = request.form.get("language", "")
    if code in LANGUAGES:
        session["language"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next", "")
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else url_for("main.index")
    )


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
