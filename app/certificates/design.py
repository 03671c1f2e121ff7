"""Certificate design files: read, check and resolve the YAML that says how a certificate looks.

A design is checked when it is loaded; a mistake raises DesignError naming the file and the key at fault.
The renderer (pdf.py) takes the resulting Design and never reads YAML itself. Each mapping of the file is
read through a DesignTable (design_table.py), whose typed reads report the key path at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import yaml
from reportlab.lib.colors import Color

from app.pdf_fonts import FontSet, register_fonts

from .design_table import DesignTable

PAGE_MM = (297.0, 210.0)  # A4 landscape
# The texts on the page, each placed and styled by the design file's `elements` section.
ELEMENTS = (
    "issuer",
    "heading",
    "certify",
    "name",
    "completed",
    "course",
    "details",
    "verify_label",
    "verify_url",
    "code",
    "signatory_name",
    "signatory_title",
)
TEXTS = ("heading", "certify", "completed", "details", "verify_label", "code")
PLACEHOLDERS = ("hours", "completed_on", "issued_on", "code")
_STYLE_KEYS = (
    "x",
    "font",
    "size",
    "min_size",
    "colour",
    "align",
    "max_width",
    "max_lines",
    "line_height",
    "tracking",
    "uppercase",
    "translation",
    "rule_below",
)


class DesignError(ValueError):
    """A design file that cannot be used; the message names the file and the key at fault."""


@dataclass(frozen=True)
class Rule:
    """A straight line; `position` is its y (signature line) or its gap below a text (rule_below)."""

    position: float
    length: float
    width: float
    colour: Color


@dataclass(frozen=True)
class Frame:
    inset: float
    width: float
    colour: Color


@dataclass(frozen=True)
class Translation:
    font: str
    size: float
    colour: Color
    gap: float


@dataclass(frozen=True)
class TextStyle:
    x: float
    y: float
    font: str
    size: float
    min_size: float
    colour: Color
    align: str
    max_width: float
    max_lines: int
    line_height: float
    tracking: float
    uppercase: bool
    translation: Translation | None
    rule_below: Rule | None


@dataclass(frozen=True)
class Picture:
    path: Path
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Signatory:
    x: float
    name: Mapping[str, str]
    title: Mapping[str, str]
    signature: Path | None
    signature_aspect: float


@dataclass(frozen=True)
class QrStyle:
    x: float
    y: float
    size: float
    error: str
    dark: Color
    light: Color


@dataclass(frozen=True)
class Language:
    code: str
    texts: Mapping[str, str]
    hours_one: str
    hours_other: str
    plural: str
    decimal_mark: str
    date: str
    months: tuple[str, ...]
    issuer: str  # the issuer's name in this language; "" when the design's `issuer` serves every language


@dataclass(frozen=True)
class Design:
    """A checked design file: lengths in millimetres, fonts as registered names, colours resolved."""

    path: Path
    issuer: str
    background: Color
    frames: tuple[Frame, ...]
    logo: Picture | None
    elements: Mapping[str, TextStyle]
    bilingual_elements: Mapping[str, TextStyle]
    qr: QrStyle
    signature_line: Rule
    signature_height: float
    signatories: tuple[Signatory, ...]
    languages: Mapping[str, Language]

    def issuer_in(self, language: str) -> str:
        return self.languages[language].issuer or self.issuer


def load_design(path: str | Path) -> Design:
    """Read and check a design file; raise DesignError naming the file and the key at fault."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DesignError(f"{path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise DesignError(
            f"{path}: is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"
        ) from exc
    return _DesignReader(path).design(raw)


class _DesignReader:
    """Turn the parsed YAML into a Design, failing on the first bad key with its full path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fonts: FontSet = register_fonts()
        self.palette: dict[str, Color] = {}
        self.languages: tuple[str, ...] = ()

    def fail(self, key: str, problem: str) -> NoReturn:
        raise DesignError(f"{self.path}: {key}: {problem}")

    def design(self, raw: object) -> Design:
        top = DesignTable(
            self,
            raw,
            "",
            required=("page", "issuer", "elements", "qr", "signatories", "languages"),
            optional=("palette", "logo", "bilingual"),
        )
        palette = top.table("palette", default={})
        self.palette = {name: palette.hex(name) for name in palette.values}
        languages = top.table("languages")
        self.languages = tuple(map(str, languages.values))
        if not self.languages:
            self.fail("languages", "needs at least one language")
        page = top.table("page", required=("background",), optional=("frames",))
        elements = top.table("elements", required=ELEMENTS)
        styles = {key: self.style(elements.table(key, ("y",), _STYLE_KEYS)) for key in ELEMENTS}
        bilingual = top.table("bilingual", (), ELEMENTS, default={})
        overrides = {key: self.override(elements, bilingual, key) for key in bilingual.values}
        signatories = top.table("signatories", required=("line", "people"), optional=("signature_height",))
        line = signatories.table("line", required=("y", "length", "width", "colour"))
        return Design(
            path=self.path,
            issuer=top.text("issuer"),
            background=page.colour("background"),
            frames=tuple(self.frame(table) for table in page.tables("frames")),
            logo=self.picture(top.table("logo", required=("path", "x", "y", "width"), default=None)),
            elements=styles,
            bilingual_elements={**styles, **overrides},
            qr=self.qr(top.table("qr", required=("x", "y", "size", "error", "dark", "light"))),
            signature_line=self.rule(line, "y"),
            signature_height=signatories.number("signature_height", 14.0, minimum=1),
            signatories=tuple(self.signatory(person) for person in signatories.tables("people")),
            languages={code: self.language(code, languages.values[code]) for code in self.languages},
        )

    def override(self, elements: DesignTable, bilingual: DesignTable, key: str) -> TextStyle:
        """Return an element's bilingual style: its override merged over its usual settings."""
        override = DesignTable(self, bilingual.values[key], bilingual.at(key), (), ("y", *_STYLE_KEYS))
        merged = {**elements.values[key], **override.values}
        return self.style(DesignTable(self, merged, override.key, ("y",), _STYLE_KEYS))

    def style(self, table: DesignTable) -> TextStyle:
        size = table.number("size", 11.0, minimum=1)
        translation = table.table(
            "translation", required=("size", "gap"), optional=("font", "colour"), default=None
        )
        rule = table.table("rule_below", required=("gap", "length", "width", "colour"), default=None)
        return TextStyle(
            x=table.number("x", PAGE_MM[0] / 2, maximum=PAGE_MM[0]),
            y=table.number("y", maximum=PAGE_MM[1]),
            font=self.font(table),
            size=size,
            min_size=table.number("min_size", size, minimum=1),
            colour=table.colour("colour", "#000000"),
            align=table.choice("align", ("centre", "left", "right"), "centre"),
            max_width=table.number("max_width", PAGE_MM[0] - 50, minimum=10, maximum=PAGE_MM[0]),
            max_lines=int(table.number("max_lines", 1, minimum=1, whole=True)),
            line_height=table.number("line_height", 1.2, minimum=0.8),
            tracking=table.number("tracking", 0.0),
            uppercase=table.flag("uppercase", False),
            translation=translation
            and Translation(
                font=self.font(translation),
                size=translation.number("size", minimum=1),
                colour=translation.colour("colour", "#000000"),
                gap=translation.number("gap"),
            ),
            rule_below=rule and self.rule(rule, "gap"),
        )

    def font(self, table: DesignTable) -> str:
        face = table.choice("font", ("regular", "bold", "italic", "bold_italic"), "regular")
        return str(getattr(self.fonts, face))

    def frame(self, table: DesignTable) -> Frame:
        table.check(required=("inset", "width", "colour"))
        return Frame(table.number("inset", maximum=50), table.number("width"), table.colour("colour"))

    def rule(self, table: DesignTable, position: str) -> Rule:
        length, width = table.number("length"), table.number("width")
        return Rule(table.number(position), length, width, table.colour("colour"))

    def picture(self, table: DesignTable | None) -> Picture | None:
        if table is None:
            return None
        path, aspect = table.image("path")
        width = table.number("width", minimum=1)
        return Picture(path, table.number("x"), table.number("y"), width, width / aspect)

    def qr(self, table: DesignTable) -> QrStyle:
        return QrStyle(
            x=table.number("x", maximum=PAGE_MM[0]),
            y=table.number("y", maximum=PAGE_MM[1]),
            size=table.number("size", minimum=15),  # smaller than 15 mm scans poorly from print
            error=table.choice("error", ("M", "Q", "H"), "M"),
            dark=table.colour("dark"),
            light=table.colour("light"),
        )

    def signatory(self, table: DesignTable) -> Signatory:
        table.check(required=("x", "title"), optional=("name", "signature"))
        signature, aspect = table.image("signature") if table.values.get("signature") else (None, 1.0)
        return Signatory(
            x=table.number("x", maximum=PAGE_MM[0]),
            name=table.localised("name", ""),
            title=table.localised("title"),
            signature=signature,
            signature_aspect=aspect,
        )

    def language(self, code: str, raw: object) -> Language:
        table = DesignTable(
            self,
            raw,
            f"languages.{code}",
            required=(*TEXTS, "hours", "plural", "decimal_mark", "date", "months"),
            optional=("issuer",),
        )
        hours = table.table("hours", required=("one", "other"))
        months = table.values["months"]
        named = isinstance(months, list) and all(isinstance(month, str) and month for month in months)
        if not named or len(months) != 12:
            self.fail(table.at("months"), "expected a list of the 12 month names")
        return Language(
            code=code,
            texts={
                key: table.template(key, PLACEHOLDERS, needs=("code",) if key == "code" else ())
                for key in TEXTS
            },
            hours_one=hours.template("one", ("hours",), needs=("hours",)),
            hours_other=hours.template("other", ("hours",), needs=("hours",)),
            plural=table.choice("plural", ("exactly_one", "ends_in_one"), "exactly_one"),
            decimal_mark=table.text("decimal_mark"),
            date=table.template("date", ("day", "month", "year"), needs=("day", "month", "year")),
            months=tuple(months),
            issuer=table.text("issuer", ""),
        )
