"""Calendar files and e-mail: invitations, changes, cancellations and the day-before reminders.

Mail follows the recipient's language (mail.send_templated), and so do the calendar entries attached
to it. An iTIP message (METHOD:REQUEST or CANCEL) carries one event (RFC 5546), so a 2-day workshop
sends two .ics attachments, one per session day; the downloadable calendars (METHOD:PUBLISH) hold
every day in one file.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import User
from ..audit import AuditEvent
from ..database import utcnow
from ..extensions import db
from ..mail import Attachment, send_templated
from .calendar import Attendee, SessionEvent, build_calendar
from .models import Registration, SessionDay, Workshop, WorkshopTrainer
from .registration import Notice, RemovedSession

SKOPJE = ZoneInfo("Europe/Skopje")
ICS = "text/calendar"
REQUEST_KINDS = ("enrolled", "promoted", "changed")
CANCEL_KINDS = ("cancelled", "workshop_cancelled")


def subject(kind: str, title: str):
    """Return the lazily translated subject of a notice; it is rendered in the recipient's language."""
    return {
        "enrolled": _l("Your place at the workshop: %(title)s", title=title),
        "waitlisted": _l("You are on the waiting list: %(title)s", title=title),
        "promoted": _l("A place is yours: %(title)s", title=title),
        "cancelled": _l("Your place is cancelled: %(title)s", title=title),
        "waitlist_left": _l("You have left the waiting list: %(title)s", title=title),
        "changed": _l("Workshop times changed: %(title)s", title=title),
        "workshop_cancelled": _l("Workshop cancelled: %(title)s", title=title),
        "reminder": _l("Tomorrow: %(title)s", title=title),
        "trainer_assigned": _l("You are a trainer of the workshop: %(title)s", title=title),
    }[kind]


def public_url(endpoint: str, **values) -> str:
    """Return BASE_URL plus the endpoint's path: works in a request and in the CLI alike."""
    return current_app.config["BASE_URL"] + current_app.url_map.bind("localhost").build(endpoint, values)


def event_uid(session_id: int) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "protection-academy"
    return f"workshop-session-{session_id}@{host}"


def _organizer() -> tuple[str, str]:
    name, address = parseaddr(current_app.config["MAIL_SENDER"])
    return name or "Protection Academy", address or "no-reply@protection-academy.local"


def session_event(
    workshop: Workshop,
    session: SessionDay | RemovedSession,
    number: int,
    total: int,
    *,
    attendee: User | None = None,
    cancelled: bool = False,
) -> SessionEvent:
    """Return one session day as a calendar event, its texts in the current language."""
    organizer_name, organizer_email = _organizer()
    day = _("day %(number)d of %(total)d", number=number, total=total) if total > 1 else ""
    link = public_url("workshops.detail", workshop_id=workshop.id)
    return SessionEvent(
        uid=event_uid(session.id),
        summary=f"{workshop.title} ({day})" if day else workshop.title,
        description="\n\n".join(part for part in (workshop.description.strip(), link) if part),
        location=", ".join(part for part in (workshop.venue, workshop.address) if part),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        organizer_name=organizer_name,
        organizer_email=organizer_email,
        url=link,
        sequence=session.sequence,
        cancelled=cancelled or workshop.status == "cancelled",
        attendees=(Attendee(attendee.display_name, attendee.email),) if attendee else (),
    )


def workshop_events(workshop: Workshop, **options) -> list[SessionEvent]:
    total = len(workshop.sessions)
    return [session_event(workshop, s, n, total, **options) for n, s in enumerate(workshop.sessions, start=1)]


def workshop_calendar(workshop: Workshop) -> bytes:
    """Return the workshop's days as a calendar to download or subscribe to."""
    return build_calendar(workshop_events(workshop), name=workshop.title, now=utcnow())


def personal_calendar(user: User) -> bytes:
    """Return every session of the live workshops the user is enrolled in or teaches."""
    enrolled = db.select(Registration.workshop_id).where(
        Registration.user_id == user.id, Registration.status == "enrolled"
    )
    teaching = db.select(WorkshopTrainer.workshop_id).where(WorkshopTrainer.user_id == user.id)
    statement = (
        db.select(Workshop)
        .where(
            Workshop.status.in_(("published", "completed")),
            Workshop.id.in_(enrolled.union(teaching).scalar_subquery()),
        )
        .options(selectinload(Workshop.sessions))
        .order_by(Workshop.id)
    )
    events = [event for w in db.session.execute(statement).scalars() for event in workshop_events(w)]
    with force_locale(user.locale):
        name = _("Workshops – %(name)s", name=user.display_name)
    return build_calendar(events, name=name, now=utcnow())


def invitation_files(
    workshop: Workshop, user: User, method: str, removed: Sequence[RemovedSession] = ()
) -> list[Attachment]:
    """Return one .ics per session day: the days as they are (REQUEST) or called off (CANCEL)."""
    sessions = list(workshop.sessions)
    total = len(sessions)
    files = []
    if method == "REQUEST" or not removed:
        cancelled = method == "CANCEL"
        for number, session in enumerate(sessions, start=1):
            event = session_event(workshop, session, number, total, attendee=user, cancelled=cancelled)
            files.append(_attachment(event, workshop, number, method))
    for session in removed:
        event = session_event(workshop, session, 0, 1, attendee=user, cancelled=True)
        files.append(_attachment(event, workshop, f"removed-{session.id}", "CANCEL"))
    return files


def _attachment(event: SessionEvent, workshop: Workshop, label, method: str) -> Attachment:
    content = build_calendar([event], name=workshop.title, method=method, now=utcnow())  # type: ignore[arg-type]
    filename = f"workshop-{workshop.id}-day-{label}.ics"
    return Attachment(filename, content, ICS)


def send_notice(notice: Notice, user: User, workshop: Workshop) -> None:
    kind = notice.kind
    with force_locale(user.locale):
        if kind in REQUEST_KINDS:
            files = invitation_files(workshop, user, "REQUEST", notice.removed)
        elif kind in CANCEL_KINDS:
            files = invitation_files(workshop, user, "CANCEL")
        else:
            files = []
    send_templated(
        user,
        f"workshops/email/{kind}.txt",
        subject(kind, workshop.title),
        files,
        workshop=workshop,
        sessions=workshop.sessions,
        removed=notice.removed,
        link=public_url("workshops.detail", workshop_id=workshop.id),
    )


def deliver(notices: Sequence[Notice]) -> int:
    """Send the notices' e-mails; return how many failed (logged, never raised: the change stands)."""
    if not notices:
        return 0
    users = {
        u.id: u
        for u in db.session.execute(
            db.select(User).where(User.id.in_({n.user_id for n in notices}))
        ).scalars()
    }
    workshops = {
        w.id: w
        for w in db.session.execute(
            db.select(Workshop)
            .where(Workshop.id.in_({n.workshop_id for n in notices}))
            .options(selectinload(Workshop.sessions))
        ).scalars()
    }
    failed = 0
    for notice in notices:
        user, workshop = users.get(notice.user_id), workshops.get(notice.workshop_id)
        if user is None or workshop is None or not user.is_active:
            continue
        try:
            send_notice(notice, user, workshop)
        except (OSError, smtplib.SMTPException):
            current_app.logger.exception("workshops: could not send %s to user %s", notice.kind, user.id)
            failed += 1
    return failed


def tomorrow_span(now: datetime) -> tuple[datetime, datetime]:
    """Return the start and end, in UTC, of tomorrow's calendar day in Skopje."""
    tomorrow = now.astimezone(SKOPJE).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), SKOPJE)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), SKOPJE)
    return start.astimezone(UTC), end.astimezone(UTC)


def send_reminders(now: datetime) -> tuple[int, int]:
    """E-mail everyone enrolled in (or teaching) a session that starts tomorrow, Skopje time.

    Each reminder sent is written to the audit trail, so running the command twice on a day sends
    nothing new. Returns (sent, already sent earlier).
    """
    start, end = tomorrow_span(now)
    sessions = list(
        db.session.execute(
            db.select(SessionDay)
            .join(Workshop)
            .where(Workshop.status == "published", SessionDay.starts_at >= start, SessionDay.starts_at < end)
            .order_by(SessionDay.starts_at)
        ).scalars()
    )
    if not sessions:
        return 0, 0
    ids = [s.id for s in sessions]
    done = {
        (event.target_id, (event.after or {}).get("user_id"))
        for event in db.session.execute(
            db.select(AuditEvent).where(
                AuditEvent.action == "workshop.reminder_sent",
                AuditEvent.target_type == "SessionDay",
                AuditEvent.target_id.in_(ids),
            )
        ).scalars()
    }
    sent = skipped = 0
    for session in sessions:
        workshop = session.workshop
        people = [r.user for r in workshop.registrations if r.status == "enrolled"]
        people += [t.user for t in workshop.trainers]
        number = workshop.sessions.index(session) + 1
        for user in people:
            if not user.is_active:
                continue
            if (session.id, user.id) in done:
                skipped += 1
                continue
            send_templated(
                user,
                "workshops/email/reminder.txt",
                subject("reminder", workshop.title),
                workshop=workshop,
                session=session,
                number=number,
                total=len(workshop.sessions),
                link=public_url("workshops.detail", workshop_id=workshop.id),
            )
            audit.record(None, "workshop.reminder_sent", session, after={"user_id": user.id})
            db.session.commit()
            sent += 1
    return sent, skipped
