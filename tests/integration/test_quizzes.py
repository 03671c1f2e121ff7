"""Quizzes end to end: default quizzes, taking and autosaving, scoring, deadlines, frozen attempts, pre/post
rules, gating, results and exports, settings, GIFT import, concurrent submissions and the query budget.

Every test imports a small content folder written into tmp_path with `flask content import --path`: two
modules, five questions each (one of every type), with hand-computed scores below.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook

from app.audit import AuditEvent
from app.courses.models import Cohort, Course, Lesson, LessonProgress, Membership, Module
from app.database import utcnow
from app.extensions import db
from app.quizzes import attempts as service
from app.quizzes import views
from app.quizzes.models import Answer, Attempt, Question, Quiz

GIFT_DIR = Path(__file__).resolve().parents[1] / "unit" / "gift"
COURSE_SLUG = "quiz-course"

# --- the content folder ---------------------------------------------------------------------------------


def lesson_file(title: str) -> str:
    return (
        f"---\ntitle: {title}\nminutes: 5\nhandbook: Part 1\n---\n## {title}\n\nSome reading about {title}.\n"
    )


BASICS_QUESTIONS = """\
- key: pick-one
  type: single
  objective: 1
  difficulty: easy
  points: 2
  prompt: Which river runs past the old mill?
  options:
    - text: Amber river
      correct: true
      feedback: Feedback-amber-chosen.
    - text: Basalt hill
      feedback: Feedback-basalt-chosen.
    - text: Cobalt lake
  feedback: General-feedback-pick-one.
- key: pick-many
  type: multiple
  objective: 1
  difficulty: medium
  points: 2
  prompt: Which of these are plants that grow by the mill?
  options:
    - {text: Hazel, correct: true, feedback: Feedback-hazel-chosen.}
    - {text: Iris, correct: true}
    - {text: Juniper, feedback: Feedback-juniper-chosen.}
    - {text: Kale}
  feedback: General-feedback-pick-many.
- key: true-or-false
  type: true_false
  objective: 1
  difficulty: easy
  prompt: The old mill is made of glass.
  answer: false
  feedback: General-feedback-true-or-false.
- key: match-them
  type: matching
  objective: 1
  difficulty: hard
  points: 3
  prompt: Match each bird with what it does.
  pairs:
    - {left: Lark, right: Sings at dawn}
    - {left: Owl, right: Hunts at night}
    - {left: Heron, right: Wades in water}
  distractors: [Hibernates underground]
  feedback: General-feedback-match-them.
- key: spell-it
  type: short_answer
  objective: 1
  difficulty: medium
  prompt: Name the mineral the miller keeps on the shelf.
  answers: [Zebraquartz, Zebra quartz]
  feedback: General-feedback-spell-it.
  translations:
    mk:
      prompt: Именувај го минералот.
      answers: [Зебракварц]
"""
CASES_QUESTIONS = """\
- key: pick-one-b
  type: single
  objective: 1
  difficulty: easy
  prompt: Which letter opens the second case?
  options:
    - {text: Delta, correct: true}
    - {text: Epsilon}
    - {text: Zeta}
  feedback: General-feedback-pick-one-b.
- key: pick-many-b
  type: multiple
  objective: 1
  difficulty: medium
  points: 2
  prompt: Which fruits are on the second table?
  options:
    - {text: Mango, correct: true}
    - {text: Nectarine, correct: true}
    - {text: Olive}
    - {text: Papaya}
  feedback: General-feedback-pick-many-b.
- key: true-or-false-b
  type: true_false
  objective: 1
  difficulty: easy
  prompt: The second case happens in winter.
  answer: true
  feedback: General-feedback-true-or-false-b.
- key: match-b
  type: matching
  objective: 1
  difficulty: hard
  prompt: Match each instrument with its family.
  pairs:
    - {left: Violin, right: Strings}
    - {left: Trumpet, right: Brass}
    - {left: Flute, right: Woodwind}
    - {left: Timpani, right: Percussion}
  feedback: General-feedback-match-b.
- key: spell-b
  type: short_answer
  objective: 1
  difficulty: medium
  prompt: Name the pen the clerk uses.
  answers: [Quillfeather]
  feedback: General-feedback-spell-b.
  translations:
    mk:
      answers: [Пердувперо]
"""
FILES = {
    "course.yaml": f"slug: {COURSE_SLUG}\ntitle: Quiz course\nsummary: A course for the quiz tests.\n",
    "glossary.yaml": "- slug: mill\n  term: Mill\n  definition: A building where grain is ground.\n",
    "01-basics/module.yaml": "title: Basics\nsummary: First.\nobjectives: [Know the basics.]\n",
    "01-basics/01-intro.md": lesson_file("Introduction"),
    "01-basics/questions.yaml": BASICS_QUESTIONS,
    "02-cases/module.yaml": "title: Cases\nsummary: Second.\nobjectives: [Work a case.]\n",
    "02-cases/01-first-case.md": lesson_file("First case"),
    "02-cases/02-second-case.md": lesson_file("Second case"),
    "02-cases/questions.yaml": CASES_QUESTIONS,
}
LESSONS = [("basics", "intro"), ("cases", "first-case"), ("cases", "second-case")]
BASICS = [
    "basics/pick-one",
    "basics/pick-many",
    "basics/true-or-false",
    "basics/match-them",
    "basics/spell-it",
]
CASES = ["cases/pick-one-b", "cases/pick-many-b", "cases/true-or-false-b", "cases/match-b", "cases/spell-b"]
ALL_KEYS = BASICS + CASES
POINTS = dict(zip(ALL_KEYS, [2, 2, 1, 3, 1, 1, 2, 1, 1, 1], strict=True))  # 9 + 6 = 15 points

# Answers by what the trainee sees: option texts, True/False, {left: right}, the typed text.
RIGHT: dict[str, Any] = {
    "basics/pick-one": "Amber river",
    "basics/pick-many": ["Hazel", "Iris"],
    "basics/true-or-false": False,
    "basics/match-them": {"Lark": "Sings at dawn", "Owl": "Hunts at night", "Heron": "Wades in water"},
    "basics/spell-it": "Zebraquartz",
    "cases/pick-one-b": "Delta",
    "cases/pick-many-b": ["Mango", "Nectarine"],
    "cases/true-or-false-b": True,
    "cases/match-b": {"Violin": "Strings", "Trumpet": "Brass", "Flute": "Woodwind", "Timpani": "Percussion"},
    "cases/spell-b": "Quillfeather",
}
WRONG: dict[str, Any] = {
    "basics/pick-one": "Basalt hill",
    "basics/pick-many": ["Juniper"],
    "basics/true-or-false": True,
    "basics/match-them": {"Lark": "Hibernates underground"},
    "basics/spell-it": "Granite",
    "cases/pick-one-b": "Zeta",
    "cases/pick-many-b": ["Olive"],
    "cases/true-or-false-b": False,
    "cases/match-b": {"Violin": "Brass"},
    "cases/spell-b": "Biro",
}
# A mix, marked by hand (FORMAT.md's rules):
MIXED: dict[str, Any] = {
    "basics/pick-one": "Amber river",  # 2 of 2
    "basics/pick-many": ["Hazel", "Iris", "Juniper"],  # (2/2 - 1/2) * 2 = 1 of 2
    "basics/true-or-false": False,  # 1 of 1
    "basics/match-them": {  # 2/3 * 3 = 2 of 3
        "Lark": "Sings at dawn",
        "Owl": "Hunts at night",
        "Heron": "Hibernates underground",
    },
    "basics/spell-it": "  zebra   QUARTZ. ",  # case, spaces and end punctuation ignored: 1 of 1
    "cases/pick-one-b": "Epsilon",  # 0 of 1
    "cases/pick-many-b": ["Mango", "Nectarine", "Olive", "Papaya"],  # everything: 2/2 - 2/2 = 0 of 2
    # cases/true-or-false-b left unanswered: 0 of 1
    "cases/match-b": {"Violin": "Strings"},  # 1/4 * 1 = 0.25 of 1
    "cases/spell-b": "пердувперо",  # the Macedonian answer, accepted in an English attempt: 1 of 1
}
MIXED_EARNED = {
    "basics/pick-one": 2.0,
    "basics/pick-many": 1.0,
    "basics/true-or-false": 1.0,
    "basics/match-them": 2.0,
    "basics/spell-it": 1.0,
    "cases/pick-one-b": 0.0,
    "cases/pick-many-b": 0.0,
    "cases/true-or-false-b": 0.0,
    "cases/match-b": 0.25,
    "cases/spell-b": 1.0,
}
MIXED_PERCENT = 55.0  # 8.25 / 15
BASICS_ONLY = {key: RIGHT[key] if key in BASICS else WRONG[key] for key in ALL_KEYS}  # 9 / 15 = 60%
CASES_ONLY = {key: RIGHT[key] if key in CASES else WRONG[key] for key in ALL_KEYS}  # 6 / 15 = 40%
ANSWER_KEY_TEXTS = [
    "Zebraquartz",
    "Zebra quartz",
    "Зебракварц",
    "Quillfeather",
    "Пердувперо",
    "Feedback-",
    "General-feedback",
]


def write_content(root: Path, changes: dict[str, str] | None = None) -> Path:
    for name, text in {**FILES, **(changes or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def import_content(app, root: Path) -> str:
    result = app.test_cli_runner().invoke(args=["content", "import", "--path", str(root)])
    assert result.exit_code == 0, result.output
    return result.output


# --- fixtures ---------------------------------------------------------------------------------------------


@dataclass
class World:
    root: Path
    course_id: int
    cohort_id: int
    pre: int
    post: int
    practice: dict[str, int]


@pytest.fixture
def content_root(tmp_path) -> Path:
    return write_content(tmp_path / "content")


@pytest.fixture
def imported(app, ctx, content_root) -> World:
    """The course as `flask content import` leaves it, with an empty cohort."""
    import_content(app, content_root)
    course = db.session.execute(db.select(Course).filter_by(slug=COURSE_SLUG)).scalar_one()
    cohort = Cohort(course_id=course.id, name="Skopje 2025")
    db.session.add(cohort)
    db.session.commit()
    quizzes = db.session.execute(db.select(Quiz).filter_by(course_id=course.id)).scalars().all()
    return World(
        content_root,
        course.id,
        cohort.id,
        next(q.id for q in quizzes if q.kind == "pre"),
        next(q.id for q in quizzes if q.kind == "post"),
        {q.module.slug: q.id for q in quizzes if q.kind == "practice"},
    )


@pytest.fixture
def world(imported) -> World:
    """The imported course with the pre-test and post-test serving every question (5 per module)."""
    for quiz_id in (imported.pre, imported.post):
        db.session.get(Quiz, quiz_id).questions_per_module = 5
    db.session.commit()
    return imported


@pytest.fixture
def enrol(imported, make_user) -> Callable[..., Any]:
    def enrolled(role: str = "trainee", **fields):
        user = make_user(role=role, **fields)
        if role in ("trainee", "trainer"):
            db.session.add(Membership(cohort_id=imported.cohort_id, user_id=user.id, role=role))
            db.session.commit()
        return user

    return enrolled


@pytest.fixture
def trainee(enrol):
    return enrol()


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(views, "utcnow", clock)
    return clock


# --- helpers ----------------------------------------------------------------------------------------------


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def answers_of(attempt_id: int) -> list[Answer]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Answer).filter_by(attempt_id=attempt_id)).scalars())


def values_for(question: dict[str, Any], choice: Any) -> list[str]:
    """Return the form values that give `choice` (as the trainee sees it) to a frozen question."""
    presented, kind = question["presented"], question["type"]
    if choice is None:
        return []
    if kind in ("single", "multiple"):
        ids = {option["text"]: option["id"] for option in presented["options"]}
        return [ids[text] for text in ([choice] if isinstance(choice, str) else choice)]
    if kind == "true_false":
        return ["true" if choice else "false"]
    if kind == "matching":
        lefts = {item["text"]: item["id"] for item in presented["left"]}
        rights = {item["text"]: item["id"] for item in presented["choices"]}
        return [f"{lefts[left]}:{rights[right]}" for left, right in choice.items()]
    return [choice]


def by_key(attempt: Attempt) -> dict[str, list[str]]:
    return {question["key"]: question for question in attempt.questions}


def submit_form(attempt: Attempt, choices: dict[str, Any]) -> dict[str, list[str]]:
    """The form a browser posts to submit: q<index> per served question, empty when unanswered."""
    return {
        f"q{index}": values_for(question, choices.get(question["key"]))
        for index, question in enumerate(attempt.questions)
    }


def service_answers(attempt: Attempt, choices: dict[str, Any]) -> dict[str, list[str]]:
    return {q["key"]: values_for(q, choices.get(q["key"])) for q in attempt.questions}


def complete_modules(course_id: int, *users) -> None:
    lessons = db.session.execute(
        db.select(Lesson.id).join(Module).where(Module.course_id == course_id)
    ).scalars()
    lesson_ids = list(lessons)
    for user in users:
        db.session.add_all(
            LessonProgress(user_id=user.id, lesson_id=lesson, completed_at=utcnow()) for lesson in lesson_ids
        )
    db.session.commit()


def take(quiz_id: int, user, choices: dict[str, Any]) -> Attempt:
    """Start and submit an attempt through the service layer (for tests about what comes after)."""
    attempt = service.start_attempt(db.session.get(Quiz, quiz_id), user, utcnow())
    assert isinstance(attempt, Attempt), attempt
    service.submit(attempt, utcnow(), service_answers(attempt, choices))
    return attempt


def start(client, quiz_id: int) -> int:
    response = client.post(f"/quizzes/{quiz_id}/start")
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/attempts/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def page(response) -> str:
    return response.get_data(as_text=True)


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def save(client, attempt_id: int, key: str, values: list[str]):
    return client.post(f"/attempts/{attempt_id}/answer", data={"question": key, "value": values})


# --- default quizzes --------------------------------------------------------------------------------------


def test_content_import_creates_the_default_quizzes_once(app, imported, enrol):
    quizzes = db.session.execute(db.select(Quiz).filter_by(course_id=imported.course_id)).scalars().all()
    assert sorted(q.kind for q in quizzes) == ["post", "practice", "practice", "pre"]
    pre, post = fresh(Quiz, imported.pre), fresh(Quiz, imported.post)
    assert pre.draw_seed is not None and pre.draw_seed == post.draw_seed
    assert pre.questions_per_module == post.questions_per_module
    assert (pre.attempts_allowed, pre.grading) == (1, "first")
    assert set(imported.practice) == {"basics", "cases"}
    practice = [quiz for quiz in quizzes if quiz.kind == "practice"]
    assert all(quiz.draw_seed is None and quiz.module is not None for quiz in practice)

    # Importing again, even with changes, adds no quiz and keeps the shared seed.
    write_content(imported.root, {"01-basics/01-intro.md": lesson_file("Introduction, revised")})
    import_content(app, imported.root)
    db.session.expire_all()
    again = db.session.execute(db.select(Quiz).filter_by(course_id=imported.course_id)).scalars().all()
    assert sorted(q.id for q in again) == sorted(q.id for q in quizzes)
    assert fresh(Quiz, imported.post).draw_seed == pre.draw_seed

    # Same seed, same blueprint: the post-test asks exactly the pre-test's questions (2 per module).
    trainee = enrol()
    first = take(imported.pre, trainee, {})
    complete_modules(imported.course_id, trainee)
    second = service.start_attempt(fresh(Quiz, imported.post), trainee, utcnow())
    pre_keys = sorted(q["key"] for q in first.questions)
    assert pre_keys == sorted(q["key"] for q in second.questions)
    assert [key.split("/")[0] for key in pre_keys] == ["basics", "basics", "cases", "cases"]


def test_practice_quizzes_allow_unlimited_attempts(imported, enrol):
    """defaults.py asks for attempts_allowed=None (unlimited) for practice quizzes, as the issue requires.

    The column's Python default (models.py, default=1) replaces an explicit None on INSERT, so practice
    quizzes are created with a single attempt.
    """
    for quiz_id in imported.practice.values():
        assert fresh(Quiz, quiz_id).attempts_allowed is None
    trainee = enrol()
    practice = fresh(Quiz, imported.practice["basics"])
    take(practice.id, trainee, RIGHT)
    second = service.start_attempt(practice, trainee, utcnow())
    assert isinstance(second, Attempt), second
    assert second.number == 2


# --- taking an attempt ------------------------------------------------------------------------------------


def test_any_seed_the_service_draws_can_be_stored(world, trainee, login, monkeypatch):
    """Attempt.seed is an INTEGER column: on PostgreSQL a seed of 2**31 or more fails the INSERT."""
    asked: list[int] = []

    def largest(bits: int) -> int:
        asked.append(bits)
        return 2**bits - 1

    monkeypatch.setattr(service, "secrets", SimpleNamespace(randbits=largest))
    attempt_id = start(login(trainee), world.pre)
    assert fresh(Attempt, attempt_id).seed == 2 ** asked[0] - 1


def test_take_page_lists_the_frozen_questions_and_never_the_answer_key(world, trainee, login):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    body = page(client.get(f"/attempts/{attempt_id}"))
    attempt = fresh(Attempt, attempt_id)
    assert len(attempt.questions) == 10
    assert re.findall(r'data-question="([^"]+)"', body) == [q["key"] for q in attempt.questions]
    visible = text_of(body)
    for question in attempt.questions:
        assert text_of(question["prompt_html"]).strip() in visible
        for option in question["presented"].get("options", []):
            assert f'value="{option["id"]}"' in body and option["text"] in visible
    # The answer key never reaches the browser: no right/wrong flags, feedback or accepted answers.
    assert "correct" not in body.lower()
    for secret in ANSWER_KEY_TEXTS:
        assert secret not in body
    # Matching: every left item offers every right-hand text (and the distractor) behind opaque ids.
    match = by_key(attempt)["basics/match-them"]
    index = attempt.questions.index(match)
    selects = re.findall(rf'<select[^>]*name="q{index}">(.*?)</select>', body, re.S)
    assert len(selects) == 3
    for select in selects:
        offered = re.findall(r'<option value="(l\d+:r\d+)"\s*>([^<]+)</option>', select)
        assert sorted(text for _value, text in offered) == sorted(
            ["Sings at dawn", "Hunts at night", "Wades in water", "Hibernates underground"]
        )
    assert "selected" not in body


def test_a_macedonian_attempt_is_served_in_macedonian_and_marked_on_the_same_key(world, enrol, login):
    trainee = enrol(locale="mk")
    client = login(trainee)
    attempt_id = start(client, world.pre)
    body = page(client.get(f"/attempts/{attempt_id}"))
    assert '<html lang="mk">' in body and "Именувај го минералот." in body
    assert (
        "Name the mineral" not in body and "Which river runs past the old mill?" in body
    )  # no mk text: English
    for secret in ANSWER_KEY_TEXTS:
        assert secret not in body
    attempt = fresh(Attempt, attempt_id)
    assert attempt.language == "mk"
    choices = {**RIGHT, "basics/spell-it": "ЗЕБРАКВАРЦ", "cases/spell-b": "quillfeather"}
    client.post(f"/attempts/{attempt_id}/submit", data=submit_form(attempt, choices))
    assert fresh(Attempt, attempt_id).percent == 100.0


def test_autosave_stores_and_replaces_an_answer(world, trainee, login):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    questions = by_key(fresh(Attempt, attempt_id))
    response = save(
        client, attempt_id, "basics/pick-many", values_for(questions["basics/pick-many"], ["Iris"])
    )
    assert response.status_code == 200 and response.get_json() == {"saved": True}
    save(client, attempt_id, "basics/pick-many", values_for(questions["basics/pick-many"], ["Kale", "Hazel"]))
    matching = values_for(questions["basics/match-them"], {"Owl": "Hunts at night"})
    assert save(client, attempt_id, "basics/match-them", matching).get_json() == {"saved": True}
    stored = {a.question_key: a.response for a in answers_of(attempt_id)}
    # Responses are stored in terms of the bank (option ids a, b...; right-hand texts), not what was shown.
    assert stored == {"basics/pick-many": ["a", "d"], "basics/match-them": [None, "Hunts at night", None]}
    # Coming back to the page shows the saved answers.
    body = page(client.get(f"/attempts/{attempt_id}"))
    checked = re.findall(r'value="(o\d+)" checked', body)
    assert sorted(checked) == sorted(values_for(questions["basics/pick-many"], ["Kale", "Hazel"]))
    assert re.search(r"selected>Hunts at night<", body)


@pytest.mark.parametrize(
    ("key", "values", "error"),
    [
        ("basics/unknown", ["o0"], "this question is not part of the attempt"),
        ("", ["o0"], "this question is not part of the attempt"),
        ("basics/pick-one", ["o99"], "unknown option 'o99'"),
        ("basics/pick-one", ["o0", "o1"], "single choice takes one option, got 2"),
        ("basics/pick-many", ["o0", "o0"], "an option was submitted twice"),
        ("basics/true-or-false", ["maybe"], "true/false takes 'true' or 'false', got 'maybe'"),
        ("basics/match-them", ["l0-r1"], "malformed match 'l0-r1'"),
        ("basics/match-them", ["l7:r0"], "malformed match 'l7:r0'"),
        ("basics/match-them", ["l0:r0", "l0:r1"], "left item l0 matched twice"),
        ("basics/spell-it", ["x" * 501], "answer longer than 500 characters"),
    ],
)
def test_autosave_rejects_what_the_page_could_not_have_sent(world, trainee, login, key, values, error):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    response = save(client, attempt_id, key, values)
    assert response.status_code == 400
    assert response.get_json() == {"saved": False, "error": error}
    assert answers_of(attempt_id) == []


def test_another_trainees_attempt_is_not_found(world, enrol, login):
    owner, other = enrol(), enrol()
    attempt_id = start(login(owner), world.pre)
    intruder = login(other)
    assert intruder.get(f"/attempts/{attempt_id}").status_code == 404
    assert save(intruder, attempt_id, "basics/pick-one", ["o0"]).status_code == 404
    assert intruder.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 404
    assert intruder.get(f"/attempts/{attempt_id}/review").status_code == 404
    assert answers_of(attempt_id) == [] and fresh(Attempt, attempt_id).submitted_at is None


@pytest.mark.parametrize("role", ["trainer", "coordinator", "admin"])
def test_staff_cannot_take_an_attempt(world, trainee, enrol, login, role):
    attempt_id = start(login(trainee), world.pre)
    staff = login(enrol(role=role))
    assert staff.post(f"/quizzes/{world.pre}/start").status_code == 403
    assert staff.get(f"/attempts/{attempt_id}").status_code == 403
    assert save(staff, attempt_id, "basics/pick-one", ["o0"]).status_code == 403
    assert staff.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 403
    assert answers_of(attempt_id) == [] and fresh(Attempt, attempt_id).submitted_at is None


def test_a_trainee_of_another_course_cannot_start_its_quiz(world, make_user, login):
    outsider = make_user()
    assert login(outsider).post(f"/quizzes/{world.pre}/start").status_code == 404
    assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() == 0


# --- submitting and scoring -------------------------------------------------------------------------------


def test_submit_scores_the_attempt_exactly(world, trainee, login):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    form = submit_form(fresh(Attempt, attempt_id), MIXED)
    response = client.post(f"/attempts/{attempt_id}/submit", data=form)
    assert response.status_code == 302 and response.location == f"/attempts/{attempt_id}/review"
    attempt = fresh(Attempt, attempt_id)
    assert attempt.submitted_at is not None
    assert (attempt.earned, attempt.possible, attempt.percent) == (8.25, 15.0, MIXED_PERCENT)
    assert attempt.module_scores == {
        "basics": {"earned": 7.0, "possible": 9.0, "percent": 77.78},
        "cases": {"earned": 1.25, "possible": 6.0, "percent": 20.83},
    }
    earned = {a.question_key: a.earned for a in answers_of(attempt_id)}
    assert {key: earned.get(key, 0.0) for key in ALL_KEYS} == MIXED_EARNED
    review = text_of(page(client.get(f"/attempts/{attempt_id}/review")))
    assert "55%" in review and "8.25 of 15 points" in review


def test_double_submit_counts_once_and_later_saves_are_refused(world, trainee, login):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    attempt = fresh(Attempt, attempt_id)
    first = client.post(f"/attempts/{attempt_id}/submit", data=submit_form(attempt, RIGHT))
    submitted_at = fresh(Attempt, attempt_id).submitted_at
    second = client.post(f"/attempts/{attempt_id}/submit", data=submit_form(attempt, WRONG))
    assert first.status_code == second.status_code == 302
    assert second.location == f"/attempts/{attempt_id}/review"
    attempt = fresh(Attempt, attempt_id)
    assert attempt.submitted_at == submitted_at and attempt.percent == 100.0
    stored = answers_of(attempt_id)
    assert sorted(a.question_key for a in stored) == sorted(ALL_KEYS)
    assert all(a.earned == POINTS[a.question_key] for a in stored)
    late = save(
        client, attempt_id, "basics/pick-one", values_for(by_key(attempt)["basics/pick-one"], "Cobalt lake")
    )
    assert late.status_code == 409 and late.get_json() == {"saved": False, "error": "closed"}
    # An answer that could not be read is still a 400 after submission, and changes nothing either.
    assert save(client, attempt_id, "basics/pick-one", ["o99"]).status_code == 400
    assert {a.question_key: a.response for a in answers_of(attempt_id)} == {
        a.question_key: a.response for a in stored
    }
    assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() == 1


def test_an_autosave_racing_the_submit_cannot_change_the_scored_answers(world, trainee, login):
    """An autosave request that loaded the attempt just before a submit committed must not write after it.

    attempts.save_answer checks is_open on the attempt as loaded, then _store writes without re-checking
    under a lock: the answer changes after the attempt was scored (two tabs, or a text field's change event
    firing as the trainee clicks Submit). Reproduced deterministically with the attempt as loaded before.
    """
    client = login(trainee)
    attempt_id = start(client, world.pre)
    loaded_before_the_submit = fresh(Attempt, attempt_id)
    client.post(f"/attempts/{attempt_id}/submit", data=submit_form(loaded_before_the_submit, RIGHT))
    question = by_key(loaded_before_the_submit)["basics/pick-one"]
    with pytest.raises(service.AttemptClosed):
        service.save_answer(
            loaded_before_the_submit, question["key"], values_for(question, "Cobalt lake"), utcnow()
        )
    db.session.rollback()
    stored = {a.question_key: (a.response, a.earned) for a in answers_of(attempt_id)}
    assert stored["basics/pick-one"] == ("a", 2.0)
    assert fresh(Attempt, attempt_id).percent == 100.0


def shown_saved(body: str) -> dict[str, str]:
    """The `q<n>-saved` fields of a take page: what the page knows to be saved, per question."""
    return {
        f"q{index}-saved": html.unescape(value)
        for index, value in re.findall(r"name=\"q(\d+)-saved\" value='([^']*)'", body)
    }


def test_a_stale_tab_submitting_keeps_the_answers_saved_since_it_was_opened(world, trainee, login):
    """Tab A opens the attempt; tab B (or A's own autosave, later) saves answers; tab A, still showing the
    empty form, submits. Only what tab A changed may be written: the answers saved since survive."""
    client = login(trainee)
    attempt_id = start(client, world.pre)
    attempt = fresh(Attempt, attempt_id)
    questions = by_key(attempt)
    stale_page = shown_saved(page(client.get(f"/attempts/{attempt_id}")))
    assert set(stale_page.values()) == {"[]"} and len(stale_page) == len(ALL_KEYS)

    for key in ("basics/pick-one", "basics/pick-many", "basics/spell-it", "cases/true-or-false-b"):
        assert save(client, attempt_id, key, values_for(questions[key], RIGHT[key])).status_code == 200
    # Tab A answers one question the other tab did not touch, and one the other tab answered since.
    form = {
        **submit_form(
            attempt, {"basics/true-or-false": False, "cases/true-or-false-b": WRONG["cases/true-or-false-b"]}
        ),
        **stale_page,
    }
    assert client.post(f"/attempts/{attempt_id}/submit", data=form).status_code == 302

    stored = {a.question_key: a.response for a in answers_of(attempt_id)}
    assert stored["basics/pick-one"] == "a" and stored["basics/pick-many"] == ["a", "b"]
    assert stored["basics/spell-it"] == RIGHT["basics/spell-it"]
    assert stored["basics/true-or-false"] is False  # changed on tab A: stored
    # Answered on both: tab A's submit is the later act, so its answer is the one kept.
    assert stored["cases/true-or-false-b"] == WRONG["cases/true-or-false-b"]
    assert fresh(Attempt, attempt_id).earned > 0


def test_a_submit_can_still_clear_an_answer_the_page_showed(world, trainee, login):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    attempt = fresh(Attempt, attempt_id)
    pick_many = by_key(attempt)["basics/pick-many"]
    save(client, attempt_id, pick_many["key"], values_for(pick_many, ["Hazel", "Iris"]))
    shown = shown_saved(page(client.get(f"/attempts/{attempt_id}")))
    index = attempt.questions.index(pick_many)
    assert sorted(json.loads(shown[f"q{index}-saved"])) == sorted(values_for(pick_many, ["Hazel", "Iris"]))
    # Every box unticked on the page that showed them ticked: the answer is cleared, not kept.
    client.post(f"/attempts/{attempt_id}/submit", data={**submit_form(attempt, {}), **shown})
    stored = {a.question_key: a.response for a in answers_of(attempt_id)}
    assert stored[pick_many["key"]] is None


def test_a_submit_that_cannot_be_read_stores_nothing_and_keeps_the_attempt_open(world, trainee, login):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    attempt = fresh(Attempt, attempt_id)
    form = submit_form(attempt, RIGHT)
    form[f"q{attempt.questions.index(by_key(attempt)['basics/pick-one'])}"] = ["o99"]
    response = client.post(f"/attempts/{attempt_id}/submit", data=form, follow_redirects=True)
    assert response.request.path == f"/attempts/{attempt_id}"
    assert "Some answers could not be read" in page(response)
    assert answers_of(attempt_id) == [] and fresh(Attempt, attempt_id).submitted_at is None


# --- the deadline -----------------------------------------------------------------------------------------


def test_deadline_counts_what_was_saved_in_time_and_closes_the_attempt(world, trainee, login, clock):
    client = login(trainee)
    attempt_id = start(client, world.pre)  # 30 minutes allowed
    attempt = fresh(Attempt, attempt_id)
    assert attempt.deadline_at == clock.now + timedelta(minutes=30)
    questions = by_key(attempt)
    clock.advance(minutes=10)
    assert save(
        client, attempt_id, "basics/pick-one", values_for(questions["basics/pick-one"], "Amber river")
    ).json == {"saved": True}
    clock.advance(minutes=19, seconds=59)
    many = values_for(questions["basics/pick-many"], ["Hazel", "Iris"])
    assert save(client, attempt_id, "basics/pick-many", many).status_code == 200
    clock.advance(seconds=1)  # exactly at the deadline
    late = save(client, attempt_id, "basics/spell-it", ["Zebraquartz"])
    assert late.status_code == 409 and late.get_json()["error"] == "closed"
    # Opening the attempt after the deadline closes it with what was saved.
    clock.advance(minutes=5)
    response = client.get(f"/attempts/{attempt_id}")
    assert response.status_code == 302 and response.location == f"/attempts/{attempt_id}/review"
    attempt = fresh(Attempt, attempt_id)
    assert attempt.submitted_at == attempt.deadline_at
    assert (attempt.earned, attempt.percent) == (4.0, 26.67)  # 2 + 2 of 15
    assert sorted(a.question_key for a in answers_of(attempt_id)) == ["basics/pick-many", "basics/pick-one"]


def test_submitting_after_the_deadline_keeps_only_what_was_saved_in_time(world, trainee, login, clock):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    attempt = fresh(Attempt, attempt_id)
    clock.advance(minutes=5)
    save(client, attempt_id, "basics/pick-one", values_for(by_key(attempt)["basics/pick-one"], "Amber river"))
    clock.advance(minutes=40)
    response = client.post(f"/attempts/{attempt_id}/submit", data=submit_form(attempt, RIGHT))
    assert response.status_code == 302
    attempt = fresh(Attempt, attempt_id)
    assert attempt.submitted_at == attempt.deadline_at
    assert (attempt.earned, attempt.percent) == (2.0, 13.33)
    assert [a.question_key for a in answers_of(attempt_id)] == ["basics/pick-one"]


# --- frozen attempts --------------------------------------------------------------------------------------


def test_editing_the_bank_never_changes_a_started_attempt(app, world, enrol, login):
    trainee = enrol()
    client = login(trainee)
    attempt_id = start(client, world.pre)
    served = fresh(Attempt, attempt_id).questions
    edited = (
        BASICS_QUESTIONS.replace("Which river runs past the old mill?", "Which river runs past the NEW mill?")
        .replace("    - text: Amber river\n      correct: true\n", "    - text: Amber river\n")
        .replace("    - text: Basalt hill\n", "    - text: Basalt hill\n      correct: true\n")
        .replace("  answer: false\n", "  answer: true\n")
        .replace("answers: [Zebraquartz, Zebra quartz]", "answers: [Moonstone]")
    )
    write_content(world.root, {"01-basics/questions.yaml": edited})
    report = import_content(app, world.root)
    assert "changed  question basics/pick-one" in report and "changed  question basics/spell-it" in report

    body = page(client.get(f"/attempts/{attempt_id}"))
    assert "old mill?" in body and "NEW mill" not in body
    client.post(f"/attempts/{attempt_id}/submit", data=submit_form(fresh(Attempt, attempt_id), RIGHT))
    attempt = fresh(Attempt, attempt_id)
    assert attempt.questions == served
    assert attempt.percent == 100.0  # marked on the key frozen at the start

    # A new attempt gets the edited bank.
    newcomer = service.start_attempt(fresh(Quiz, world.pre), enrol(), utcnow())
    question = by_key(newcomer)["basics/pick-one"]
    assert "NEW mill" in question["prompt_html"]
    assert [o["text"] for o in question["data"]["options"] if o["correct"]] == ["Basalt hill"]


# --- pre-test, post-test, gating --------------------------------------------------------------------------


def test_pretest_allows_one_attempt_and_shows_the_score_only(world, trainee, login):
    client = login(trainee)
    attempt_id = start(client, world.pre)
    client.post(f"/attempts/{attempt_id}/submit", data=submit_form(fresh(Attempt, attempt_id), MIXED))
    again = client.post(f"/quizzes/{world.pre}/start", follow_redirects=True)
    assert again.request.path == f"/courses/{COURSE_SLUG}"
    assert "You have used all your attempts at this quiz." in page(again)
    assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() == 1

    review = page(client.get(f"/attempts/{attempt_id}/review"))
    assert "55%" in review
    assert "Your answers" not in review and "correct" not in review.lower()
    for secret in ANSWER_KEY_TEXTS:
        assert secret not in review


def test_posttest_waits_for_every_module_then_reviews_with_feedback(world, trainee, login):
    client = login(trainee)
    take(world.pre, trainee, WRONG)
    refused = client.post(f"/quizzes/{world.post}/start", follow_redirects=True)
    assert "The post-test opens when you have completed every module." in page(refused)
    for module, lesson in LESSONS[:-1]:
        client.post(f"/courses/{COURSE_SLUG}/{module}/{lesson}/complete")
    refused = client.post(f"/quizzes/{world.post}/start", follow_redirects=True)
    assert "The post-test opens when you have completed every module." in page(refused)
    assert (
        db.session.execute(db.select(db.func.count(Attempt.id)).filter_by(quiz_id=world.post)).scalar_one()
        == 0
    )

    module, lesson = LESSONS[-1]
    client.post(f"/courses/{COURSE_SLUG}/{module}/{lesson}/complete")
    attempt_id = start(client, world.post)
    client.post(f"/attempts/{attempt_id}/submit", data=submit_form(fresh(Attempt, attempt_id), MIXED))
    review = page(client.get(f"/attempts/{attempt_id}/review"))
    assert "55%" in review and "Your answers" in review
    assert "General-feedback-pick-one." in review and "General-feedback-match-b." in review
    assert "Feedback-amber-chosen." in review and "Feedback-juniper-chosen." in review
    assert "Feedback-basalt-chosen." not in review  # only the chosen options' feedback
    assert "(correct)" in review and "Zebraquartz" in review


@pytest.mark.parametrize(
    ("grading", "post", "gain"),
    [
        ("highest", "100%", "+1.00"),
        ("first", "60%", "+0.33"),
        ("last", "100%", "+1.00"),
        ("average", "80%", "+0.67"),
    ],
)
def test_grading_over_two_posttest_attempts_on_my_results(world, trainee, login, grading, post, gain):
    take(world.pre, trainee, CASES_ONLY)  # 40%
    complete_modules(world.course_id, trainee)
    take(world.post, trainee, BASICS_ONLY)  # 60%
    take(world.post, trainee, RIGHT)  # 100%
    fresh(Quiz, world.post).grading = grading
    db.session.commit()
    body = page(login(trainee).get(f"/courses/{COURSE_SLUG}/results"))
    cards = re.findall(r'<div class="small">([^<]+)</div><div class="display-6">([^<]+)</div>', body)
    assert cards == [("Pre-test", "40%"), ("Post-test", post), ("Knowledge gain", gain)]


def test_my_results_show_per_module_mastery(world, trainee, login):
    take(world.pre, trainee, CASES_ONLY)
    complete_modules(world.course_id, trainee)
    take(world.post, trainee, MIXED)
    body = text_of(page(login(trainee).get(f"/courses/{COURSE_SLUG}/results")))
    assert "Basics 0% 78%" in body and "Cases 100% 21%" in body
    assert "Knowledge gain +0.25" in body  # (55 - 40) / (100 - 40)


def test_lessons_open_once_the_pretest_is_submitted(world, trainee, login):
    client = login(trainee)
    lesson = f"/courses/{COURSE_SLUG}/basics/intro"
    locked = client.get(lesson, follow_redirects=True)
    assert locked.request.path == f"/courses/{COURSE_SLUG}"
    assert "The modules open once you have submitted the pre-test." in page(locked)
    assert client.post(f"{lesson}/complete").status_code == 403
    attempt_id = start(client, world.pre)
    assert client.get(lesson).status_code == 302  # starting is not enough: the pre-test must be submitted
    client.post(f"/attempts/{attempt_id}/submit", data=submit_form(fresh(Attempt, attempt_id), WRONG))
    opened = client.get(lesson)
    assert opened.status_code == 200 and "Some reading about Introduction." in page(opened)


# --- cohort results and exports ---------------------------------------------------------------------------


@pytest.fixture
def results(world, enrol):
    """Three trainees: A 40% -> 100%, B 60% -> 60%, C 0% (pre-test only); A's name starts a formula."""
    a = enrol(display_name='=HYPERLINK("http://evil.example")', organisation="+CSW Skopje")
    b, c = enrol(display_name="Bisera"), enrol(display_name="Cvetan")
    take(world.pre, a, CASES_ONLY)
    take(world.pre, b, BASICS_ONLY)
    take(world.pre, c, WRONG)
    complete_modules(world.course_id, a, b)
    take(world.post, a, RIGHT)
    take(world.post, b, BASICS_ONLY)
    return a, b, c


def stat_cards(body: str) -> dict[str, str]:
    return dict(re.findall(r'<div class="small">([^<]+)</div><div class="h3 mb-0">([^<]+)</div>', body))


def item_rows(body: str, title: str) -> dict[str, tuple[str, str]]:
    section = body.split(title, 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<code>([^<]+)</code></td><td class="text-end">(\d+)</td><td class="text-end">([^<]+)</td>', section
    )
    return {key: (n, facility) for key, n, facility in rows}


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_cohort_results_show_means_gain_and_item_analysis(world, results, enrol, login, role):
    body = page(login(enrol(role=role)).get(f"/cohorts/{world.cohort_id}/tests"))
    # Means over the trainees with both tests (A and B): pre 50, post 80, <g> = 30 / 50, mean c = (1 + 0) / 2.
    assert stat_cards(body) == {
        "Mean pre-test": "50%",
        "Mean post-test": "80%",
        "Class gain ⟨g⟩": "+0.60",
        "Mean normalised change": "+0.50",
    }
    trainees = text_of(body.split("Trainees</h2>", 1)[1].split("</table>", 1)[0])
    assert "Bisera 60% 60% +0.00" in trainees and "Cvetan 0% – –" in trainees
    assert '=HYPERLINK("http://evil.example") 40% 100% +1.00' in trainees
    post_items = item_rows(body, "Item analysis: post-test")
    assert post_items == {**dict.fromkeys(BASICS, ("2", "100%")), **dict.fromkeys(CASES, ("2", "50%"))}
    pre_items = item_rows(body, "Item analysis: pre-test")
    assert pre_items == dict.fromkeys(ALL_KEYS, ("3", "33%"))


def test_cohort_module_gains_compare_the_same_trainees(world, results, enrol, login):
    """Per-module means, like the overall ones, use the trainees who took both tests (the page says so).

    Cases: A 100 -> 100, B 0 -> 0, so 50% -> 50% and a gain of 0. Counting C's pre-test (0%) as well
    would compare 33% (three trainees) with 50% (two) and show a gain that nobody made.
    """
    body = page(login(enrol(role="coordinator")).get(f"/cohorts/{world.cohort_id}/tests"))
    modules = text_of(body.split("By module</h2>", 1)[1].split("</table>", 1)[0])
    assert "Basics 50% 100% +1.00" in modules
    assert "Cases 50% 50% +0.00" in modules


def test_cohort_results_are_for_the_cohorts_staff_only(world, results, enrol, make_user, login):
    trainee = results[1]
    assert login(trainee).get(f"/cohorts/{world.cohort_id}/tests").status_code == 403
    assert login(trainee).get(f"/cohorts/{world.cohort_id}/tests/answers.csv").status_code == 403
    stranger = make_user(role="trainer")  # a trainer of no cohort
    assert login(stranger).get(f"/cohorts/{world.cohort_id}/tests").status_code == 404
    assert login(stranger).get(f"/cohorts/{world.cohort_id}/tests/answers.csv").status_code == 404
    coordinator = login(make_user(role="coordinator"))
    assert coordinator.get(f"/cohorts/{world.cohort_id}/tests/secrets.csv").status_code == 404
    assert coordinator.get(f"/cohorts/{world.cohort_id}/tests/answers.pdf").status_code == 404


def read_table(response, fmt: str) -> list[list[Any]]:
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # no formula anywhere
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def is_number(cell: Any) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def numbers(cells: list[Any]) -> list[float | None]:
    return [None if cell == "" else float(cell) for cell in cells]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_every_answer_and_neutralise_formulas(world, results, enrol, login, fmt):
    a, b, c = results
    client = login(enrol(role="trainer"))
    base = f"/cohorts/{world.cohort_id}/tests"

    table = read_table(client.get(f"{base}/results.{fmt}"), fmt)
    assert table[0] == [
        "name",
        "email",
        "organisation",
        "gender",
        "pre_test_percent",
        "post_test_percent",
        "normalised_change",
    ]
    rows = {row[1]: row for row in table[1:]}
    assert set(rows) == {a.email, b.email, c.email}
    assert rows[a.email][0] == '\'=HYPERLINK("http://evil.example")'  # neutralised, not a formula
    assert rows[a.email][2] == "'+CSW Skopje"
    assert numbers(rows[a.email][4:]) == [40.0, 100.0, 1.0]
    assert numbers(rows[c.email][4:]) == [0.0, None, None]

    answers = read_table(client.get(f"{base}/answers.{fmt}"), fmt)
    assert answers[0] == [
        "name",
        "email",
        "test",
        "attempt",
        "question",
        "module",
        "response",
        "earned",
        "points",
    ]
    stored = {
        (attempt.user_id, attempt.quiz_id, answer.question_key): answer
        for attempt in db.session.execute(db.select(Attempt)).scalars()
        for answer in attempt.answers
    }
    quiz_ids = {"pre": world.pre, "post": world.post}
    users = {u.email: u for u in (a, b, c)}
    seen = set()
    for name, email, test, number, key, module, response, earned, points in answers[1:]:
        answer = stored[(users[email].id, quiz_ids[test], key)]
        assert json.loads(response) == answer.response
        assert float(earned) == answer.earned and float(points) == POINTS[key]
        assert module == key.split("/")[0] and str(number) == "1"
        assert name == ("'" + a.display_name if email == a.email else users[email].display_name)
        seen.add((email, test, key))
    expected = {(u.email, test, key) for u in (a, b, c) for test in ("pre", "post") for key in ALL_KEYS}
    expected -= {(c.email, "post", key) for key in ALL_KEYS}
    assert seen == expected and len(answers) - 1 == len(expected)  # every answer, each once

    items = read_table(client.get(f"{base}/items.{fmt}"), fmt)
    assert items[0] == [
        "test",
        "question",
        "responses",
        "facility",
        "sd",
        "discrimination",
        "efficiency",
        "needs_review",
    ]
    assert sorted((row[0], row[1]) for row in items[1:]) == sorted(
        (test, key) for test in ("pre", "post") for key in ALL_KEYS
    )
    facility = {(row[0], row[1]): float(row[3]) for row in items[1:]}
    assert facility[("post", "cases/match-b")] == 50.0 and facility[("post", "basics/spell-it")] == 100.0

    for rows_of_a_table in (table, answers, items):
        for row in rows_of_a_table[1:]:
            for cell in row:
                if isinstance(cell, str) and cell[:1] in ("=", "+", "@", "-") and not is_number(cell):
                    pytest.fail(f"a cell a spreadsheet would run as a formula: {cell!r}")


# --- quiz settings ----------------------------------------------------------------------------------------

VALID_SETTINGS = {
    "questions_per_module": "3",
    "shuffle_questions": "y",
    "time_limit_minutes": "45",
    "pass_mark": "80",
    "attempts_allowed": "",
    "grading": "average",
    "review_after_submit": "answers",
    "review_after_close": "feedback",
    "opens_at": "2030-01-15T09:00",
    "closes_at": "2030-01-31T17:30",
    "is_published": "y",
}


def quiz_settings(quiz_id: int) -> dict[str, Any]:
    return views._settings_of(fresh(Quiz, quiz_id))


def test_quiz_settings_are_saved_and_audited(world, enrol, login):
    coordinator = enrol(role="coordinator")
    before = quiz_settings(world.post)
    response = login(coordinator).post(f"/quizzes/{world.post}/settings", data=VALID_SETTINGS)
    assert response.status_code == 302
    quiz = fresh(Quiz, world.post)
    assert (quiz.questions_per_module, quiz.shuffle_questions, quiz.shuffle_options) == (3, True, False)
    assert (quiz.time_limit_minutes, quiz.pass_mark, quiz.attempts_allowed, quiz.grading) == (
        45,
        80.0,
        None,
        "average",
    )
    assert (quiz.review_after_submit, quiz.review_after_close, quiz.is_published) == (
        "answers",
        "feedback",
        True,
    )
    # Skopje time in January is UTC+1.
    assert quiz.opens_at == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    assert quiz.closes_at == datetime(2030, 1, 31, 16, 30, tzinfo=UTC)
    events = db.session.execute(db.select(AuditEvent).filter_by(action="quiz.settings_changed")).scalars()
    event, pre_event = sorted(events, key=lambda e: e.target_id != world.post)
    assert (event.actor_id, event.target_type, event.target_id) == (coordinator.id, "Quiz", world.post)
    assert event.before == before and event.after == quiz_settings(world.post)
    assert event.after["opens_at"] == "2030-01-15T08:00:00+00:00"
    # The pre-test draws with the post-test's seed, so it takes the new number too, audited as its own change.
    assert (pre_event.actor_id, pre_event.target_id) == (coordinator.id, world.pre)
    assert (pre_event.before["questions_per_module"], pre_event.after["questions_per_module"]) == (5, 3)
    assert pre_event.after == quiz_settings(world.pre)


def shown_dates(client, quiz_id: int) -> dict[str, str]:
    body = page(client.get(f"/quizzes/{quiz_id}/settings"))
    return dict(re.findall(r'<input[^>]*name="(opens_at|closes_at)"[^>]*value="([^"]*)"', body))


def test_quiz_settings_form_shows_the_dates_in_skopje_time_and_keeps_them_on_resave(world, enrol, login):
    """The form is filled with `obj=quiz` and the Skopje times as keyword arguments; WTForms prefers obj,
    so the fields show the UTC times, and saving the form untouched moves both dates an hour (two in
    summer) earlier every time."""
    client = login(enrol(role="coordinator"))
    client.post(f"/quizzes/{world.post}/settings", data=VALID_SETTINGS)
    shown = shown_dates(client, world.post)
    assert re.fullmatch(r"2030-01-15[T ]09:00(:00)?", shown["opens_at"]), shown
    assert re.fullmatch(r"2030-01-31[T ]17:30(:00)?", shown["closes_at"]), shown
    client.post(f"/quizzes/{world.post}/settings", data={**VALID_SETTINGS, **shown})
    quiz = fresh(Quiz, world.post)
    assert quiz.opens_at == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    assert quiz.closes_at == datetime(2030, 1, 31, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pass_mark": "150"}, "Number must be between 0 and 100."),
        ({"pass_mark": "seventy"}, "Not a valid float value."),
        ({"closes_at": "2030-01-10T09:00"}, "The quiz must close after it opens."),
        ({"closes_at": "2030-01-15T09:00"}, "The quiz must close after it opens."),
        ({"attempts_allowed": "0"}, "Number must be between 1 and 100."),
        ({"questions_per_module": "0"}, "Number must be between 1 and 50."),
        ({"time_limit_minutes": "-5"}, "Number must be between 1 and 600."),
        ({"grading": "best"}, "Not a valid choice."),
        ({"opens_at": "next monday"}, "Not a valid datetime value."),
    ],
)
def test_bad_quiz_settings_are_reported_and_change_nothing(world, enrol, login, changes, message):
    before = quiz_settings(world.post)
    response = login(enrol(role="coordinator")).post(
        f"/quizzes/{world.post}/settings", data={**VALID_SETTINGS, **changes}
    )
    assert response.status_code == 200
    assert message in html.unescape(page(response))
    assert quiz_settings(world.post) == before
    assert db.session.execute(db.select(db.func.count(AuditEvent.id))).scalar_one() == 0


def test_pre_and_post_test_always_draw_the_same_number_of_questions(world, enrol, login):
    client = login(enrol(role="coordinator"))
    form = client.get(f"/quizzes/{world.pre}/settings")
    assert "this number is set for both" in html.unescape(page(form))
    assert client.post(f"/quizzes/{world.pre}/settings", data=VALID_SETTINGS).status_code == 302
    assert fresh(Quiz, world.pre).questions_per_module == fresh(Quiz, world.post).questions_per_module == 3
    practice = next(iter(world.practice.values()))
    assert "this number is set for both" not in html.unescape(
        page(client.get(f"/quizzes/{practice}/settings"))
    )


def test_questions_per_module_is_fixed_once_a_shared_draw_has_attempts(world, enrol, login, trainee):
    """Once the pre-test has served questions, a new number would make the post-test ask other ones."""
    assert isinstance(service.start_attempt(fresh(Quiz, world.pre), trainee, utcnow()), Attempt)
    client = login(enrol(role="coordinator"))
    before = quiz_settings(world.post), quiz_settings(world.pre)
    response = client.post(f"/quizzes/{world.post}/settings", data=VALID_SETTINGS)
    assert response.status_code == 200
    assert "the number of questions drawn from each module can no longer change" in html.unescape(
        page(response)
    )
    assert (quiz_settings(world.post), quiz_settings(world.pre)) == before
    assert db.session.execute(db.select(db.func.count(AuditEvent.id))).scalar_one() == 0
    # The other settings still change, with the number kept as it is.
    kept = {**VALID_SETTINGS, "questions_per_module": "5"}
    assert client.post(f"/quizzes/{world.post}/settings", data=kept).status_code == 302
    assert (fresh(Quiz, world.post).pass_mark, fresh(Quiz, world.post).questions_per_module) == (80.0, 5)
    assert fresh(Quiz, world.pre).questions_per_module == 5


def test_quiz_settings_are_for_managers(world, enrol, login):
    for role in ("trainee", "trainer"):
        client = login(enrol(role=role))
        assert client.post(f"/quizzes/{world.post}/settings", data=VALID_SETTINGS).status_code == 403
    assert quiz_settings(world.post)["pass_mark"] == 70.0


# --- GIFT import ------------------------------------------------------------------------------------------

EVERY_CONSTRUCT_KEYS = {
    "smuggling-or-trafficking",
    "ilo-indicators",
    "consent-irrelevant",
    "smuggling-consent",
    "question-24",
    "true-spelling",
    "levels",
    "csw",
    "question-41",
    "escapes-all-of-them",
    "missing-word",
}
MALFORMED_PROBLEMS = [
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


def gift_questions() -> dict[str, Question]:
    db.session.expire_all()
    statement = db.select(Question).filter_by(origin="gift")
    return {q.key: q for q in db.session.execute(statement).scalars()}


def question_count() -> int:
    return db.session.execute(db.select(db.func.count(Question.id))).scalar_one()


def upload(client, name: str, module: str = "basics"):
    data = {"module": module, "file": (io.BytesIO((GIFT_DIR / name).read_bytes()), name)}
    return client.post(
        f"/courses/{COURSE_SLUG}/questions/import", data=data, content_type="multipart/form-data"
    )


def assert_gift_imported(module_slug: str) -> None:
    imported = gift_questions()
    assert set(imported) == EVERY_CONSTRUCT_KEYS
    assert {q.module.slug for q in imported.values()} == {module_slug}
    assert all(q.is_active for q in imported.values())
    assert imported["levels"].type == "matching" and imported["ilo-indicators"].type == "multiple"
    assert imported["csw"].data == {"answers": ["Centre for Social Work", "Center for Social Work", "CSW"]}
    assert imported["levels"].source.endswith("every_construct.gift:30")


def test_gift_upload_imports_every_construct(app, world, enrol, login):
    coordinator = enrol(role="coordinator")
    response = upload(login(coordinator), "every_construct.gift", module="cases")
    assert response.status_code == 302
    assert_gift_imported("cases")
    [event] = db.session.execute(db.select(AuditEvent).filter_by(action="questions.gift_imported")).scalars()
    assert event.actor_id == coordinator.id and event.after == {"added": 11}
    # A later content import leaves the uploaded questions in the bank.
    import_content(app, world.root)
    assert_gift_imported("cases")


def test_gift_upload_of_a_malformed_file_lists_every_problem_and_writes_nothing(world, enrol, login):
    before = question_count()
    response = upload(login(enrol(role="coordinator")), "malformed.gift")
    assert response.status_code == 400
    listed = [
        html.unescape(item) for item in re.findall(r"<li><code>(.*?)</code></li>", page(response), re.S)
    ]
    assert listed == MALFORMED_PROBLEMS
    assert "12 problems found; nothing was imported" in page(response)
    assert question_count() == before and gift_questions() == {}


def test_gift_upload_refuses_a_file_that_is_not_utf8_or_not_gift(world, enrol, login):
    client = login(enrol(role="coordinator"))
    data = {"module": "basics", "file": (io.BytesIO(b"\xff\xfe::Q:: Pick {=a ~b}"), "bank.gift")}
    response = client.post(
        f"/courses/{COURSE_SLUG}/questions/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "bank.gift:1: the file is not UTF-8 text" in page(response)
    data = {"module": "basics", "file": (io.BytesIO(b"x"), "bank.exe")}
    response = client.post(
        f"/courses/{COURSE_SLUG}/questions/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "Upload a .gift or .txt file." in page(response)
    data = {"module": "nowhere", "file": (io.BytesIO(b"Q {T}"), "bank.gift")}
    response = client.post(
        f"/courses/{COURSE_SLUG}/questions/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert question_count() == 10


def test_gift_upload_is_for_managers(world, enrol, login):
    assert upload(login(enrol(role="trainer")), "every_construct.gift").status_code == 403
    assert upload(login(enrol()), "every_construct.gift").status_code == 403
    assert gift_questions() == {}


def test_gift_cli_imports_every_construct_and_content_import_keeps_them(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["quizzes", "import-gift", str(GIFT_DIR / "every_construct.gift"), "--module", "basics"]
    )
    assert result.exit_code == 0, result.output
    assert "11 questions added to basics" in result.output
    assert_gift_imported("basics")
    # Importing the same file again collides with every key, and adds nothing.
    again = runner.invoke(
        args=["quizzes", "import-gift", str(GIFT_DIR / "every_construct.gift"), "--module", "basics"]
    )
    assert (
        again.exit_code != 0
        and "a question with the key 'levels' already exists in this module" in again.stderr
    )
    # `flask content import` manages the YAML banks and leaves GIFT questions alone.
    import_content(app, world.root)
    assert_gift_imported("basics")


def test_gift_cli_with_a_malformed_file_reports_every_problem_and_writes_nothing(app, world, monkeypatch):
    monkeypatch.chdir(GIFT_DIR)  # problems name the file as given
    before = question_count()
    result = app.test_cli_runner().invoke(
        args=["quizzes", "import-gift", "malformed.gift", "--module", "basics"]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        *MALFORMED_PROBLEMS,
        "Error: 12 problem(s) found; nothing was imported",
    ]
    assert question_count() == before and gift_questions() == {}
    unknown = app.test_cli_runner().invoke(
        args=["quizzes", "import-gift", "malformed.gift", "--module", "nowhere"]
    )
    assert unknown.exit_code == 2 and "no module 'nowhere'" in unknown.stderr


def test_gift_cli_needs_the_course_only_when_the_module_slug_is_ambiguous(app, world):
    other = Course(slug="other-course", title="Another course")
    other.modules.append(Module(slug="basics", position=1, title="Other basics", folder="01-basics"))
    db.session.add(other)
    db.session.commit()
    other_basics = other.modules[0].id
    runner = app.test_cli_runner()

    def gift(*options: str):
        return runner.invoke(
            args=["quizzes", "import-gift", str(GIFT_DIR / "every_construct.gift"), *options]
        )

    ambiguous = gift("--module", "basics")
    assert ambiguous.exit_code == 2, ambiguous.output
    assert (
        "module 'basics' exists in several courses (other-course, quiz-course): choose one with --course"
        in ambiguous.stderr
    )
    unknown_course = gift("--module", "basics", "--course", "nowhere")
    assert unknown_course.exit_code == 2 and "no course 'nowhere'" in unknown_course.stderr
    not_there = gift("--module", "cases", "--course", "other-course")
    assert not_there.exit_code == 2 and "no module 'cases' in course 'other-course'" in not_there.stderr
    assert gift_questions() == {}

    chosen = gift("--module", "basics", "--course", "other-course")
    assert chosen.exit_code == 0, chosen.output
    assert {q.module_id for q in gift_questions().values()} == {other_basics}
    # A slug only one course has needs no --course, even with several courses.
    unambiguous = gift("--module", "cases")
    assert unambiguous.exit_code == 0, unambiguous.output
    assert "11 questions added to cases" in unambiguous.output


# --- 50 concurrent submissions ----------------------------------------------------------------------------


def test_fifty_concurrent_posttest_submissions_each_count_once(app, world, enrol, login, monkeypatch):
    trainees = [enrol() for _ in range(50)]
    complete_modules(world.course_id, *trainees)
    post = fresh(Quiz, world.post)
    jobs = []
    for number, trainee in enumerate(trainees):
        attempt = service.start_attempt(post, trainee, utcnow())
        assert isinstance(attempt, Attempt)
        choices = RIGHT if number % 2 == 0 else MIXED
        form = submit_form(attempt, choices)
        jobs.append((trainee, attempt.id, form, choices))
    # Each submission in its own client; the first ten trainees also double-submit from a second client.
    requests = [(login(trainee), attempt_id, form) for trainee, attempt_id, form, _ in jobs]
    requests += [(login(trainee), attempt_id, form) for trainee, attempt_id, form, _ in jobs[:10]]
    barrier = threading.Barrier(len(requests))
    scored: list[int] = []  # one entry per time an attempt is marked: exactly once per attempt
    real_score = service.score_attempt

    def counting_score(questions, responses):
        scored.append(len(questions))
        return real_score(questions, responses)

    monkeypatch.setattr(service, "score_attempt", counting_score)
    outcomes: list[Any] = [None] * len(requests)

    def run(index: int, client, attempt_id: int, form) -> None:
        try:
            barrier.wait(timeout=60)
            response = client.post(f"/attempts/{attempt_id}/submit", data=form)
            outcomes[index] = (response.status_code, response.location)
        except Exception:  # reported below, with where it happened
            outcomes[index] = traceback.format_exc()

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    for (_client, attempt_id, _form), outcome in zip(requests, outcomes, strict=True):
        assert outcome == (302, f"/attempts/{attempt_id}/review"), outcome

    assert len(scored) == 50
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() == 50
    for trainee, attempt_id, _form, choices in jobs:
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.user_id == trainee.id and attempt.number == 1
        assert attempt.submitted_at is not None
        if choices is RIGHT:
            assert (attempt.earned, attempt.percent) == (15.0, 100.0)
        else:
            assert (attempt.earned, attempt.percent) == (8.25, MIXED_PERCENT)
        rows = answers_of(attempt_id)
        keys = [row.question_key for row in rows]
        assert len(keys) == len(set(keys))  # never twice
        assert {row.question_key for row in rows if row.response is not None} == set(choices)
        expected = {key: float(POINTS[key]) for key in ALL_KEYS} if choices is RIGHT else MIXED_EARNED
        assert {row.question_key: row.earned for row in rows if row.response is not None} == {
            key: expected[key] for key in choices
        }


# --- query budget -----------------------------------------------------------------------------------------


def clone_attempt(template: Attempt, user) -> None:
    """Give `user` a submitted attempt with the same questions, answers and marks as `template`."""
    copy = Attempt(
        quiz_id=template.quiz_id,
        user_id=user.id,
        number=1,
        seed=template.seed,
        language=template.language,
        questions=template.questions,
        started_at=template.started_at,
        deadline_at=template.deadline_at,
        submitted_at=template.submitted_at,
        earned=template.earned,
        possible=template.possible,
        percent=template.percent,
        module_scores=template.module_scores,
    )
    copy.answers = [
        Answer(question_key=a.question_key, response=a.response, saved_at=a.saved_at, earned=a.earned)
        for a in template.answers
    ]
    db.session.add(copy)


def test_cohort_results_page_runs_the_same_number_of_statements_for_3_and_30_trainees(
    world, enrol, login, count_queries
):
    coordinator = login(enrol(role="coordinator"))

    templates: list[tuple[Attempt, Attempt]] = []
    patterns = [(WRONG, MIXED), (CASES_ONLY, RIGHT), (BASICS_ONLY, BASICS_ONLY)]

    def add_trainees(count: int) -> None:
        for _ in range(count):
            trainee = enrol()
            if len(templates) < len(patterns):  # the first three take the tests, the others copy them
                complete_modules(world.course_id, trainee)
                pre, post = patterns[len(templates)]
                templates.append((take(world.pre, trainee, pre), take(world.post, trainee, post)))
            else:
                for template in templates[trainee.id % len(templates)]:
                    clone_attempt(template, trainee)
                db.session.commit()

    def statements() -> list[str]:
        with count_queries() as seen:
            response = coordinator.get(f"/cohorts/{world.cohort_id}/tests")
        assert response.status_code == 200
        return list(seen)

    add_trainees(3)
    few = statements()
    add_trainees(27)
    many = statements()
    repeated = {statement[:60]: n for statement, n in Counter(many).items() if n > 1}
    assert len(many) == len(few), (
        f"{len(few)} statements for 3 trainees, {len(many)} for 30; repeated: {repeated}"
    )
