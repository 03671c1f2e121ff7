"""Certificate PDF: fonts that cover mk and sq, deterministic bytes, a QR that scans, designs that explain."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zlib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import segno
import yaml
from PIL import Image
from reportlab.lib.fonts import tt2ps
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth

from app.certificates.design import DesignError, load_design
from app.certificates.pdf import (
    QUIET_ZONE,
    CertificateData,
    _fit,
    format_date,
    format_hours,
    qr_runs,
    render_certificate,
)
from app.pdf_fonts import missing_glyphs, register_fonts, stroke_width

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "certificates" / "default.yaml"
NAMES = "Ѓорѓи Ќурчиев Џафер Љубица Њаго Ëndrit Çela"
URL = "https://academy.example.org/verify/K7QF-3M9T-XW2P-8RHD"
QR_PATH = re.compile(
    r"n (?P<left>[\d.]+) (?P<bottom>[\d.]+) (?P<size>[\d.]+) (?P=size) re f\*?\n"
    r"q\n(?P<module>[\d.]+) 0 0 (?P=module) (?P<x>[\d.]+) (?P<y>[\d.]+) cm\n[\d. ]+ rg\n"
    r"n (?P<runs>[\d re]+) (?P<fill>f\*?)\nQ"
)


@pytest.fixture(scope="module")
def design() -> Any:
    return load_design(DEFAULT)


@pytest.fixture
def data(design: Any) -> CertificateData:
    return CertificateData(
        code="K7QF-3M9T-XW2P-8RHD",
        name="Ѓорѓи Љубеновски",
        course_title="Protection and assistance for migrants vulnerable to violence, exploitation and abuse",
        hours=16,
        completed_on=date(2025, 3, 12),
        issued_on=date(2025, 3, 14),
        issuer=design.issuer,
        verify_url=URL,
        language="mk",
    )


def page_stream(pdf: bytes) -> str:
    """Return the page's content stream, decoded (reportlab writes it ASCII85 + Flate)."""
    [raw] = re.findall(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S
    )
    return zlib.decompress(base64.a85decode(raw.strip(), adobe=True)).decode("latin-1")


def write_design(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


# Fonts


def test_register_fonts_is_cached_and_registers_a_family() -> None:
    fonts = register_fonts()
    assert register_fonts() is fonts
    assert getFont(fonts.regular).fontName == fonts.regular
    assert getFont(fonts.italic).fontName == fonts.italic
    # The variable font has no Bold instance reportlab can read: bold names alias the same embedded face.
    assert getFont(fonts.bold) is getFont(fonts.regular)
    assert getFont(fonts.bold_italic) is getFont(fonts.italic)
    assert tt2ps(fonts.family, 1, 0) == fonts.bold
    assert tt2ps(fonts.family, 0, 1) == fonts.italic
    assert tt2ps(fonts.family, 1, 1) == fonts.bold_italic


def test_fonts_come_from_the_installed_package() -> None:
    path = Path(getFont(register_fonts().regular).face.filename)
    assert path.parent.parent.name == "fontpkg_noto_sans" and path.suffix == ".ttf"


@pytest.mark.parametrize("face", ["regular", "bold", "italic", "bold_italic"])
def test_macedonian_and_albanian_letters_have_glyphs(face: str) -> None:
    name = getattr(register_fonts(), face)
    assert missing_glyphs(NAMES, name) == set()
    assert missing_glyphs(NAMES.upper() + "ѓќѕџљњ ЃЌЅЏЉЊ ëçËÇ „“–·", name) == set()


def test_missing_glyphs_names_what_would_print_as_a_box() -> None:
    assert missing_glyphs("Ана 漢字 🙂\n", register_fonts().regular) == {"漢", "字", "🙂"}


def test_only_bold_faces_are_stroked() -> None:
    fonts = register_fonts()
    assert stroke_width(fonts.regular, 20) == stroke_width(fonts.italic, 20) == 0
    assert stroke_width(fonts.bold, 20) > 0 and stroke_width(fonts.bold_italic, 20) > 0


def test_every_design_text_prints_in_every_face(design: Any) -> None:
    fonts = register_fonts()
    for language in design.languages.values():
        texts = [*language.texts.values(), language.hours_one, language.hours_other, *language.months]
        texts += [person.title[language.code] for person in design.signatories]
        for face in (fonts.regular, fonts.bold, fonts.italic):
            assert missing_glyphs("".join(texts) + design.issuer, face) == set(), language.code


# Rendering


def test_same_data_gives_the_same_bytes(data: CertificateData, design: Any) -> None:
    first = render_certificate(data, design)
    assert first.startswith(b"%PDF-")
    assert render_certificate(data, design) == first
    assert render_certificate(replace(data, code="K7QF-3M9T-XW2P-8RHE"), design) != first


def test_same_bytes_in_another_process(data: CertificateData, design: Any) -> None:
    script = (
        "import datetime, hashlib; "
        "from app.certificates.design import load_design; "
        "from app.certificates.pdf import CertificateData, render_certificate; "
        f"data = CertificateData(**{data.__dict__!r}); "
        f"print(hashlib.sha256(render_certificate(data, load_design({str(DEFAULT)!r}))).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == hashlib.sha256(render_certificate(data, design)).hexdigest()


def test_a4_landscape_with_embedded_noto_only(data: CertificateData, design: Any) -> None:
    pdf = render_certificate(data, design)
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf
    assert pdf.count(b"/FontFile2") >= 2
    assert b"+NotoSans" in pdf
    assert b"Helvetica" not in pdf and b"/Type1" not in pdf


@pytest.mark.parametrize(
    ("language", "second"),
    [("en", None), ("mk", None), ("sq", None), ("mk", "en"), ("sq", "mk"), ("en", "sq")],
)
def test_every_language_and_pair_renders(
    data: CertificateData, design: Any, language: str, second: str | None
) -> None:
    pdf = render_certificate(replace(data, language=language, second_language=second), design)
    assert QR_PATH.search(page_stream(pdf))


def test_bilingual_differs_from_monolingual(data: CertificateData, design: Any) -> None:
    assert render_certificate(replace(data, second_language="en"), design) != render_certificate(data, design)


@pytest.mark.parametrize(("language", "second"), [("de", None), ("mk", "de"), ("mk", "mk")])
def test_a_language_the_design_lacks_is_refused(
    data: CertificateData, design: Any, language: str, second: str | None
) -> None:
    with pytest.raises(ValueError, match="language"):
        render_certificate(replace(data, language=language, second_language=second), design)


def test_decomposed_letters_print_as_composed_ones(data: CertificateData, design: Any) -> None:
    composed = replace(data, name="Ëndrit Çela")
    decomposed = replace(data, name=unicodedata.normalize("NFD", "Ëndrit Çela"))
    assert decomposed.name != composed.name
    assert render_certificate(decomposed, design) == render_certificate(composed, design)


def test_logo_and_signature_images_are_drawn(tmp_path: Path, data: CertificateData) -> None:
    Image.new("RGB", (200, 100), "#1F3F5F").save(tmp_path / "logo.png")
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(tmp_path / "signature.png")
    raw = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    raw["logo"] = {"path": "logo.png", "x": 24, "y": 18, "width": 30}
    raw["signatories"]["people"][0].update(name="Име Презиме", signature="signature.png")
    design = load_design(write_design(tmp_path, raw))
    assert design.logo is not None and design.logo.height == pytest.approx(15)
    pdf = render_certificate(data, design)
    assert pdf.count(b"/Subtype /Image") >= 2
    assert render_certificate(data, design) == pdf


# The QR code


def qr_of(pdf: bytes) -> tuple[re.Match[str], list[list[int]]]:
    """Return the QR path's match and the module matrix its runs paint."""
    match = QR_PATH.search(page_stream(pdf))
    assert match, "no QR path"
    numbers = [int(n) for n in match["runs"].replace("re", " ").split()]
    expected = segno.make(URL, error="M", micro=False).matrix
    count = len(expected)
    painted = [[0] * count for _ in range(count)]
    for x, y, width, height in zip(*[iter(numbers)] * 4, strict=True):
        assert height == 1
        for column in range(x, x + width):
            painted[count - 1 - y][column] = 1
    return match, painted


def test_qr_is_one_path_whose_modules_are_segnos_matrix(data: CertificateData, design: Any) -> None:
    match, painted = qr_of(render_certificate(data, design))
    expected = segno.make(URL, error="M", micro=False)
    assert painted == [list(row) for row in expected.matrix]
    assert expected.error in "MQH"
    assert match["fill"].startswith("f")
    assert page_stream(render_certificate(data, design)).count(" 1 1 re") < sum(map(sum, painted))


def test_qr_has_a_quiet_zone_of_four_modules(data: CertificateData, design: Any) -> None:
    match, painted = qr_of(render_certificate(data, design))
    module, size = float(match["module"]), float(match["size"])
    assert module * (len(painted) + 2 * QUIET_ZONE) == pytest.approx(size, abs=1e-3)
    assert float(match["x"]) - float(match["left"]) == pytest.approx(QUIET_ZONE * module, abs=1e-3)
    assert float(match["y"]) - float(match["bottom"]) == pytest.approx(QUIET_ZONE * module, abs=1e-3)
    assert size == pytest.approx(design.qr.size * mm, abs=1e-3)


def test_qr_runs_cover_exactly_the_dark_modules() -> None:
    matrix = [[1, 1, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]]
    assert list(qr_runs(matrix)) == [(0, 0, 2), (0, 3, 1), (2, 0, 4)]


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="poppler-utils/zbar-tools"
)
def test_qr_scans_and_the_text_reads_back(tmp_path: Path, data: CertificateData, design: Any) -> None:
    (tmp_path / "c.pdf").write_bytes(render_certificate(data, design))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", "c.pdf", "c"], cwd=tmp_path, check=True)
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", "c.png"], cwd=tmp_path, capture_output=True, text=True
    )
    assert scanned.stdout.strip() == URL
    text = subprocess.run(["pdftotext", "c.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    for printed in (
        "Ѓорѓи Љубеновски",
        "Сертификат за завршена обука",
        "16 часа",
        "12 март 2025",
        URL,
        "K7QF-3M9T-XW2P-8RHD",
        "Шеф на мисијата",
    ):
        assert printed in text


# Text: sizes, wrapping, hours and dates


def test_a_long_name_shrinks_to_fit(design: Any) -> None:
    style = design.elements["name"]
    name = "Александра Стојановска-Трајковска Ѓорѓиевска Џафероска Љубичиќ Ќамилоска"
    lines, size = _fit(name, style.font, style.size, style.min_size, style.max_width * mm, 1, 0)
    assert lines == [name] and size < style.size
    assert stringWidth(name, style.font, size) + stroke_width(style.font, size) <= style.max_width * mm + 1e-6


def test_a_short_name_keeps_its_size(design: Any) -> None:
    style = design.elements["name"]
    assert _fit("Ана Ли", style.font, style.size, style.min_size, style.max_width * mm, 1, 0) == (
        ["Ана Ли"],
        style.size,
    )


def test_a_long_title_wraps_into_balanced_lines(design: Any) -> None:
    style = design.elements["course"]
    title = (
        "Заштита и помош за мигранти ранливи на насилство, експлоатација и злоупотреба: "
        "обука за стручните работници во центрите за социјална работа"
    )
    lines, size = _fit(title, style.font, style.size, style.min_size, style.max_width * mm, 2, 0)
    widths = [stringWidth(line, style.font, size) for line in lines]
    assert len(lines) == 2 and " ".join(lines) == title and size >= style.min_size
    assert max(widths) <= style.max_width * mm and min(widths) > 0.6 * max(widths)


def test_a_design_may_leave_a_sentence_empty(tmp_path: Path, data: CertificateData) -> None:
    raw = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    raw["languages"]["mk"]["certify"] = ""
    assert render_certificate(data, load_design(write_design(tmp_path, raw))).startswith(b"%PDF-")


def test_text_too_long_for_any_size_still_fits_uncut(design: Any) -> None:
    style = design.elements["course"]
    title = "обука " * 80
    lines, size = _fit(title.strip(), style.font, style.size, style.min_size, style.max_width * mm, 2, 0)
    assert len(lines) == 2 and " ".join(lines) == title.strip() and size < style.min_size
    assert all(stringWidth(line, style.font, size) <= style.max_width * mm + 1 for line in lines)


@pytest.mark.parametrize(
    ("language", "hours", "printed"),
    [
        ("en", 16, "16 hours"),
        ("en", 1, "1 hour"),
        ("en", 7.5, "7.5 hours"),
        ("en", 21, "21 hours"),
        ("en", 12.25, "12.25 hours"),
        ("mk", 16, "16 часа"),
        ("mk", 1, "1 час"),
        ("mk", 21, "21 час"),
        ("mk", 11, "11 часа"),
        ("mk", 111, "111 часа"),
        ("mk", 7.5, "7,5 часа"),
        ("sq", 16, "16 orë"),
        ("sq", 1, "1 orë"),
        ("sq", 7.5, "7,5 orë"),
        ("en", 16.0, "16 hours"),
        ("en", 0.999, "1 hour"),
        ("mk", 21.5, "21,5 часа"),
    ],
)
def test_hours_are_printed_as_the_language_writes_them(
    design: Any, language: str, hours: float, printed: str
) -> None:
    assert format_hours(hours, design.languages[language]) == printed


@pytest.mark.parametrize(
    ("language", "printed"), [("en", "12 March 2025"), ("mk", "12 март 2025"), ("sq", "12 mars 2025")]
)
def test_dates_are_printed_with_month_names(design: Any, language: str, printed: str) -> None:
    assert format_date(date(2025, 3, 12), design.languages[language]) == printed


# Design files


def test_the_default_design_loads(design: Any) -> None:
    assert set(design.languages) == {"en", "mk", "sq"}
    assert design.issuer == "International Organization for Migration (IOM) – Skopje"
    assert [person.title["en"] for person in design.signatories] == [
        "Training Coordinator",
        "Chief of Mission",
    ]
    assert design.qr.error in "MQH"


def test_the_issuer_is_named_in_the_certificates_language(tmp_path: Path, design: Any) -> None:
    assert design.issuer_in("mk") == "Меѓународната организација за миграција (ИОМ) – Скопје"
    assert design.issuer_in("sq") == "Organizata Ndërkombëtare për Migracion (IOM) – Shkup"
    assert design.issuer_in("en") == design.issuer  # English names no issuer of its own
    raw = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    del raw["languages"]["mk"]["issuer"]
    assert load_design(write_design(tmp_path, raw)).issuer_in("mk") == design.issuer


def break_design(raw: dict[str, Any], change: str) -> str:
    """Apply one breaking change to a parsed design; return the key the error must name."""
    elements, people = raw["elements"], raw["signatories"]["people"]
    match change:
        case "missing element":
            del elements["name"]
            return "elements.name"
        case "size not a number":
            elements["name"]["size"] = "big"
            return "elements.name.size"
        case "negative width":
            raw["page"]["frames"][0]["width"] = -1
            return "page.frames[0].width"
        case "unknown colour":
            elements["heading"]["colour"] = "blue"
            return "elements.heading.colour"
        case "bad hex":
            raw["palette"]["navy"] = "#12345"
            return "palette.navy"
        case "misspelt key":
            elements["heading"]["colr"] = "navy"
            return "elements.heading.colr"
        case "unknown font":
            elements["heading"]["font"] = "black"
            return "elements.heading.font"
        case "unknown placeholder":
            raw["languages"]["mk"]["details"] = "Времетраење: {hourz}"
            return "languages.mk.details"
        case "eleven months":
            raw["languages"]["sq"]["months"].pop()
            return "languages.sq.months"
        case "weak error correction":
            raw["qr"]["error"] = "L"
            return "qr.error"
        case "title missing a language":
            del people[0]["title"]["sq"]
            return "signatories.people[0].title.sq"
        case "signature image missing":
            people[1]["signature"] = "nowhere.png"
            return "signatories.people[1].signature"
        case "off the page":
            elements["code"]["y"] = 400
            return "elements.code.y"
        case "bad bilingual override":
            raw["bilingual"]["name"] = {"size": "huge"}
            return "bilingual.name.size"
        case "code not printed":
            raw["languages"]["sq"]["code"] = "Kodi i verifikimit"
            return "languages.sq.code"
        case "plural rule":
            raw["languages"]["en"]["plural"] = "sometimes"
            return "languages.en.plural"
        case "issuer not text":
            raw["languages"]["sq"]["issuer"] = ["IOM"]
            return "languages.sq.issuer"
    raise AssertionError(change)


@pytest.mark.parametrize(
    "change",
    [
        "missing element",
        "size not a number",
        "negative width",
        "unknown colour",
        "bad hex",
        "misspelt key",
        "unknown font",
        "unknown placeholder",
        "eleven months",
        "weak error correction",
        "title missing a language",
        "signature image missing",
        "off the page",
        "bad bilingual override",
        "plural rule",
        "code not printed",
        "issuer not text",
    ],
)
def test_a_bad_design_names_the_file_and_the_key(tmp_path: Path, change: str) -> None:
    raw = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    key = break_design(raw, change)
    path = write_design(tmp_path, raw)
    with pytest.raises(DesignError) as error:
        load_design(path)
    assert str(error.value).startswith(f"{path}: {key}: ")


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("page:\n  background: [unclosed\n", encoding="utf-8")
    with pytest.raises(
        DesignError, match=rf"{re.escape(str(path))}: is not valid YAML \(line 3, column 1\): "
    ):
        load_design(path)


def test_a_missing_design_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DesignError, match=re.escape(str(tmp_path / "none.yaml"))):
        load_design(tmp_path / "none.yaml")


def test_a_design_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(DesignError, match="expected a mapping"):
        load_design(path)
