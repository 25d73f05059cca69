"""The certificate of a head-teacher award (金盾园丁奖 荣誉证书): one A4 landscape page in the CJK font.

It is a document handed to the teacher, so it is always written in Chinese whatever the language of the
member of the office who prints it. The issuer is the bureau at the root of the org tree (the welfare
office acts in its name); the date is the day the award was approved, so a reprint is the same
certificate.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from awards.models import TeacherAward
from people.models import OrgUnit
from welfare.pdf import PdfFont, cjk_font

CERTIFICATE_LANGUAGE = "zh-hans"
RED = colors.HexColor("#a8201a")
GOLD = colors.HexColor("#b8860b")
INK = colors.HexColor("#222222")
MUTED = colors.HexColor("#555555")


def _issuer() -> str:
    root = OrgUnit.objects.filter(parent=None, active=True).order_by("sort_order", "pk").first()
    bureau = root.name if root else _("City Public Security Bureau")
    return bureau + _("Police Welfare Office")


def _salutation_name(name: str) -> str:
    """The teacher's name without a trailing 老师 someone typed in: the salutation adds it."""
    name = "".join(name.split())
    return name[: -len("老师")] if name.endswith("老师") and len(name) > len("老师") else name


def _paragraph(font: PdfFont, text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(font.printable(text)), style)


def _border(pdf: canvas.Canvas, width: float, height: float) -> None:
    pdf.saveState()
    pdf.setStrokeColor(RED)
    pdf.setLineWidth(4)
    pdf.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    pdf.setStrokeColor(GOLD)
    pdf.setLineWidth(1.2)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.restoreState()


def certificate_pdf(award: TeacherAward) -> bytes:
    """The certificate of an approved or paid award, its scholarship's child and university loaded."""
    with translation.override(CERTIFICATE_LANGUAGE):
        return _draw(award)


def _draw(award: TeacherAward) -> bytes:
    font = cjk_font()
    scholarship = award.scholarship
    width, height = landscape(A4)
    buffer = io.BytesIO()
    title = _("Golden Shield Gardener Award")
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{title} {award.certificate_number}")
    pdf.setAuthor(_("幸福警营"))
    pdf.setCreator(_("幸福警营"))
    _border(pdf, width, height)

    pdf.setFillColor(RED)
    pdf.setFont(font.name, 34)
    pdf.drawCentredString(width / 2, height - 48 * mm, font.printable(title))
    pdf.setFont(font.name, 24)
    pdf.drawCentredString(width / 2, height - 64 * mm, font.printable(_("Certificate of Honour")))

    left, text_width = 38 * mm, width - 76 * mm
    greeting = ParagraphStyle("greeting", fontName=font.name, fontSize=18, leading=26, textColor=INK)
    body = ParagraphStyle(
        "body",
        fontName=font.name,
        fontSize=16,
        leading=30,
        firstLineIndent=32,
        alignment=TA_JUSTIFY,
        textColor=INK,
        wordWrap="CJK",
    )
    top = height - 86 * mm
    salutation = _paragraph(
        font, _("Dear %(teacher)s,") % {"teacher": _salutation_name(award.teacher_name)}, greeting
    )
    _w, used = salutation.wrapOn(pdf, text_width, 30 * mm)
    salutation.drawOn(pdf, left, top - used)
    top -= used + 4 * mm
    text = _(
        "As head teacher of %(class)s at %(school)s, you taught %(child)s, who was admitted to "
        "%(university)s in %(year)d. In gratitude for your devoted work and your care for the children of "
        "police officers, you are awarded the Golden Shield Gardener Award."
    ) % {
        "class": award.class_name,
        "school": award.school,
        "child": scholarship.child.name,
        "university": scholarship.university.name,
        "year": scholarship.admission_year,
    }
    paragraph = _paragraph(font, text, body)
    _w, used = paragraph.wrapOn(pdf, text_width, 60 * mm)
    paragraph.drawOn(pdf, left, top - used)

    signature = ParagraphStyle(
        "signature", fontName=font.name, fontSize=16, leading=24, alignment=TA_LEFT, textColor=INK
    )
    decided = timezone.localtime(award.decided_at).date() if award.decided_at else timezone.localdate()
    day = _("%(year)d-%(month)d-%(day)d") % {"year": decided.year, "month": decided.month, "day": decided.day}
    issuer = _paragraph(font, _issuer(), signature)
    dated = _paragraph(font, day, signature)
    column = 90 * mm
    issuer.wrapOn(pdf, column, 30 * mm)
    issuer.drawOn(pdf, width - 38 * mm - column, 52 * mm)
    dated.wrapOn(pdf, column, 20 * mm)
    dated.drawOn(pdf, width - 38 * mm - column, 52 * mm - 10 * mm)

    pdf.setFillColor(MUTED)
    pdf.setFont(font.name, 11)
    number = _("Certificate no. %(number)s") % {"number": award.certificate_number}
    pdf.drawString(24 * mm, 24 * mm, font.printable(number))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
