"""The WSGI entry point: `gunicorn wsgi:app`, and what `flask` loads."""

from app import create_app

app = create_app()
