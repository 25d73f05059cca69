"""PDF building blocks shared by every printable document (health report, check-in lists, certificates).

Chinese text needs a CJK font, and the system runs on the intranet, so the font comes from the host:

1. ``PDF_FONT_PATH`` (setting, from the environment): a TrueType font file (``.ttf``, or the first
   face of a ``.ttc`` collection) with Chinese glyphs. It is embedded (subset) in every PDF. A path
   that does not exist or is not a TrueType font reportlab can embed stops the first PDF with
   ``ImproperlyConfigured`` naming the variable — a misconfiguration is never silently replaced.
2. Unset: the first usable font of ``SYSTEM_FONT_CANDIDATES`` — Debian's ``fonts-wqy-microhei``,
   ``fonts-wqy-zenhei``, Noto Sans CJK (``fonts-noto-cjk``), AR PL UMing and Droid Sans Fallback —
   embedded the same way. Noto Sans CJK ships PostScript (CFF) outlines, which reportlab cannot
   embed; it is tried and skipped with a warning, so install ``fonts-wqy-microhei`` on the hosts.
3. None found: reportlab's built-in CID font ``STSong-Light``. Nothing is embedded — the reader's
   own Chinese font shows the text (every PDF reader in China has one) — so a PDF is always made.

The font is registered once per process (per choice). ``new_document`` gives a ``PdfDocument``
with paragraph styles in that font, helpers for paragraphs and tables, and a footer with page
numbers on every page; ``pdf_response`` sends the bytes inline, never cached (these documents hold
personal data).
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

logger = logging.getLogger(__name__)

# (path, face index in a .ttc). Noto Sans CJK's collection holds JP, KR, SC, TC, HK: 2 is SC.
SYSTEM_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
CID_FALLBACK = "STSong-Light"
# Look-alikes for characters a font may lack, best first (STSong-Light has no bullet); NFKC is tried
# last (² → 2, µ → μ).
SUBSTITUTES: dict[str, tuple[str, ...]] = {
    "•": ("·", "・"),
    "·": ("・",),
    "‧": ("·", "・"),
    "∙": ("·", "・"),
    "−": ("-",),
    "\u00a0": (" ",),
}
# STSong-Light covers Adobe-GB1 (a superset of GBK), addressed through Adobe's UniGB-UCS2-H, which maps
# a few GB codes to other code points than Python's codec: the middle dot is ・ U+30FB there, not U+00B7.
_CID_MISSING = frozenset("·‧∙µ")
_CID_EXTRA = frozenset("・")


def _cid_has(char: str) -> bool:
    if char in _CID_MISSING:
        return False
    if char in _CID_EXTRA:
        return True
    try:
        char.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


HEADER_BACKGROUND = colors.HexColor("#e9ecef")
GRID_COLOUR = colors.HexColor("#adb5bd")
MUTED = colors.HexColor("#6c757d")


@dataclass(frozen=True)
class PdfFont:
    """A registered font: its reportlab name, where it came from, and whether it is embedded."""

    name: str
    source: str
    embedded: bool

    def covers(self, text: str) -> bool:
        """Whether the font has a glyph for every character of ``text`` (else a box would print)."""
        font = pdfmetrics.getFont(self.name)
        if isinstance(font, TTFont):
            return all(ord(char) in font.face.charToGlyph for char in text)
        return all(_cid_has(char) for char in text)

    def printable(self, text: str) -> str:
        """``text`` with characters the font lacks replaced by a look-alike it has (² → 2, • → ·).

        A character with no look-alike is kept: the reader shows a box, the text stays searchable.
        """
        if self.covers(text):
            return text
        chars = []
        for char in text:
            if not self.covers(char):
                for candidate in (*SUBSTITUTES.get(char, ()), unicodedata.normalize("NFKC", char)):
                    if self.covers(candidate):
                        char = candidate
                        break
            chars.append(char)
        return "".join(chars)


_registered: dict[tuple[str, tuple[tuple[str, int], ...]], PdfFont] = {}
_lock = threading.Lock()


def _register_truetype(path: str, index: int) -> PdfFont:
    """Register a TrueType file under a name of its own; raises TTFError or OSError when it cannot."""
    name = "cjk-" + hashlib.sha1(f"{path}#{index}".encode(), usedforsecurity=False).hexdigest()[:10]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        # Bold/italic markup falls back to the same face instead of failing: CJK fonts have one weight.
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return PdfFont(name=name, source=f"{path}#{index}" if index else path, embedded=True)


def _register_cid() -> PdfFont:
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
        pdfmetrics.registerFontFamily(
            CID_FALLBACK, normal=CID_FALLBACK, bold=CID_FALLBACK, italic=CID_FALLBACK, boldItalic=CID_FALLBACK
        )
    return PdfFont(
        name=CID_FALLBACK, source=f"{CID_FALLBACK} (built-in CID font, not embedded)", embedded=False
    )


def _choose(configured: str, candidates: tuple[tuple[str, int], ...]) -> PdfFont:
    if configured:
        if not Path(configured).is_file():
            raise ImproperlyConfigured(f"PDF_FONT_PATH={configured!r}: no such file.")
        try:
            return _register_truetype(configured, 0)
        except (TTFError, OSError) as error:
            raise ImproperlyConfigured(
                f"PDF_FONT_PATH={configured!r} is not a TrueType font that can be embedded ({error}); "
                "use a .ttf or .ttc with TrueType outlines, e.g. wqy-microhei.ttc."
            ) from None
    for path, index in candidates:
        if not Path(path).is_file():
            continue
        try:
            return _register_truetype(path, index)
        except (TTFError, OSError) as error:
            logger.warning("PDF font %s cannot be embedded (%s); trying the next one", path, error)
    logger.warning("No CJK font found for PDFs; using %s (not embedded)", CID_FALLBACK)
    return _register_cid()


def cjk_font() -> PdfFont:
    """The font for PDFs with Chinese text, registered on first use (see the module docstring)."""
    key = (settings.PDF_FONT_PATH or "", tuple(SYSTEM_FONT_CANDIDATES))
    with _lock:
        font = _registered.get(key)
        if font is None:
            font = _registered[key] = _choose(*key)
    return font


def styles_for(font: PdfFont) -> StyleSheet1:
    """Paragraph styles in ``font``; ``wordWrap="CJK"`` lets Chinese lines break between characters."""
    sheet = StyleSheet1()
    base = {"fontName": font.name, "wordWrap": "CJK"}
    sheet.add(ParagraphStyle("body", fontSize=10, leading=14, **base))
    sheet.add(ParagraphStyle("small", fontSize=8, leading=11, textColor=MUTED, **base))
    sheet.add(ParagraphStyle("brand", fontSize=10, leading=14, textColor=MUTED, alignment=TA_CENTER, **base))
    sheet.add(
        ParagraphStyle("title", fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=4 * mm, **base)
    )
    sheet.add(
        ParagraphStyle("heading", fontSize=12, leading=16, spaceBefore=5 * mm, spaceAfter=2 * mm, **base)
    )
    sheet.add(ParagraphStyle("cell", fontSize=9, leading=12, **base))
    sheet.add(ParagraphStyle("cell_right", fontSize=9, leading=12, alignment=TA_RIGHT, **base))
    sheet.add(ParagraphStyle("cell_head", fontSize=9, leading=12, **base))
    return sheet


def _footer_canvas(footer: str, font_name: str):
    """A canvas class that draws ``footer`` and "page x of y" on every page once the page count is known."""

    class FooterCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            width, _height = self._pagesize
            self.saveState()
            self.setFont(font_name, 8)
            self.setFillColor(MUTED)
            self.setStrokeColor(GRID_COLOUR)
            self.line(15 * mm, 14 * mm, width - 15 * mm, 14 * mm)
            if footer:
                self.drawString(15 * mm, 10 * mm, footer)
            self.drawRightString(
                width - 15 * mm, 10 * mm, _("Page %(page)d of %(pages)d") % {"page": number, "pages": total}
            )
            self.restoreState()

    return FooterCanvas


@dataclass
class PdfDocument:
    """A document being written: styles in the chosen font, helpers, and ``build(story) -> bytes``."""

    font: PdfFont
    styles: StyleSheet1
    title: str
    footer: str = ""
    pagesize: tuple[float, float] = A4
    margins_mm: tuple[float, float, float, float] = (15, 15, 15, 20)  # left, right, top, bottom
    author: str = field(default_factory=lambda: _("幸福警营"))

    @property
    def width(self) -> float:
        """The width between the margins, for column widths."""
        left, right, _top, _bottom = self.margins_mm
        return self.pagesize[0] - (left + right) * mm

    def paragraph(self, text: str, style: str | ParagraphStyle = "body") -> Paragraph:
        """A paragraph of plain text (escaped: names and places may hold ``<`` or ``&``)."""
        style = self.styles[style] if isinstance(style, str) else style
        return Paragraph(escape(self.font.printable(str(text))), style)

    def table(
        self,
        rows: Sequence[Sequence[object]],
        *,
        col_widths: Sequence[float] | None = None,
        header_rows: int = 1,
        right_columns: Sequence[int] = (),
        extra_style: Sequence[tuple] = (),
    ) -> Table:
        """A grid table; strings become wrapping paragraphs, flowables are kept; the header repeats."""
        cells = []
        for row_number, row in enumerate(rows):
            line = []
            for column, cell in enumerate(row):
                if isinstance(cell, Flowable):
                    line.append(cell)
                    continue
                style = "cell_head" if row_number < header_rows else "cell"
                if column in right_columns and row_number >= header_rows:
                    style = "cell_right"
                line.append(self.paragraph("" if cell is None else cell, style))
            cells.append(line)
        table = Table(cells, colWidths=col_widths, repeatRows=header_rows, hAlign="LEFT")
        commands = [
            ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOUR),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if header_rows:
            commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_BACKGROUND))
        table.setStyle(TableStyle([*commands, *extra_style]))
        return table

    def build(self, story: list[Flowable]) -> bytes:
        buffer = io.BytesIO()
        left, right, top, bottom = self.margins_mm
        template = SimpleDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=left * mm,
            rightMargin=right * mm,
            topMargin=top * mm,
            bottomMargin=bottom * mm,
            title=self.title,
            author=self.author,
            creator=self.author,
        )
        template.build(story, canvasmaker=_footer_canvas(self.font.printable(self.footer), self.font.name))
        return buffer.getvalue()


def new_document(*, title: str, footer: str = "", pagesize: tuple[float, float] = A4) -> PdfDocument:
    """A document in the CJK font; ``footer`` is printed with the page numbers on every page."""
    font = cjk_font()
    return PdfDocument(font=font, styles=styles_for(font), title=title, footer=footer, pagesize=pagesize)


def _ascii_fallback(filename: str) -> str:
    """The filename for clients that ignore ``filename*``: accents stripped, the rest replaced by ``_``."""
    decomposed = unicodedata.normalize("NFKD", filename)
    return "".join(
        char if char.isascii() and char.isprintable() and char not in '"\\;' else "_"
        for char in decomposed
        if not unicodedata.combining(char)
    )


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """Send a PDF to be shown in the browser, named ``filename`` (RFC 6266/5987), never cached."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    add_never_cache_headers(
        response
    )  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
    return response
