"""Sending e-mail over SMTP, or printing it to the console when no server is configured."""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str  # e.g. "text/calendar"


def build_message(to: str, subject: str, body: str, attachments: Iterable[Attachment] = ()) -> EmailMessage:
    """Return a plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for item in attachments:
        maintype, subtype = item.mimetype.split("/", 1)
        message.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
    return message


def send_message(message: EmailMessage) -> None:
    """Deliver a message, or print it where no SMTP server is configured (development)."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        print(f"--- e-mail (MAIL_SERVER not set) ---\n{message}\n--- end ---", file=sys.stderr)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def send_templated(user, template: str, subject, attachments: Iterable[Attachment] = (), **context) -> None:
    """Render a mail template in the recipient's language and send it.

    `subject` is a lazy_gettext string, evaluated inside the recipient's locale, so mail follows
    the recipient's language rather than the sender's.
    """
    with force_locale(user.locale):
        body = render_template(template, user=user, **context)
        message = build_message(user.email, str(subject), body, attachments)
    send_message(message)
