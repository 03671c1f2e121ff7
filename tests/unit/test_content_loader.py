"""The content loader: every kind of problem reported as `path:line: message`, and a valid folder read right.

Each test writes a small, valid course into tmp_path, breaks one thing, and compares the exact problems.
The working directory is tmp_path, so problems name files relative to it, as `flask content check` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.courses.loader import QUESTION_KEYS, load_course
from app.problems import Problem

HYPOTHESIS = settings(
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SHIPPED = Path(__file__).resolve().parents[2] / "content" / "handbook"

COURSE = """\
slug: tiny
title: Tiny course
summary: A course for tests.
translations:
  mk: {title: Мал курс}
"""
GLOSSARY = """\
- slug: bid
  term: Best interests determination
  definition: A formal process to decide what is best for a child.
  translations:
    mk: {term: Утврдување на најдобриот интерес, definition: Формален процес.}
"""
MODULE = """\
title: Key terms
summary: What the words mean.
objectives:
  - Define the terms.
  - Apply them to a case.
handbook_parts:
  - "Part 1: The determinants of migrant vulnerability"
"""
LESSON = """\
---
title: Who is vulnerable
minutes: 12
handbook: "Part 1: The determinants of migrant vulnerability"
---
## Who

Body text with a [term](glossary:bid).
"""
QUESTION = """\
- key: pick-one
  type: single
  objective: 1
  difficulty: easy
  prompt: Which one?
  options:
    - text: This
      correct: true
      feedback: Right.
    - text: That
  feedback: Because.
"""
LESSON_PATH = "01-key-terms/01-who-is-vulnerable.md"


def write_course(root: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """Write a valid one-module course into root, then apply `files` (relative path -> text, None deletes)."""
    layout: dict[str, str | bytes | None] = {
        "course.yaml": COURSE,
        "glossary.yaml": GLOSSARY,
        "01-key-terms/module.yaml": MODULE,
        LESSON_PATH: LESSON,
        "01-key-terms/questions.yaml": QUESTION,
    }
    layout.update(files or {})
    for name, content in layout.items():
        path = root / name
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def problems(tmp_path, monkeypatch):
    """Return a function: write the course with some files changed, load it, return the problems as text."""
    monkeypatch.chdir(tmp_path)

    def load(files: dict[str, str | bytes | None]) -> list[str]:
        _spec, found = load_course(write_course(tmp_path, files))
        return [str(problem) for problem in found]

    return load


def lesson(body: str, front: str = "title: Who is vulnerable\nminutes: 12\n") -> str:
    return f"---\n{front}---\n{body}"


# --- a valid folder ------------------------------------------------------------------------------------


def test_the_tiny_course_itself_has_no_problems(problems):
    assert problems({}) == []


def test_shipped_handbook_loads_without_problems():
    spec, found = load_course(SHIPPED)
    assert [str(p) for p in found] == []
    assert spec is not None and len(spec.modules) == 9
    assert all(module.lessons and module.questions for module in spec.modules)


VALID_FILES = {
    "01-key-terms/01-who-is-vulnerable.mk.md": "---\ntitle: Кој е ранлив\n---\n## Кој\n\nТекст.\n",
    "01-key-terms/02-terms.md": lesson(
        "## Terms\n\nSee [the levels](../02-determinants/01-four-levels.md#levels) and "
        "[the start](01-who-is-vulnerable.md).\n\n![Four nested levels](images/levels.svg)\n",
        front="title: Terms\nminutes: 5\n",
    ),
    "01-key-terms/images/levels.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
    "01-key-terms/questions.yaml": QUESTION
    + """\
- key: consent
  type: true_false
  objective: 2
  difficulty: hard
  points: 2
  prompt: Consent is irrelevant once exploitative means were used.
  answer: true
- key: csw
  type: short_answer
  objective: 1
  difficulty: medium
  prompt: What does CSW stand for?
  answers: [Centre for Social Work, CSW]
  translations:
    mk:
      prompt: Што значи ЦСР?
      answers: [Центар за социјална работа]
""",
    "02-determinants/module.yaml": "title: Determinants\nobjectives: [Name the levels.]\n",
    "02-determinants/01-four-levels.md": lesson("## Levels\n\nFour.\n", front="title: Levels\nminutes: 8\n"),
}


def test_a_valid_course_is_read_into_the_expected_structure(tmp_path):
    spec, found = load_course(write_course(tmp_path, VALID_FILES))
    assert found == []
    assert (spec.slug, spec.title, spec.translations) == (
        "tiny",
        "Tiny course",
        {"mk": {"title": "Мал курс"}},
    )
    assert [(m.slug, m.position, m.folder) for m in spec.modules] == [
        ("key-terms", 1, "01-key-terms"),
        ("determinants", 2, "02-determinants"),
    ]
    key_terms = spec.modules[0]
    assert key_terms.objectives == ["Define the terms.", "Apply them to a case."]
    assert key_terms.images == {"levels.svg"}
    first, second = key_terms.lessons
    assert [(first.slug, first.position, first.minutes), (second.slug, second.position)] == [
        ("who-is-vulnerable", 1, 12),
        ("terms", 2),
    ]
    assert first.handbook == "Part 1: The determinants of migrant vulnerability"
    assert first.source == {"en": "01-who-is-vulnerable.md", "mk": "01-who-is-vulnerable.mk.md"}
    assert first.titles == {"en": "Who is vulnerable", "mk": "Кој е ранлив"}
    assert first.body_lines == {"en": 6, "mk": 4}
    assert first.bodies["mk"] == "## Кој\n\nТекст.\n"
    assert first.content_hash("en") != first.content_hash("mk")
    assert spec.glossary[0].slug == "bid"
    assert spec.glossary[0].entries["mk"] == {
        "term": "Утврдување на најдобриот интерес",
        "definition": "Формален процес.",
    }


def test_questions_are_normalised_with_their_source_line(tmp_path):
    spec, _found = load_course(write_course(tmp_path, VALID_FILES))
    single, true_false, short = spec.modules[0].questions
    assert single.data == {
        "options": [
            {"id": "a", "text": "This", "correct": True, "feedback": "Right."},
            {"id": "b", "text": "That", "correct": False, "feedback": ""},
        ]
    }
    assert (single.points, single.feedback, single.source) == (
        1.0,
        "Because.",
        "01-key-terms/questions.yaml:1",
    )
    assert (true_false.data, true_false.points, true_false.objective, true_false.difficulty) == (
        {"answer": True},
        2.0,
        2,
        "hard",
    )
    assert true_false.source == "01-key-terms/questions.yaml:12"
    # a short answer is accepted in any language: the translations' answers join the source's
    assert short.data == {"answers": ["Centre for Social Work", "CSW", "Центар за социјална работа"]}
    assert short.translations == {
        "mk": {"prompt": "Што значи ЦСР?", "answers": ["Центар за социјална работа"]}
    }
    assert type(short.translations["mk"]) is dict  # the line bookkeeping is dropped: JSON-ready


# --- one test per kind of problem ----------------------------------------------------------------------


def test_bad_yaml_syntax_reports_the_line_of_the_error(problems):
    module = "title: Key terms\nsummary: What the words mean.\n  colour: blue\nobjectives: [One]\n"
    assert problems({"01-key-terms/module.yaml": module}) == [
        "01-key-terms/module.yaml:3: invalid YAML: mapping values are not allowed here"
    ]


def test_bad_yaml_in_front_matter_counts_lines_from_the_top_of_the_file(problems):
    front = "title: Who is vulnerable\nminutes: 12: or so\n"
    assert problems({LESSON_PATH: lesson("## Who\n", front=front)}) == [
        f"{LESSON_PATH}:3: invalid YAML: mapping values are not allowed here",
        "01-key-terms/module.yaml:1: the module has no lessons",
    ]


def test_unknown_key(problems):
    assert problems({"01-key-terms/module.yaml": MODULE + "colour: blue\n"}) == [
        "01-key-terms/module.yaml:8: unknown key 'colour' "
        "(allowed: handbook_parts, objectives, summary, title, translations)"
    ]


def test_missing_title(problems):
    assert problems({LESSON_PATH: lesson("## Who\n\nText.\n", front="minutes: 12\n")}) == [
        f"{LESSON_PATH}:2: 'title' is required and must be text"
    ]


def test_duplicate_module_slug(problems):
    found = problems({"02-key-terms/module.yaml": MODULE, "02-key-terms/01-more.md": LESSON})
    assert found == ["02-key-terms:1: duplicate module slug 'key-terms' (also 01-key-terms)"]


def test_duplicate_lesson_slug(problems):
    assert problems({"01-key-terms/02-who-is-vulnerable.md": LESSON}) == [
        "01-key-terms/02-who-is-vulnerable.md:1: duplicate lesson slug 'who-is-vulnerable' in this module"
    ]


def test_duplicate_glossary_slug(problems):
    second = "- slug: bid\n  term: BID again\n  definition: Twice.\n"
    assert problems({"glossary.yaml": GLOSSARY + second}) == [
        "glossary.yaml:6: duplicate glossary slug 'bid' (first on line 1)"
    ]


def test_duplicate_question_key(problems):
    assert problems({"01-key-terms/questions.yaml": QUESTION + QUESTION}) == [
        "01-key-terms/questions.yaml:12: duplicate question key 'pick-one' (first on line 1)"
    ]


def test_broken_internal_link_reports_the_line_in_the_file(problems):
    body = "## Who\n\nFirst paragraph.\n\nRead [the next part](02-missing.md#part) now.\n"
    assert problems({LESSON_PATH: lesson(body)}) == [
        f"{LESSON_PATH}:9: broken link '02-missing.md#part': no such lesson file"
    ]


def test_broken_link_in_a_language_variant_names_the_variant(problems):
    variant = "---\ntitle: Кој\n---\n## Кој\n\n[следно](../02-nowhere/01-x.md)\n"
    assert problems({"01-key-terms/01-who-is-vulnerable.mk.md": variant}) == [
        "01-key-terms/01-who-is-vulnerable.mk.md:6: broken link '../02-nowhere/01-x.md': no such lesson file"
    ]


def test_unknown_glossary_term(problems):
    assert problems({LESSON_PATH: lesson("## Who\n\nA [referral](glossary:referral).\n")}) == [
        f"{LESSON_PATH}:7: unknown glossary term 'referral'"
    ]


def test_missing_image(problems):
    assert problems({LESSON_PATH: lesson("## Who\n\n![Four levels](images/levels.svg)\n")}) == [
        f"{LESSON_PATH}:7: missing image 'images/levels.svg' (images live in the module's images/ folder)"
    ]


def test_image_without_alt_text(problems):
    found = problems(
        {
            LESSON_PATH: lesson("## Who\n\n![](images/levels.svg)\n"),
            "01-key-terms/images/levels.svg": "<svg/>",
        }
    )
    assert found == [f"{LESSON_PATH}:7: image 'images/levels.svg' has no alt text"]


def test_plain_http_link(problems):
    assert problems({LESSON_PATH: lesson("## Who\n\nSee [IOM](http://www.iom.int).\n")}) == [
        f"{LESSON_PATH}:7: use https:// for outside links: 'http://www.iom.int'"
    ]


def test_language_variant_without_its_source(problems):
    variant = "---\ntitle: Сирак\n---\n## Текст\n"
    assert problems({"01-key-terms/02-orphan.mk.md": variant}) == [
        "01-key-terms/02-orphan.mk.md:1: language variant without its English source 02-orphan.md"
    ]


@pytest.mark.parametrize("minutes", ["0", "241", "ten", "2.5", "true", "''"])
def test_bad_minutes(problems, minutes):
    front = f"title: Who is vulnerable\nminutes: {minutes}\n"
    assert problems({LESSON_PATH: lesson("## Who\n", front=front)}) == [
        f"{LESSON_PATH}:3: 'minutes' must be a whole number from 1 to 240"
    ]


def test_module_folder_without_number(problems):
    found = problems({"key-terms-extra/module.yaml": MODULE, "key-terms-extra/01-a.md": LESSON})
    assert found == [
        "key-terms-extra:1: a module folder's name starts with a number and a hyphen, e.g. 01-key-terms"
    ]


def test_translation_with_a_different_number_of_objectives(problems):
    translated = MODULE + "translations:\n  mk:\n    title: Клучни поими\n    objectives: [Само една цел.]\n"
    assert problems({"01-key-terms/module.yaml": translated}) == [
        "01-key-terms/module.yaml:11: the mk translation has 1 objectives, the source 2"
    ]


def test_translation_with_a_different_number_of_handbook_parts(problems):
    translated = MODULE + (
        "translations:\n  mk:\n    title: Клучни поими\n    handbook_parts:\n"
        '      - "Дел 1: Детерминанти на ранливоста на мигрантите"\n      - Дел 2\n'
    )
    assert problems({"01-key-terms/module.yaml": translated}) == [
        "01-key-terms/module.yaml:11: the mk translation has 2 handbook parts, the source 1"
    ]


@pytest.mark.parametrize("parts", ['"Дел 1"', "[{Дел: 1}]", "[Дел 1, [Дел 2]]"])
def test_translated_handbook_parts_must_be_a_list_of_texts(problems, parts):
    translated = MODULE + f"translations:\n  sq:\n    title: Termat kyçe\n    handbook_parts: {parts}\n"
    assert problems({"01-key-terms/module.yaml": translated}) == [
        "01-key-terms/module.yaml:11: 'handbook_parts' in the sq translation must be a list of texts"
    ]


PART_1_MK = "Дел 1: Детерминанти на ранливоста на мигрантите"


def test_a_variant_may_translate_the_handbook_reference(tmp_path):
    variants = {
        "01-key-terms/01-who-is-vulnerable.mk.md": lesson(
            "Текст.\n", front=f'title: Кој е ранлив\nhandbook: "{PART_1_MK}"\n'
        ),
        "01-key-terms/01-who-is-vulnerable.sq.md": "---\ntitle: Kush është i cenueshëm\n---\nTekst.\n",
        "01-key-terms/module.yaml": MODULE + f'translations:\n  mk:\n    handbook_parts: ["{PART_1_MK}"]\n',
    }
    spec, found = load_course(write_course(tmp_path, variants))
    assert found == []
    module = spec.modules[0]
    assert module.translations["mk"]["handbook_parts"] == [PART_1_MK]
    first = module.lessons[0]
    assert first.handbook == "Part 1: The determinants of migrant vulnerability"
    assert first.handbooks == {"mk": PART_1_MK}
    assert first.handbook_in("mk") == PART_1_MK
    assert first.handbook_in("sq") == first.handbook_in("en") == first.handbook  # no translation: English
    before = first.content_hash("mk")
    first.handbooks["mk"] = "Дел 2 (индивидуално ниво)"
    assert first.content_hash("mk") != before  # the reference is part of what decides a change


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "  type: essay",
            "2: unknown question type 'essay' (use single, multiple, true_false, matching, short_answer)",
        ),
        ("  objective: 3", "3: 'objective' must be a number from 1 to 2"),
        ("  objective: first", "3: 'objective' must be a number from 1 to 2"),
        ("  difficulty: tricky", "4: 'difficulty' must be easy, medium or hard"),
    ],
    ids=["type", "objective-out-of-range", "objective-not-a-number", "difficulty"],
)
def test_question_with_an_invalid_field(problems, line, expected):
    field = line.split(":")[0]
    lines = [line if text.split(":")[0] == field else text for text in QUESTION.splitlines()]
    assert problems({"01-key-terms/questions.yaml": "\n".join(lines) + "\n"}) == [
        f"01-key-terms/questions.yaml:{expected}"
    ]


def test_question_whose_type_check_fails(problems):
    two_correct = QUESTION.replace("    - text: That\n", "    - text: That\n      correct: true\n")
    assert problems({"01-key-terms/questions.yaml": two_correct}) == [
        "01-key-terms/questions.yaml:1: single choice needs exactly one correct option, found 2"
    ]


def test_every_problem_in_a_file_is_reported_not_just_the_first(problems):
    body = "## Who\n\n[a](http://a.example) [b](glossary:nope)\n\n![](images/none.svg)\n"
    assert problems({LESSON_PATH: lesson(body)}) == [
        f"{LESSON_PATH}:7: use https:// for outside links: 'http://a.example'",
        f"{LESSON_PATH}:7: unknown glossary term 'nope'",
        f"{LESSON_PATH}:9: image 'images/none.svg' has no alt text",
        f"{LESSON_PATH}:9: missing image 'images/none.svg' (images live in the module's images/ folder)",
    ]


def test_a_module_yaml_with_nothing_in_it_is_reported(problems):
    """An emptied module.yaml must not make the module vanish silently (the import would retire it)."""
    found = problems(
        {
            "02-practice/module.yaml": "# to be written\n",
            "02-practice/01-first.md": LESSON,
        }
    )
    assert [p for p in found if p.startswith("02-practice/module.yaml:1: ")] != []


def test_a_course_yaml_that_is_not_a_mapping_is_reported(problems):
    """load_course returns no course; it must say why, or `content check` prints '0 problem(s) found'."""
    assert [p for p in problems({"course.yaml": "# nothing yet\n"}) if p.startswith("course.yaml:1: ")] != []
    assert [p for p in problems({"course.yaml": "- tiny\n"}) if p.startswith("course.yaml:1: ")] != []


# --- load_course never raises -------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=400)
LESSON_TEXT = st.one_of(
    TEXT,
    st.builds(lambda front, body: f"---\n{front}\n---\n{body}", TEXT, TEXT),
    st.builds(lambda body: lesson(body), TEXT),
)


def assert_loads(root: Path) -> None:
    spec, found = load_course(root)
    assert all(isinstance(p, Problem) and p.line >= 1 and p.message for p in found)
    assert spec is None or found or spec.modules


@HYPOTHESIS
@given(text=LESSON_TEXT)
@example(text=lesson("[next](02-a\x00b.md)\n"))
@example(text=lesson("[next](" + "a" * 300 + ".md)\n"))
def test_load_course_never_raises_on_any_lesson_text(tmp_path, text):
    (write_course(tmp_path) / LESSON_PATH).write_text(text, encoding="utf-8")
    assert_loads(tmp_path)


@HYPOTHESIS
@given(text=TEXT)
@example(text="[" * 5000)
@example(text="- [single]: x\n")
def test_load_course_never_raises_on_any_questions_text(tmp_path, text):
    (write_course(tmp_path) / "01-key-terms/questions.yaml").write_text(text, encoding="utf-8")
    assert_loads(tmp_path)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.floats(allow_nan=False), TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["text", "correct", "left", "right", "mk", "sq", *QUESTION_KEYS]),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=12,
)
QUESTION_LIKE = st.lists(
    st.dictionaries(st.sampled_from(sorted(QUESTION_KEYS)), VALUES, max_size=8), max_size=3
)


@HYPOTHESIS
@given(questions=QUESTION_LIKE)
@example(questions=[{"key": "a", "type": ["single"]}])
@example(
    questions=[{"key": "a", "type": "true_false", "answer": True, "translations": {"mk": {"options": 5}}}]
)
def test_load_course_never_raises_on_question_shaped_yaml(tmp_path, questions):
    text = yaml.safe_dump(questions, allow_unicode=True)
    (write_course(tmp_path) / "01-key-terms/questions.yaml").write_text(text, encoding="utf-8")
    assert_loads(tmp_path)


@pytest.mark.parametrize(("language", "key"), [("mk", "objectives"), ("sq", "handbook_parts")])
@HYPOTHESIS
@given(value=VALUES)
@example(value=3)
def test_load_course_never_raises_on_any_translated_list(tmp_path, language, key, value):
    module = MODULE + yaml.safe_dump({"translations": {language: {key: value}}}, allow_unicode=True)
    write_course(tmp_path, {"01-key-terms/module.yaml": module})
    assert_loads(tmp_path)
