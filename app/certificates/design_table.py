"""One mapping of a certificate design file, read with checks that name the key path at fault.

design.py walks the file with these tables; each typed read (number, colour, template, image...) fails
through the reader with `path: key.path: problem`, so a designer learns exactly what to fix.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, Protocol

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.utils import ImageReader

REQUIRED: Any = object()  # the default of a key the file must give


class Reader(Protocol):
    """What a table needs from the design being read: where it is, its names, and how to fail."""

    path: Path
    palette: dict[str, Color]
    languages: tuple[str, ...]

    def fail(self, key: str, problem: str) -> NoReturn: ...


class DesignTable:
    """One mapping of the design file, which reports bad values against its own key path."""

    def __init__(
        self,
        reader: Reader,
        value: object,
        key: str,
        required: Sequence[str] | None = None,
        optional: Sequence[str] = (),
    ) -> None:
        self.reader, self.key = reader, key
        if not isinstance(value, dict):
            reader.fail(key or "(top level)", f"expected a mapping, got {value!r}")
        self.values: dict[str, Any] = value
        if required is not None:  # None: any key goes (palette names, language codes)
            self.check(required, optional)

    def check(self, required: Sequence[str] = (), optional: Sequence[str] = ()) -> None:
        missing = [name for name in required if name not in self.values]
        if missing:
            self.reader.fail(self.at(missing[0]), "is missing")
        known = (*required, *optional)
        unknown = sorted(str(name) for name in self.values if name not in known)
        if unknown:
            self.reader.fail(self.at(unknown[0]), f"unknown key (expected: {', '.join(known)})")

    def at(self, name: str | int) -> str:
        return f"{self.key}.{name}" if self.key else str(name)

    def get(self, name: str, default: Any) -> Any:
        value = self.values.get(name, default)
        if value is REQUIRED:
            self.reader.fail(self.at(name), "is missing")
        return value

    def table(
        self,
        name: str,
        required: Sequence[str] | None = None,
        optional: Sequence[str] = (),
        default: Any = REQUIRED,
    ) -> Any:
        """Return the nested mapping as a DesignTable, or None where the file (or the default) says null."""
        value = self.get(name, default)
        return None if value is None else DesignTable(self.reader, value, self.at(name), required, optional)

    def tables(self, name: str) -> list[DesignTable]:
        value = self.get(name, [])
        if not isinstance(value, list):
            self.reader.fail(self.at(name), f"expected a list, got {value!r}")
        return [
            DesignTable(self.reader, item, f"{self.at(name)}[{index}]") for index, item in enumerate(value)
        ]

    def number(
        self,
        name: str,
        default: float = REQUIRED,
        minimum: float = 0.0,
        maximum: float = float("inf"),
        whole: bool = False,
    ) -> float:
        value = self.get(name, default)
        valid = isinstance(value, int | float) and not isinstance(value, bool) and minimum <= value <= maximum
        if not valid or (whole and value != int(value)):
            kind = "a whole number" if whole else "a number"
            bounds = (
                f"at least {minimum:g}" if maximum == float("inf") else f"from {minimum:g} to {maximum:g}"
            )
            self.reader.fail(self.at(name), f"expected {kind} {bounds}, got {value!r}")
        return float(value)

    def text(self, name: str, default: str = REQUIRED) -> str:
        value = self.get(name, default)
        if not isinstance(value, str):
            self.reader.fail(self.at(name), f"expected text, got {value!r}")
        return value

    def template(self, name: str, placeholders: Sequence[str], needs: Sequence[str] = ()) -> str:
        """Return the text after checking that it uses only `placeholders`, and all of `needs`."""
        value = self.text(name)
        try:
            fields = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
        except ValueError as exc:
            self.reader.fail(self.at(name), f"bad braces in {value!r} ({exc})")
        unknown = sorted(fields - set(placeholders))
        if unknown:
            self.reader.fail(
                self.at(name),
                f"unknown placeholder {{{unknown[0]}}} (allowed: "
                f"{', '.join('{' + p + '}' for p in placeholders)})",
            )
        missing = [field for field in needs if field not in fields]
        if missing:
            self.reader.fail(self.at(name), f"must contain {{{missing[0]}}}, got {value!r}")
        return value

    def choice(self, name: str, options: Sequence[str], default: str) -> str:
        value = self.get(name, default)
        if value not in options:
            self.reader.fail(self.at(name), f"expected one of {', '.join(options)}, got {value!r}")
        return str(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            self.reader.fail(self.at(name), f"expected true or false, got {value!r}")
        return value

    def hex(self, name: str) -> Color:
        value = self.get(name, REQUIRED)
        if not is_hex(value):
            self.reader.fail(self.at(name), f'expected a colour like "#1F3F5F", got {value!r}')
        return HexColor(value)

    def colour(self, name: str, default: str = REQUIRED) -> Color:
        value = self.get(name, default)
        if is_hex(value):
            return HexColor(value)
        if value not in self.reader.palette:
            palette = ", ".join(self.reader.palette) or "none defined"
            self.reader.fail(
                self.at(name), f'expected "#RRGGBB" or a palette name ({palette}), got {value!r}'
            )
        return self.reader.palette[value]

    def localised(self, name: str, default: str = REQUIRED) -> dict[str, str]:
        value = self.get(name, default)
        if isinstance(value, str):
            return dict.fromkeys(self.reader.languages, value)
        table = DesignTable(self.reader, value, self.at(name), required=self.reader.languages)
        return {code: table.text(code) for code in self.reader.languages}

    def image(self, name: str) -> tuple[Path, float]:
        path = self.reader.path.parent / self.text(name)
        try:
            width, height = ImageReader(str(path)).getSize()
        except OSError as exc:
            self.reader.fail(self.at(name), f"cannot read image {path} ({exc})")
        return path, width / height


def is_hex(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 7
        and value[0] == "#"
        and all(char in string.hexdigits for char in value[1:])
    )
