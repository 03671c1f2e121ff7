"""The closed question types, where the trainee picks among presented items: single choice, multiple
response, true/false and matching. Registered in question_types.QUESTION_TYPES.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from typing import Any

from .question_text import Data, InvalidResponse, clean, is_text, normalise_text, repeated, submitted

MIN_MATCHING_PAIRS = 3
MAX_OPTIONS = len(string.ascii_lowercase)


# Single choice and multiple response ------------------------------------------------------------------


def _check_options(raw: Mapping[str, Any], label: str) -> tuple[list[str], int]:
    """Return the structural problems with a bank entry's options, and how many are marked correct."""
    options = raw.get("options")
    if not isinstance(options, list) or len(options) < 2:
        return [f"{label} needs a list of at least 2 options"], 0
    if len(options) > MAX_OPTIONS:
        return [f"{label} takes at most {MAX_OPTIONS} options, found {len(options)}"], 0
    problems = []
    for number, option in enumerate(options, 1):
        if not isinstance(option, Mapping) or not is_text(option.get("text")):
            problems.append(f"option {number} needs a text")
        elif not isinstance(option.get("correct", False), bool):
            problems.append(f"option {number}: correct must be true or false")
        elif not isinstance(option.get("feedback", ""), str | None):
            problems.append(f"option {number}: feedback must be text")
    if problems:
        return problems, 0
    problems = [f"option text repeated: {text!r}" for text in repeated([clean(o["text"]) for o in options])]
    return problems, sum(option.get("correct") is True for option in options)


def check_single(raw: Mapping[str, Any]) -> list[str]:
    problems, correct = _check_options(raw, "single choice")
    if not problems and correct != 1:
        problems.append(f"single choice needs exactly one correct option, found {correct}")
    return problems


def check_multiple(raw: Mapping[str, Any]) -> list[str]:
    problems, correct = _check_options(raw, "multiple response")
    if not problems and correct == 0:
        problems.append("multiple response needs at least one correct option, found 0")
    return problems


def normalise_options(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "options": [
            {
                "id": string.ascii_lowercase[index],
                "text": clean(option["text"]),
                "correct": option.get("correct") is True,
                "feedback": clean(option.get("feedback")),
            }
            for index, option in enumerate(raw["options"])
        ]
    }


def present_options(data: Data, rng: random.Random | None) -> dict[str, Any]:
    # Ids are assigned after shuffling so that they never reveal an option's place in the bank
    # (authors tend to write the correct option first).
    texts = [option["text"] for option in data["options"]]
    if rng is not None:
        rng.shuffle(texts)
    return {"options": [{"id": f"o{index}", "text": text} for index, text in enumerate(texts)]}


def _data_ids(data: Data, presented: Data) -> dict[str, str]:
    """Map presented option ids to data option ids (option texts are unique within a question)."""
    by_text = {option["text"]: option["id"] for option in data["options"]}
    return {option["id"]: by_text[option["text"]] for option in presented["options"]}


def _selected(data: Data, presented: Data, values: Sequence[str]) -> list[str]:
    ids = _data_ids(data, presented)
    chosen = submitted(values)
    for value in chosen:
        if value not in ids:
            raise InvalidResponse(f"unknown option {value[:40]!r}")
    if len(set(chosen)) != len(chosen):
        raise InvalidResponse("an option was submitted twice")
    return [ids[value] for value in chosen]


def parse_single(data: Data, presented: Data, values: list[str]) -> str | None:
    chosen = _selected(data, presented, values)
    if len(chosen) > 1:
        raise InvalidResponse(f"single choice takes one option, got {len(chosen)}")
    return chosen[0] if chosen else None


def parse_multiple(data: Data, presented: Data, values: list[str]) -> list[str] | None:
    return sorted(_selected(data, presented, values)) or None


def grade_single(data: Data, presented: Data, response: Any) -> float:
    return float(any(option["id"] == response and option["correct"] for option in data["options"]))


def grade_multiple(data: Data, presented: Data, response: Any) -> float:
    """Grade as FORMAT.md says: +1/c per correct option selected, -1/w per wrong one, never below 0."""
    selected = set(response or ())
    correct = [option["id"] in selected for option in data["options"] if option["correct"]]
    wrong = [option["id"] in selected for option in data["options"] if not option["correct"]]
    penalty = sum(wrong) / len(wrong) if wrong else 0.0
    return max(0.0, sum(correct) / len(correct) - penalty)


def option_feedback(data: Data, presented: Data, response: Any) -> list[str]:
    """Return the feedback of each selected option, in the order the trainee saw them."""
    selected = {response} if isinstance(response, str) else set(response or ())
    by_id = {option["id"]: option for option in data["options"]}
    feedback = []
    for data_id in _data_ids(data, presented).values():
        if data_id in selected and by_id[data_id]["feedback"]:
            feedback.append(by_id[data_id]["feedback"])
    return feedback


# True/false -------------------------------------------------------------------------------------------


def check_true_false(raw: Mapping[str, Any]) -> list[str]:
    return [] if isinstance(raw.get("answer"), bool) else ["true/false needs answer: true or false"]


def normalise_true_false(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {"answer": raw["answer"]}


def present_true_false(data: Data, rng: random.Random | None) -> dict[str, Any]:
    return {"choices": ["true", "false"]}


def parse_true_false(data: Data, presented: Data, values: list[str]) -> bool | None:
    chosen = submitted(values)
    if len(chosen) > 1:
        raise InvalidResponse(f"true/false takes one value, got {len(chosen)}")
    if chosen and chosen[0] not in ("true", "false"):
        raise InvalidResponse(f"true/false takes 'true' or 'false', got {chosen[0][:40]!r}")
    return chosen[0] == "true" if chosen else None


def grade_true_false(data: Data, presented: Data, response: Any) -> float:
    return float(isinstance(response, bool) and response == data["answer"])


# Matching ---------------------------------------------------------------------------------------------


def check_matching(raw: Mapping[str, Any]) -> list[str]:
    pairs, distractors = raw.get("pairs"), raw.get("distractors") or []
    if not isinstance(pairs, list):
        return ["matching needs a list of pairs"]
    if len(pairs) < MIN_MATCHING_PAIRS:
        return [f"matching needs at least {MIN_MATCHING_PAIRS} pairs, found {len(pairs)}"]
    problems = [
        f"pair {number} needs a left and a right text"
        for number, pair in enumerate(pairs, 1)
        if not (isinstance(pair, Mapping) and is_text(pair.get("left")) and is_text(pair.get("right")))
    ]
    if not isinstance(distractors, list) or not all(is_text(item) for item in distractors):
        problems.append("matching distractors must be a list of texts")
    if problems:
        return problems
    lefts = [clean(pair["left"]) for pair in pairs]
    rights = [clean(pair["right"]) for pair in pairs] + [clean(item) for item in distractors]
    return [f"left item repeated: {text!r}" for text in repeated(lefts)] + [
        f"right-hand item repeated: {text!r}" for text in repeated(rights)
    ]


def normalise_matching(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "pairs": [{"left": clean(pair["left"]), "right": clean(pair["right"])} for pair in raw["pairs"]],
        "distractors": [clean(item) for item in raw.get("distractors") or []],
    }


def present_matching(data: Data, rng: random.Random | None) -> dict[str, Any]:
    # Without an rng the choices are sorted, so that their order never mirrors the pairs'.
    choices = [pair["right"] for pair in data["pairs"]] + list(data["distractors"])
    if rng is None:
        choices.sort(key=normalise_text)
    else:
        rng.shuffle(choices)
    return {
        "left": [{"id": f"l{index}", "text": pair["left"]} for index, pair in enumerate(data["pairs"])],
        "choices": [{"id": f"r{index}", "text": text} for index, text in enumerate(choices)],
    }


def parse_matching(data: Data, presented: Data, values: list[str]) -> list[str | None] | None:
    """Parse values of the form "l0:r3" (left id, right id) into the chosen right text per left item."""
    lefts = [item["id"] for item in presented["left"]]
    rights = {item["id"]: item["text"] for item in presented["choices"]}
    matched: dict[str, str] = {}
    for value in submitted(values):
        left, separator, right = value.partition(":")
        if not separator or left not in lefts or right not in rights:
            raise InvalidResponse(f"malformed match {value[:40]!r}")
        if left in matched:
            raise InvalidResponse(f"left item {left} matched twice")
        matched[left] = rights[right]
    return [matched.get(left) for left in lefts] if matched else None


def grade_matching(data: Data, presented: Data, response: Any) -> float:
    pairs = data["pairs"]
    hits = sum(chosen == pair["right"] for chosen, pair in zip(response or (), pairs, strict=False))
    return hits / len(pairs)
