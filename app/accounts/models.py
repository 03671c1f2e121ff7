"""User accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, utcnow
from ..extensions import db

GENDERS = ("female", "male", "other", "undisclosed")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    # As the person writes it (Cyrillic or Latin); frozen onto certificates when issued.
    certificate_name: Mapped[str] = mapped_column(String(160))
    organisation: Mapped[str] = mapped_column(String(160), default="")
    gender: Mapped[str] = mapped_column(String(16), default="undisclosed")
    locale: Mapped[str] = mapped_column(String(5), default="mk")
    role: Mapped[str] = mapped_column(String(16), default="trainee", index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    def set_password(self, password: str) -> None:
        """Hash and store a new password (scrypt, Werkzeug's default)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Return whether the password matches; an account without one never matches."""
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def has_accepted_invitation(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
