"""Protection Academy: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import bindparam

from . import access, errors
from .config import DEFAULTS, settings_from_env
from .database import configure_sqlite
from .extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate, talisman
from .i18n import LANGUAGES, plural_count, select_locale

# Bootstrap's own script is the only script besides ours; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(test_config: dict | None = None) -> Flask:
    """Create and wire the application: settings, extensions, blueprints, commands, error pages."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(settings_from_env(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    init_extensions(app)
    register_blueprints(app)
    register_commands(app)
    errors.init_app(app)
    access.init_app(app)
    return app


def init_extensions(app: Flask) -> None:
    # A ping before each checkout finds connections that a database server dropped; a SQLite file has no
    # server to drop them, and the ping would cost every request a statement.
    server = not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": server})
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the proxy in front of gunicorn
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        strict_transport_security=not app.config["DEVELOPMENT"],
    )

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to open this page.")

    from .accounts.models import User

    # Built once: every signed-in request runs it, and building a statement costs more than running it.
    active_user = db.select(User).where(User.id == bindparam("id"), User.is_active)

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.execute(active_user, {"id": int(user_id)}).scalar_one_or_none()

    from flask_babel import get_locale

    from .accounts.forms import ROLE_LABELS
    from .navigation import page_chrome

    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        ROLE_LABELS=ROLE_LABELS,
        page_chrome=page_chrome,
        plural_count=plural_count,  # ngettext(..., plural_count(points), ...) for counts that may be decimals
        current_locale=lambda: str(get_locale() or "en"),
    )


def register_blueprints(app: Flask) -> None:
    # Feature packages keep an empty __init__: their pure rules import one another's models, and a package
    # that imported its views on import would close a cycle. The views are named here instead.
    from . import audit  # noqa: F401  (its model joins the metadata)
    from .accounts import views as account_views
    from .certificates import views as certificate_views
    from .courses import cohort_views
    from .courses import views as course_views
    from .main import views as main_views
    from .quizzes import views as quiz_views
    from .workshops import views as workshop_views

    for module in (
        main_views,
        account_views,
        course_views,
        cohort_views,
        quiz_views,
        workshop_views,
        certificate_views,
    ):
        app.register_blueprint(module.bp)


def register_commands(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .certificates.cli import certificates_cli
    from .courses.cli import content_cli
    from .demo import demo_command
    from .quizzes.cli import quizzes_cli
    from .workshops.cli import workshops_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(quizzes_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(workshops_cli)
