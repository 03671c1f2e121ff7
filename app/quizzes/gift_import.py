"""Adding questions from a GIFT file to a module's bank: all of them, or none when anything is wrong."""

from __future__ import annotations

import hashlib
import json

from flask_babel import lazy_gettext as _l

from ..courses.models import Module
from ..extensions import db
from ..problems import Problem
from .gift import parse_gift
from .models import Question
from .question_types import QUESTION_TYPES


def import_gift(module: Module, text: str, source: str) -> tuple[int, list[str]]:
    """Parse and store the questions; return (questions added, problems as `file:line: message`)."""
    result = parse_gift(text, source)
    problems = [str(error) for error in result.errors]
    existing = set(db.session.execute(db.select(Question.key).filter_by(module_id=module.id)).scalars())
    for entry in result.questions:
        if entry["key"] in existing:
            problems.append(
                str(
                    Problem(
                        source,
                        entry["line"],
                        _l(
                            "a question with the key '%(key)s' already exists in this module",
                            key=entry["key"],
                        ),
                    )
                )
            )
        existing.add(entry["key"])
    if problems or not result.questions:
        return 0, problems or [str(Problem(source, 1, _l("the file holds no questions")))]
    for entry in result.questions:
        data = QUESTION_TYPES[entry["type"]].normalise(entry)
        db.session.add(
            Question(
                module_id=module.id,
                key=entry["key"],
                type=entry["type"],
                prompt=entry["prompt"],
                feedback=entry.get("feedback") or "",
                points=float(entry.get("points", 1)),
                data=data,
                source=f"{source}:{entry['line']}",
                origin="gift",
                content_hash=hashlib.sha256(
                    json.dumps(entry, sort_keys=True, default=str).encode()
                ).hexdigest(),
            )
        )
    db.session.commit()
    return len(result.questions), []
