"""The GIFT parser: every supported construct, every reported error, and no exception on any input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.problems import Problem
from app.quizzes.gift import parse_gift
from app.quizzes.question_types import QUESTION_TYPES

FIXTURES = Path(__file__).parent / "gift"


def parse_fixture(name: str) -> tuple[list[dict[str, Any]], list[str]]:
    result = parse_gift((FIXTURES / name).read_text(encoding="utf-8"), name)
    return result.questions, [str(error) for error in result.errors]


def entry(key: str, line: int, category: str | None, *, feedback: str = "", **fields: Any) -> dict[str, Any]:
    """Return a parsed question with the defaults the parser fills in."""
    return {"key": key, **fields, "feedback": feedback, "points": 1, "category": category, "line": line}


KEY_TERMS = "$course$/top/Key terms"
DETERMINANTS = "$course$/top/Determinants"
EVERY_CONSTRUCT = [
    entry(
        "smuggling-or-trafficking",
        6,
        KEY_TERMS,
        prompt="Which statement describes **smuggling** of migrants?",
        type="single",
        options=[
            {
                "text": "It involves illegal entry into another State.",
                "correct": True,
                "feedback": "Right: smuggling is about illegal entry.",
            },
            {
                "text": "It requires exploitation of the person.",
                "correct": False,
                "feedback": "Exploitation is the purpose element of trafficking.",
            },
            {"text": "It is always a crime against the person.", "correct": False, "feedback": ""},
        ],
        feedback="Smuggling is a crime against the State; trafficking is a crime against the person.",
    ),
    entry(
        "ilo-indicators",
        14,
        KEY_TERMS,
        prompt="Which are <em>ILO indicators</em> of forced labour?",
        type="multiple",
        options=[
            {"text": "Withholding of wages", "correct": True, "feedback": "Yes: an indicator."},
            {"text": "Retention of identity documents", "correct": True, "feedback": ""},
            {"text": "Paid overtime", "correct": False, "feedback": "No: paid overtime is lawful."},
        ],
    ),
    entry(
        "consent-irrelevant",
        20,
        KEY_TERMS,
        prompt="Consent of a victim of trafficking is irrelevant once any of the means is used.",
        type="true_false",
        answer=True,
        feedback="The Palermo Protocol, article 3(b).",
    ),
    entry(
        "smuggling-consent",
        22,
        KEY_TERMS,
        prompt="Smuggled migrants never consent to being smuggled.",
        type="true_false",
        answer=False,
    ),
    entry(
        "question-24",
        24,
        KEY_TERMS,
        prompt="Unaccompanied children are always asylum seekers.",
        type="true_false",
        answer=False,
    ),
    entry(
        "true-spelling",
        26,
        KEY_TERMS,
        prompt="Children can be trafficked without any of the means being used.",
        type="true_false",
        answer=True,
    ),
    entry(
        "levels",
        30,
        DETERMINANTS,
        prompt="Match each level of the DoMV model with an example.",
        type="matching",
        pairs=[
            {"left": "Individual", "right": "Age and personal history"},
            {"left": "Household and family", "right": "Family size and socio-economic status"},
            {"left": "Community", "right": "Access to services"},
            {"left": "Structural", "right": "Laws and policies"},
        ],
        distractors=["The weather"],
        feedback="Each level holds factors of its own kind.",
    ),
    entry(
        "csw",
        39,
        DETERMINANTS,
        prompt="What does CSW stand for?",
        type="short_answer",
        answers=["Centre for Social Work", "Center for Social Work", "CSW"],
        feedback="UK spelling\n\nUS spelling",
    ),
    entry(
        "question-41",
        41,
        DETERMINANTS,
        prompt="Како се вика институцијата?",
        type="short_answer",
        answers=["Центар за социјална работа", "ЦСР"],
    ),
    entry(
        "escapes-all-of-them",
        43,
        DETERMINANTS,
        prompt="Escaped ~ = # { } : in text\nsecond line",
        type="single",
        options=[
            {"text": "a = b", "correct": True, "feedback": "x # y"},
            {"text": "c ~ d", "correct": False, "feedback": ""},
        ],
    ),
    entry(
        "missing-word",
        45,
        DETERMINANTS,
        prompt="Trafficking is a _____ under the Criminal Code.",
        type="single",
        options=[
            {"text": "misdemeanour", "correct": False, "feedback": ""},
            {"text": "crime", "correct": True, "feedback": ""},
            {"text": "civil matter", "correct": False, "feedback": ""},
        ],
    ),
]


def test_every_construct_is_parsed_exactly() -> None:
    questions, errors = parse_fixture("every_construct.gift")
    assert errors == []
    assert questions == EVERY_CONSTRUCT


def test_parsed_questions_are_valid_bank_entries() -> None:
    questions, _ = parse_fixture("every_construct.gift")
    for question in questions:
        question_type = QUESTION_TYPES[question["type"]]
        assert question_type.check(question) == []
        question_type.normalise(question)


def test_malformed_file_reports_every_error_with_its_line() -> None:
    questions, errors = parse_fixture("malformed.gift")
    assert errors == [
        "malformed.gift:2: unclosed brace: '{' has no matching '}'",
        "malformed.gift:4: unsupported question type (numerical)",
        "malformed.gift:6: single choice needs exactly one correct option, found 0",
        "malformed.gift:8: matching needs at least 3 pairs, found 2",
        "malformed.gift:10: unsupported question type (essay)",
        "malformed.gift:12: no answer block: expected {...} after the question text",
        "malformed.gift:16: bad weight: expected a percent between %-100% and %100%, e.g. ~%50%",
        "malformed.gift:19: unclosed title: '::' has no closing '::'",
        "malformed.gift:23: duplicate key 'dup' (first used on line 21)",
        "malformed.gift:25: '}' without a matching '{'",
        "malformed.gift:27: unexpected '{': a question has one answer block",
        "malformed.gift:29: %weight% is only supported in multiple choice",
    ]
    assert [question["key"] for question in questions] == ["dup", "fine"]


def test_gift_error_reads_as_file_line_message() -> None:
    assert str(Problem("bank.gift", 7, "no answer block")) == "bank.gift:7: no answer block"


def test_default_source_name() -> None:
    assert str(parse_gift("Just text.").errors[0]).startswith("<gift>:1: no answer block")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Pick {=a =b ~c}", "single choice needs exactly one correct option, found 2"),
        ("Pick {=a ~a}", "option text repeated: 'a'"),
        ("Pick {=a ~}", "option 2 needs a text"),
        ("Pick {~%0%a ~%-50%b}", "multiple response needs at least one correct option, found 0"),
        ("Pick {~%150%a ~b}", "bad weight: expected a percent between %-100% and %100%, e.g. ~%50%"),
        ("Pick {a ~b}", "answers must start with '=' or '~' (or be T, F, TRUE or FALSE)"),
        ("Pick {}", "unsupported question type (essay)"),
        ("{=a ~b}", "question has no text"),
        ("Match {=a -> 1 =b -> 2 =c}", "every matching answer has the form '=left -> right'"),
        ("Match {=a -> 1 =b -> 2 ~c -> 3}", "every matching answer has the form '=left -> right'"),
        ("Match {=a -> 1 =b -> 2 =c -> }", "matching answer has nothing after '->'"),
        ("Match {=a -> 1 =b -> 2 =%50%c -> 3}", "%weight% is only supported in multiple choice"),
        ("Name it {=}", "accepted answer 1 is empty"),
        ("Say {T} or {F}", "unexpected '{': a question has one answer block"),
        ("A {=a {=b}", "unexpected '{': a question has one answer block"),
    ],
)
def test_malformed_question(text: str, message: str) -> None:
    result = parse_gift(text, "q.gift")
    assert [str(error) for error in result.errors] == [f"q.gift:1: {message}"]
    assert result.questions == []


def test_error_line_points_at_the_answer_concerned() -> None:
    text = "// bank\n\n::W::Pick\n{\n  =a\n  ~%x%b\n}\n"
    assert [str(error) for error in parse_gift(text, "w.gift").errors] == [
        "w.gift:6: bad weight: expected a percent between %-100% and %100%, e.g. ~%50%"
    ]


def test_an_error_does_not_spill_into_the_next_question() -> None:
    result = parse_gift("Broken {=a ~b\n\nFine {T}\n")
    assert [error.line for error in result.errors] == [1]
    assert [question["line"] for question in result.questions] == [3]


def test_windows_line_endings_and_byte_order_mark() -> None:
    result = parse_gift("\ufeff// c\r\n::A::Q?\r\n{T}\r\n\r\n::B::R?{F}\r\n")
    assert [(q["key"], q["line"], q["prompt"]) for q in result.questions] == [("a", 2, "Q?"), ("b", 5, "R?")]


def test_true_false_spellings_and_per_answer_feedback_fallback() -> None:
    text = "A {t#No: it is true.#Right.}\n\nB {false}\n\nC {TRUE####General.}"
    questions = parse_gift(text).questions
    assert [(q["answer"], q["feedback"]) for q in questions] == [
        (True, "No: it is true.\n\nRight."),
        (False, ""),
        (True, "General."),
    ]


def test_weights_decide_right_from_wrong_and_equals_without_weight_is_right() -> None:
    (question,) = parse_gift("Pick {=a ~%33.3%b ~%-100%c ~d ~%0%e}").questions
    assert question["type"] == "multiple"
    assert [(option["text"], option["correct"]) for option in question["options"]] == [
        ("a", True),
        ("b", True),
        ("c", False),
        ("d", False),
        ("e", False),
    ]


def test_format_markers_are_removed_and_text_kept() -> None:
    (question,) = parse_gift("::T::[html]<b>Bold</b> {=[plain]yes#[markdown]*fine* ~[moodle]no}").questions
    assert question["prompt"] == "<b>Bold</b>"
    assert question["options"][0] == {"text": "yes", "correct": True, "feedback": "*fine*"}
    assert question["options"][1]["text"] == "no"


def test_category_applies_until_the_next_one() -> None:
    text = "A {T}\n$CATEGORY: first\nB {T}\n\n$CATEGORY:\n\nC {T}"
    assert [(q["prompt"], q["category"]) for q in parse_gift(text).questions] == [
        ("A", None),
        ("B", "first"),
        ("C", None),
    ]


def test_keys_come_from_titles_or_lines() -> None:
    text = (
        "::Ćao, Amigos! 2::Q {T}\n\n::Центар::Q {T}\n\n::A title that goes on and on " + "x" * 80 + "::Q {T}"
    )
    keys = [question["key"] for question in parse_gift(text).questions]
    assert keys[:2] == ["cao-amigos-2", "question-3"]
    assert len(keys[2]) == 60 and keys[2].startswith("a-title-that-goes-on")


def test_multiline_prompt_and_escaped_newline() -> None:
    (question,) = parse_gift("First line\nsecond\\nthird {=a}").questions
    assert question["prompt"] == "First line\nsecond\nthird"


def test_empty_and_comment_only_input() -> None:
    for text in ("", "\n\n", "// nothing here\n// at all"):
        result = parse_gift(text)
        assert (result.questions, result.errors) == ([], [])


gift_alphabet = st.sampled_from([*"{}=~#:%->\\\n TFabc/$[]0159.", "::", "->", "####", "$CATEGORY:", "//"])


@given(st.text())
def test_parser_never_raises_on_arbitrary_text(text: str) -> None:
    result = parse_gift(text, "any.gift")
    assert all(error.line >= 1 for error in result.errors)


@given(st.lists(gift_alphabet, max_size=60).map("".join))
def test_parser_never_raises_on_gift_like_text(text: str) -> None:
    result = parse_gift(text, "any.gift")
    for question in result.questions:
        assert QUESTION_TYPES[question["type"]].check(question) == []
        QUESTION_TYPES[question["type"]].normalise(question)
