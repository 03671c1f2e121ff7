"""`flask content check` and `flask content import`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .importer import ContentError, import_content
from .loader import load_course

content_cli = AppGroup("content", help="Check and import the course content in content/handbook/.")


def _folder(path: str | None) -> Path:
    return Path(path or current_app.config["CONTENT_DIR"])


@content_cli.command("check")
@click.option("--path", type=click.Path(file_okay=False), help="Content folder (default: content/handbook).")
def check(path: str | None) -> None:
    """Validate every content file; print each problem as path:line: message. Writes nothing."""
    spec, problems = load_course(_folder(path))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems or spec is None:
        raise click.ClickException(f"{len(problems)} problem(s) found")
    lessons = sum(len(m.lessons) for m in spec.modules)
    questions = sum(len(m.questions) for m in spec.modules)
    click.echo(
        f"OK: {len(spec.modules)} modules, {lessons} lessons, {questions} questions, "
        f"{len(spec.glossary)} glossary terms"
    )


@content_cli.command("import")
@click.option("--path", type=click.Path(file_okay=False), help="Content folder (default: content/handbook).")
def import_(path: str | None) -> None:
    """Import the content in one transaction; unchanged files are skipped. Nothing is written on error."""
    try:
        report = import_content(_folder(path))
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(error.problems)} problem(s) found; nothing was imported") from None
    for line in report.lines():
        click.echo(line)
