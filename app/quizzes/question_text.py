"""What every question type shares: the refusal of impossible responses and the handling of text.

Bank entries come from YAML and GIFT files, responses from forms; these helpers clean both the same way
for every type in question_types.py.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

Data = Mapping[str, Any]  # a question's data or presented shape (see question_types)


class InvalidResponse(ValueError):
    """A submitted answer that the presented question could not have produced."""


def normalise_text(text: str) -> str:
    """Return text as short answers are compared: NFKC, casefolded, inner spaces collapsed, ends trimmed."""
    collapsed = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    start, end = 0, len(collapsed)
    while start < end and _is_edge(collapsed[start]):
        start += 1
    while end > start and _is_edge(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


def _is_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def is_text(value: Any) -> bool:
    # YAML reads `text: 1951` as a number; accept it as the text an author meant.
    return isinstance(value, str | int | float) and not isinstance(value, bool) and bool(str(value).strip())


def clean(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def repeated(texts: Sequence[str]) -> list[str]:
    return [text for text, count in Counter(texts).items() if count > 1]


def submitted(values: Sequence[str]) -> list[str]:
    """Drop the empty values an unanswered control submits."""
    return [value for value in values if value.strip()]
