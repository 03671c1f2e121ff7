"""Read the course content folder into plain specs, collecting every problem as `path:line: message`.

Pure: no Flask, no database. `load_course` never raises on bad content; it returns what it could
read and the list of problems, and the importer refuses to write anything while that list is non-empty.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..problems import Problem
from ..quizzes.question_types import QUESTION_TYPES
from .yaml_lines import Located, LocatedList, YamlError, parse_yaml

LANGUAGES = ("en", "mk", "sq")
TRANSLATIONS = ("mk", "sq")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED = re.compile(r"^(\d+)-(.+)$")
LESSON_FILE = re.compile(r"^(\d+)-([a-z0-9-]+?)(?:\.(mk|sq))?\.md$")
MARKDOWN_LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DIFFICULTIES = ("easy", "medium", "hard")

COURSE_KEYS = {"slug", "title", "summary", "translations"}
MODULE_KEYS = {"title", "summary", "objectives", "handbook_parts", "translations"}
LESSON_KEYS = {"title", "minutes", "handbook"}
VARIANT_KEYS = {"title", "handbook"}
GLOSSARY_KEYS = {"slug", "term", "definition", "translations"}
QUESTION_KEYS = {
    "key",
    "type",
    "prompt",
    "objective",
    "difficulty",
    "points",
    "feedback",
    "translations",
    "options",
    "answer",
    "pairs",
    "distractors",
    "answers",
}


@dataclass
class LessonSpec:
    slug: str
    position: int
    minutes: int
    handbook: str  # the English reference
    source: dict[str, str]  # language -> relative path
    titles: dict[str, str]
    bodies: dict[str, str]
    body_lines: dict[str, int]  # language -> line where the body starts
    handbooks: dict[str, str] = field(default_factory=dict)  # language -> a variant's own reference

    def handbook_in(self, language: str) -> str:
        """The handbook reference in the language: the variant's own, else the English one."""
        return self.handbooks.get(language) or self.handbook

    def content_hash(self, language: str) -> str:
        parts = (self.titles[language], self.handbook_in(language), self.bodies[language])
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class QuestionSpec:
    key: str
    type: str
    prompt: str
    objective: int
    difficulty: str
    points: float
    feedback: str
    data: dict[str, Any]
    translations: dict[str, dict[str, Any]]
    source: str

    def content_hash(self) -> str:
        parts = [
            self.type,
            self.prompt,
            str(self.objective),
            self.difficulty,
            str(self.points),
            self.feedback,
            repr(self.data),
            repr(sorted(self.translations.items())),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class ModuleSpec:
    slug: str
    position: int
    folder: str
    title: str
    summary: str
    objectives: list[str]
    handbook_parts: list[str]
    translations: dict[str, dict[str, Any]]
    lessons: list[LessonSpec] = field(default_factory=list)
    questions: list[QuestionSpec] = field(default_factory=list)
    images: set[str] = field(default_factory=set)


@dataclass
class GlossarySpec:
    slug: str
    entries: dict[str, dict[str, str]]  # language -> {term, definition}


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    translations: dict[str, dict[str, str]]
    modules: list[ModuleSpec]
    glossary: list[GlossarySpec]


class _Report:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def add(self, path: Path, line: int, message: str) -> None:
        try:
            shown = path.resolve().relative_to(Path.cwd())
        except ValueError:
            shown = path
        self.problems.append(Problem(str(shown), line, message))


def load_course(root: Path) -> tuple[CourseSpec | None, list[Problem]]:
    """Read and validate the content folder; return the course spec and every problem found."""
    report = _Report(root)
    course_data = _read_yaml(root / "course.yaml", report)
    glossary = _load_glossary(root / "glossary.yaml", report)
    modules = _load_modules(root, report)
    _check_links(root, modules, {g.slug for g in glossary}, report)
    if not _expect_mapping(course_data, root / "course.yaml", report, "course.yaml"):
        return None, report.problems
    _check_keys(course_data, COURSE_KEYS, root / "course.yaml", report)
    title = _required_text(course_data, "title", root / "course.yaml", report)
    slug = str(course_data.get("slug", ""))
    if not SLUG.match(slug):
        report.add(
            root / "course.yaml",
            course_data.line_of("slug"),
            "slug must be lowercase letters, digits and hyphens",
        )
    translations = _translations(course_data, ("title", "summary"), root / "course.yaml", report)
    course = CourseSpec(slug, title, str(course_data.get("summary", "")), translations, modules, glossary)
    return course, report.problems


class _Unreadable:
    """What _read_yaml returns for a file whose problem it has already reported."""


UNREADABLE = _Unreadable()


def _read_yaml(path: Path, report: _Report) -> Any:
    if not path.exists():
        report.add(path, 1, "file is missing")
        return UNREADABLE
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except YamlError as error:
        report.add(path, error.line, error.message)
    except UnicodeDecodeError:
        report.add(path, 1, "file is not UTF-8 text")
    return UNREADABLE


def _expect_mapping(data: Any, path: Path, report: _Report, what: str) -> bool:
    """Return whether the file held a mapping, reporting it when it held something else."""
    if isinstance(data, Located):
        return True
    if data is not UNREADABLE:
        report.add(path, 1, f"{what} must be a mapping of keys to values")
    return False


def _check_keys(data: Located, allowed: set[str], path: Path, report: _Report) -> None:
    for key in data:
        if key not in allowed:
            report.add(
                path, data.line_of(str(key)), f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})"
            )


def _required_text(data: Located, key: str, path: Path, report: _Report) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        report.add(path, data.line_of(key), f"'{key}' is required and must be text")
        return ""
    return value.strip()


def _translations(data: Located, keys: tuple[str, ...], path: Path, report: _Report) -> dict[str, dict]:
    if "translations" not in data:
        return {}
    raw = data["translations"]
    if not isinstance(raw, Located):
        report.add(path, data.line_of("translations"), "'translations' must map a language to its texts")
        return {}
    result = {}
    for language, texts in raw.items():
        if language not in TRANSLATIONS:
            report.add(path, raw.line_of(str(language)), f"unknown language '{language}' (use mk or sq)")
        elif not isinstance(texts, Located):
            report.add(path, raw.line_of(str(language)), f"translation '{language}' must be a mapping")
        else:
            for key in texts:
                if key not in keys:
                    report.add(
                        path, texts.line_of(str(key)), f"unknown key '{key}' in the {language} translation"
                    )
            result[language] = dict(texts)
    return result


def _load_glossary(path: Path, report: _Report) -> list[GlossarySpec]:
    data = _read_yaml(path, report)
    if data is UNREADABLE:
        return []
    if not isinstance(data, LocatedList):
        report.add(path, 1, "the glossary must be a list of terms")
        return []
    entries, seen = [], {}
    for item, line in zip(data, data.item_lines, strict=True):
        if not isinstance(item, Located):
            report.add(path, line, "a glossary entry must be a mapping with slug, term and definition")
            continue
        _check_keys(item, GLOSSARY_KEYS, path, report)
        slug = str(item.get("slug", ""))
        if not SLUG.match(slug):
            report.add(path, item.line_of("slug"), "slug must be lowercase letters, digits and hyphens")
        elif slug in seen:
            report.add(
                path, item.line_of("slug"), f"duplicate glossary slug '{slug}' (first on line {seen[slug]})"
            )
        seen.setdefault(slug, item.line)
        english = {
            "term": _required_text(item, "term", path, report),
            "definition": _required_text(item, "definition", path, report),
        }
        languages = {"en": english, **_translations(item, ("term", "definition"), path, report)}
        entries.append(GlossarySpec(slug, languages))
    return entries


def _load_modules(root: Path, report: _Report) -> list[ModuleSpec]:
    modules, seen = [], {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        match = NUMBERED.match(folder.name)
        if not match:
            report.add(
                folder, 1, "a module folder's name starts with a number and a hyphen, e.g. 01-key-terms"
            )
            continue
        slug = match.group(2)
        if not SLUG.match(slug):
            report.add(folder, 1, "module slug must be lowercase letters, digits and hyphens")
            continue
        if slug in seen:
            report.add(folder, 1, f"duplicate module slug '{slug}' (also {seen[slug]})")
            continue
        seen[slug] = folder.name
        module = _load_module(folder, slug, int(match.group(1)), report)
        if module is not None:
            modules.append(module)
    if not modules and not report.problems:
        report.add(root, 1, "no module folders found")
    return modules


def _load_module(folder: Path, slug: str, position: int, report: _Report) -> ModuleSpec | None:
    path = folder / "module.yaml"
    data = _read_yaml(path, report)
    if not _expect_mapping(data, path, report, "module.yaml"):
        return None
    _check_keys(data, MODULE_KEYS, path, report)
    objectives = data.get("objectives")
    if not isinstance(objectives, list) or not objectives or not all(isinstance(o, str) for o in objectives):
        report.add(path, data.line_of("objectives"), "'objectives' must be a non-empty list of texts")
        objectives = []
    parts = data.get("handbook_parts") or []
    if not isinstance(parts, list):
        report.add(path, data.line_of("handbook_parts"), "'handbook_parts' must be a list")
        parts = []
    translations = _translations(data, ("title", "summary", "objectives", "handbook_parts"), path, report)
    _check_module_translations(data, translations, len(objectives), len(parts), path, report)
    module = ModuleSpec(
        slug=slug,
        position=position,
        folder=folder.name,
        title=_required_text(data, "title", path, report),
        summary=str(data.get("summary") or "").strip(),
        objectives=[o.strip() for o in objectives],
        handbook_parts=[str(p) for p in parts],
        translations=translations,
    )
    module.images = {p.name for p in (folder / "images").glob("*") if p.is_file()}
    module.lessons = _load_lessons(folder, report)
    if not module.lessons:
        report.add(path, 1, "the module has no lessons")
    if (folder / "questions.yaml").exists():
        module.questions = _load_questions(folder / "questions.yaml", len(module.objectives), report)
    return module


def _check_module_translations(
    data: Located, translations: dict[str, dict], objectives: int, parts: int, path: Path, report: _Report
) -> None:
    """Translated objectives and handbook parts must match the source one for one."""
    for language, texts in translations.items():
        where = data["translations"][language]
        if "objectives" in texts and _count(texts["objectives"]) != objectives:
            report.add(
                path,
                where.line_of("objectives"),
                f"the {language} translation has {_count(texts['objectives'])} objectives, "
                f"the source {objectives}",
            )
        if "handbook_parts" not in texts:
            continue
        translated = texts["handbook_parts"]
        if not isinstance(translated, list) or not all(isinstance(p, str) for p in translated):
            report.add(
                path,
                where.line_of("handbook_parts"),
                f"'handbook_parts' in the {language} translation must be a list of texts",
            )
        elif len(translated) != parts:
            report.add(
                path,
                where.line_of("handbook_parts"),
                f"the {language} translation has {len(translated)} handbook parts, the source {parts}",
            )
        else:
            texts["handbook_parts"] = [p.strip() for p in translated]


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter, body, line where the body starts); front matter None when absent."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, text, 1


def _read_lesson_file(path: Path, allowed: set[str], report: _Report) -> tuple[Located | None, str, int]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.add(path, 1, "file is not UTF-8 text")
        return None, "", 1
    front, body, body_line = split_front_matter(text)
    if front is None:
        report.add(path, 1, "front matter missing: start the file with a '---' block holding the title")
        return None, body, body_line
    try:
        data = parse_yaml(front, first_line=2)
    except YamlError as error:
        report.add(path, error.line, error.message)
        return None, body, body_line
    if not isinstance(data, Located):
        report.add(path, 2, "front matter must be a mapping with at least a title")
        return None, body, body_line
    _check_keys(data, allowed, path, report)
    if not body.strip():
        report.add(path, body_line, "the lesson has no text")
    return data, body, body_line


def _load_lessons(folder: Path, report: _Report) -> list[LessonSpec]:
    lessons: dict[str, LessonSpec] = {}
    variants: list[tuple[Path, str, str]] = []
    for path in sorted(folder.glob("*.md")):
        match = LESSON_FILE.match(path.name)
        if not match:
            report.add(path, 1, "a lesson file is named like 01-lesson-slug.md (or .mk.md / .sq.md)")
            continue
        number, slug, language = match.groups()
        if language:
            variants.append((path, slug, language))
            continue
        if slug in lessons:
            report.add(path, 1, f"duplicate lesson slug '{slug}' in this module")
            continue
        data, body, body_line = _read_lesson_file(path, LESSON_KEYS, report)
        if data is None:
            continue
        minutes = data.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 240:
            report.add(path, data.line_of("minutes"), "'minutes' must be a whole number from 1 to 240")
            minutes = 0
        title = _required_text(data, "title", path, report)
        lessons[slug] = LessonSpec(
            slug=slug,
            position=int(number),
            minutes=minutes,
            handbook=str(data.get("handbook") or ""),
            source={"en": path.name},
            titles={"en": title},
            bodies={"en": body},
            body_lines={"en": body_line},
        )
    for path, slug, language in variants:
        lesson = lessons.get(slug)
        if lesson is None:
            report.add(path, 1, f"language variant without its English source {path.name.split('.')[0]}.md")
            continue
        data, body, body_line = _read_lesson_file(path, VARIANT_KEYS, report)
        if data is None:
            continue
        lesson.titles[language] = _required_text(data, "title", path, report)
        if data.get("handbook"):
            lesson.handbooks[language] = str(data["handbook"]).strip()
        lesson.bodies[language] = body
        lesson.body_lines[language] = body_line
        lesson.source[language] = path.name
    return sorted(lessons.values(), key=lambda lesson: (lesson.position, lesson.slug))


def _load_questions(path: Path, objective_count: int, report: _Report) -> list[QuestionSpec]:
    data = _read_yaml(path, report)
    if data is UNREADABLE:
        return []
    if not isinstance(data, LocatedList):
        report.add(path, 1, "questions.yaml must be a list of questions")
        return []
    questions, seen = [], {}
    for item, line in zip(data, data.item_lines, strict=True):
        if not isinstance(item, Located):
            report.add(path, line, "a question must be a mapping")
            continue
        question = _load_question(item, path, objective_count, report)
        if question is None:
            continue
        if question.key in seen:
            report.add(
                path,
                item.line_of("key"),
                f"duplicate question key '{question.key}' (first on line {seen[question.key]})",
            )
            continue
        seen[question.key] = item.line
        questions.append(question)
    return questions


def _load_question(item: Located, path: Path, objective_count: int, report: _Report) -> QuestionSpec | None:
    before = len(report.problems)
    _check_keys(item, QUESTION_KEYS, path, report)
    key = str(item.get("key", ""))
    if not SLUG.match(key):
        report.add(path, item.line_of("key"), "'key' is required: lowercase letters, digits and hyphens")
    kind = item.get("type")
    if not isinstance(kind, str) or kind not in QUESTION_TYPES:
        report.add(
            path, item.line_of("type"), f"unknown question type '{kind}' (use {', '.join(QUESTION_TYPES)})"
        )
        return None
    prompt = _required_text(item, "prompt", path, report)
    objective = item.get("objective")
    if not isinstance(objective, int) or isinstance(objective, bool) or not 1 <= objective <= objective_count:
        report.add(
            path, item.line_of("objective"), f"'objective' must be a number from 1 to {objective_count}"
        )
    difficulty = item.get("difficulty")
    if difficulty not in DIFFICULTIES:
        report.add(path, item.line_of("difficulty"), "'difficulty' must be easy, medium or hard")
    points = item.get("points", 1)
    if not isinstance(points, int | float) or isinstance(points, bool) or points <= 0:
        report.add(path, item.line_of("points"), "'points' must be a positive number")
    for message in QUESTION_TYPES[kind].check(item):
        report.add(path, item.line, message)
    translations = _question_translations(item, path, report)
    if len(report.problems) > before:
        return None
    return QuestionSpec(
        key=key,
        type=kind,
        prompt=prompt,
        objective=objective,
        difficulty=difficulty,
        points=float(points),
        feedback=str(item.get("feedback") or "").strip(),
        data=QUESTION_TYPES[kind].normalise(item),
        translations=translations,
        source=f"{path.parent.name}/{path.name}:{item.line}",
    )


def _question_translations(item: Located, path: Path, report: _Report) -> dict[str, dict[str, Any]]:
    keys = ("prompt", "feedback", "options", "pairs", "distractors", "answers")
    translations = _translations(item, keys, path, report)
    for language, texts in translations.items():
        where = item["translations"][language]
        for key in ("options", "pairs", "distractors"):
            if key in texts and _count(texts[key]) != _count(item.get(key)):
                report.add(
                    path,
                    where.line_of(key),
                    f"the {language} translation has {_count(texts[key])} {key}, "
                    f"the source {_count(item.get(key))}",
                )
        for key, shape in TRANSLATED_ITEMS.items():
            if isinstance(texts.get(key), list) and not all(shape(entry) for entry in texts[key]):
                report.add(path, where.line_of(key), f"the {language} {key} must be {TRANSLATED_SHAPES[key]}")
    return {language: _plain(texts) for language, texts in translations.items()}


def _texts(entry: Any, *keys: str) -> bool:
    return isinstance(entry, dict) and all(isinstance(entry.get(k, ""), str) for k in keys) and bool(entry)


TRANSLATED_ITEMS = {
    "options": lambda entry: _texts(entry, "text", "feedback") and "text" in entry,
    "pairs": lambda entry: _texts(entry, "left", "right"),
    "distractors": lambda entry: isinstance(entry, str),
    "answers": lambda entry: isinstance(entry, str),
}
TRANSLATED_SHAPES = {
    "options": "a list of {text, feedback} entries",
    "pairs": "a list of {left, right} entries",
    "distractors": "a list of texts",
    "answers": "a list of texts",
}


def _count(value: Any) -> int:
    """Return the length of a list, or -1 for anything that is not one (so it never matches)."""
    return len(value) if isinstance(value, list) else (0 if value is None else -1)


def _plain(value: Any) -> Any:
    """Drop the line bookkeeping, leaving JSON-ready dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _check_links(root: Path, modules: list[ModuleSpec], glossary: set[str], report: _Report) -> None:
    for module in modules:
        folder = root / module.folder
        for lesson in module.lessons:
            for language, body in lesson.bodies.items():
                path = folder / lesson.source[language]
                for offset, line in enumerate(body.split("\n")):
                    for problem in link_problems(line, folder, module.images, glossary):
                        report.add(path, lesson.body_lines[language] + offset, problem)


def _is_lesson_file(folder: Path, relative: str) -> bool:
    if not relative.endswith(".md"):
        return False
    try:
        return (folder / relative).resolve().is_file()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL byte
        return False


def link_problems(line: str, folder: Path, images: set[str], glossary: set[str]) -> list[str]:
    """Return what is wrong with the links and images on one line of a lesson."""
    problems = []
    for bang, text, target in MARKDOWN_LINK.findall(line):
        if bang:
            if not text.strip():
                problems.append(f"image '{target}' has no alt text")
            if not target.startswith("images/") or target.removeprefix("images/") not in images:
                problems.append(f"missing image '{target}' (images live in the module's images/ folder)")
        elif target.startswith("glossary:"):
            if target.removeprefix("glossary:") not in glossary:
                problems.append(f"unknown glossary term '{target.removeprefix('glossary:')}'")
        elif target.startswith(("https://", "mailto:", "#")):
            continue
        elif target.startswith("http://"):
            problems.append(f"use https:// for outside links: '{target}'")
        else:
            if not _is_lesson_file(folder, target.split("#", 1)[0]):
                problems.append(f"broken link '{target}': no such lesson file")
    return problems
