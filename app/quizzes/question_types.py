"""Question types: how each kind of question is checked, normalised, shown, parsed and graded.

Three shapes travel through these functions, all JSON-serialisable:
- *data*: the normalised question (answer key included), stored in the database and frozen into attempts;
- *presented*: what the browser may see, with opaque ids and no answer key, frozen with the attempt;
- *response*: a trainee's parsed answer, in terms of *data* (option ids, right-hand texts), or None when
  the question was left unanswered.

Adding a type is one entry in QUESTION_TYPES and one test.
"""

from __future__ import annotations

import random
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_TEXT_LENGTH = 500
MIN_MATCHING_PAIRS = 3
MAX_OPTIONS = len(string.ascii_lowercase)

Data = Mapping[str, Any]


class InvalidResponse(ValueError):
    """A submitted answer that the presented question could not have produced."""


def _no_feedback(data: Data, presented: Data, response: Any) -> list[str]:
    return []


@dataclass(frozen=True, kw_only=True)
class QuestionType:
    """The behaviour of one kind of question.

    - normalise(raw) -> data, from a bank entry (FORMAT.md); assumes check(raw) found no problem.
    - check(raw) -> the problems with a bank entry, in plain English; [] when it is valid.
    - present(data, rng) -> presented, shuffled when an rng is given, without the answer key.
    - parse(data, presented, values) -> response, or None when every value is empty. `values` is the
      list a form submits for the question (request.form.getlist): single/multiple, presented option
      ids ("o0", "o1"...); true_false, "true" or "false"; matching, one "l<i>:r<j>" (left id, choice id)
      per answered left item; short_answer, the text. Raises InvalidResponse for anything else.
    - grade(data, presented, response) -> fraction of the points earned, in [0, 1] (None earns 0).
    - feedback_for(data, presented, response) -> the selected options' feedback, in display order.
    """

    name: str
    normalise: Callable[[Mapping[str, Any]], dict[str, Any]]
    check: Callable[[Mapping[str, Any]], list[str]]
    present: Callable[[Data, random.Random | None], dict[str, Any]]
    parse: Callable[[Data, Data, list[str]], Any]
    grade: Callable[[Data, Data, Any], float]
    feedback_for: Callable[[Data, Data, Any], list[str]] = _no_feedback


def normalise_text(text: str) -> str:
    """Return text as short answers are compared: NFKC, casefolded, inner spaces collapsed, ends trimmed."""
    collapsed = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    start, end = 0, len(collapsed)
    while start < end and _is_edge(collapsed[start]):
        start += 1
    while end > start and _is_edge(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


def _is_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def _is_text(value: Any) -> bool:
    # YAML reads `text: 1951` as a number; accept it as the text an author meant.
    return isinstance(value, str | int | float) and not isinstance(value, bool) and bool(str(value).strip())


def _clean(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _repeated(texts: Sequence[str]) -> list[str]:
    return [text for text, count in Counter(texts).items() if count > 1]


def _submitted(values: Sequence[str]) -> list[str]:
    """Drop the empty values an unanswered control submits."""
    return [value for value in values if value.strip()]


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
        if not isinstance(option, Mapping) or not _is_text(option.get("text")):
            problems.append(f"option {number} needs a text")
        elif not isinstance(option.get("correct", False), bool):
            problems.append(f"option {number}: correct must be true or false")
        elif not isinstance(option.get("feedback", ""), str | None):
            problems.append(f"option {number}: feedback must be text")
    if problems:
        return problems, 0
    problems = [f"option text repeated: {text!r}" for text in _repeated([_clean(o["text"]) for o in options])]
    return problems, sum(option.get("correct") is True for option in options)


def _check_single(raw: Mapping[str, Any]) -> list[str]:
    problems, correct = _check_options(raw, "single choice")
    if not problems and correct != 1:
        problems.append(f"single choice needs exactly one correct option, found {correct}")
    return problems


def _check_multiple(raw: Mapping[str, Any]) -> list[str]:
    problems, correct = _check_options(raw, "multiple response")
    if not problems and correct == 0:
        problems.append("multiple response needs at least one correct option, found 0")
    return problems


def _normalise_options(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "options": [
            {
                "id": string.ascii_lowercase[index],
                "text": _clean(option["text"]),
                "correct": option.get("correct") is True,
                "feedback": _clean(option.get("feedback")),
            }
            for index, option in enumerate(raw["options"])
        ]
    }


def _present_options(data: Data, rng: random.Random | None) -> dict[str, Any]:
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
    chosen = _submitted(values)
    for value in chosen:
        if value not in ids:
            raise InvalidResponse(f"unknown option {value[:40]!r}")
    if len(set(chosen)) != len(chosen):
        raise InvalidResponse("an option was submitted twice")
    return [ids[value] for value in chosen]


def _parse_single(data: Data, presented: Data, values: list[str]) -> str | None:
    chosen = _selected(data, presented, values)
    if len(chosen) > 1:
        raise InvalidResponse(f"single choice takes one option, got {len(chosen)}")
    return chosen[0] if chosen else None


def _parse_multiple(data: Data, presented: Data, values: list[str]) -> list[str] | None:
    return sorted(_selected(data, presented, values)) or None


def _grade_single(data: Data, presented: Data, response: Any) -> float:
    return float(any(option["id"] == response and option["correct"] for option in data["options"]))


def _grade_multiple(data: Data, presented: Data, response: Any) -> float:
    """Grade as FORMAT.md says: +1/c per correct option selected, -1/w per wrong one, never below 0."""
    selected = set(response or ())
    correct = [option["id"] in selected for option in data["options"] if option["correct"]]
    wrong = [option["id"] in selected for option in data["options"] if not option["correct"]]
    penalty = sum(wrong) / len(wrong) if wrong else 0.0
    return max(0.0, sum(correct) / len(correct) - penalty)


def _option_feedback(data: Data, presented: Data, response: Any) -> list[str]:
    """Return the feedback of each selected option, in the order the trainee saw them."""
    selected = {response} if isinstance(response, str) else set(response or ())
    by_id = {option["id"]: option for option in data["options"]}
    feedback = []
    for data_id in _data_ids(data, presented).values():
        if data_id in selected and by_id[data_id]["feedback"]:
            feedback.append(by_id[data_id]["feedback"])
    return feedback


# True/false -------------------------------------------------------------------------------------------


def _check_true_false(raw: Mapping[str, Any]) -> list[str]:
    return [] if isinstance(raw.get("answer"), bool) else ["true/false needs answer: true or false"]


def _normalise_true_false(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {"answer": raw["answer"]}


def _present_true_false(data: Data, rng: random.Random | None) -> dict[str, Any]:
    return {"choices": ["true", "false"]}


def _parse_true_false(data: Data, presented: Data, values: list[str]) -> bool | None:
    chosen = _submitted(values)
    if len(chosen) > 1:
        raise InvalidResponse(f"true/false takes one value, got {len(chosen)}")
    if chosen and chosen[0] not in ("true", "false"):
        raise InvalidResponse(f"true/false takes 'true' or 'false', got {chosen[0][:40]!r}")
    return chosen[0] == "true" if chosen else None


def _grade_true_false(data: Data, presented: Data, response: Any) -> float:
    return float(isinstance(response, bool) and response == data["answer"])


# Matching ---------------------------------------------------------------------------------------------


def _check_matching(raw: Mapping[str, Any]) -> list[str]:
    pairs, distractors = raw.get("pairs"), raw.get("distractors") or []
    if not isinstance(pairs, list):
        return ["matching needs a list of pairs"]
    if len(pairs) < MIN_MATCHING_PAIRS:
        return [f"matching needs at least {MIN_MATCHING_PAIRS} pairs, found {len(pairs)}"]
    problems = [
        f"pair {number} needs a left and a right text"
        for number, pair in enumerate(pairs, 1)
        if not (isinstance(pair, Mapping) and _is_text(pair.get("left")) and _is_text(pair.get("right")))
    ]
    if not isinstance(distractors, list) or not all(_is_text(item) for item in distractors):
        problems.append("matching distractors must be a list of texts")
    if problems:
        return problems
    lefts = [_clean(pair["left"]) for pair in pairs]
    rights = [_clean(pair["right"]) for pair in pairs] + [_clean(item) for item in distractors]
    return [f"left item repeated: {text!r}" for text in _repeated(lefts)] + [
        f"right-hand item repeated: {text!r}" for text in _repeated(rights)
    ]


def _normalise_matching(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "pairs": [{"left": _clean(pair["left"]), "right": _clean(pair["right"])} for pair in raw["pairs"]],
        "distractors": [_clean(item) for item in raw.get("distractors") or []],
    }


def _present_matching(data: Data, rng: random.Random | None) -> dict[str, Any]:
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


def _parse_matching(data: Data, presented: Data, values: list[str]) -> list[str | None] | None:
    """Parse values of the form "l0:r3" (left id, right id) into the chosen right text per left item."""
    lefts = [item["id"] for item in presented["left"]]
    rights = {item["id"]: item["text"] for item in presented["choices"]}
    matched: dict[str, str] = {}
    for value in _submitted(values):
        left, separator, right = value.partition(":")
        if not separator or left not in lefts or right not in rights:
            raise InvalidResponse(f"malformed match {value[:40]!r}")
        if left in matched:
            raise InvalidResponse(f"left item {left} matched twice")
        matched[left] = rights[right]
    return [matched.get(left) for left in lefts] if matched else None


def _grade_matching(data: Data, presented: Data, response: Any) -> float:
    pairs = data["pairs"]
    hits = sum(chosen == pair["right"] for chosen, pair in zip(response or (), pairs, strict=False))
    return hits / len(pairs)


# Short answer -----------------------------------------------------------------------------------------


def _check_short_answer(raw: Mapping[str, Any]) -> list[str]:
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
        if not (_is_text(answer) and normalise_text(str(answer)))
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


def _normalise_short_answer(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Accept the source's answers and every translation's (FORMAT.md), each spelling once."""
    answers: dict[str, str] = {}
    for answer in [*raw["answers"], *(a for t in _translated_answers(raw).values() for a in t)]:
        answers.setdefault(normalise_text(str(answer)), _clean(answer))
    return {"answers": list(answers.values())}


def _present_short_answer(data: Data, rng: random.Random | None) -> dict[str, Any]:
    return {"max_length": MAX_TEXT_LENGTH}


def _parse_short_answer(data: Data, presented: Data, values: list[str]) -> str | None:
    chosen = _submitted(values)
    if len(chosen) > 1:
        raise InvalidResponse(f"short answer takes one text, got {len(chosen)}")
    text = chosen[0].strip() if chosen else None
    if text is not None and len(text) > MAX_TEXT_LENGTH:
        raise InvalidResponse(f"answer longer than {MAX_TEXT_LENGTH} characters")
    return text


def _grade_short_answer(data: Data, presented: Data, response: Any) -> float:
    if not isinstance(response, str):
        return 0.0
    return float(normalise_text(response) in {normalise_text(answer) for answer in data["answers"]})


QUESTION_TYPES: dict[str, QuestionType] = {
    "single": QuestionType(
        name="single",
        normalise=_normalise_options,
        check=_check_single,
        present=_present_options,
        parse=_parse_single,
        grade=_grade_single,
        feedback_for=_option_feedback,
    ),
    "multiple": QuestionType(
        name="multiple",
        normalise=_normalise_options,
        check=_check_multiple,
        present=_present_options,
        parse=_parse_multiple,
        grade=_grade_multiple,
        feedback_for=_option_feedback,
    ),
    "true_false": QuestionType(
        name="true_false",
        normalise=_normalise_true_false,
        check=_check_true_false,
        present=_present_true_false,
        parse=_parse_true_false,
        grade=_grade_true_false,
    ),
    "matching": QuestionType(
        name="matching",
        normalise=_normalise_matching,
        check=_check_matching,
        present=_present_matching,
        parse=_parse_matching,
        grade=_grade_matching,
    ),
    "short_answer": QuestionType(
        name="short_answer",
        normalise=_normalise_short_answer,
        check=_check_short_answer,
        present=_present_short_answer,
        parse=_parse_short_answer,
        grade=_grade_short_answer,
    ),
}
