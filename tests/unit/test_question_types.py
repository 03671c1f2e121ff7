"""Question types: the contract every registered type keeps, then each type's own rules."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quizzes.question_text import InvalidResponse, normalise_text
from app.quizzes.question_types import QUESTION_TYPES

SINGLE = {
    "type": "single",
    "options": [
        {
            "text": "It always involves crossing a border.",
            "correct": True,
            "feedback": "Right: illegal entry.",
        },
        {"text": "It requires exploitation.", "feedback": "That is trafficking."},
        {"text": "It needs a victim."},
    ],
}
MULTIPLE = {
    "type": "multiple",
    "options": [
        {"text": "Withholding of wages", "correct": True, "feedback": "An ILO indicator."},
        {"text": "Retention of documents", "correct": True},
        {"text": "Paid overtime", "feedback": "Lawful."},
        {"text": "A written contract"},
    ],
}
TRUE_FALSE = {"type": "true_false", "answer": True}
MATCHING = {
    "type": "matching",
    "pairs": [
        {"left": "Individual", "right": "Age and personal history"},
        {"left": "Community", "right": "Access to services"},
        {"left": "Structural", "right": "Laws and policies"},
    ],
    "distractors": ["The weather"],
}
SHORT_ANSWER = {
    "type": "short_answer",
    "answers": ["Центар за социјална работа", "Centre for Social Work", "CSW"],
}

# One valid bank entry per registered type: adding a type means adding its sample here.
SAMPLES = {
    "single": SINGLE,
    "multiple": MULTIPLE,
    "true_false": TRUE_FALSE,
    "matching": MATCHING,
    "short_answer": SHORT_ANSWER,
}
ANSWER_KEYS = {"correct", "feedback", "answers", "answer", "pairs", "distractors"}


def served(raw: dict[str, Any], seed: int | None = 7) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (data, presented) for a bank entry, as an attempt freezes them."""
    question_type = QUESTION_TYPES[raw["type"]]
    data = question_type.normalise(raw)
    return data, question_type.present(data, None if seed is None else random.Random(seed))


def presented_id(presented: dict[str, Any], text: str, items: str = "options") -> str:
    return next(item["id"] for item in presented[items] if item["text"] == text)


def full_marks_values(raw: dict[str, Any], data: dict[str, Any], presented: dict[str, Any]) -> list[str]:
    """Return the form values of a fully correct answer."""
    kind = raw["type"]
    if kind in ("single", "multiple"):
        return [presented_id(presented, option["text"]) for option in data["options"] if option["correct"]]
    if kind == "true_false":
        return [str(data["answer"]).lower()]
    if kind == "matching":
        return [
            f"{left['id']}:{presented_id(presented, pair['right'], 'choices')}"
            for left, pair in zip(presented["left"], data["pairs"], strict=True)
        ]
    return [data["answers"][0]]


def keys_in(value: Any) -> set[str]:
    """Return every dict key anywhere in a JSON-like value."""
    if isinstance(value, dict):
        return set(value).union(*(keys_in(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_in(item) for item in value))
    return set()


def roundtrips(value: Any) -> bool:
    return json.loads(json.dumps(value)) == value


# The contract ------------------------------------------------------------------------------------------


def test_every_registered_type_has_a_sample() -> None:
    assert set(SAMPLES) == set(QUESTION_TYPES)
    assert all(name == question_type.name for name, question_type in QUESTION_TYPES.items())


@pytest.mark.parametrize("kind", sorted(SAMPLES))
class TestContract:
    def test_sample_is_valid_and_data_is_json(self, kind: str) -> None:
        raw = SAMPLES[kind]
        assert QUESTION_TYPES[kind].check(raw) == []
        data, presented = served(raw)
        assert roundtrips(data)
        assert roundtrips(presented)

    def test_presented_hides_the_answer_key(self, kind: str) -> None:
        _, presented = served(SAMPLES[kind])
        assert not keys_in(presented) & ANSWER_KEYS
        assert "correct" not in json.dumps(presented)

    def test_present_is_deterministic_for_a_seed(self, kind: str) -> None:
        assert served(SAMPLES[kind], seed=3) == served(SAMPLES[kind], seed=3)

    def test_empty_submission_is_unanswered_and_earns_nothing(self, kind: str) -> None:
        question_type = QUESTION_TYPES[kind]
        data, presented = served(SAMPLES[kind])
        assert question_type.parse(data, presented, []) is None
        assert question_type.parse(data, presented, ["", "  "]) is None
        assert question_type.grade(data, presented, None) == 0.0

    def test_correct_answer_earns_full_marks(self, kind: str) -> None:
        question_type = QUESTION_TYPES[kind]
        data, presented = served(SAMPLES[kind])
        response = question_type.parse(data, presented, full_marks_values(SAMPLES[kind], data, presented))
        assert roundtrips(response)
        assert question_type.grade(data, presented, response) == 1.0

    def test_overlong_value_is_invalid(self, kind: str) -> None:
        data, presented = served(SAMPLES[kind])
        with pytest.raises(InvalidResponse):
            QUESTION_TYPES[kind].parse(data, presented, ["x" * 501])

    def test_not_a_mapping_of_the_right_shape_is_reported(self, kind: str) -> None:
        assert QUESTION_TYPES[kind].check({"type": kind}) != []


# Single choice ------------------------------------------------------------------------------------------


def test_single_normalises_ids_in_file_order_with_defaults() -> None:
    data = QUESTION_TYPES["single"].normalise(SINGLE)
    assert data["options"][1:] == [
        {
            "id": "b",
            "text": "It requires exploitation.",
            "correct": False,
            "feedback": "That is trafficking.",
        },
        {"id": "c", "text": "It needs a victim.", "correct": False, "feedback": ""},
    ]
    assert data["options"][0]["id"] == "a"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            [{"text": "a", "correct": True}, {"text": "b", "correct": True}],
            "single choice needs exactly one correct option, found 2",
        ),
        ([{"text": "a"}, {"text": "b"}], "single choice needs exactly one correct option, found 0"),
        ([{"text": "a", "correct": True}], "single choice needs a list of at least 2 options"),
        ("a, b", "single choice needs a list of at least 2 options"),
        ([{"text": "a", "correct": True}, {"text": " "}], "option 2 needs a text"),
        ([{"text": "a", "correct": True}, "b"], "option 2 needs a text"),
        ([{"text": "a", "correct": "yes"}, {"text": "b"}], "option 1: correct must be true or false"),
        (
            [{"text": "a", "correct": True}, {"text": "b", "feedback": ["x"]}],
            "option 2: feedback must be text",
        ),
        ([{"text": "a", "correct": True}, {"text": "a "}], "option text repeated: 'a'"),
        (
            [{"text": str(n), "correct": n == 0} for n in range(27)],
            "single choice takes at most 26 options, found 27",
        ),
    ],
)
def test_single_check_reports(options: Any, message: str) -> None:
    assert QUESTION_TYPES["single"].check({"type": "single", "options": options}) == [message]


def test_single_accepts_numbers_as_option_texts() -> None:
    raw = {"type": "single", "options": [{"text": 1951, "correct": True}, {"text": 1967}]}
    assert QUESTION_TYPES["single"].check(raw) == []
    assert [option["text"] for option in QUESTION_TYPES["single"].normalise(raw)["options"]] == [
        "1951",
        "1967",
    ]


def test_presented_option_ids_are_assigned_after_shuffling() -> None:
    data, presented = served(SINGLE, seed=1)
    assert [option["id"] for option in presented["options"]] == ["o0", "o1", "o2"]
    assert sorted(option["text"] for option in presented["options"]) == sorted(
        o["text"] for o in data["options"]
    )


def test_present_without_rng_keeps_file_order() -> None:
    data, presented = served(SINGLE, seed=None)
    assert [option["text"] for option in presented["options"]] == [
        option["text"] for option in data["options"]
    ]


def test_some_seed_changes_the_order() -> None:
    orders = {tuple(o["text"] for o in served(MULTIPLE, seed=seed)[1]["options"]) for seed in range(20)}
    assert len(orders) > 1


def test_single_response_is_the_data_id() -> None:
    data, presented = served(SINGLE)
    values = [presented_id(presented, "It requires exploitation.")]
    response = QUESTION_TYPES["single"].parse(data, presented, values)
    assert response == "b"
    assert QUESTION_TYPES["single"].grade(data, presented, response) == 0.0
    assert QUESTION_TYPES["single"].feedback_for(data, presented, response) == ["That is trafficking."]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["o0", "o1"], "single choice takes one option, got 2"),
        (["a"], "unknown option 'a'"),
        (["o9"], "unknown option 'o9'"),
    ],
)
def test_single_parse_rejects(values: list[str], message: str) -> None:
    data, presented = served(SINGLE)
    with pytest.raises(InvalidResponse, match=message):
        QUESTION_TYPES["single"].parse(data, presented, values)


# Multiple response --------------------------------------------------------------------------------------


def grade_multiple(raw: dict[str, Any], selected_texts: list[str]) -> float:
    data, presented = served(raw)
    values = [presented_id(presented, text) for text in selected_texts]
    response = QUESTION_TYPES["multiple"].parse(data, presented, values)
    return QUESTION_TYPES["multiple"].grade(data, presented, response)


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        # c = 2 correct, w = 2 wrong: each correct +1/2, each wrong -1/2.
        (["Withholding of wages"], 0.5),
        (["Withholding of wages", "Retention of documents"], 1.0),
        (["Withholding of wages", "Paid overtime"], 0.0),  # 1/2 - 1/2
        (["Withholding of wages", "Retention of documents", "Paid overtime"], 0.5),  # 1 - 1/2
        (["Paid overtime"], 0.0),  # -1/2 floored at 0
        (["Withholding of wages", "Retention of documents", "Paid overtime", "A written contract"], 0.0),
    ],
)
def test_multiple_partial_credit(selected: list[str], expected: float) -> None:
    assert grade_multiple(MULTIPLE, selected) == pytest.approx(expected)


def test_multiple_uneven_counts() -> None:
    raw = {"type": "multiple", "options": [{"text": t, "correct": t != "d"} for t in "abcd"]}
    # c = 3, w = 1: two correct = 2/3; three correct and the wrong one = 1 - 1 = 0.
    assert grade_multiple(raw, ["a", "b"]) == pytest.approx(2 / 3)
    assert grade_multiple(raw, ["a", "b", "c", "d"]) == 0.0


def test_multiple_without_wrong_options_has_no_penalty_term() -> None:
    raw = {"type": "multiple", "options": [{"text": t, "correct": True} for t in "abc"]}
    assert grade_multiple(raw, ["a", "b", "c"]) == 1.0
    assert grade_multiple(raw, ["a"]) == pytest.approx(1 / 3)


def test_multiple_response_is_sorted_data_ids_and_feedback_follows_display_order() -> None:
    data, presented = served(MULTIPLE, seed=5)
    values = [presented_id(presented, text) for text in ("Paid overtime", "Withholding of wages")]
    response = QUESTION_TYPES["multiple"].parse(data, presented, values)
    assert response == ["a", "c"]
    shown = [
        o["text"] for o in presented["options"] if o["text"] in ("Paid overtime", "Withholding of wages")
    ]
    expected = {"Paid overtime": "Lawful.", "Withholding of wages": "An ILO indicator."}
    assert QUESTION_TYPES["multiple"].feedback_for(data, presented, response) == [expected[t] for t in shown]


def test_multiple_check_and_duplicates() -> None:
    raw = {"type": "multiple", "options": [{"text": "a"}, {"text": "b"}]}
    assert QUESTION_TYPES["multiple"].check(raw) == [
        "multiple response needs at least one correct option, found 0"
    ]
    data, presented = served(MULTIPLE)
    with pytest.raises(InvalidResponse, match="submitted twice"):
        QUESTION_TYPES["multiple"].parse(data, presented, ["o1", "o1"])


# True/false ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "expected"), [(["true"], 1.0), (["false"], 0.0)])
def test_true_false_grade(values: list[str], expected: float) -> None:
    data, presented = served(TRUE_FALSE)
    response = QUESTION_TYPES["true_false"].parse(data, presented, values)
    assert response is (values == ["true"])
    assert QUESTION_TYPES["true_false"].grade(data, presented, response) == expected
    assert presented == {"choices": ["true", "false"]}


@pytest.mark.parametrize("values", [["yes"], ["true", "false"], ["True"]])
def test_true_false_parse_rejects(values: list[str]) -> None:
    data, presented = served(TRUE_FALSE)
    with pytest.raises(InvalidResponse):
        QUESTION_TYPES["true_false"].parse(data, presented, values)


@pytest.mark.parametrize("answer", ["true", 1, None])
def test_true_false_check_needs_a_boolean(answer: Any) -> None:
    assert QUESTION_TYPES["true_false"].check({"answer": answer}) == [
        "true/false needs answer: true or false"
    ]


# Matching -----------------------------------------------------------------------------------------------


def test_matching_presents_left_in_order_and_shuffled_opaque_choices() -> None:
    _, presented = served(MATCHING, seed=11)
    assert presented["left"] == [
        {"id": "l0", "text": "Individual"},
        {"id": "l1", "text": "Community"},
        {"id": "l2", "text": "Structural"},
    ]
    assert [choice["id"] for choice in presented["choices"]] == ["r0", "r1", "r2", "r3"]
    assert {choice["text"] for choice in presented["choices"]} == {
        "Age and personal history",
        "Access to services",
        "Laws and policies",
        "The weather",
    }


def test_matching_without_rng_sorts_choices_so_they_do_not_mirror_pairs() -> None:
    _, presented = served(MATCHING, seed=None)
    texts = [choice["text"] for choice in presented["choices"]]
    assert texts == ["Access to services", "Age and personal history", "Laws and policies", "The weather"]


def test_matching_partial_credit_and_response_shape() -> None:
    data, presented = served(MATCHING)
    weather = presented_id(presented, "The weather", "choices")
    services = presented_id(presented, "Access to services", "choices")
    laws = presented_id(presented, "Laws and policies", "choices")
    response = QUESTION_TYPES["matching"].parse(
        data, presented, [f"l1:{services}", f"l0:{weather}", f"l2:{laws}"]
    )
    assert response == ["The weather", "Access to services", "Laws and policies"]
    # 2 of 3 left items right.
    assert QUESTION_TYPES["matching"].grade(data, presented, response) == pytest.approx(2 / 3)
    partial = QUESTION_TYPES["matching"].parse(data, presented, [f"l2:{laws}", ""])
    assert partial == [None, None, "Laws and policies"]
    assert QUESTION_TYPES["matching"].grade(data, presented, partial) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["l0"], "malformed match 'l0'"),
        (["l9:r0"], "malformed match 'l9:r0'"),
        (["l0:r9"], "malformed match 'l0:r9'"),
        (["l0:r0", "l0:r1"], "left item l0 matched twice"),
    ],
)
def test_matching_parse_rejects(values: list[str], message: str) -> None:
    data, presented = served(MATCHING)
    with pytest.raises(InvalidResponse, match=message):
        QUESTION_TYPES["matching"].parse(data, presented, values)


@pytest.mark.parametrize(
    ("raw", "messages"),
    [
        ({"pairs": MATCHING["pairs"][:2]}, ["matching needs at least 3 pairs, found 2"]),
        ({"pairs": "a -> b"}, ["matching needs a list of pairs"]),
        ({"pairs": [*MATCHING["pairs"], {"left": "x"}]}, ["pair 4 needs a left and a right text"]),
        ({"pairs": MATCHING["pairs"], "distractors": "x"}, ["matching distractors must be a list of texts"]),
        (
            {
                "pairs": [*MATCHING["pairs"], {"left": "Individual", "right": "x"}],
                "distractors": ["Access to services"],
            },
            ["left item repeated: 'Individual'", "right-hand item repeated: 'Access to services'"],
        ),
    ],
)
def test_matching_check_reports(raw: dict[str, Any], messages: list[str]) -> None:
    assert QUESTION_TYPES["matching"].check(raw) == messages


@pytest.mark.parametrize(
    "raw", [{"pairs": MATCHING["pairs"]}, {"pairs": MATCHING["pairs"], "distractors": None}]
)
def test_matching_distractors_are_optional(raw: dict[str, Any]) -> None:
    assert QUESTION_TYPES["matching"].check(raw) == []
    assert QUESTION_TYPES["matching"].normalise(raw)["distractors"] == []


# Short answer -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("центар  за социјална работа ", 1.0),
        ("ЦЕНТАР ЗА СОЦИЈАЛНА РАБОТА.", 1.0),
        ("  Centre\tfor   social work!", 1.0),
        ("«csw»", 1.0),
        ("ＣＳＷ", 1.0),  # full-width letters, folded by NFKC
        ("Centre for Social", 0.0),
        ("Center for Social Work", 0.0),  # only the listed spellings count
    ],
)
def test_short_answer_comparison(typed: str, expected: float) -> None:
    data, presented = served(SHORT_ANSWER)
    response = QUESTION_TYPES["short_answer"].parse(data, presented, [typed])
    assert QUESTION_TYPES["short_answer"].grade(data, presented, response) == expected


def test_normalise_text_keeps_inner_punctuation() -> None:
    assert normalise_text(" ...Don't  STOP!? ") == "don't stop"
    assert normalise_text("!!!") == ""


@pytest.mark.parametrize(
    ("values", "message"),
    [(["a", "b"], "short answer takes one text, got 2"), (["x" * 501], "longer than 500")],
)
def test_short_answer_parse_rejects(values: list[str], message: str) -> None:
    data, presented = served(SHORT_ANSWER)
    with pytest.raises(InvalidResponse, match=message):
        QUESTION_TYPES["short_answer"].parse(data, presented, values)


def test_short_answer_accepts_500_characters_and_strips() -> None:
    data, presented = served(SHORT_ANSWER)
    assert QUESTION_TYPES["short_answer"].parse(data, presented, [" " + "x" * 500 + " "]) == "x" * 500
    assert presented == {"max_length": 500}


@pytest.mark.parametrize(
    ("answers", "messages"),
    [
        ([], ["short answer needs a list of accepted answers"]),
        ("CSW", ["short answer needs a list of accepted answers"]),
        (["CSW", "?!", None], ["accepted answer 2 is empty", "accepted answer 3 is empty"]),
    ],
)
def test_short_answer_check_reports(answers: Any, messages: list[str]) -> None:
    assert QUESTION_TYPES["short_answer"].check({"answers": answers}) == messages


def test_short_answer_accepts_every_translations_answers_once() -> None:
    raw = {
        "type": "short_answer",
        "answers": ["Centre for Social Work", "CSW"],
        "translations": {
            "mk": {"prompt": "...", "answers": ["Центар за социјална работа", "ЦСР", "csw"]},
            "sq": {"prompt": "..."},
        },
    }
    assert QUESTION_TYPES["short_answer"].check(raw) == []
    data, presented = served(raw)
    # "csw" is the source's "CSW" once normalised, so it is kept once.
    assert data == {"answers": ["Centre for Social Work", "CSW", "Центар за социјална работа", "ЦСР"]}
    response = QUESTION_TYPES["short_answer"].parse(data, presented, ["цср"])
    assert QUESTION_TYPES["short_answer"].grade(data, presented, response) == 1.0


@pytest.mark.parametrize(
    ("translations", "messages"),
    [
        ({"mk": {"answers": "ЦСР"}}, ["mk: accepted answers must be a list"]),
        ({"mk": {"answers": ["ЦСР", " "]}}, ["mk: accepted answer 2 is empty"]),
        ("mk", []),
    ],
)
def test_short_answer_check_reports_translated_answers(translations: Any, messages: list[str]) -> None:
    raw = {"answers": ["CSW"], "translations": translations}
    assert QUESTION_TYPES["short_answer"].check(raw) == messages


# Properties ---------------------------------------------------------------------------------------------

texts = st.text(st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=12).filter(
    lambda text: text.strip()
)
option_lists = st.lists(texts.map(str.strip), min_size=2, max_size=8, unique=True)


@st.composite
def choice_questions(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    option_texts = draw(option_lists)
    if kind == "single":
        correct = draw(st.integers(0, len(option_texts) - 1))
        flags = [index == correct for index in range(len(option_texts))]
    else:
        flags = draw(st.lists(st.booleans(), min_size=len(option_texts), max_size=len(option_texts)))
        flags[0] = True
    return {
        "type": kind,
        "options": [{"text": t, "correct": f} for t, f in zip(option_texts, flags, strict=True)],
    }


@st.composite
def matching_questions(draw: st.DrawFn) -> dict[str, Any]:
    lefts = draw(st.lists(texts.map(str.strip), min_size=3, max_size=6, unique=True))
    rights = draw(
        st.lists(texts.map(str.strip), min_size=len(lefts) + 2, max_size=len(lefts) + 2, unique=True)
    )
    pairs = [{"left": left, "right": right} for left, right in zip(lefts, rights, strict=False)]
    return {"type": "matching", "pairs": pairs, "distractors": rights[len(lefts) :]}


any_question = st.one_of(
    choice_questions("single"),
    choice_questions("multiple"),
    st.builds(lambda answer: {"type": "true_false", "answer": answer}, st.booleans()),
    matching_questions(),
    st.builds(
        lambda answers: {"type": "short_answer", "answers": answers}, st.lists(texts, min_size=1, max_size=4)
    ).filter(lambda raw: all(normalise_text(answer) for answer in raw["answers"])),
)


def candidate_values(data: st.DataObject, kind: str, presented: dict[str, Any]) -> list[str]:
    """Draw form values an honest form could submit for the presented question."""
    draw = data.draw
    if kind in ("single", "multiple"):
        ids = [option["id"] for option in presented["options"]]
        return draw(st.lists(st.sampled_from(ids), unique=True, max_size=1 if kind == "single" else len(ids)))
    if kind == "true_false":
        return draw(st.lists(st.sampled_from(["true", "false"]), max_size=1))
    if kind == "matching":
        choices = [choice["id"] for choice in presented["choices"]]
        return [
            f"{left['id']}:{draw(st.sampled_from(choices))}"
            for left in presented["left"]
            if draw(st.booleans())
        ]
    return draw(st.lists(texts, max_size=1))


@given(raw=any_question, seed=st.integers(0, 2**32), data=st.data())
def test_any_honest_answer_grades_in_unit_interval(
    raw: dict[str, Any], seed: int, data: st.DataObject
) -> None:
    question_type = QUESTION_TYPES[raw["type"]]
    assert question_type.check(raw) == []
    question, presented = served(raw, seed)
    response = question_type.parse(question, presented, candidate_values(data, raw["type"], presented))
    assert roundtrips(response)
    assert 0.0 <= question_type.grade(question, presented, response) <= 1.0


@given(raw=any_question, seed=st.none() | st.integers(0, 2**32))
def test_presented_never_carries_the_answer_key(raw: dict[str, Any], seed: int | None) -> None:
    _, presented = served(raw, seed)
    assert not keys_in(presented) & ANSWER_KEYS
    assert roundtrips(presented)


@given(raw=choice_questions("multiple"), seed=st.integers(0, 2**32))
def test_selecting_every_option_earns_nothing_when_some_are_wrong(raw: dict[str, Any], seed: int) -> None:
    data, presented = served(raw, seed)
    response = QUESTION_TYPES["multiple"].parse(
        data, presented, [option["id"] for option in presented["options"]]
    )
    expected = 1.0 if all(option["correct"] for option in data["options"]) else 0.0
    assert QUESTION_TYPES["multiple"].grade(data, presented, response) == expected


@given(answer=texts, noise=st.sampled_from(["", " ", ".", "!", "  \t"]))
def test_short_answer_ignores_spacing_and_surrounding_noise(answer: str, noise: str) -> None:
    raw = {"type": "short_answer", "answers": [answer]}
    if QUESTION_TYPES["short_answer"].check(raw):
        return
    data, presented = served(raw)
    typed = noise + answer.replace(" ", "  ") + noise
    response = QUESTION_TYPES["short_answer"].parse(data, presented, [typed])
    assert QUESTION_TYPES["short_answer"].grade(data, presented, response) == 1.0
