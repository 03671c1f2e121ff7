"""`flask users ...`: account commands for the operator."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from .models import User
from .passwords import password_problems

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", prompt=True)
@click.password_option()
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create an administrator account (or promote an existing one) with this password."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an e-mail address", param_hint="--email")
    problems = password_problems(password, email=email)
    if problems:
        raise click.BadParameter(
            f"the password is rejected: {problems[0].replace('_', ' ')}", param_hint="--password"
        )
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, display_name=display_name, certificate_name=display_name, locale="en")
        db.session.add(user)
    user.role = "admin"
    user.is_active = True
    user.set_password(password)
    db.session.commit()
    click.echo(f"Administrator ready: {email}")
