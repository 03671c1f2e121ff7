"""The open question type: a short typed answer, compared with the accepted answers as normalised text.
Registered in question_types.QUESTION_TYPES.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from .question_text import Data, InvalidResponse, clean, is_text, normalise_text, submitted

MAX_TEXT_LENGTH = 500


def check_short_answer(raw: Mapping[str, Any]) -> list[str]:
    answers = raw.get("answers")
    if not isinstance(answers, list) or not answers:
        return ["short answer needs a list of accepted answers"]
    problems = _empty_answers(answers, "accepted answer")
    for language, translated in _translated_answers(raw).items():
        if not isinstance(translated, list):
            problems.append(f"{language}: accepted answers must be a list")
        else:
            problems += _empty_answers(translated, f"{language}: accepted answer")
    return problems


def _empty_answers(answers: list[Any], label: str) -> list[str]:
    return [
        f"{label} {number} is empty"
        for number, answer in enumerate(answers, 1)
        if not (is_text(answer) and normalise_text(str(answer)))
    ]


def _translated_answers(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return each translation's accepted answers, by language code."""
    translations = raw.get("translations")
    if not isinstance(translations, Mapping):
        return {}
    return {
        language: translation["answers"]
        for language, translation in translations.items()
        if isinstance(translation, Mapping) and "answers" in translation
    }


def normalise_short_answer(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Accept the source's answers and every translation's (FORMAT.md), each spelling once."""
    answers: dict[str, str] = {}
    for answer in [*raw["answers"], *(a for t in _translated_answers(raw).values() for a in t)]:
        answers.setdefault(normalise_text(str(answer)), clean(answer))
    return {"answers": list(answers.values())}


def present_short_answer(data: Data, rng: random.Random | None) -> dict[str, Any]:
    return {"max_length": MAX_TEXT_LENGTH}


def parse_short_answer(data: Data, presented: Data, values: list[str]) -> str | None:
    chosen = submitted(values)
    if len(chosen) > 1:
        raise InvalidResponse(f"short answer takes one text, got {len(chosen)}")
    text = chosen[0].strip() if chosen else None
    if text is not None and len(text) > MAX_TEXT_LENGTH:
        raise InvalidResponse(f"answer longer than {MAX_TEXT_LENGTH} characters")
    return text


def grade_short_answer(data: Data, presented: Data, response: Any) -> float:
    if not isinstance(response, str):
        return 0.0
    return float(normalise_text(response) in {normalise_text(answer) for answer in data["answers"]})
