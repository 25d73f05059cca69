"""The head-teacher award's certificate: one A4 landscape page in the CJK font that names the teacher,
the student, the university, the certificate number and the issuing bureau."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.utils import translation
from reportlab.lib.pagesizes import A4, landscape

from awards import certificate, services
from awards.certificate import _salutation_name, certificate_pdf
from tests.awards.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(approved, teacher_programme, welfare, head):
    nominated = services.teacher_nominate(
        scholarship=approved,
        actor=welfare,
        teacher_name="李明华",
        school="市第一中学 <实验班> & 竞赛",
        class_name="高三（2）班",
    )
    return services.teacher_decide(award=nominated, actor=head, approve=True)


def _pages(data: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(data)).pages)


def test_it_is_one_landscape_a4_page_naming_the_teacher_and_the_number(award):
    pages = _pages(certificate_pdf(award))
    assert len(pages) == 1
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == tuple(round(side) for side in landscape(A4))
    text = pages[0].extract_text()
    assert "李明华" in text
    assert award.certificate_number == f"JDYD-{YEAR}-0001"
    assert award.certificate_number in text


def test_it_names_the_student_the_university_and_the_bureau_at_the_root_of_the_tree(award, city):
    text = _pages(certificate_pdf(award))[0].extract_text()
    compact = "".join(text.split())
    assert "陈思源" in compact and "北京大学" in compact and str(YEAR) in compact
    assert city.name in compact  # 市公安局, the root org unit
    assert "<实验班>&竞赛" in compact  # markup in a name is printed as text, not read as markup


def test_it_is_written_in_chinese_whatever_the_viewers_language(award, monkeypatch):
    seen = []
    monkeypatch.setattr(certificate, "_draw", lambda found: seen.append(translation.get_language()) or b"")
    with translation.override("en"):
        certificate_pdf(award)
        assert translation.get_language() == "en"  # and back to the viewer's language afterwards
    assert seen == ["zh-hans"]


def test_the_salutation_does_not_say_teacher_twice():
    assert [_salutation_name(n) for n in ("李老师", "李 明华", "老师")] == ["李", "李明华", "老师"]
