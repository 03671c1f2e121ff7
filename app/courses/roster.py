"""Reading a cohort roster from CSV or XLSX: every bad row reported with its line, nothing half-read.

The messages are lazy strings: they take the reader's language when shown on the upload page, and stay English
outside a request (the CLI and the tests).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from ..accounts.models import GENDERS
from ..problems import Problem

COLUMNS = ("email", "name", "certificate_name", "organisation", "language", "gender")
REQUIRED = ("email", "name")
LANGUAGES = ("mk", "sq", "en")
MAX_ROWS = 5000


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str
    name: str
    certificate_name: str
    organisation: str
    language: str
    gender: str


def read_roster(filename: str, content: bytes) -> tuple[list[RosterRow], list[Problem]]:
    """Parse a roster file; return its rows and every problem (rows are only usable with no problems)."""
    try:
        table = _xlsx_rows(content) if filename.lower().endswith(".xlsx") else _csv_rows(content)
    except _Unreadable as error:
        return [], [Problem(filename, 1, error.message)]
    if not table:
        return [], [Problem(filename, 1, _l("the file is empty"))]
    header = [str(cell or "").strip().lower().replace(" ", "_") for cell in table[0][1]]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name and name not in COLUMNS]
    known = ", ".join(COLUMNS)
    problems = [Problem(filename, 1, _l("missing column '%(name)s'", name=name)) for name in missing]
    problems += [
        Problem(filename, 1, _l("unknown column '%(name)s' (known: %(known)s)", name=name, known=known))
        for name in unknown
    ]
    if problems:
        return [], problems
    if len(table) - 1 > MAX_ROWS:
        return [], [Problem(filename, 1, _l("more than %(max)d rows", max=MAX_ROWS))]
    rows, seen = [], {}
    for line, cells in table[1:]:
        values = {
            name: str(cell if cell is not None else "").strip()
            for name, cell in zip(header, cells, strict=False)
        }
        if not any(values.values()):
            continue
        row, row_problems = _row(line, values, seen)
        problems += [Problem(filename, line, message) for message in row_problems]
        if row is not None:
            rows.append(row)
    return rows, problems


def _row(
    line: int, values: dict[str, str], seen: dict[str, int]
) -> tuple[RosterRow | None, list[LazyString]]:
    problems = []
    try:
        email = validate_email(values.get("email", ""), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        email = ""
        problems.append(_l("'%(email)s' is not a valid e-mail address", email=values.get("email", "")))
    if email in seen:
        problems.append(_l("%(email)s appears twice (also on line %(line)d)", email=email, line=seen[email]))
    elif email:
        seen[email] = line
    name = values.get("name", "")
    if not name:
        problems.append(_l("the name is empty"))
    elif len(name) > 120:
        problems.append(_l("the name is longer than %(max)d characters", max=120))
    language = (values.get("language") or "mk").lower()
    if language not in LANGUAGES:
        problems.append(
            _l("language '%(language)s' is not one of %(known)s", language=language, known="mk, sq, en")
        )
    gender = (values.get("gender") or "undisclosed").lower()
    if gender not in GENDERS:
        problems.append(
            _l("gender '%(gender)s' is not one of %(known)s", gender=gender, known=", ".join(GENDERS))
        )
    if problems:
        return None, problems
    return RosterRow(
        line,
        email,
        name,
        values.get("certificate_name") or name,
        values.get("organisation", ""),
        language,
        gender,
    ), []


class _Unreadable(ValueError):
    """The file cannot be read as a table at all; the message is a lazy string."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """Return (line where the row starts, cells); a quoted cell may span lines."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Unreadable(_l("the file is not UTF-8 text: save it as 'CSV UTF-8'")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows, start = [], 1
    for cells in reader:
        rows.append((start, cells))
        start = reader.line_num + 1
    return rows


def _xlsx_rows(content: bytes) -> list[tuple[int, list[object]]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged file
        raise _Unreadable(_l("the file is not a readable XLSX workbook")) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return [(number, list(row)) for number, row in enumerate(rows, start=1)]
    finally:
        workbook.close()
