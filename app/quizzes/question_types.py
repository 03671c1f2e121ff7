"""Question types: how each kind of question is checked, normalised, shown, parsed and graded.

Three shapes travel through these functions, all JSON-serialisable:
- *data*: the normalised question (answer key included), stored in the database and frozen into attempts;
- *presented*: what the browser may see, with opaque ids and no answer key, frozen with the attempt;
- *response*: a trainee's parsed answer, in terms of *data* (option ids, right-hand texts), or None when
  the question was left unanswered.

Each type's functions live with their kind: choice_questions.py (single, multiple, true_false, matching)
and short_answer.py; what they share (InvalidResponse, text normalising) is in question_text.py. Adding a
type is its functions, one entry in QUESTION_TYPES and one test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import choice_questions as choice
from . import short_answer
from .question_text import Data


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


QUESTION_TYPES: dict[str, QuestionType] = {
    "single": QuestionType(
        name="single",
        normalise=choice.normalise_options,
        check=choice.check_single,
        present=choice.present_options,
        parse=choice.parse_single,
        grade=choice.grade_single,
        feedback_for=choice.option_feedback,
    ),
    "multiple": QuestionType(
        name="multiple",
        normalise=choice.normalise_options,
        check=choice.check_multiple,
        present=choice.present_options,
        parse=choice.parse_multiple,
        grade=choice.grade_multiple,
        feedback_for=choice.option_feedback,
    ),
    "true_false": QuestionType(
        name="true_false",
        normalise=choice.normalise_true_false,
        check=choice.check_true_false,
        present=choice.present_true_false,
        parse=choice.parse_true_false,
        grade=choice.grade_true_false,
    ),
    "matching": QuestionType(
        name="matching",
        normalise=choice.normalise_matching,
        check=choice.check_matching,
        present=choice.present_matching,
        parse=choice.parse_matching,
        grade=choice.grade_matching,
    ),
    "short_answer": QuestionType(
        name="short_answer",
        normalise=short_answer.normalise_short_answer,
        check=short_answer.check_short_answer,
        present=short_answer.present_short_answer,
        parse=short_answer.parse_short_answer,
        grade=short_answer.grade_short_answer,
    ),
}
