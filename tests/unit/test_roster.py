"""Reading a cohort roster: CSV in its usual spellings and XLSX, and every bad row reported with its line."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from openpyxl import Workbook

from app.courses.roster import MAX_ROWS, RosterRow, read_roster
from app.problems import Problem


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def problems_of(filename: str, content: bytes) -> list[str]:
    _rows, problems = read_roster(filename, content)
    return [str(problem) for problem in problems]


ANA = RosterRow(
    line=2,
    email="ana.petrovska@csw.example",
    name="Ана Петровска",
    certificate_name="Ана Петровска",
    organisation="ЈУ МЦСР Скопје",
    language="mk",
    gender="female",
)
ARBEN = RosterRow(
    line=3,
    email="arben@csw.example",
    name="Arben Rexhepi",
    certificate_name="Arben Rexhepi",
    organisation="QPS Tetovë",
    language="sq",
    gender="male",
)

# --- good files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "email,name,organisation,language,gender\n"
        "Ana.Petrovska@CSW.example,Ана Петровска,ЈУ МЦСР Скопје,mk,female\n"
        "arben@csw.example,Arben Rexhepi,QPS Tetovë,SQ,Male\n",
        "email;name;organisation;language;gender\n"
        "ana.petrovska@csw.example;Ана Петровска;ЈУ МЦСР Скопје;mk;female\n"
        "arben@csw.example;Arben Rexhepi;QPS Tetovë;sq;male\n",
        "\ufeffEmail,Name,Organisation,Language,Gender\r\n"
        "ana.petrovska@csw.example,Ана Петровска,ЈУ МЦСР Скопје,mk,female\r\n"
        "arben@csw.example,Arben Rexhepi,QPS Tetovë,sq,male\r\n",
    ],
    ids=["comma", "semicolon", "excel-utf8-bom-crlf"],
)
def test_csv_is_read_in_its_usual_spellings(text):
    assert read_roster("roster.csv", text.encode("utf-8")) == ([ANA, ARBEN], [])


def test_semicolon_csv_keeps_commas_inside_cells():
    text = (
        "email;name;certificate_name;organisation\n"
        "ana.petrovska@csw.example;Petrovska, Ana;Ана Петровска;ЦСР Скопје, Центар\n"
    )
    [row], problems = read_roster("roster.csv", text.encode())
    assert problems == []
    assert (row.name, row.certificate_name, row.organisation) == (
        "Petrovska, Ana",
        "Ана Петровска",
        "ЦСР Скопје, Центар",
    )


def test_defaults_for_optional_columns():
    [row], problems = read_roster("roster.csv", "email,name\nvesna@csw.example,Весна\n".encode())
    assert problems == []
    assert row == RosterRow(2, "vesna@csw.example", "Весна", "Весна", "", "mk", "undisclosed")


def test_blank_rows_are_skipped_and_lines_still_count():
    text = "email,name\n\nvesna@csw.example,Весна\n,\n  ,  \nbad-address,Ben\n"
    rows, problems = read_roster("roster.csv", text.encode())
    assert [row.line for row in rows] == [3]
    assert [str(p) for p in problems] == ["roster.csv:6: 'bad-address' is not a valid e-mail address"]


def test_xlsx_is_read():
    content = xlsx(
        [
            ["email", "name", "certificate name", "organisation", "language", "gender"],
            ["ana.petrovska@csw.example", "Ана Петровска", None, "ЈУ МЦСР Скопје", "mk", "female"],
            [None, None, None, None, None, None],
            ["arben@csw.example", "Arben Rexhepi", "", "QPS Tetovë", "sq", "male"],
        ]
    )
    rows, problems = read_roster("Roster.XLSX", content)
    assert problems == []
    assert rows == [ANA, replace(ARBEN, line=4)]


def test_xlsx_numbers_are_read_as_text():
    rows, problems = read_roster(
        "r.xlsx", xlsx([["email", "name", "organisation"], ["a@csw.example", "Ана", 1001]])
    )
    assert problems == [] and rows[0].organisation == "1001"


# --- every kind of bad row ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("not-an-email,Ана,mk,female", "'not-an-email' is not a valid e-mail address"),
        (",Ана,mk,female", "'' is not a valid e-mail address"),
        ("ana@csw.example,,mk,female", "the name is empty"),
        ("ana@csw.example,   ,mk,female", "the name is empty"),
        (f"ana@csw.example,{'Н' * 121},mk,female", "the name is longer than 120 characters"),
        ("ana@csw.example,Ана,de,female", "language 'de' is not one of mk, sq, en"),
        ("ana@csw.example,Ана,mk,robot", "gender 'robot' is not one of female, male, other, undisclosed"),
    ],
    ids=["bad-email", "no-email", "empty-name", "blank-name", "long-name", "language", "gender"],
)
def test_bad_row_is_reported_with_its_line(row, message):
    text = f"email,name,language,gender\nok@csw.example,Весна,mk,female\n{row}\n"
    assert problems_of("roster.csv", text.encode()) == [f"roster.csv:3: {message}"]


def test_duplicate_email_names_both_lines_whatever_the_case():
    text = "email,name\nana@csw.example,Ана\nben@csw.example,Ben\nANA@CSW.example,Ана Петровска\n"
    assert problems_of("roster.csv", text.encode()) == [
        "roster.csv:4: ana@csw.example appears twice (also on line 2)"
    ]


def test_one_row_with_several_problems_reports_each():
    text = "email,name,language,gender\nnope,,xx,yy\n"
    assert problems_of("roster.csv", text.encode()) == [
        "roster.csv:2: 'nope' is not a valid e-mail address",
        "roster.csv:2: the name is empty",
        "roster.csv:2: language 'xx' is not one of mk, sq, en",
        "roster.csv:2: gender 'yy' is not one of female, male, other, undisclosed",
    ]


def test_several_bad_rows_give_a_complete_list_of_problems():
    text = (
        "email,name,language,gender\n"
        "not-an-email,Ана,mk,female\n"  # 2
        "ok@csw.example,Весна,mk,female\n"  # 3
        "ben@csw.example,,mk,female\n"  # 4
        "cvetan@csw.example,Цветан,de,female\n"  # 5
        "dita@csw.example,Dita,sq,robot\n"  # 6
        "ok@csw.example,Весна again,mk,female\n"  # 7
    )
    rows, problems = read_roster("roster.csv", text.encode())
    assert [str(p) for p in problems] == [
        "roster.csv:2: 'not-an-email' is not a valid e-mail address",
        "roster.csv:4: the name is empty",
        "roster.csv:5: language 'de' is not one of mk, sq, en",
        "roster.csv:6: gender 'robot' is not one of female, male, other, undisclosed",
        "roster.csv:7: ok@csw.example appears twice (also on line 3)",
    ]
    assert [row.line for row in rows] == [3]  # the caller imports nothing: problems is not empty


def test_duplicate_is_reported_even_when_the_first_occurrence_has_another_problem():
    """Otherwise fixing line 2's name brings up a new problem on line 3: the list was not complete."""
    text = "email,name,gender\nana@csw.example,Ана,robot\nana@csw.example,Ана,female\n"
    assert problems_of("roster.csv", text.encode()) == [
        "roster.csv:2: gender 'robot' is not one of female, male, other, undisclosed",
        "roster.csv:3: ana@csw.example appears twice (also on line 2)",
    ]


def test_line_numbers_count_file_lines_when_a_quoted_cell_spans_two():
    """Excel writes a cell with Alt+Enter as a quoted value with a line break inside."""
    text = 'email,name,organisation\nana@csw.example,Ана,"ЦСР Скопје\nОддел за деца"\nnope,Ben,x\n'
    assert problems_of("roster.csv", text.encode()) == ["roster.csv:4: 'nope' is not a valid e-mail address"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("email,organisation", ["roster.csv:1: missing column 'name'"]),
        ("name", ["roster.csv:1: missing column 'email'"]),
        (
            "email,name,phone",
            [
                "roster.csv:1: unknown column 'phone' (known: email, name, certificate_name, organisation, "
                "language, gender)"
            ],
        ),
        (
            "e-mail,name,phone",
            [
                "roster.csv:1: missing column 'email'",
                "roster.csv:1: unknown column 'e-mail' (known: email, name, certificate_name, organisation, "
                "language, gender)",
                "roster.csv:1: unknown column 'phone' (known: email, name, certificate_name, organisation, "
                "language, gender)",
            ],
        ),
    ],
    ids=["missing-name", "missing-email", "unknown", "missing-and-unknown"],
)
def test_header_problems(header, expected):
    assert problems_of("roster.csv", f"{header}\nana@csw.example,Ана,x\n".encode()) == expected


@pytest.mark.parametrize("content", [b"", "\ufeff".encode()], ids=["empty", "bom-only"])
def test_empty_csv(content):
    assert read_roster("roster.csv", content) == ([], [Problem("roster.csv", 1, "the file is empty")])


def test_empty_xlsx_says_the_file_is_empty():
    assert problems_of("roster.xlsx", xlsx([])) == ["roster.xlsx:1: the file is empty"]


def test_non_utf8_csv():
    content = "email,name\nmarija@csw.example,Марија\n".encode("cp1251")
    assert problems_of("roster.csv", content) == [
        "roster.csv:1: the file is not UTF-8 text: save it as 'CSV UTF-8'"
    ]


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken", b"email,name\na@b.example,A\n"])
def test_corrupt_xlsx(content):
    assert problems_of("roster.xlsx", content) == ["roster.xlsx:1: the file is not a readable XLSX workbook"]


def test_xlsx_bad_rows_use_spreadsheet_row_numbers():
    content = xlsx(
        [["email", "name"], ["ana@csw.example", "Ана"], ["bad", "Ben"], ["ana@csw.example", "Ана"]]
    )
    assert problems_of("people.xlsx", content) == [
        "people.xlsx:3: 'bad' is not a valid e-mail address",
        "people.xlsx:4: ana@csw.example appears twice (also on line 2)",
    ]


def test_too_many_rows():
    text = "email,name\n" + "".join(f"p{n}@csw.example,P {n}\n" for n in range(MAX_ROWS + 1))
    assert problems_of("roster.csv", text.encode()) == [f"roster.csv:1: more than {MAX_ROWS} rows"]
