"""What every importer reports: the file, the line and what is wrong there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    source: str  # the file as the person knows it: a path, or the name of the uploaded file
    line: int
    message: str  # or a lazy_gettext string, which takes the reader's language when shown (str(problem))

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"
