"""Sign-in, invitations, password resets, the profile and the user list."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, or_

from .. import audit
from ..access import MANAGERS, ROLES, allow, public, signed_in
from ..database import utcnow
from ..extensions import db, limiter
from ..mail import send_templated
from . import tokens
from .forms import (
    ROLE_LABELS,
    AcceptInvitationForm,
    ActionForm,
    ChangePasswordForm,
    ChangeRoleForm,
    InviteForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SetActiveForm,
)
from .models import User

bp = Blueprint("accounts", __name__, template_folder="templates", url_prefix="/accounts")

THROTTLE = "10 per minute; 60 per hour"


def user_by_email(email: str) -> User | None:
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()


def safe_next(target: str | None) -> str | None:
    """Return a same-site path to go to after sign-in, or None for anything else."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def account_link(purpose: str, user: User) -> str:
    token = tokens.make_token(current_app.config["SECRET_KEY"], purpose, user.id, user.password_hash)
    endpoint = "accounts.accept_invitation" if purpose == "invitation" else "accounts.reset_password"
    return current_app.config["BASE_URL"] + url_for(endpoint, token=token)


def user_from_token(purpose: str, token: str, max_age_key: str) -> User | None:
    """Return the active user a valid, unused token names, else None."""
    found = tokens.read_token(
        current_app.config["SECRET_KEY"], purpose, token, current_app.config[max_age_key]
    )
    if found is None:
        return None
    user = db.session.get(User, found[0])
    if user is None or not user.is_active or not tokens.still_unused(found[1], user.password_hash):
        return None
    return user


def send_invitation(user: User, inviter: User) -> None:
    send_templated(
        user,
        "accounts/email/invitation.txt",
        _l("You are invited to Protection Academy"),
        link=account_link("invitation", user),
        inviter=inviter,
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )


def sign_in(user: User, remember: bool = False) -> None:
    login_user(user, remember=remember)
    user.last_login_at = utcnow()
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(THROTTLE, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = user_by_email(form.email.data)
        if user is None or not user.check_password(form.password.data):
            flash(_("The e-mail or the password is not right."), "danger")
        elif not user.is_active:
            flash(_("This account has been deactivated. Ask your coordinator for help."), "danger")
        else:
            sign_in(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    if ActionForm().validate_on_submit():
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    user = user_from_token("invitation", token, "INVITATION_MAX_AGE")
    if user is None:
        return render_template("accounts/link_invalid.html"), 400
    form = AcceptInvitationForm(user.email, certificate_name=user.certificate_name)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.certificate_name = form.certificate_name.data
        sign_in(user)
        flash(_("Welcome to Protection Academy. Your password is set."), "success")
        return redirect(url_for("main.index"))
    return render_template("accounts/accept_invitation.html", form=form, user=user)


@bp.route("/reset", methods=["GET", "POST"])
@public
@limiter.limit(THROTTLE, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = user_by_email(form.email.data)
        if user is not None and user.is_active and user.has_accepted_invitation:
            send_templated(
                user,
                "accounts/email/reset.txt",
                _l("Reset your Protection Academy password"),
                link=account_link("reset", user),
                hours=current_app.config["RESET_MAX_AGE"] // 3600,
            )
        # The same answer whether or not the address exists, so the form cannot probe accounts.
        flash(_("If an account uses that address, a reset link is on its way. Check your inbox."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(THROTTLE, methods=["POST"])
def reset_password(token: str):
    user = user_from_token("reset", token, "RESET_MAX_AGE")
    if user is None or not user.has_accepted_invitation:
        return render_template("accounts/link_invalid.html"), 400
    form = ResetPasswordForm(user.email)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        sign_in(user)
        flash(_("Your new password is saved."), "success")
        return redirect(url_for("main.index"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(current_user.email, prefix="pw")
    if form.submit.data and form.validate_on_submit():
        for name in ("display_name", "certificate_name", "organisation", "gender", "locale"):
            setattr(current_user, name, getattr(form, name).data)
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.route("/password", methods=["POST"])
@signed_in
def change_password():
    form = ChangePasswordForm(current_user.email, prefix="pw")
    if form.validate_on_submit():
        if current_user.check_password(form.current_password.data):
            current_user.set_password(form.password.data)
            db.session.commit()
            flash(_("Your password is changed."), "success")
            return redirect(url_for("accounts.profile"))
        form.current_password.errors.append(_("This is not your current password."))
    return render_template(
        "accounts/profile.html", form=ProfileForm(obj=current_user), password_form=form
    ), 400


def invitable_roles() -> tuple[str, ...]:
    """Coordinators invite trainees and trainers; an admin may invite anyone."""
    return ROLES if current_user.role == "admin" else ("trainee", "trainer")


@bp.route("/users")
@allow(*MANAGERS)
def users():
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    statement = db.select(User).order_by(User.display_name)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(User.display_name).like(pattern),
                func.lower(User.email).like(pattern),
                func.lower(User.organisation).like(pattern),
            )
        )
    if role in ROLES:
        statement = statement.filter_by(role=role)
    page = db.paginate(statement, per_page=50, error_out=False)
    return render_template(
        "accounts/users.html",
        page=page,
        q=query,
        role=role,
        roles=ROLES,
        role_form=ChangeRoleForm(),
        action_form=ActionForm(),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@allow(*MANAGERS)
def invite():
    form = InviteForm(invitable_roles())
    if form.validate_on_submit():
        if user_by_email(form.email.data) is not None:
            form.email.errors.append(_("An account with this e-mail address already exists."))
        else:
            user = User(
                email=form.email.data,
                display_name=form.display_name.data,
                certificate_name=form.certificate_name.data or form.display_name.data,
                organisation=form.organisation.data,
                role=form.role.data,
                locale=form.locale.data,
                invited_by_id=current_user.id,
            )
            db.session.add(user)
            db.session.flush()
            audit.record(current_user, "user.invited", user, after={"email": user.email, "role": user.role})
            db.session.commit()
            send_invitation(user, current_user)
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/invite.html", form=form, days=current_app.config["INVITATION_MAX_AGE"] // 86400
    )


@bp.route("/users/<int:user_id>/resend", methods=["POST"])
@allow(*MANAGERS)
def resend_invitation(user_id: int):
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit() and not user.has_accepted_invitation and user.is_active:
        send_invitation(user, current_user)
        flash(_("Invitation sent again to %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@allow("admin")
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ChangeRoleForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot change your own role."), "warning")
    elif form.role.data != user.role:
        audit.record(
            current_user,
            "user.role_changed",
            user,
            before={"role": user.role},
            after={"role": form.role.data},
        )
        user.role = form.role.data
        db.session.commit()
        flash(_("%(name)s is now: %(role)s.", name=user.display_name, role=ROLE_LABELS[user.role]), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow("admin")
def set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = SetActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "warning")
    elif active != user.is_active:
        audit.record(
            current_user,
            "user.reactivated" if active else "user.deactivated",
            user,
            before={"is_active": user.is_active},
            after={"is_active": active},
        )
        user.is_active = active
        db.session.commit()
        flash(
            _("Account reactivated.") if active else _("Account deactivated; its history is kept."), "success"
        )
    return redirect(url_for("accounts.users"))
