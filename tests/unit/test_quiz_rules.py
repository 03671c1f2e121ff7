"""Pure quiz rules: when an attempt may start, what a review shows, drawing, localising, freezing.

No Flask and no database: availability.py and blueprint.py are functions of their inputs.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quizzes.availability import LEVELS, QuizWindow, review_level, shows, start_refusal
from app.quizzes.blueprint import BankQuestion, draw, form_values, freeze, localized
from app.quizzes.question_text import normalise_text
from app.quizzes.question_types import QUESTION_TYPES

HYPOTHESIS = settings(database=None, deadline=None, max_examples=200)
NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
OPENS = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
CLOSES = datetime(2025, 3, 20, 17, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def window(**overrides: Any) -> QuizWindow:
    values: dict[str, Any] = {
        "kind": "pre",
        "is_published": True,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "attempts_allowed": 1,
    }
    values.update(overrides)
    return QuizWindow(**values)


# availability.start_refusal ---------------------------------------------------------------------------


def test_an_open_published_quiz_with_attempts_left_can_start() -> None:
    assert start_refusal(window(), NOON, attempts_used=0, modules_complete=False) is None


def test_unpublished_quiz_is_refused() -> None:
    assert start_refusal(window(is_published=False), NOON, 0, True) == "unpublished"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (OPENS - timedelta(days=1), "not_open"),
        (OPENS - TICK, "not_open"),
        (OPENS, None),  # opens_at is the first moment the quiz is open
        (OPENS + TICK, None),
        (CLOSES - TICK, None),
        (CLOSES, "closed"),  # closes_at is the first moment it is closed
        (CLOSES + TICK, "closed"),
        (CLOSES + timedelta(days=365), "closed"),
    ],
)
def test_window_boundaries(now: datetime, expected: str | None) -> None:
    assert start_refusal(window(), now, 0, True) == expected


def test_no_dates_means_always_open() -> None:
    quiz = window(opens_at=None, closes_at=None)
    assert start_refusal(quiz, datetime(1990, 1, 1, tzinfo=UTC), 0, True) is None
    assert start_refusal(quiz, datetime(2090, 1, 1, tzinfo=UTC), 0, True) is None


@pytest.mark.parametrize(
    ("allowed", "used", "expected"),
    [
        (1, 0, None),
        (1, 1, "no_attempts_left"),
        (2, 1, None),
        (2, 2, "no_attempts_left"),
        (2, 3, "no_attempts_left"),
        (None, 0, None),
        (None, 500, None),  # None means unlimited
    ],
)
def test_attempts_allowed(allowed: int | None, used: int, expected: str | None) -> None:
    assert start_refusal(window(attempts_allowed=allowed), NOON, used, True) == expected


@pytest.mark.parametrize(
    ("kind", "complete", "expected"),
    [
        ("post", False, "modules_incomplete"),
        ("post", True, None),
        ("pre", False, None),
        ("practice", False, None),
    ],
)
def test_only_the_post_test_waits_for_the_modules(kind: str, complete: bool, expected: str | None) -> None:
    assert start_refusal(window(kind=kind), NOON, 0, complete) == expected


def test_refusals_come_in_a_fixed_order() -> None:
    everything_wrong = window(kind="post", is_published=False, attempts_allowed=1)
    assert start_refusal(everything_wrong, OPENS - TICK, 1, False) == "unpublished"
    assert start_refusal(window(kind="post"), OPENS - TICK, 1, False) == "not_open"
    assert start_refusal(window(kind="post"), CLOSES, 1, False) == "closed"
    assert start_refusal(window(kind="post"), NOON, 1, False) == "no_attempts_left"
    assert start_refusal(window(kind="post"), NOON, 0, False) == "modules_incomplete"


@HYPOTHESIS
@given(
    kind=st.sampled_from(["pre", "post", "practice"]),
    published=st.booleans(),
    offset=st.integers(min_value=-30 * 24 * 3600, max_value=30 * 24 * 3600),
    allowed=st.none() | st.integers(min_value=1, max_value=5),
    used=st.integers(min_value=0, max_value=6),
    complete=st.booleans(),
)
def test_start_refusal_is_none_exactly_when_every_condition_holds(
    kind: str, published: bool, offset: int, allowed: int | None, used: int, complete: bool
) -> None:
    now = NOON + timedelta(seconds=offset)
    refusal = start_refusal(
        window(kind=kind, is_published=published, attempts_allowed=allowed), now, used, complete
    )
    may_start = (
        published
        and OPENS <= now < CLOSES
        and (allowed is None or used < allowed)
        and (kind != "post" or complete)
    )
    assert (refusal is None) == may_start
    assert refusal in (None, "unpublished", "not_open", "closed", "no_attempts_left", "modules_incomplete")


# availability.review_level and shows ------------------------------------------------------------------


def test_review_level_before_and_after_the_quiz_closes() -> None:
    assert review_level("score", "feedback", CLOSES, CLOSES - TICK) == "score"
    assert review_level("score", "feedback", CLOSES, CLOSES) == "feedback"
    assert review_level("score", "feedback", CLOSES, CLOSES + timedelta(days=3)) == "feedback"


def test_review_level_without_a_closing_date_is_always_the_after_submit_level() -> None:
    assert review_level("nothing", "feedback", None, datetime(2099, 1, 1, tzinfo=UTC)) == "nothing"


@pytest.mark.parametrize(
    ("level", "visible"),
    [
        ("nothing", set()),
        ("score", {"score"}),
        ("answers", {"score", "answers"}),
        ("feedback", {"score", "answers", "feedback"}),
    ],
)
def test_each_level_shows_itself_and_the_levels_before_it(level: str, visible: set[str]) -> None:
    assert {what for what in ("score", "answers", "feedback") if shows(level, what)} == visible
    assert shows(level, "nothing")
    assert shows(level, level)


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_shows_is_the_order_of_the_levels(level: str, what: str) -> None:
    assert shows(level, what) == (LEVELS.index(level) >= LEVELS.index(what))


def test_levels_are_the_review_options_in_order() -> None:
    assert LEVELS == ("nothing", "score", "answers", "feedback")


# Sample questions --------------------------------------------------------------------------------------

RAW = {
    "single": {
        "type": "single",
        "options": [
            {"text": "Amber river", "correct": True, "feedback": "Yes, the river."},
            {"text": "Basalt hill", "feedback": "No, a hill."},
            {"text": "Cobalt lake"},
        ],
    },
    "multiple": {
        "type": "multiple",
        "options": [
            {"text": "Hazel", "correct": True, "feedback": "A tree."},
            {"text": "Iris", "correct": True},
            {"text": "Juniper", "feedback": "Not this one."},
            {"text": "Kale"},
        ],
    },
    "true_false": {"type": "true_false", "answer": False},
    "matching": {
        "type": "matching",
        "pairs": [
            {"left": "Lark", "right": "Sings at dawn"},
            {"left": "Owl", "right": "Hunts at night"},
            {"left": "Heron", "right": "Wades in water"},
        ],
        "distractors": ["Hibernates underground"],
    },
    "short_answer": {
        "type": "short_answer",
        "answers": ["Centre for Social Work", "CSW"],
        "translations": {"mk": {"answers": ["Центар за социјална работа", "ЦСР"]}},
    },
}
TRANSLATIONS = {
    "single": {
        "mk": {
            "prompt": "Која река?",
            "feedback": "Реката.",
            "options": [
                {"text": "Килибарна река", "feedback": "Да, реката."},
                {"text": "Базалтен рид", "feedback": "Не, рид."},
                {"text": "Кобалтно езеро"},
            ],
        }
    },
    "matching": {
        "mk": {
            "prompt": "Поврзи.",
            "pairs": [
                {"left": "Чучулига", "right": "Пее во зори"},
                {"left": "Був", "right": "Лови ноќе"},
                {"left": "Чапја", "right": "Гази во вода"},
            ],
            "distractors": ["Спие под земја"],
        }
    },
}


def bank_question(kind: str, module: str = "basics", key: str | None = None, **fields: Any) -> BankQuestion:
    raw = RAW[kind]
    values: dict[str, Any] = {
        "module": module,
        "key": key or kind.replace("_", "-"),
        "type": kind,
        "points": 1.0,
        "prompt": f"Prompt of {kind}",
        "feedback": f"Feedback of {kind}",
        "data": QUESTION_TYPES[kind].normalise(raw),
        "translations": raw.get("translations", {}) | TRANSLATIONS.get(kind, {}),
    }
    values.update(fields)
    return BankQuestion(**values)


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(keys_in(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_in(item) for item in value))
    return set()


# blueprint.draw -----------------------------------------------------------------------------------------


def bank_of(sizes: dict[str, int]) -> dict[str, list[BankQuestion]]:
    return {
        module: [bank_question("true_false", module=module, key=f"q{n:02d}") for n in range(size)]
        for module, size in sizes.items()
    }


def test_draw_takes_the_same_number_from_every_module_in_module_order() -> None:
    chosen = draw(bank_of({"one": 6, "two": 4, "three": 9}), 3, random.Random(1), shuffle=False)
    assert [q.module for q in chosen] == ["one"] * 3 + ["two"] * 3 + ["three"] * 3
    assert len({(q.module, q.key) for q in chosen}) == 9


def test_draw_takes_every_question_of_a_module_that_has_fewer_than_asked() -> None:
    chosen = draw(bank_of({"big": 8, "small": 2, "empty": 0}), 5, random.Random(1), shuffle=False)
    assert [q.module for q in chosen].count("big") == 5
    assert sorted(q.key for q in chosen if q.module == "small") == ["q00", "q01"]
    assert not [q for q in chosen if q.module == "empty"]


def test_draw_same_seed_same_questions_whatever_the_bank_order() -> None:
    bank = bank_of({"one": 12, "two": 7})
    reversed_bank = {module: list(reversed(questions)) for module, questions in bank.items()}
    first = draw(bank, 2, random.Random(20250310), shuffle=False)
    again = draw(reversed_bank, 2, random.Random(20250310), shuffle=False)
    assert first == again


def test_draw_with_a_different_seed_can_pick_other_questions() -> None:
    bank = bank_of({"one": 30})
    draws = {tuple(q.key for q in draw(bank, 3, random.Random(seed), shuffle=False)) for seed in range(20)}
    assert len(draws) > 1


def test_shuffled_draw_holds_the_same_questions_as_the_unshuffled_one() -> None:
    bank = bank_of({"one": 10, "two": 10, "three": 10})
    plain = draw(bank, 4, random.Random(5), shuffle=False)
    shuffled = draw(bank, 4, random.Random(5), shuffle=True)
    assert sorted(plain, key=lambda q: (q.module, q.key)) == sorted(shuffled, key=lambda q: (q.module, q.key))


@HYPOTHESIS
@given(
    sizes=st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]), st.integers(min_value=0, max_value=12), min_size=1
    ),
    per_module=st.integers(min_value=1, max_value=15),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    shuffle=st.booleans(),
    order_seed=st.integers(min_value=0, max_value=1000),
)
def test_draw_is_deterministic_and_keeps_the_blueprint(
    sizes: dict[str, int], per_module: int, seed: int, shuffle: bool, order_seed: int
) -> None:
    bank = bank_of(sizes)
    scrambled = {}
    for module, questions in bank.items():
        questions = list(questions)
        random.Random(order_seed).shuffle(questions)
        scrambled[module] = questions
    chosen = draw(bank, per_module, random.Random(seed), shuffle)
    assert chosen == draw(scrambled, per_module, random.Random(seed), shuffle)
    for module, size in sizes.items():
        assert [q.module for q in chosen].count(module) == min(per_module, size)
    assert len({(q.module, q.key) for q in chosen}) == len(chosen)


# blueprint.localized ------------------------------------------------------------------------------------


def test_localized_uses_the_translation() -> None:
    prompt, feedback, data = localized(bank_question("single"), "mk")
    assert (prompt, feedback) == ("Која река?", "Реката.")
    assert data["options"] == [
        {"id": "a", "text": "Килибарна река", "correct": True, "feedback": "Да, реката."},
        {"id": "b", "text": "Базалтен рид", "correct": False, "feedback": "Не, рид."},
        {"id": "c", "text": "Кобалтно езеро", "correct": False, "feedback": ""},
    ]


def test_localized_matching_uses_the_translated_pairs_and_distractors() -> None:
    prompt, _feedback, data = localized(bank_question("matching"), "mk")
    assert prompt == "Поврзи."
    assert data["pairs"][0] == {"left": "Чучулига", "right": "Пее во зори"}
    assert data["distractors"] == ["Спие под земја"]


def test_localized_without_a_translation_is_the_source() -> None:
    question = bank_question("single")
    assert localized(question, "sq") == (question.prompt, question.feedback, question.data)
    assert localized(question, "en") == (question.prompt, question.feedback, question.data)


def test_localized_falls_back_to_english_per_item() -> None:
    question = bank_question(
        "single",
        translations={
            "mk": {
                "options": [
                    {"text": "Килибарна река"},  # no feedback: the English one
                    None,  # an empty item in YAML: all English
                    {"text": "", "feedback": "Езеро."},  # empty text: the English one
                ]
            }
        },
    )
    prompt, feedback, data = localized(question, "mk")
    assert (prompt, feedback) == (question.prompt, question.feedback)
    assert [(o["text"], o["feedback"]) for o in data["options"]] == [
        ("Килибарна река", "Yes, the river."),
        ("Basalt hill", "No, a hill."),
        ("Cobalt lake", "Езеро."),
    ]
    assert [o["correct"] for o in data["options"]] == [True, False, False]


def test_localized_matching_falls_back_per_item() -> None:
    question = bank_question(
        "matching",
        translations={
            "mk": {"pairs": [{"left": "Чучулига"}, None, {"right": "Гази во вода"}], "distractors": [""]}
        },
    )
    _prompt, _feedback, data = localized(question, "mk")
    assert data["pairs"] == [
        {"left": "Чучулига", "right": "Sings at dawn"},
        {"left": "Owl", "right": "Hunts at night"},
        {"left": "Heron", "right": "Гази во вода"},
    ]
    assert data["distractors"] == ["Hibernates underground"]


def test_localized_keeps_every_option_when_the_translation_lists_fewer() -> None:
    """Items missing at the end of a translated list fall back to English like any other missing item;
    dropping them would serve a question without its right answer."""
    question = bank_question("multiple", translations={"mk": {"options": [{"text": "Леска"}]}})
    _prompt, _feedback, data = localized(question, "mk")
    assert [o["text"] for o in data["options"]] == ["Леска", "Iris", "Juniper", "Kale"]
    matching = bank_question("matching", translations={"mk": {"pairs": [{"left": "Чучулига"}]}})
    assert len(localized(matching, "mk")[2]["pairs"]) == 3


def test_localized_never_changes_the_bank_question() -> None:
    question = bank_question("single")
    before = json.dumps(question.data, sort_keys=True)
    localized(question, "mk")
    assert json.dumps(question.data, sort_keys=True) == before


@pytest.mark.parametrize("language", ["en", "mk", "sq"])
@pytest.mark.parametrize(
    "answer",
    ["Centre for Social Work", "  centre   FOR social work. ", "csw", "Центар за социјална работа", "цср"],
)
def test_a_short_answer_is_accepted_in_any_language(language: str, answer: str) -> None:
    question = bank_question("short_answer")
    [frozen] = freeze([question], language, random.Random(1), True, str)
    short = QUESTION_TYPES["short_answer"]
    response = short.parse(frozen["data"], frozen["presented"], [answer])
    assert short.grade(frozen["data"], frozen["presented"], response) == 1.0
    assert short.grade(frozen["data"], frozen["presented"], "Centre for Social Services") == 0.0


def test_normalise_keeps_each_accepted_spelling_once() -> None:
    data = QUESTION_TYPES["short_answer"].normalise(
        {
            "type": "short_answer",
            "answers": ["CSW", "csw "],
            "translations": {"mk": {"answers": ["ЦСР", "цср"]}},
        }
    )
    assert data == {"answers": ["CSW", "ЦСР"]}
    assert normalise_text(" Ц С Р!") == "ц с р"


def test_single_choice_in_a_translated_attempt_is_graded_on_the_source_key() -> None:
    [frozen] = freeze([bank_question("single")], "mk", random.Random(3), True, str)
    single = QUESTION_TYPES["single"]
    chosen = next(o["id"] for o in frozen["presented"]["options"] if o["text"] == "Килибарна река")
    response = single.parse(frozen["data"], frozen["presented"], [chosen])
    assert response == "a"
    assert single.grade(frozen["data"], frozen["presented"], response) == 1.0


# blueprint.form_values ----------------------------------------------------------------------------------


@st.composite
def frozen_and_values(draw_: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A frozen question (shuffled with a drawn seed, in a drawn language) and form values it accepts."""
    kind = draw_(st.sampled_from(sorted(QUESTION_TYPES)))
    language = draw_(st.sampled_from(["en", "mk"]))
    shuffle = draw_(st.booleans())
    seed = draw_(st.integers(min_value=0, max_value=2**32 - 1))
    [frozen] = freeze([bank_question(kind)], language, random.Random(seed), shuffle, str)
    presented = frozen["presented"]
    if kind == "single":
        values = draw_(st.lists(st.sampled_from([o["id"] for o in presented["options"]]), max_size=1))
    elif kind == "multiple":
        values = draw_(st.lists(st.sampled_from([o["id"] for o in presented["options"]]), unique=True))
    elif kind == "true_false":
        values = draw_(st.lists(st.sampled_from(["true", "false"]), max_size=1))
    elif kind == "matching":
        choices = [c["id"] for c in presented["choices"]]
        values = [
            f"{left['id']}:{choice}"
            for left in presented["left"]
            if (choice := draw_(st.none() | st.sampled_from(choices))) is not None
        ]
    else:
        text = draw_(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
        values = [text] if text.strip() else []
    return frozen, values


@HYPOTHESIS
@given(frozen_and_values())
def test_form_values_round_trip_through_parse(case: tuple[dict[str, Any], list[str]]) -> None:
    frozen, values = case
    parse = QUESTION_TYPES[frozen["type"]].parse
    response = parse(frozen["data"], frozen["presented"], values)
    refilled = form_values(frozen, response)
    assert parse(frozen["data"], frozen["presented"], refilled) == response
    # Stored as JSON and read back, the response refills the form the same way.
    assert form_values(frozen, json.loads(json.dumps(response))) == refilled


@pytest.mark.parametrize("kind", sorted(QUESTION_TYPES))
def test_form_values_of_no_answer_is_an_empty_form(kind: str) -> None:
    [frozen] = freeze([bank_question(kind)], "en", random.Random(1), True, str)
    assert form_values(frozen, None) == []


def test_form_values_refill_the_options_the_trainee_saw() -> None:
    [frozen] = freeze([bank_question("multiple")], "en", random.Random(9), True, str)
    ids = {o["text"]: o["id"] for o in frozen["presented"]["options"]}
    assert sorted(form_values(frozen, ["a", "c"])) == sorted([ids["Hazel"], ids["Juniper"]])


# blueprint.freeze ----------------------------------------------------------------------------------------

SECRETS = {
    "single": ["Yes, the river.", "No, a hill.", "Да, реката."],
    "multiple": ["A tree.", "Not this one."],
    "true_false": [],
    "matching": [],
    "short_answer": ["Centre for Social Work", "CSW", "Центар за социјална работа", "ЦСР"],
}
ANSWER_KEY_FIELDS = {"correct", "answer", "answers", "feedback", "pairs", "distractors", "right"}


@HYPOTHESIS
@given(
    kinds=st.lists(st.sampled_from(sorted(QUESTION_TYPES)), min_size=1, max_size=5, unique=True),
    language=st.sampled_from(["en", "mk", "sq"]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    shuffle=st.booleans(),
)
def test_freeze_never_leaks_the_answer_key_into_presented(
    kinds: list[str], language: str, seed: int, shuffle: bool
) -> None:
    frozen = freeze([bank_question(kind) for kind in kinds], language, random.Random(seed), shuffle, str)
    for question in frozen:
        presented = question["presented"]
        text = json.dumps(presented, ensure_ascii=False)
        assert not keys_in(presented) & ANSWER_KEY_FIELDS
        for secret in SECRETS[question["type"]]:
            assert secret not in text
        if question["type"] == "matching":
            # Left items and choices carry opaque ids only; nothing in presented pairs them up.
            assert all(set(item) == {"id", "text"} for item in presented["left"] + presented["choices"])
            rights = [pair["right"] for pair in question["data"]["pairs"]] + question["data"]["distractors"]
            assert sorted(c["text"] for c in presented["choices"]) == sorted(rights)
        if question["type"] in ("single", "multiple"):
            assert all(set(option) == {"id", "text"} for option in presented["options"])
            assert all(option["id"].startswith("o") for option in presented["options"])


def test_freeze_keeps_everything_needed_to_grade_and_review() -> None:
    question = bank_question("single", points=2.5)
    [frozen] = freeze([question], "en", random.Random(1), False, lambda text: f"<p>{text}</p>")
    assert frozen["key"] == "basics/single"
    assert frozen["module"] == "basics"
    assert frozen["points"] == 2.5
    assert frozen["prompt_html"] == "<p>Prompt of single</p>"
    assert frozen["feedback_html"] == "<p>Feedback of single</p>"
    assert frozen["data"] == question.data
    assert [o["text"] for o in frozen["presented"]["options"]] == [
        "Amber river",
        "Basalt hill",
        "Cobalt lake",
    ]
    assert json.loads(json.dumps(frozen)) == frozen


def test_freeze_is_deterministic_for_a_seed() -> None:
    questions = [bank_question(kind) for kind in sorted(QUESTION_TYPES)]
    assert freeze(questions, "mk", random.Random(77), True, str) == freeze(
        questions, "mk", random.Random(77), True, str
    )
