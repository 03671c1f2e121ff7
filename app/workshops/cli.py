"""`flask workshops remind`."""

from __future__ import annotations

from datetime import UTC, datetime, time

import click
from flask.cli import AppGroup

from ..database import utcnow
from .notify import SKOPJE, send_reminders

workshops_cli = AppGroup("workshops", help="Workshop reminders.")


@workshops_cli.command("remind")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if today (Skopje time) were this date, e.g. to catch up a missed day.",
)
def remind_command(today: datetime | None) -> None:
    """E-mail a reminder to everyone enrolled in (or teaching) a session that starts tomorrow.

    Run it once a day from cron, e.g. `0 9 * * * flask --app wsgi workshops remind`. "Tomorrow" is the
    calendar day in Skopje. Each reminder sent is recorded, so a second run on the same day sends
    nothing new.
    """
    now = utcnow() if today is None else datetime.combine(today.date(), time(12), SKOPJE).astimezone(UTC)
    sent, skipped = send_reminders(now)
    click.echo(f"{sent} reminder(s) sent, {skipped} already sent earlier")
