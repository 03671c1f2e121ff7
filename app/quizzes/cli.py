"""`flask quizzes import-gift`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..courses.models import Module
from ..extensions import db
from .gift_import import import_gift

quizzes_cli = AppGroup("quizzes", help="Manage question banks and quizzes.")


@quizzes_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--module", "module_slug", required=True, help="Slug of the module the questions belong to.")
def import_gift_command(file: Path, module_slug: str) -> None:
    """Add the questions of a GIFT file to a module's bank; on any problem nothing is imported."""
    module = (
        db.session.execute(db.select(Module).filter_by(slug=module_slug, is_active=True)).scalars().first()
    )
    if module is None:
        raise click.BadParameter(f"no module '{module_slug}'", param_hint="--module")
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
