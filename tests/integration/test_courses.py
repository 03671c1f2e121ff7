"""Course delivery end to end: content commands, enrolment and access, progress, gating, language, search,
the query budget of the busiest pages, cohorts and rosters, images and the demo cohort.

Most tests import a tiny content folder written into tmp_path (`flask content import --path`); the shipped
handbook is imported only where it is the subject (check, idempotent import, demo).
"""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from openpyxl import Workbook

from app.accounts.models import User
from app.audit import AuditEvent
from app.courses import importer
from app.courses.importer import import_content
from app.courses.models import Cohort, Course, Lesson, LessonProgress, LessonText, Membership, Module
from app.courses.rendering import RENDERER_VERSION
from app.courses.search import search_lessons
from app.extensions import db
from app.quizzes.models import Attempt, Question, Quiz

LONG_AGO = datetime(2020, 9, 14, 8, 0, tzinfo=UTC)
CONTENT_TABLES = (Course, Module, Lesson, LessonText, Question)


# --- content folders -------------------------------------------------------------------------------------


def lesson_file(title: str, body: str, minutes: int = 5) -> str:
    return f"---\ntitle: {title}\nminutes: {minutes}\nhandbook: Part 1\n---\n{body}"


def variant_file(title: str, body: str, handbook: str | None = None) -> str:
    reference = f'handbook: "{handbook}"\n' if handbook else ""
    return f"---\ntitle: {title}\n{reference}---\n{body}"


def course_files(slug: str, title: str) -> dict[str, str]:
    return {
        "course.yaml": f"slug: {slug}\ntitle: {title}\nsummary: A course for tests.\n",
        "glossary.yaml": "- slug: trafficking\n  term: Trafficking in persons\n  definition: A crime.\n",
    }


PART_1 = "Part 1: The determinants of migrant vulnerability"
PART_1_MK = "Дел 1: Детерминанти на ранливоста на мигрантите"
TINY = {
    **course_files("tiny", "Tiny course"),
    "01-basics/module.yaml": (
        f'title: Basics\nobjectives: [Know the words.]\nhandbook_parts: ["{PART_1}"]\n'
        f'translations:\n  mk: {{title: Основи, handbook_parts: ["{PART_1_MK}"]}}\n'
    ),
    "01-basics/01-welcome.md": lesson_file(
        "Welcome",
        "## Start here\n\nHuman trafficking is a crime that social workers meet at work.\n\n"
        "![Four nested levels](images/levels.svg)\n\n"
        "Read the [terms](02-terms.md#terms) next, and see [trafficking](glossary:trafficking).\n",
        minutes=10,
    ),
    "01-basics/01-welcome.mk.md": variant_file(
        "Добредојдовте",
        "## Почнете тука\n\nТрговијата со луѓе е кривично дело со кое социјалните работници се среќаваат.\n",
        handbook=PART_1_MK,
    ),
    "01-basics/02-terms.md": lesson_file(
        "Terms", "## Terms\n\nSmuggling of migrants is a crime against the State.\n"
    ),
    "01-basics/images/levels.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>\n',
    "02-practice/module.yaml": "title: Practice\nobjectives: [Plan a case.]\n",
    "02-practice/01-casework.md": lesson_file(
        "Casework", "## Casework\n\nA case plan sets out the steps agreed with the person.\n", minutes=15
    ),
    "02-practice/01-casework.mk.md": variant_file(
        "Работа на случај", "## Случај\n\nПланот ги утврдува чекорите.\n"
    ),
}
TINY_LESSONS = 3


def big_course(modules: int = 12, lessons: int = 8) -> dict[str, str]:
    files = course_files("big", "Big course")
    for m in range(1, modules + 1):
        files[f"{m:02d}-module-{m}/module.yaml"] = f"title: Module {m}\nobjectives: [Objective.]\n"
        for n in range(1, lessons + 1):
            files[f"{m:02d}-module-{m}/{n:02d}-lesson-{n}.md"] = lesson_file(
                f"Lesson {m}.{n}", f"## Part {n}\n\nText of lesson {n} in module {m}.\n"
            )
    return files


def write_content(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- fixtures and helpers --------------------------------------------------------------------------------


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def content(runner, command: str, root: Path | None = None):
    return runner.invoke(args=["content", command, *(["--path", str(root)] if root else [])])


def import_folder(runner, root: Path) -> Course:
    result = content(runner, "import", root)
    assert result.exit_code == 0, result.output
    slug = (root / "course.yaml").read_text().split("\n")[0].removeprefix("slug: ")
    return db.session.execute(db.select(Course).filter_by(slug=slug)).scalar_one()


@pytest.fixture
def tiny_root(app, tmp_path, monkeypatch) -> Path:
    root = write_content(tmp_path / "tiny", TINY)
    monkeypatch.setitem(app.config, "CONTENT_DIR", str(root))  # where the image route looks
    return root


@pytest.fixture
def tiny(ctx, runner, tiny_root) -> Course:
    return import_folder(runner, tiny_root)


def enrol(course: Course, *users, role: str = "trainee", cohort: Cohort | None = None) -> Cohort:
    cohort = cohort or Cohort(name=f"Cohort of {course.slug}", course_id=course.id)
    db.session.add(cohort)
    for user in users:
        cohort.memberships.append(Membership(user_id=user.id, role=role))
    db.session.commit()
    return cohort


def lesson_id(course: Course, module_slug: str, lesson_slug: str) -> int:
    return db.session.execute(
        db.select(Lesson.id)
        .join(Module)
        .filter(Module.course_id == course.id, Module.slug == module_slug, Lesson.slug == lesson_slug)
    ).scalar_one()


def progress_of(user, lesson: int) -> LessonProgress | None:
    db.session.expire_all()
    return db.session.execute(
        db.select(LessonProgress).filter_by(user_id=user.id, lesson_id=lesson)
    ).scalar_one_or_none()


def complete(user, lesson: int, when: datetime = LONG_AGO) -> None:
    db.session.add(
        LessonProgress(
            user_id=user.id, lesson_id=lesson, first_viewed_at=when, last_viewed_at=when, completed_at=when
        )
    )
    db.session.commit()


def count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in CONTENT_TABLES}


def page(response) -> str:
    return response.get_data(as_text=True)


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def the_pretest(course: Course) -> Quiz:
    """The pre-test that importing a course creates (published; the course's modules wait for it)."""
    return db.session.execute(db.select(Quiz).filter_by(course_id=course.id, kind="pre")).scalar_one()


def attempt(quiz: Quiz, user, submitted: bool) -> Attempt:
    row = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=1,
        seed=1,
        language="en",
        questions=[],
        submitted_at=LONG_AGO if submitted else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


def study(course: Course, *trainees) -> Cohort:
    """Enrol trainees who have submitted the pre-test, so that the course's lessons are open to them."""
    cohort = enrol(course, *trainees)
    for trainee in trainees:
        attempt(the_pretest(course), trainee, submitted=True)
    return cohort


WELCOME = "/courses/tiny/basics/welcome"
TERMS = "/courses/tiny/basics/terms"
BASICS = "/courses/tiny/basics"
CASEWORK = "/courses/tiny/practice/casework"


# --- flask content check / import --------------------------------------------------------------------


def test_content_check_passes_on_the_shipped_content(runner):
    result = content(runner, "check")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"OK: 9 modules, \d+ lessons, \d+ questions, \d+ glossary terms\n", result.output)


def test_content_check_reports_each_problem_and_writes_nothing(ctx, runner, tiny, tiny_root):
    before = counts()
    (tiny_root / "01-basics/02-terms.md").write_text(
        lesson_file("Terms", "## Terms\n\nSee [IOM](http://www.iom.int).\n\n[gone](03-gone.md)\n")
    )
    result = content(runner, "check", tiny_root)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{tiny_root}/01-basics/02-terms.md:8: use https:// for outside links: 'http://www.iom.int'",
        f"{tiny_root}/01-basics/02-terms.md:10: broken link '03-gone.md': no such lesson file",
        "Error: 2 problem(s) found",
    ]
    assert counts() == before


def test_content_import_of_the_shipped_handbook_is_idempotent(ctx, runner):
    first = content(runner, "import")
    assert first.exit_code == 0, first.output
    assert "added    course protecting-vulnerable-migrants" in first.output
    imported = counts()
    assert imported["Module"] == 9 and imported["Lesson"] >= 27

    second = content(runner, "import")
    assert second.exit_code == 0, second.output
    assert second.output == f"unchanged: {imported['LessonText'] + imported['Question']}\n"
    assert counts() == imported


def test_changing_a_lesson_re_renders_only_that_one(ctx, runner, tiny, tiny_root):
    hashes = dict(db.session.execute(db.select(LessonText.id, LessonText.content_hash)).all())
    (tiny_root / "01-basics/02-terms.md").write_text(
        lesson_file(
            "Terms", "## Terms\n\nSmuggling is a crime against the State; trafficking against a person.\n"
        )
    )
    result = content(runner, "import", tiny_root)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["changed  lesson basics/terms (en)", "unchanged: 4"]
    db.session.expire_all()
    changed = db.session.get(
        LessonText,
        db.session.execute(
            db.select(LessonText.id).filter_by(lesson_id=lesson_id(tiny, "basics", "terms"))
        ).scalar_one(),
    )
    assert "trafficking against a person" in changed.html and "trafficking against a person" in changed.text
    now = dict(db.session.execute(db.select(LessonText.id, LessonText.content_hash)).all())
    assert {k for k in now if now[k] != hashes[k]} == {changed.id}


def test_a_new_renderer_renders_every_lesson_again(ctx, runner, tiny, tiny_root, monkeypatch):
    monkeypatch.setattr("app.courses.importer.RENDERER_VERSION", RENDERER_VERSION + 1)
    result = content(runner, "import", tiny_root)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "changed  lesson basics/welcome (en)",
        "changed  lesson basics/welcome (mk)",
        "changed  lesson basics/terms (en)",
        "changed  lesson practice/casework (en)",
        "changed  lesson practice/casework (mk)",
        "unchanged: 0",
    ]
    assert content(runner, "import", tiny_root).output == "unchanged: 5\n"


def test_removing_a_lesson_retires_it_and_keeps_progress(ctx, runner, tiny, tiny_root, make_user, login):
    trainee = make_user()
    enrol(tiny, trainee)
    terms = lesson_id(tiny, "basics", "terms")
    complete(trainee, terms)
    (tiny_root / "01-basics/02-terms.md").unlink()
    (tiny_root / "01-basics/01-welcome.md").write_text(
        TINY["01-basics/01-welcome.md"].replace("[terms](02-terms.md#terms)", "terms")
    )

    result = content(runner, "import", tiny_root)
    assert result.exit_code == 0, result.output
    assert "removed  lesson basics/terms" in result.output.splitlines()
    db.session.expire_all()
    assert db.session.get(Lesson, terms).is_active is False
    assert progress_of(trainee, terms).completed_at == LONG_AGO
    client = login(trainee)
    assert client.get(TERMS).status_code == 404
    assert "0 of 2 lessons complete" in page(client.get("/courses/tiny"))


def test_a_failed_import_leaves_the_previous_content_intact(ctx, runner, tiny, tiny_root):
    before = counts()
    (tiny_root / "02-practice/01-casework.md").write_text(
        lesson_file("Casework v2", "## New text\n\nRewritten.\n")
    )
    (tiny_root / "01-basics/02-terms.md").write_text(lesson_file("Terms", "## Terms\n\n[gone](03-gone.md)\n"))
    result = content(runner, "import", tiny_root)
    assert result.exit_code == 1
    assert (
        f"{tiny_root}/01-basics/02-terms.md:8: broken link '03-gone.md': no such lesson file" in result.stderr
    )
    assert "nothing was imported" in result.stderr
    db.session.expire_all()
    assert counts() == before
    titles = set(db.session.execute(db.select(LessonText.title)).scalars())
    assert "Casework" in titles and "Casework v2" not in titles


def test_an_error_halfway_through_an_import_rolls_everything_back(ctx, runner, tiny, tiny_root, monkeypatch):
    (tiny_root / "01-basics/01-welcome.md").write_text(lesson_file("Welcome v2", "## Start\n\nNew.\n"))
    (tiny_root / "02-practice/01-casework.md").write_text(lesson_file("Casework v2", "## Explode\n"))
    real_render = importer.render_markdown

    def failing(source, resolve):
        if "Explode" in source:
            raise RuntimeError("renderer crashed")
        return real_render(source, resolve)

    monkeypatch.setattr(importer, "render_markdown", failing)
    with pytest.raises(RuntimeError):
        import_content(tiny_root)
    db.session.expire_all()
    assert set(db.session.execute(db.select(LessonText.title)).scalars()) >= {"Welcome", "Casework"}
    assert not {"Welcome v2", "Casework v2"} & set(db.session.execute(db.select(LessonText.title)).scalars())


# --- enrolment and access ---------------------------------------------------------------------------------


def test_enrolled_trainee_sees_my_learning_with_progress(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    complete(trainee, lesson_id(tiny, "basics", "welcome"))
    text = visible_text(page(login(trainee).get("/learning")))
    assert "Tiny course" in text
    assert "1 of 3 lessons complete 33%" in text
    assert "Continue where you left off: Terms" in text


def test_trainee_without_progress_is_invited_to_start(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    text = visible_text(page(login(trainee).get("/learning")))
    assert "0 of 3 lessons complete 0%" in text and "Start the course: Welcome" in text


def test_my_learning_sends_a_trainee_to_the_pretest_first(tiny, make_user, login):
    trainee = make_user()
    enrol(tiny, trainee)
    text = visible_text(page(login(trainee).get("/learning")))
    assert "Start with the pre-test" in text and "Continue where you left off" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/courses/tiny",
        "/courses/tiny/basics",
        WELCOME,
        "/courses/tiny/glossary",
        "/courses/tiny/search?q=crime",
        "/courses/tiny/basics/images/levels.svg",
    ],
)
def test_unenrolled_trainee_gets_404(tiny, make_user, login, path):
    other = make_user()
    enrol(tiny, other)
    stranger = make_user()
    assert login(stranger).get(path).status_code == 404


def test_unenrolled_trainee_cannot_complete_a_lesson(tiny, make_user, login):
    stranger = make_user()
    assert login(stranger).post(f"{WELCOME}/complete").status_code == 404
    assert count(LessonProgress) == 0


@pytest.mark.parametrize("role", ["trainer", "coordinator", "admin"])
def test_staff_can_open_the_course_without_leaving_progress(tiny, make_user, login, role):
    client = login(make_user(role=role))
    assert client.get("/courses/tiny").status_code == 200
    assert client.get("/courses/tiny/practice").status_code == 200
    assert client.get(WELCOME).status_code == 200
    assert count(LessonProgress) == 0


def test_trainer_sees_only_the_cohorts_they_teach(tiny, make_user, login):
    trainer = make_user(role="trainer")
    mine = enrol(tiny, trainer, role="trainer", cohort=Cohort(name="Skopje autumn", course_id=tiny.id))
    theirs = enrol(
        tiny,
        make_user(role="trainer"),
        role="trainer",
        cohort=Cohort(name="Tetovo spring", course_id=tiny.id),
    )
    client = login(trainer)
    listing = page(client.get("/cohorts/"))
    assert "Skopje autumn" in listing and "Tetovo spring" not in listing
    assert client.get(f"/cohorts/{mine.id}").status_code == 200
    assert client.get(f"/cohorts/{mine.id}/progress").status_code == 200
    assert client.get(f"/cohorts/{theirs.id}").status_code == 404
    assert client.get(f"/cohorts/{theirs.id}/progress").status_code == 404


# --- lesson view and completion ------------------------------------------------------------------------


def test_viewing_a_lesson_records_first_and_last_view(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    welcome = lesson_id(tiny, "basics", "welcome")
    client = login(trainee)
    assert client.get(WELCOME).status_code == 200
    first = progress_of(trainee, welcome)
    assert first.first_viewed_at is not None and first.completed_at is None
    first.first_viewed_at = first.last_viewed_at = LONG_AGO
    db.session.commit()

    client.get(WELCOME)
    again = progress_of(trainee, welcome)
    assert again.first_viewed_at == LONG_AGO
    assert again.last_viewed_at > LONG_AGO
    assert count(LessonProgress) == 1


def test_lesson_page_shows_toc_neighbours_and_reading_time(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    html_page = page(login(trainee).get(TERMS))
    assert '<a href="#terms">Terms</a>' in html_page
    assert 'rel="prev" href="/courses/tiny/basics/welcome"' in html_page
    assert 'rel="next" href="/courses/tiny/practice/casework"' in html_page
    assert "Reading time: 5 min" in html_page


def test_lesson_links_point_to_platform_addresses(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    html_page = page(login(trainee).get(WELCOME))
    assert 'href="/courses/tiny/basics/terms#terms"' in html_page
    assert 'href="/courses/tiny/glossary#term-trafficking"' in html_page
    assert 'src="/courses/tiny/basics/images/levels.svg"' in html_page


def test_complete_lesson_is_idempotent(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    welcome = lesson_id(tiny, "basics", "welcome")
    client = login(trainee)
    response = client.post(f"{WELCOME}/complete", data={"next_url": TERMS})
    assert response.status_code == 302 and response.location == TERMS
    done = progress_of(trainee, welcome)
    assert done.completed_at is not None
    done.completed_at = LONG_AGO  # the first completion, some time ago
    db.session.commit()

    assert client.post(f"{WELCOME}/complete").status_code == 302
    assert progress_of(trainee, welcome).completed_at == LONG_AGO
    assert count(LessonProgress) == 1


def test_complete_lesson_never_redirects_off_site(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    response = login(trainee).post(f"{WELCOME}/complete", data={"next_url": "//evil.example/x"})
    assert response.location == "/courses/tiny/basics"


def test_complete_lesson_answers_json_when_asked(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    response = login(trainee).post(f"{WELCOME}/complete", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"completed": True}
    assert progress_of(trainee, lesson_id(tiny, "basics", "welcome")).completed_at is not None


def test_completing_an_inactive_or_unknown_lesson_is_404(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    assert login(trainee).post("/courses/tiny/basics/nowhere/complete").status_code == 404


# --- gating by the pre-test ---------------------------------------------------------------------------


def test_the_pretest_locks_the_lessons_until_it_is_submitted(tiny, make_user, login):
    trainee = make_user()
    enrol(tiny, trainee)
    quiz = the_pretest(tiny)
    assert quiz.is_published and tiny.modules_require_pretest  # what a first import sets up
    client = login(trainee)
    response = client.get(WELCOME)
    assert response.status_code == 302 and response.location == "/courses/tiny"
    assert client.post(f"{WELCOME}/complete").status_code == 403
    assert "Locked" in page(client.get("/courses/tiny"))
    assert count(LessonProgress) == 0

    started = attempt(quiz, trainee, submitted=False)
    assert client.get(WELCOME).status_code == 302

    started.submitted_at = LONG_AGO
    db.session.commit()
    assert client.get(WELCOME).status_code == 200
    assert client.post(f"{WELCOME}/complete").status_code == 302
    assert progress_of(trainee, lesson_id(tiny, "basics", "welcome")).completed_at is not None


def test_the_glossary_search_and_images_wait_for_the_pretest_too(tiny, make_user, login):
    trainee = make_user()
    enrol(tiny, trainee)
    client = login(trainee)
    for path in ("/courses/tiny/glossary", "/courses/tiny/search?q=crime"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/courses/tiny"
    assert client.get("/courses/tiny/basics/images/levels.svg").status_code == 403

    attempt(the_pretest(tiny), trainee, submitted=True)
    assert client.get("/courses/tiny/glossary").status_code == 200
    assert client.get("/courses/tiny/search?q=crime").status_code == 200
    response = client.get("/courses/tiny/basics/images/levels.svg")
    assert response.status_code == 200
    response.close()


def test_a_published_pretest_created_for_the_course_locks_it(tiny, make_user, login):
    trainee = make_user()
    enrol(tiny, trainee)
    the_pretest(tiny).is_published = False
    db.session.commit()
    client = login(trainee)
    assert client.get(WELCOME).status_code == 200  # no published pre-test: nothing to wait for

    db.session.add(Quiz(course_id=tiny.id, kind="pre", is_published=True))
    db.session.commit()
    assert client.get(WELCOME).status_code == 302
    assert client.post(f"{WELCOME}/complete").status_code == 403


def test_another_trainees_submission_does_not_open_the_modules(tiny, make_user, login):
    trainee, classmate = make_user(), make_user()
    enrol(tiny, trainee, classmate)
    attempt(the_pretest(tiny), classmate, submitted=True)
    assert login(trainee).get(WELCOME).status_code == 302


def test_modules_are_open_when_the_course_does_not_require_the_pretest(tiny, make_user, login):
    trainee = make_user()
    enrol(tiny, trainee)
    tiny.modules_require_pretest = False
    db.session.commit()
    client = login(trainee)
    assert client.get(WELCOME).status_code == 200
    assert client.post(f"{WELCOME}/complete").status_code == 302


def test_coordinator_toggles_gating_in_the_settings_and_it_is_audited(tiny, make_user, login):
    coordinator, trainee = make_user(role="coordinator"), make_user()
    enrol(tiny, trainee)
    client = login(coordinator)
    assert client.get("/courses/tiny/settings").status_code == 200

    response = client.post("/courses/tiny/settings", data={"submit": "Save settings"})  # box unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, tiny.id).modules_require_pretest is False
    event = db.session.execute(db.select(AuditEvent).filter_by(action="course.settings_changed")).scalar_one()
    assert (event.actor_id, event.target_type, event.target_id) == (coordinator.id, "Course", tiny.id)
    assert event.before == {"modules_require_pretest": True} and event.after == {
        "modules_require_pretest": False
    }
    assert login(trainee).get(WELCOME).status_code == 200

    client.post("/courses/tiny/settings", data={"modules_require_pretest": "y", "submit": "Save settings"})
    db.session.expire_all()
    assert db.session.get(Course, tiny.id).modules_require_pretest is True
    assert login(trainee).get(WELCOME).status_code == 302


def test_a_trainer_cannot_change_the_settings(tiny, make_user, login):
    assert (
        login(make_user(role="trainer")).post("/courses/tiny/settings", data={"submit": "Save"}).status_code
        == 403
    )
    assert count(AuditEvent) == 0


# --- language ---------------------------------------------------------------------------------------------


def test_trainee_reads_the_macedonian_variant_when_there_is_one(app, tiny, make_user, login):
    trainee = make_user(locale="mk")
    study(tiny, trainee)
    with app.test_request_context(), force_locale("mk"):
        badge = gettext("Not yet translated: shown in English")
    client = login(trainee)

    translated = page(client.get(WELCOME))
    assert '<article class="col-lg-8 lesson" lang="mk">' in translated
    assert "Трговијата со луѓе е кривично дело" in translated and "Human trafficking" not in translated
    assert badge not in translated

    untranslated = page(client.get(TERMS))
    assert '<article class="col-lg-8 lesson" lang="en">' in untranslated
    assert "Smuggling of migrants is a crime against the State." in untranslated
    assert f'<span class="badge text-bg-warning">{badge}</span>' in untranslated


def test_english_trainee_reads_the_source(tiny, make_user, login):
    trainee = make_user(locale="en")
    study(tiny, trainee)
    translated = page(login(trainee).get(WELCOME))
    assert "Human trafficking is a crime" in translated and "Трговијата" not in translated
    assert "text-bg-warning" not in translated


def handbook_line(app, locale: str, part: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext("Handbook: %(part)s", part=part)


def test_the_handbook_reference_is_shown_in_the_readers_language(app, tiny, make_user, login):
    macedonian, english = make_user(locale="mk"), make_user(locale="en")
    study(tiny, macedonian, english)

    client = login(macedonian)
    assert handbook_line(app, "mk", PART_1_MK) in visible_text(page(client.get(WELCOME)))
    module = visible_text(page(client.get(BASICS)))
    assert PART_1_MK in module and PART_1 not in module
    # The casework variant has no handbook reference of its own: it shows the English one.
    assert handbook_line(app, "mk", "Part 1") in visible_text(page(client.get(CASEWORK)))

    client = login(english)
    lesson = visible_text(page(client.get(WELCOME)))
    assert handbook_line(app, "en", "Part 1") in lesson and PART_1_MK not in lesson
    module = visible_text(page(client.get(BASICS)))
    assert PART_1 in module and PART_1_MK not in module


def test_changing_only_a_variants_handbook_reference_is_imported(
    app, runner, tiny, tiny_root, make_user, login
):
    reader = make_user(locale="mk")
    study(tiny, reader)
    client = login(reader)
    assert handbook_line(app, "mk", PART_1_MK) in visible_text(page(client.get(WELCOME)))

    welcome = tiny_root / "01-basics/01-welcome.mk.md"
    welcome.write_text(welcome.read_text().replace(PART_1_MK, "Дел 2 (индивидуално ниво)"), encoding="utf-8")
    result = content(runner, "import", tiny_root)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["changed  lesson basics/welcome (mk)", "unchanged: 4"]

    shown = visible_text(page(client.get(WELCOME)))
    assert handbook_line(app, "mk", "Дел 2 (индивидуално ниво)") in shown and PART_1_MK not in shown


# --- search ----------------------------------------------------------------------------------------------


def search_hits(client, query: str) -> list[str]:
    """Return the lesson addresses on the search page's result list, in order."""
    response = client.get("/courses/tiny/search", query_string={"q": query})
    assert response.status_code == 200
    markup = page(response)
    results = re.search(r'<ol class="list-unstyled search-results">(.*?)</ol>', markup, re.S)
    return re.findall(r'<a class="fw-semibold" href="([^"]+)"', results.group(1)) if results else []


def test_search_finds_a_cyrillic_term_whatever_its_case_and_highlights_it(tiny, make_user, login):
    trainee = make_user(locale="mk")
    study(tiny, trainee)
    client = login(trainee)
    assert search_hits(client, "ТРГОВИЈАТА") == [WELCOME]
    markup = page(client.get("/courses/tiny/search", query_string={"q": "трговијата ЛУЃЕ"}))
    assert "<mark>Трговијата</mark> со <mark>луѓе</mark>" in markup


def test_search_respects_the_readers_language(tiny, make_user, login):
    macedonian, english = make_user(locale="mk"), make_user(locale="en")
    study(tiny, macedonian, english)
    # "crime" is in the English text of both lessons of Basics; Welcome has a Macedonian text, Terms does not
    assert search_hits(login(english), "crime") == [WELCOME, TERMS]
    assert search_hits(login(macedonian), "crime") == [TERMS]
    assert search_hits(login(english), "трговијата") == []


def test_search_needs_every_term(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    assert search_hits(login(trainee), "crime smuggling") == [TERMS]


@pytest.mark.parametrize("query", ["", "   ", "т", "a"])
def test_search_with_an_empty_or_one_letter_query_finds_nothing(tiny, make_user, login, query):
    trainee = make_user(locale="mk")
    study(tiny, trainee)
    assert search_hits(login(trainee), query) == []
    assert search_lessons(tiny.id, query, "mk") == []


def test_search_treats_like_wildcards_literally(tiny, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    assert search_hits(login(trainee), "%%") == []
    assert search_hits(login(trainee), "__") == []


# --- statements per page ----------------------------------------------------------------------------------


def test_lesson_view_issues_a_constant_number_of_statements(
    ctx, runner, tiny, tmp_path, make_user, login, count_queries
):
    big = import_folder(runner, write_content(tmp_path / "big", big_course()))
    assert count(Lesson) == TINY_LESSONS + 12 * 8
    trainee = make_user()
    study(tiny, trainee)
    study(big, trainee)
    client = login(trainee)
    client.get("/courses/tiny/practice/casework")  # warm-up: the first request of a client loads more
    client.get("/courses/big/module-2/lesson-1")

    with count_queries() as small_view:
        assert client.get(TERMS).status_code == 200
    with count_queries() as big_view:
        assert client.get("/courses/big/module-7/lesson-5").status_code == 200
    assert len(small_view) == len(big_view), "\n".join(big_view)

    # Read again: the outline and the text are this worker's, the view was just recorded. What is left is
    # the signed-in user, the course with its access flags, and the trainee's progress in the module.
    with count_queries() as again:
        assert client.get("/courses/big/module-7/lesson-5").status_code == 200
    # PostgreSQL quotes the table name "user".
    main_tables = [statement.rsplit("\nFROM ", 1)[-1].split()[0].strip('"') for statement in again]
    assert all(statement.startswith("SELECT") for statement in again), again
    assert main_tables == ["user", "course", "lesson_progress"], again


def cohort_with(course: Course, trainees: int, make_user) -> Cohort:
    people = [make_user() for _ in range(trainees)]
    cohort = enrol(course, *people, cohort=Cohort(name=f"{trainees} trainees", course_id=course.id))
    welcome = lesson_id(course, "basics", "welcome")
    for person in people[::2]:
        complete(person, welcome)
    return cohort


def test_cohort_progress_table_issues_a_constant_number_of_statements(tiny, make_user, login, count_queries):
    small, large = cohort_with(tiny, 3, make_user), cohort_with(tiny, 30, make_user)
    small_page, large_page = f"/cohorts/{small.id}/progress", f"/cohorts/{large.id}/progress"
    client = login(make_user(role="coordinator"))
    client.get(small_page)  # warm-up: loads the session and the course outline
    with count_queries() as few:
        assert client.get(small_page).status_code == 200
    with count_queries() as many:
        assert client.get(large_page).status_code == 200
    assert len(few) == len(many), "\n\n".join([*few, "-----", *many])


def progress_table(markup: str) -> dict[str, list[str]]:
    rows = re.findall(r'<th scope="row" class="fw-normal">(.*?)</th>(.*?)</tr>', markup, re.S)
    return {name: re.findall(r"<td[^>]*>(.*?)</td>", cells) for name, cells in rows}


def test_cohort_progress_table_counts_completed_lessons(tiny, make_user, login):
    done, halfway, viewer, idle = (
        make_user(display_name=name) for name in ("Ana", "Bojan", "Vesna", "Zoran")
    )
    cohort = enrol(tiny, done, halfway, viewer, idle)
    trainer = make_user(role="trainer")
    enrol(tiny, trainer, role="trainer", cohort=cohort)
    for slug in (("basics", "welcome"), ("basics", "terms"), ("practice", "casework")):
        complete(done, lesson_id(tiny, *slug))
    complete(halfway, lesson_id(tiny, "basics", "terms"))
    db.session.add(
        LessonProgress(user_id=viewer.id, lesson_id=lesson_id(tiny, "basics", "welcome"))
    )  # viewed only
    outsider = make_user(display_name="Outsider")
    complete(outsider, lesson_id(tiny, "basics", "welcome"))

    table = progress_table(page(login(trainer).get(f"/cohorts/{cohort.id}/progress")))
    assert table == {
        "Ana": ["2/2", "1/1", "100%"],
        "Bojan": ["1/2", "0/1", "33%"],
        "Vesna": ["0/2", "0/1", "0%"],
        "Zoran": ["0/2", "0/1", "0%"],
    }


# --- cohort management -------------------------------------------------------------------------------------


def test_coordinator_creates_a_cohort(tiny, make_user, login):
    coordinator = make_user(role="coordinator")
    response = login(coordinator).post(
        "/cohorts/new",
        data={
            "name": "  CSW autumn 2020 ",
            "course": str(tiny.id),
            "starts_on": "2020-09-14",
            "ends_on": "2020-12-18",
        },
    )
    cohort = db.session.execute(db.select(Cohort)).scalar_one()
    assert response.status_code == 302 and response.location == f"/cohorts/{cohort.id}"
    assert (cohort.name, cohort.course_id, str(cohort.starts_on), str(cohort.ends_on)) == (
        "CSW autumn 2020",
        tiny.id,
        "2020-09-14",
        "2020-12-18",
    )
    assert (
        db.session.execute(db.select(AuditEvent).filter_by(action="cohort.created")).scalar_one().actor_id
        == coordinator.id
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "This field is required."),
        ({"starts_on": "2020-12-18", "ends_on": "2020-09-14"}, "The end date is before the start date."),
        ({"starts_on": "14.09.2020"}, "Not a valid date value."),
        ({"course": "999999"}, "Not a valid choice."),
    ],
    ids=["empty-name", "end-before-start", "bad-date", "unknown-course"],
)
def test_bad_cohort_input_re_renders_with_errors_and_creates_nothing(tiny, make_user, login, fields, message):
    data = {
        "name": "CSW autumn",
        "course": str(tiny.id),
        "starts_on": "2020-09-14",
        "ends_on": "2020-12-18",
        **fields,
    }
    response = login(make_user(role="coordinator")).post("/cohorts/new", data=data)
    assert response.status_code == 200
    assert message in html.unescape(page(response))
    assert count(Cohort) == 0 and count(AuditEvent) == 0


def test_add_and_remove_members_keeps_progress(tiny, make_user, login):
    coordinator, trainee, trainer = make_user(role="coordinator"), make_user(), make_user(role="trainer")
    cohort = enrol(tiny, cohort=Cohort(name="CSW", course_id=tiny.id))
    client = login(coordinator)
    assert (
        client.post(f"/cohorts/{cohort.id}/members/trainee", data={"trainee-user": trainee.id}).status_code
        == 302
    )
    assert (
        client.post(f"/cohorts/{cohort.id}/members/trainer", data={"trainer-user": trainer.id}).status_code
        == 302
    )
    db.session.expire_all()
    assert {(m.user_id, m.role) for m in db.session.get(Cohort, cohort.id).memberships} == {
        (trainee.id, "trainee"),
        (trainer.id, "trainer"),
    }
    complete(trainee, lesson_id(tiny, "basics", "welcome"))

    assert client.post(f"/cohorts/{cohort.id}/members/{trainee.id}/remove").status_code == 302
    db.session.expire_all()
    assert [m.user_id for m in db.session.get(Cohort, cohort.id).memberships] == [trainer.id]
    assert count(LessonProgress) == 1
    actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions == ["cohort.trainee_added", "cohort.trainer_added", "cohort.member_removed"]
    assert login(trainee).get("/courses/tiny").status_code == 404


@pytest.mark.parametrize("who", ["coordinator-as-trainee", "already-a-member", "nobody"])
def test_adding_someone_not_on_the_list_changes_nothing(tiny, make_user, login, who):
    coordinator, member = make_user(role="coordinator"), make_user()
    cohort = enrol(tiny, member)
    user_id = {"coordinator-as-trainee": coordinator.id, "already-a-member": member.id, "nobody": 999999}[who]
    response = login(coordinator).post(
        f"/cohorts/{cohort.id}/members/trainee", data={"trainee-user": user_id}
    )
    assert response.status_code == 302
    assert count(Membership) == 1 and count(AuditEvent) == 0


def roster_upload(client, cohort: Cohort, filename: str, content: bytes):
    return client.post(
        f"/cohorts/{cohort.id}/roster",
        data={"file": (io.BytesIO(content), filename), "send_invitations": "y"},
        content_type="multipart/form-data",
    )


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def user_by_email(email: str) -> User | None:
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()


def test_roster_import_csv_creates_accounts_enrols_and_invites(tiny, make_user, login, mailbox):
    coordinator = make_user(role="coordinator")
    existing = make_user(email="vesna@csw.example")
    cohort = enrol(tiny, cohort=Cohort(name="CSW", course_id=tiny.id))
    csv = (
        "\ufeffemail;name;certificate_name;organisation;language;gender\n"
        "Marija.Petrovska@CSW.example;Marija Petrovska;Марија Петровска;ЦСР Скопје;mk;female\n"
        "arben@csw.example;Arben Rexhepi;;QPS Tetovë;sq;male\n"
        "vesna@csw.example;Vesna R.;;ЦСР Скопје;mk;female\n"
    )
    response = roster_upload(login(coordinator), cohort, "roster.csv", csv.encode())
    assert response.status_code == 302 and response.location == f"/cohorts/{cohort.id}"

    db.session.expire_all()
    marija, arben = user_by_email("marija.petrovska@csw.example"), user_by_email("arben@csw.example")
    assert (marija.display_name, marija.certificate_name, marija.locale, marija.gender, marija.role) == (
        "Marija Petrovska",
        "Марија Петровска",
        "mk",
        "female",
        "trainee",
    )
    assert (arben.certificate_name, arben.organisation, arben.locale) == ("Arben Rexhepi", "QPS Tetovë", "sq")
    assert marija.password_hash is None and marija.invited_by_id == coordinator.id
    assert user_by_email("vesna@csw.example").display_name == existing.display_name  # not overwritten
    members = {m.user_id for m in db.session.get(Cohort, cohort.id).memberships}
    assert members == {marija.id, arben.id, existing.id}
    assert sorted(message["To"] for message in mailbox.messages) == [
        "arben@csw.example",
        "marija.petrovska@csw.example",
    ]
    assert db.session.execute(
        db.select(AuditEvent).filter_by(action="cohort.roster_imported")
    ).scalar_one().after == {"rows": 3, "added": 3, "created": 2}


def test_roster_import_xlsx(tiny, make_user, login, mailbox):
    cohort = enrol(tiny, cohort=Cohort(name="CSW", course_id=tiny.id))
    content = xlsx(
        [["Email", "Name", "Language"], ["blerta@csw.example", "Blerta Memeti", "sq"], [None, None, None]]
    )
    response = roster_upload(login(make_user(role="coordinator")), cohort, "people.xlsx", content)
    assert response.status_code == 302
    blerta = user_by_email("blerta@csw.example")
    assert blerta is not None and blerta.locale == "sq"
    assert [m.user_id for m in db.session.get(Cohort, cohort.id).memberships] == [blerta.id]
    assert [message["To"] for message in mailbox.messages] == ["blerta@csw.example"]


def test_importing_the_same_roster_twice_adds_no_one_twice(tiny, make_user, login, mailbox):
    cohort = enrol(tiny, cohort=Cohort(name="CSW", course_id=tiny.id))
    client = login(make_user(role="coordinator"))
    csv = b"email,name\nana@csw.example,Ana\n"
    roster_upload(client, cohort, "roster.csv", csv)
    roster_upload(client, cohort, "roster.csv", csv)
    assert count(Membership) == 1 and len(mailbox.messages) == 1


def problem_items(markup: str) -> list[str]:
    """The text of each item in the page's list of roster problems."""
    listing = re.search(r'<ul class="roster-problems">(.*?)</ul>', markup, re.S).group(1)
    return [visible_text(item) for item in re.findall(r"<li>(.*?)</li>", listing, re.S)]


def where_and_what(problem: str) -> tuple[str, str]:
    """Split `file:line: message` (or the page's `file:line message`) into place and message."""
    place, message = re.fullmatch(r"(\S+?:\d+):? (.*)", problem).groups()
    return place, message


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        (
            "roster.csv",
            (
                "email,name,language,gender\n"
                "good@csw.example,Good Person,mk,female\n"
                "not-an-email,Ана,mk,female\n"
                "empty@csw.example,,mk,female\n"
                "lang@csw.example,Ben,de,male\n"
                "good@csw.example,Twice,mk,female\n"
            ).encode(),
            [
                "roster.csv:3: 'not-an-email' is not a valid e-mail address",
                "roster.csv:4: the name is empty",
                "roster.csv:5: language 'de' is not one of mk, sq, en",
                "roster.csv:6: good@csw.example appears twice (also on line 2)",
            ],
        ),
        (
            "roster.csv",
            "email,name\nmarija@csw.example,Марија\n".encode("cp1251"),
            ["roster.csv:1: the file is not UTF-8 text: save it as 'CSV UTF-8'"],
        ),
        (
            "roster.xlsx",
            b"PK\x03\x04 not really a workbook",
            ["roster.xlsx:1: the file is not a readable XLSX workbook"],
        ),
        (
            "roster.xlsx",
            xlsx([["email", "phone"], ["a@csw.example", "070"]]),
            [
                "roster.xlsx:1: missing column 'name'",
                "roster.xlsx:1: unknown column 'phone' "
                "(known: email, name, certificate_name, organisation, language, gender)",
            ],
        ),
    ],
    ids=["bad-rows", "not-utf8", "corrupt-xlsx", "bad-header"],
)
def test_a_malformed_roster_lists_every_problem_and_writes_nothing(
    tiny, make_user, login, mailbox, filename, content, expected
):
    coordinator = make_user(role="coordinator")
    cohort = enrol(tiny, cohort=Cohort(name="CSW", course_id=tiny.id))
    users = count(User)
    response = roster_upload(login(coordinator), cohort, filename, content)
    assert response.status_code == 400
    assert [where_and_what(item) for item in problem_items(page(response))] == [
        where_and_what(problem) for problem in expected
    ]
    assert count(User) == users and count(Membership) == 0 and count(AuditEvent) == 0
    assert mailbox.messages == []


def test_the_roster_problem_page_prints_each_problem_as_file_line_message(tiny, make_user, login):
    cohort = enrol(tiny, cohort=Cohort(name="CSW", course_id=tiny.id))
    response = roster_upload(
        login(make_user(role="coordinator")), cohort, "roster.csv", b"email,name\nnope,Ana\n"
    )
    assert response.status_code == 400
    assert problem_items(page(response)) == ["roster.csv:2: 'nope' is not a valid e-mail address"]


def test_a_roster_that_is_neither_csv_nor_xlsx_is_refused(tiny, make_user, login):
    coordinator = make_user(role="coordinator")
    cohort = enrol(tiny, cohort=Cohort(name="CSW", course_id=tiny.id))
    users = count(User)
    response = roster_upload(login(coordinator), cohort, "roster.txt", b"email,name\na@b.example,A\n")
    assert response.status_code == 302
    assert count(User) == users and count(Membership) == 0


# --- images ------------------------------------------------------------------------------------------------


def test_image_is_served_with_a_cache_lifetime(tiny, tiny_root, make_user, login):
    trainee = make_user()
    study(tiny, trainee)
    response = login(trainee).get("/courses/tiny/basics/images/levels.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data() == (tiny_root / "01-basics/images/levels.svg").read_bytes()
    assert re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1) == str(7 * 24 * 3600)
    response.close()


@pytest.mark.parametrize(
    "path",
    [
        "/courses/tiny/basics/images/missing.svg",
        "/courses/tiny/basics/images/../module.yaml",
        "/courses/tiny/basics/images/..%2fmodule.yaml",
        "/courses/tiny/basics/images/%2e%2e/%2e%2e/course.yaml",
        "/courses/tiny/basics/images/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/courses/tiny/nowhere/images/levels.svg",
    ],
    ids=["missing", "dotdot", "encoded-slash", "encoded-dots", "etc-passwd", "unknown-module"],
)
def test_image_route_answers_404_for_missing_files_and_traversal(tiny, make_user, login, path):
    trainee = make_user()
    study(tiny, trainee)
    response = login(trainee).get(path)
    assert response.status_code == 404
    assert b"slug: tiny" not in response.get_data() and b"root:" not in response.get_data()


# --- flask demo --------------------------------------------------------------------------------------------


def test_demo_builds_the_cohort_with_mixed_progress(ctx, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    cohort = db.session.execute(db.select(Cohort)).scalar_one()
    roles = [m.role for m in cohort.memberships]
    assert roles.count("trainee") == 28 and roles.count("trainer") == 2
    lessons = db.session.execute(
        db.select(db.func.count())
        .select_from(Lesson)
        .join(Module)
        .where(Module.course_id == cohort.course_id)
    ).scalar_one()
    completed = dict(
        db.session.execute(
            db.select(LessonProgress.user_id, db.func.count())
            .where(LessonProgress.completed_at.is_not(None))
            .group_by(LessonProgress.user_id)
        ).all()
    )
    trainees = [m.user_id for m in cohort.memberships if m.role == "trainee"]
    finished = [user for user in trainees if completed.get(user, 0) == lessons]
    behind = [user for user in trainees if completed.get(user, 0) < lessons]
    assert finished and behind and len(finished) + len(behind) == 28
    assert all(completed.get(user, 0) > 0 for user in trainees)  # everyone has started
    assert not any(m.user_id in completed for m in cohort.memberships if m.role == "trainer")
