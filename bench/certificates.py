"""Time certificate rendering beside two references drawn with the same fonts and texts.

Run: .venv/bin/python bench/certificates.py
The floor is a bare reportlab page with the certificate's texts; the naive path adds reportlab's QR widget.
Target: a certificate in at most 3x the floor.
"""

from __future__ import annotations

import hashlib
import io
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.certificates.codes import new_code
from app.certificates.design import Design, load_design
from app.certificates.pdf import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    CertificateData,
    format_date,
    format_hours,
    render_certificate,
)
from app.pdf_fonts import register_fonts

DESIGN = Path(__file__).resolve().parents[1] / "certificates" / "default.yaml"
BULK = 1_000
ROUNDS = 200
WARMUP = 20
SAMPLE = CertificateData(
    code="K7QF-3M9T-XW2P-8RHD",
    name="Ѓорѓи Љубеновски",
    course_title="Protection and assistance for migrants vulnerable to violence, exploitation and abuse",
    hours=16,
    completed_on=date(2025, 3, 12),
    issued_on=date(2025, 3, 14),
    issuer="International Organization for Migration (IOM) – Skopje",
    verify_url="https://academy.iom-skopje.example/verify/K7QF-3M9T-XW2P-8RHD",
    language="mk",
)


def reference_page(data: CertificateData, design: Design, with_widget: bool) -> bytes:
    """Draw only the certificate's texts, in their fonts, sizes and places; add the QR widget if asked."""
    language = design.languages[data.language]
    fields = {
        "hours": format_hours(data.hours, language),
        "completed_on": format_date(data.completed_on, language),
        "issued_on": format_date(data.issued_on, language),
        "code": data.code,
    }
    texts = {key: template.format_map(fields) for key, template in language.texts.items()}
    texts |= {
        "issuer": data.issuer,
        "name": data.name,
        "course": data.course_title,
        "verify_url": data.verify_url,
    }
    titles = [(person.x, person.title[data.language]) for person in design.signatories]
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, initialFontName=register_fonts().regular
    )
    for key, text in texts.items():
        style = design.elements[key]
        canvas.setFont(style.font, style.size)
        canvas.drawCentredString(style.x * mm, PAGE_HEIGHT - style.y * mm, text)
    style = design.elements["signatory_title"]
    for x, title in titles:
        canvas.setFont(style.font, style.size)
        canvas.drawCentredString(x * mm, PAGE_HEIGHT - style.y * mm, title)
    if with_widget:
        _draw_widget(canvas, data.verify_url, design.qr.size * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_widget(canvas: Canvas, url: str, size: float) -> None:
    widget = QrCodeWidget(url, barLevel="M", barBorder=4)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, (PAGE_WIDTH - size) / 2, 20 * mm)


def medians_ms(actions: dict[str, Callable[[], object]], rounds: int = ROUNDS) -> dict[str, float]:
    """Return each action's median time in milliseconds, after a warm-up.

    The actions take turns within every round, so a busy machine slows them all alike and the ratios hold.
    """
    for _ in range(WARMUP):
        for action in actions.values():
            action()
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) * 1000 for name, times in samples.items()}


def bulk_seconds(design: Design) -> float:
    """Return the time to render and hash BULK certificates, each with its own code and name."""
    batch = [
        replace(SAMPLE, code=new_code(random.Random(i)), name=f"Ѓорѓи Љубеновски {i}", hours=8 + i % 24)
        for i in range(BULK)
    ]
    start = time.perf_counter()
    for data in batch:
        hashlib.sha256(render_certificate(data, design)).hexdigest()
    return time.perf_counter() - start


def main() -> None:
    """Print the figures."""
    design = load_design(DESIGN)
    ms = medians_ms(
        {
            "floor": lambda: reference_page(SAMPLE, design, with_widget=False),
            "naive": lambda: reference_page(SAMPLE, design, with_widget=True),
            "certificate": lambda: render_certificate(SAMPLE, design),
        }
    )
    bulk = bulk_seconds(design)
    floor = ms["floor"]
    rows = [
        ("floor: text-only reportlab page", ms["floor"]),
        ("naive: same page + reportlab QR widget", ms["naive"]),
        ("certificate: render_certificate", ms["certificate"]),
    ]
    print(f"median of {ROUNDS} interleaved rounds after {WARMUP} warm-up rounds")
    for label, value in rows:
        print(f"  {label:<44}{value:8.2f} ms  {value / floor:5.1f}x floor")
    bulk_label = f"bulk: {BULK:,} certificates rendered + SHA-256"
    print(f"  {bulk_label:<44}{bulk:8.2f} s   {bulk / BULK * 1000:.2f} ms each")
    ratio = ms["certificate"] / floor
    print(f"target certificate <= 3x floor: {'met' if ratio <= 3 else 'MISSED'} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
