"""Friendly error pages that say what happened and leak nothing."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

MESSAGES = {
    400: (_l("Something in the request was not right"), _l("Go back, check what you entered and try again.")),
    403: (_l("You do not have access to this page"), _l("If you think you should, ask your coordinator.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page may have moved.")),
    405: (_l("That action is not possible here"), _l("Go back and use the buttons on the page.")),
    413: (_l("The file is too large"), _l("Upload a file smaller than 8 MB.")),
    429: (_l("Too many attempts"), _l("For your security, wait a minute before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("The team has been told. Please try again in a moment."),
    ),
}


def render_error(status: int):
    title, hint = MESSAGES.get(status, MESSAGES[500])
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title)}, status
    return render_template("errors/error.html", status=status, title=title, hint=hint), status


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        title = _l("This form has expired")
        hint = _l("Reload the page and submit the form again.")
        return render_template("errors/error.html", status=400, title=title, hint=hint), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(InternalServerError)
    def server_error(_error):
        db.session.rollback()
        return render_error(500)
