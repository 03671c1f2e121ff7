"""`flask quizzes import-gift`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..courses.models import Course, Module
from ..extensions import db
from .gift_import import import_gift

quizzes_cli = AppGroup("quizzes", help="Manage question banks and quizzes.")


@quizzes_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--module", "module_slug", required=True, help="Slug of the module the questions belong to.")
@click.option(
    "--course",
    "course_slug",
    help="Slug of the module's course; needed only when modules of several courses have that slug.",
)
def import_gift_command(file: Path, module_slug: str, course_slug: str | None) -> None:
    """Add the questions of a GIFT file to a module's bank; on any problem nothing is imported."""
    module = find_module(module_slug, course_slug)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}:1: the file is not UTF-8 text") from None
    added, problems = import_gift(module, text, str(file))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported")
    click.echo(f"{added} questions added to {module_slug}")


def find_module(module_slug: str, course_slug: str | None) -> Module:
    """Return the one active module the options name; a usage error (exit 2) when none or several do."""
    statement = (
        db.select(Module, Course.slug)
        .join(Course)
        .where(Module.slug == module_slug, Module.is_active)
        .order_by(Course.slug)
    )
    if course_slug is not None:
        if db.session.execute(db.select(Course.id).filter_by(slug=course_slug)).first() is None:
            raise click.BadParameter(f"no course '{course_slug}'", param_hint="--course")
        statement = statement.where(Course.slug == course_slug)
    found = db.session.execute(statement).all()
    if not found:
        where = f" in course '{course_slug}'" if course_slug is not None else ""
        raise click.BadParameter(f"no module '{module_slug}'{where}", param_hint="--module")
    if len(found) > 1:
        courses = ", ".join(slug for _module, slug in found)
        raise click.UsageError(
            f"module '{module_slug}' exists in several courses ({courses}): choose one with --course"
        )
    return found[0][0]
