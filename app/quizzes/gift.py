"""Parse Moodle's GIFT text format into question-bank entries (the questions.yaml shape of FORMAT.md).

Supported: `//` comment lines, `$CATEGORY:`, `::title::`, `[markdown]`/`[html]`/`[plain]`/`[moodle]` format
markers (removed, text kept), multiple choice (`=` right, `~` wrong, `~%50%` weights, `#` feedback per
answer), true/false (`{T}`, `{F}`, `{TRUE}`, `{FALSE}`, with `#wrong#right` feedback), matching
(`=left -> right`; `= -> text` is a distractor), short answer (`{=a =b}`), general feedback `####`, missing
word (text after the answers; the gap is shown as `_____`) and the escapes \\~ \\= \\# \\{ \\} \\: \\n.
Questions are separated by blank lines.

Mapping decisions:
- choice: without weights it is `single` (check() then requires exactly one `=`); with any `%weight%` it is
  `multiple`, an answer being correct when its weight is positive (or it is a `=` without weight). Weights
  only decide right from wrong: scoring follows FORMAT.md's partial-credit rule, not the weights;
- true/false, matching and short answer have no per-answer feedback in the bank: without a `####` general
  feedback, their per-answer feedback texts become the general feedback, one paragraph each (with one,
  they are dropped);
- the key is the slug of the title, or `question-<line>` without one (give titles for stable keys);
- numerical and essay questions, and text without an answer block, are reported as errors.
A question with any problem is reported in `errors` and left out of `questions`; parsing never raises.
The messages are lazy strings: in a request they take the reader's language, elsewhere (the CLI) English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.problems import Problem
from app.quizzes.question_types import QUESTION_TYPES

_ESCAPABLE = "~=#{}:n"
_ESCAPE = re.compile(r"\\([~=#{}:n])")
_FORMAT_MARKERS = ("[markdown]", "[html]", "[plain]", "[moodle]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_MAX_KEY_LENGTH = 60


@dataclass
class GiftResult:
    """The valid questions found, in file order, and every problem found."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


class _Malformed(Exception):
    """A problem with one question, at an offset in its block's text."""

    def __init__(self, message: LazyString, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class _Block:
    """The text of one question (comment lines removed) and the file line of each of its lines."""

    text: str
    lines: tuple[int, ...]

    def line_at(self, offset: int) -> int:
        return self.lines[self.text.count("\n", 0, offset)]


@dataclass(frozen=True)
class _Answer:
    """One `=` or `~` answer, still escaped: its marker, weight, text and feedback."""

    marker: str
    weight: float | None
    text: str
    feedback: str
    offset: int


def parse_gift(text: str, source: str = "<gift>") -> GiftResult:
    """Parse GIFT text into bank entries; report every malformed question as `source:line: message`."""
    result = GiftResult()
    category: str | None = None
    first_line_of_key: dict[str, int] = {}
    for block in _blocks(text):
        if block.text.startswith("$CATEGORY:"):
            category = block.text.removeprefix("$CATEGORY:").strip() or None
            continue
        try:
            entry = _question(block, category)
        except _Malformed as problem:
            result.errors.append(Problem(source, block.line_at(problem.offset), problem.message))
            continue
        problems = QUESTION_TYPES[entry["type"]].check(entry)
        first_line = first_line_of_key.setdefault(entry["key"], entry["line"])
        if first_line != entry["line"]:
            problems.append(
                _l("duplicate key '%(key)s' (first used on line %(line)d)", key=entry["key"], line=first_line)
            )
        result.errors.extend(Problem(source, entry["line"], message) for message in problems)
        if not problems:
            result.questions.append(entry)
    return result


def _blocks(text: str) -> Iterator[_Block]:
    """Split the text into question blocks at blank lines; a `$CATEGORY:` line is a block of its own."""
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped and not stripped.startswith("$CATEGORY:"):
            lines.append((number, line))
            continue
        if lines:
            yield _Block("\n".join(line for _, line in lines), tuple(number for number, _ in lines))
            lines = []
        if stripped:
            yield _Block(stripped, (number,))
    if lines:
        yield _Block("\n".join(line for _, line in lines), tuple(number for number, _ in lines))


def _question(block: _Block, category: str | None) -> dict[str, Any]:
    text = block.text
    title, start = _title(text)
    opening, closing = _answer_block(text, start)
    prompt = _prompt(text[start:opening], text[closing + 1 :])
    if not prompt:
        raise _Malformed(_l("question has no text"), start)
    fields, feedback = _answers(text[opening + 1 : closing], opening + 1)
    line = block.lines[0]
    return {
        "key": _slug(title) or f"question-{line}",
        "prompt": prompt,
        **fields,
        "feedback": feedback,
        "points": 1,
        "category": category,
        "line": line,
    }


def _answer_block(text: str, start: int) -> tuple[int, int]:
    """Return the offsets of the one pair of braces after start."""
    opening, closing = _find(text, "{", start), _find(text, "}", start)
    if 0 <= closing < opening or opening < 0 <= closing:
        raise _Malformed(_l("'}' without a matching '{'"), closing)
    if opening < 0:
        raise _Malformed(_l("no answer block: expected {...} after the question text"), start)
    if closing < 0:
        raise _Malformed(_l("unclosed brace: '{' has no matching '}'"), opening)
    for extra in (_find(text, "{", opening + 1), _find(text, "}", closing + 1)):
        if extra >= 0:
            raise _Malformed(
                _l("unexpected '%(brace)s': a question has one answer block", brace=text[extra]), extra
            )
    return opening, closing


def _title(text: str) -> tuple[str, int]:
    """Return the ::title:: (or "") and the offset where the question text starts."""
    start = len(text) - len(text.lstrip())
    if not text.startswith("::", start):
        return "", start
    end = _find(text, "::", start + 2)
    if end < 0:
        raise _Malformed(_l("unclosed title: '::' has no closing '::'"), start)
    return _text(text[start + 2 : end]), end + 2


def _prompt(before: str, after: str) -> str:
    """Return the question text; text after the answer block makes it a missing-word question."""
    before_text, after_text = _text(before), _text(after)
    return f"{before_text} _____ {after_text}".strip() if after_text else before_text


def _answers(body: str, base: int) -> tuple[dict[str, Any], str]:
    """Return the type and answer fields of an answer block's body, and the question's feedback."""
    general_at = _find(body, "####")
    general = _text(body[general_at + 4 :]) if general_at >= 0 else ""
    answers = body[:general_at] if general_at >= 0 else body
    if not answers.strip():
        raise _Malformed(_l("unsupported question type (essay)"), base)
    if answers.lstrip().startswith("#"):
        raise _Malformed(_l("unsupported question type (numerical)"), base)
    head, *feedback = _split(answers, "#")
    if head.strip().upper() in _TRUE_FALSE:
        return {"type": "true_false", "answer": _TRUE_FALSE[head.strip().upper()]}, _joined(general, feedback)
    items = _items(answers, base)
    if any(_find(item.text, "->") >= 0 for item in items):
        return _matching(items), _joined(general, [item.feedback for item in items])
    if all(item.marker == "=" for item in items):
        return _short_answer(items), _joined(general, [item.feedback for item in items])
    return _choice(items), general


def _items(answers: str, base: int) -> list[_Answer]:
    starts = [index for index in _unescaped(answers) if answers[index] in "=~"]
    if not starts or answers[: starts[0]].strip():
        raise _Malformed(_l("answers must start with '=' or '~' (or be T, F, TRUE or FALSE)"), base)
    ends = [*starts[1:], len(answers)]
    return [
        _item(answers[start], answers[start + 1 : end], base + start)
        for start, end in zip(starts, ends, strict=True)
    ]


def _item(marker: str, raw: str, offset: int) -> _Answer:
    weight = None
    if raw.lstrip().startswith("%"):
        match = _WEIGHT.match(raw.lstrip())
        if not match or not -100 <= float(match.group(1)) <= 100:
            raise _Malformed(
                _l(
                    "bad weight: expected a percent between %(low)s and %(high)s, e.g. %(example)s",
                    low="%-100%",
                    high="%100%",
                    example="~%50%",
                ),
                offset,
            )
        weight, raw = float(match.group(1)), raw.lstrip()[match.end() :]
    text, *feedback = _split(raw, "#")
    return _Answer(marker, weight, text, "#".join(feedback), offset)


def _choice(items: list[_Answer]) -> dict[str, Any]:
    weighted = any(item.weight is not None for item in items)
    options = [
        {"text": _text(item.text), "correct": _is_correct(item), "feedback": _text(item.feedback)}
        for item in items
    ]
    return {"type": "multiple" if weighted else "single", "options": options}


def _is_correct(item: _Answer) -> bool:
    return item.weight > 0 if item.weight is not None else item.marker == "="


def _short_answer(items: list[_Answer]) -> dict[str, Any]:
    _refuse_weights(items)
    return {"type": "short_answer", "answers": [_text(item.text) for item in items]}


def _matching(items: list[_Answer]) -> dict[str, Any]:
    _refuse_weights(items)
    pairs, distractors = [], []
    for item in items:
        arrow = _find(item.text, "->")
        if item.marker != "=" or arrow < 0:
            raise _Malformed(_l("every matching answer has the form '=left -> right'"), item.offset)
        left, right = _text(item.text[:arrow]), _text(item.text[arrow + 2 :])
        if not right:
            raise _Malformed(_l("matching answer has nothing after '->'"), item.offset)
        if left:
            pairs.append({"left": left, "right": right})
        else:
            distractors.append(right)
    return {"type": "matching", "pairs": pairs, "distractors": distractors}


def _refuse_weights(items: list[_Answer]) -> None:
    for item in items:
        if item.weight is not None:
            raise _Malformed(
                _l("%(weight)s is only supported in multiple choice", weight="%weight%"), item.offset
            )


def _joined(general: str, feedback: list[str]) -> str:
    """Return the general feedback, or else the per-answer feedback texts as paragraphs."""
    return general or "\n\n".join(text for raw in feedback if (text := _text(raw)))


def _unescaped(text: str, start: int = 0) -> Iterator[int]:
    """Yield the offsets of characters that are not part of a backslash escape."""
    index = start
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPABLE:
            index += 2
            continue
        yield index
        index += 1


def _find(text: str, target: str, start: int = 0) -> int:
    """Return the offset of the first unescaped occurrence of target at or after start, or -1."""
    return next((index for index in _unescaped(text, start) if text.startswith(target, index)), -1)


def _split(text: str, separator: str) -> list[str]:
    """Split text at every unescaped separator character."""
    cuts = [index for index in _unescaped(text) if text[index] == separator]
    bounds = zip([-1, *cuts], [*cuts, len(text)], strict=True)
    return [text[low + 1 : high] for low, high in bounds]


def _text(raw: str) -> str:
    """Return the text of a field: trimmed, without a leading format marker, with escapes resolved."""
    text = raw.strip()
    marker = next((marker for marker in _FORMAT_MARKERS if text.lower().startswith(marker)), "")
    return _ESCAPE.sub(_unescape, text[len(marker) :]).strip()


def _unescape(match: re.Match[str]) -> str:
    return "\n" if match.group(1) == "n" else match.group(1)


def _slug(title: str) -> str:
    """Return a key from a title: lowercase ASCII letters, digits and hyphens ("" if none are left)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:_MAX_KEY_LENGTH].strip("-")
