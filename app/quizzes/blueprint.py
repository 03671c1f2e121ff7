"""Drawing and freezing the questions of an attempt. Pure: no Flask, no database.

The pre-test and the post-test follow one blueprint, the same number of questions from every
module, so that the two scores measure the same ground and the gain between them is comparable.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .question_types import QUESTION_TYPES

TEXT_KEYS = ("options", "pairs", "distractors")


@dataclass(frozen=True)
class BankQuestion:
    module: str
    key: str
    type: str
    points: float
    prompt: str
    feedback: str
    data: dict[str, Any]
    translations: dict[str, Any]


def draw(
    bank: Mapping[str, Sequence[BankQuestion]], per_module: int, rng: random.Random, shuffle: bool
) -> list[BankQuestion]:
    """Pick `per_module` questions from each module (all of them where it has fewer), in module order."""
    chosen: list[BankQuestion] = []
    for module in bank:
        questions = sorted(bank[module], key=lambda q: q.key)
        chosen += rng.sample(questions, min(per_module, len(questions)))
    if shuffle:
        rng.shuffle(chosen)
    return chosen


def draw_size_refusal(requested: int, shared_sizes: Sequence[int], started: bool) -> str | None:
    """Why the quizzes sharing one draw cannot all take `requested` questions per module, or None.

    `shared_sizes` holds the questions_per_module of every quiz with the same draw seed (the pre-test and the
    post-test), the edited one included. They must always draw the same number: with the same seed but
    another number, the post-test would draw other questions and the gain would compare different items.
    So the number is set for the whole group at once, and is fixed ("started") once any of them has an
    attempt, whose questions were drawn with the old number. A quiz with no partner is free to change.
    """
    if len(shared_sizes) < 2:
        return None
    if started and any(size != requested for size in shared_sizes):
        return "started"
    return None


def _nth(items: Any, index: int) -> Any:
    """Return items[index] when the translation has it, else None (the source text is then used)."""
    return items[index] if isinstance(items, list) and index < len(items) else None


def localized(question: BankQuestion, language: str) -> tuple[str, str, dict[str, Any]]:
    """Return the prompt, feedback and data in the language, falling back to the source text item by item."""
    texts = question.translations.get(language) or {}
    data = dict(question.data)
    if question.type in ("single", "multiple"):
        data["options"] = [
            {
                **option,
                "text": (_nth(texts.get("options"), i) or {}).get("text") or option["text"],
                "feedback": (_nth(texts.get("options"), i) or {}).get("feedback") or option["feedback"],
            }
            for i, option in enumerate(question.data["options"])
        ]
    if question.type == "matching":
        data["pairs"] = [
            {
                "left": (_nth(texts.get("pairs"), i) or {}).get("left") or pair["left"],
                "right": (_nth(texts.get("pairs"), i) or {}).get("right") or pair["right"],
            }
            for i, pair in enumerate(question.data["pairs"])
        ]
        data["distractors"] = [
            _nth(texts.get("distractors"), i) or item for i, item in enumerate(question.data["distractors"])
        ]
    return texts.get("prompt") or question.prompt, texts.get("feedback") or question.feedback, data


def freeze(
    questions: Sequence[BankQuestion],
    language: str,
    rng: random.Random,
    shuffle_options: bool,
    render: Callable[[str], str],
) -> list[dict[str, Any]]:
    """Return the attempt's frozen copy: everything needed to show, grade and review it later."""
    frozen = []
    for question in questions:
        prompt, feedback, data = localized(question, language)
        presented = QUESTION_TYPES[question.type].present(data, rng if shuffle_options else None)
        frozen.append(
            {
                "key": f"{question.module}/{question.key}",
                "module": question.module,
                "type": question.type,
                "points": question.points,
                "prompt_html": render(prompt),
                "feedback_html": render(feedback),
                "data": data,
                "presented": presented,
            }
        )
    return frozen


def form_values(question: dict[str, Any], response: Any) -> list[str]:
    """Return the form values that would submit `response` again, to refill the form on return."""
    if response is None:
        return []
    kind, data, presented = question["type"], question["data"], question["presented"]
    if kind in ("single", "multiple"):
        texts = {option["id"]: option["text"] for option in data["options"]}
        chosen = {texts.get(item) for item in (response if kind == "multiple" else [response])}
        return [option["id"] for option in presented["options"] if option["text"] in chosen]
    if kind == "true_false":
        return ["true" if response else "false"]
    if kind == "matching":
        ids = {choice["text"]: choice["id"] for choice in presented["choices"]}
        return [
            f"{left['id']}:{ids[text]}"
            for left, text in zip(presented["left"], response, strict=False)
            if text in ids
        ]
    return [str(response)]
