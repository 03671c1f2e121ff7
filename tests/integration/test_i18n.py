"""The interface in Macedonian and Albanian beyond single strings: words that take their form from what
they describe (pgettext), sentences with counts (ngettext, also for decimal counts), numbers with the
reader's decimal mark, and the problems of a roster or GIFT upload in the reader's language (English
outside a request)."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale, pgettext

from app.certificates.eligibility import Condition
from app.certificates.reasons import reason
from app.courses.models import Cohort, Course, Membership
from app.courses.roster import read_roster
from app.extensions import db
from app.i18n import plural_count, select_locale
from app.quizzes.forms import QuizSettingsForm
from app.quizzes.gift import parse_gift
from app.workshops.forms import REGISTRATION_LABELS, STATUS_LABELS
from app.workshops.models import Criterion, Level, Rubric
from tests.integration.test_courses import write_content

# --- helpers ----------------------------------------------------------------------------------------------


def text_of(response) -> str:
    """The page's text: tags removed, entities resolved, white space collapsed."""
    markup = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(markup))


def lesson(title: str, minutes: int) -> str:
    return f"---\ntitle: {title}\nminutes: {minutes}\nhandbook: Part 1\n---\n## {title}\n\nText of {title}.\n"


def content_folder(root: Path, minutes: list[int]) -> Path:
    files = {
        "course.yaml": "slug: hours\ntitle: Hours course\nsummary: A course for tests.\n",
        "glossary.yaml": "- slug: trafficking\n  term: Trafficking in persons\n  definition: A crime.\n",
        "01-basics/module.yaml": "title: Basics\nobjectives: [Know the words.]\n",
    }
    for number, length in enumerate(minutes, start=1):
        files[f"01-basics/{number:02d}-lesson-{number}.md"] = lesson(f"Lesson {number}", length)
    return write_content(root, files)


@pytest.fixture
def course_of(app, ctx, tmp_path):
    """Return a function importing a one-module course whose lessons last the given minutes."""

    def imported(minutes: list[int]) -> Course:
        root = content_folder(tmp_path / "content", minutes)
        result = app.test_cli_runner().invoke(args=["content", "import", "--path", str(root)])
        assert result.exit_code == 0, result.output
        return db.session.execute(db.select(Course).filter_by(slug="hours")).scalar_one()

    return imported


def cohort_of(course: Course, *trainees) -> Cohort:
    cohort = Cohort(name="Cohort 2026", course_id=course.id)
    db.session.add(cohort)
    for user in trainees:
        cohort.memberships.append(Membership(user_id=user.id, role="trainee"))
    db.session.commit()
    return cohort


# --- words whose form depends on what they describe -------------------------------------------------------


def test_published_takes_the_form_of_a_workshop_or_a_quiz(app):
    with app.test_request_context(), force_locale("mk"):
        assert str(STATUS_LABELS["published"]) == "Објавена"  # работилница, feminine
        assert str(QuizSettingsForm().is_published.label.text) == "Објавен"  # квиз, masculine
        assert str(STATUS_LABELS["cancelled"]) == "Откажана"
        assert str(REGISTRATION_LABELS["cancelled"]) == "Откажано"  # обезбедено место, neuter
    with app.test_request_context(), force_locale("sq"):
        assert str(STATUS_LABELS["published"]) == "E publikuar"
        assert str(QuizSettingsForm().is_published.label.text) == "I publikuar"
    with app.test_request_context(), force_locale("en"):
        assert str(STATUS_LABELS["published"]) == pgettext("quiz", "Published") == "Published"


# --- decimals and plurals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "minutes", "expected"),
    [
        ("en", [240, 240, 30], "About 8.5 hours of study in all"),
        ("mk", [240, 240, 30], "Вкупно околу 8,5 часа учење"),
        ("sq", [240, 240, 30], "Gjithsej rreth 8,5 orë studim"),
        ("mk", [240, 210, 30], "Вкупно околу 8 часа учење"),  # not "8.0"
        ("en", [30, 30], "About 1 hour of study in all"),
        ("mk", [30, 30], "Вкупно околу 1 час учење"),
    ],
)
def test_course_hours_are_written_as_the_reader_writes_numbers(
    course_of, make_user, login, locale, minutes, expected
):
    trainee = make_user(locale=locale)
    course = course_of(minutes)
    cohort_of(course, trainee)
    page = text_of(login(trainee).get(f"/courses/{course.slug}"))
    assert expected in page


def test_rubric_points_with_a_decimal_in_macedonian(app, ctx, make_user, login):
    """ngettext needs a whole number: 1.5 points used to reach gettext's plural rule as a float."""
    rubric = Rubric(title="Case study")
    criterion = Criterion(position=1, title="Listens")
    for points, title in ((0.0, "Weak"), (1.0, "Fair"), (1.5, "Good")):
        criterion.levels.append(Level(points=points, title=title, descriptor=f"{title} work"))
    rubric.criteria.append(criterion)
    db.session.add(rubric)
    db.session.commit()
    page = text_of(login(make_user(role="coordinator", locale="mk")).get(f"/workshops/rubrics/{rubric.id}"))
    assert "1,5 поени" in page and "1 поен" in page and "0 поени" in page
    assert "1.5" not in page


@pytest.mark.parametrize(
    ("value", "count"), [(None, 0), (0.0, 0), (1.0, 1), (1, 1), (21.0, 21), (1.5, 2), (0.25, 2)]
)
def test_plural_count_is_whole(value, count):
    assert plural_count(value) == count


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [("en", 0.456, "+0.46"), ("mk", 0.456, "+0,46"), ("sq", -0.5, "-0,50"), ("mk", None, "–")],
)
def test_knowledge_gain_has_the_readers_decimal_mark(app, locale, value, expected):
    with app.test_request_context(), force_locale(locale):
        rendered = render_template_string(
            '{% from "quizzes/_macros.html" import gain %}{{ gain(value) }}', value=value
        )
    assert rendered == expected


@pytest.mark.parametrize(
    ("locale", "details", "expected"),
    [
        (
            "mk",
            {"attended": 1, "excused": 0, "counted": 1, "total": 1, "required_percent": 100.0},
            "присуство: 1 од 1 ден (потребно: 100%)",
        ),
        (
            "mk",
            {"attended": 2, "excused": 1, "counted": 3, "total": 4, "required_percent": 75.0},
            "присуство: 2 од 4 дена, оправдани отсуства: 1, сметани како присуство (потребно: 75%)",
        ),
        (
            "sq",
            {"attended": 2, "excused": 1, "counted": 2, "total": 4, "required_percent": 62.5},
            "prezencë: 2 nga 4 ditë, mungesa të arsyetuara: 1, të pallogaritura (kërkohet: 62,5%)",
        ),
        (
            "en",
            {"attended": 2, "excused": 1, "counted": 3, "total": 4, "required_percent": 75.0},
            "attended 2 of 4 days, 1 excused, counted as present (75% required)",
        ),
    ],
)
def test_attendance_reason_is_one_sentence(app, locale, details, expected):
    with app.test_request_context(), force_locale(locale):
        assert reason(Condition("attendance", False, details)) == expected


# --- roster and GIFT problems in the reader's language ----------------------------------------------------

BAD_ROSTER = "email,name,language\nnot-an-email,Ana,mk\narben@csw.example,,sq\nvesna@csw.example,Vesna,de\n"


def upload_roster(client, cohort: Cohort, content: bytes):
    return client.post(
        f"/cohorts/{cohort.id}/roster",
        data={"file": (io.BytesIO(content), "roster.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "mk",
            [
                "roster.csv:2: „not-an-email“ не е валидна адреса на е-пошта",
                "roster.csv:3: името е празно",
                "roster.csv:4: јазикот „de“ не е еден од: mk, sq, en",
            ],
        ),
        (
            "sq",
            [
                "roster.csv:2: «not-an-email» nuk është adresë e vlefshme email-i",
                "roster.csv:3: emri është bosh",
                "roster.csv:4: gjuha «de» nuk është një nga: mk, sq, en",
            ],
        ),
        (
            "en",
            [
                "roster.csv:2: 'not-an-email' is not a valid e-mail address",
                "roster.csv:3: the name is empty",
                "roster.csv:4: language 'de' is not one of mk, sq, en",
            ],
        ),
    ],
)
def test_roster_problems_are_shown_in_the_readers_language(course_of, make_user, login, locale, expected):
    cohort = cohort_of(course_of([10]))
    response = upload_roster(login(make_user(role="coordinator", locale=locale)), cohort, BAD_ROSTER.encode())
    assert response.status_code == 400
    page = text_of(response)
    for problem in expected:
        assert problem in page


@pytest.mark.parametrize(
    ("people", "locale", "expected"),
    [
        (1, "mk", "Списокот е увезен: 1 лице е додадено во групата; нови сметки: 1."),
        (2, "mk", "Списокот е увезен: 2 лица се додадени во групата; нови сметки: 2."),
        (1, "en", "Roster imported: 1 person added to the cohort; new accounts: 1."),
        (2, "en", "Roster imported: 2 people added to the cohort; new accounts: 2."),
    ],
)
def test_roster_import_message_counts_people(course_of, make_user, login, people, locale, expected):
    cohort = cohort_of(course_of([10]))
    rows = "".join(f"person{n}@csw.example,Person {n}\n" for n in range(people))
    client = login(make_user(role="coordinator", locale=locale))
    response = upload_roster(client, cohort, f"email,name\n{rows}".encode())
    assert response.status_code == 200
    assert expected in text_of(response)


def upload_gift(client, course: Course, text: str, name: str = "bank.gift"):
    return client.post(
        f"/courses/{course.slug}/questions/import",
        data={"module": "basics", "file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_gift_problems_are_shown_in_the_readers_language(course_of, make_user, login):
    course = course_of([10])
    text = "::q1:: What is a case plan?\n\n::q2:: {=yes ~no}\n"
    sq = text_of(upload_gift(login(make_user(role="coordinator", locale="sq")), course, text))
    assert "bank.gift:1: nuk ka bllok përgjigjesh: pas tekstit të pyetjes pritet {...}" in sq
    assert "bank.gift:3: pyetja nuk ka tekst" in sq
    mk = text_of(upload_gift(login(make_user(role="coordinator", locale="mk")), course, "Q {=a}", "x.txt"))
    assert "x.txt:1: " not in mk  # one good question: imported
    assert "Увезено е 1 прашање." in mk


@pytest.mark.parametrize(
    ("questions", "expected"), [(1, "1 question imported."), (2, "2 questions imported.")]
)
def test_gift_import_message_counts_questions(course_of, make_user, login, questions, expected):
    course = course_of([10])
    text = "\n\n".join(f"::g{n}:: Question {n}? {{=yes ~no}}" for n in range(questions))
    assert expected in text_of(upload_gift(login(make_user(role="coordinator")), course, text))


def test_problems_are_english_outside_a_request(app, ctx):
    """The CLI has an app context but no request, hence no reader: the source language."""
    assert select_locale() is None
    _rows, problems = read_roster("roster.csv", b"email,name\nnot-an-email,Ana\n")
    assert [str(problem) for problem in problems] == [
        "roster.csv:2: 'not-an-email' is not a valid e-mail address"
    ]
    assert [str(error) for error in parse_gift("Just text.", "q.gift").errors] == [
        "q.gift:1: no answer block: expected {...} after the question text"
    ]
