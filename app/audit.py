"""The audit trail: who did what to whom, with the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .database import UTCDateTime, utcnow
from .extensions import db


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def record(actor, action: str, target, *, before=None, after=None, reason: str = "") -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it permanent with the change."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__,
        target_id=getattr(target, "id", None),
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(event)
    return event
