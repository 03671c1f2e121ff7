"""Settings from the environment, with safe embedded defaults for development."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _persistent_secret(instance_path: Path) -> str:
    """Return a secret key kept in instance/, generating it on first use (development only)."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'academy.db'}")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 dialect named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def settings_from_env(instance_path: Path) -> dict:
    """Return the configuration read from environment variables."""
    env = os.environ.get
    development = env("FLASK_ENV", env("ACADEMY_ENV", "development")) == "development"
    return {
        "SECRET_KEY": env("SECRET_KEY") or _persistent_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "BASE_URL": env("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "DEVELOPMENT": development,
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": int(env("MAIL_PORT", "25")),
        "MAIL_USERNAME": env("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": env("MAIL_USE_TLS", "false").lower() == "true",
        "MAIL_SENDER": env("MAIL_SENDER", "Protection Academy <no-reply@protection-academy.local>"),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env("RATELIMIT_ENABLED", "true").lower() != "false",
    }


DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Skopje",
    "LANGUAGES": ("en", "mk", "sq"),
    "BOOTSTRAP_SERVE_LOCAL": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "INVITATION_MAX_AGE": 7 * 24 * 3600,
    "RESET_MAX_AGE": 2 * 3600,
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "CONTENT_DIR": str(Path(__file__).resolve().parent.parent / "content" / "handbook"),
}
