"""The shared PDF helpers: which font is used, the fallback, and how a PDF is sent."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
import reportlab
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from welfare import pdf

# Shipped with reportlab, so present on every machine: a TrueType font without Chinese glyphs.
VERA = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")


@pytest.fixture(autouse=True)
def _no_configured_font(settings):
    settings.PDF_FONT_PATH = ""


def _base_fonts(data: bytes) -> set[str]:
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    return {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}


def _one_page(text: str) -> bytes:
    document = pdf.new_document(title="测试", footer="页脚")
    return document.build([document.paragraph(text)])


def test_it_embeds_the_font_pdf_font_path_names(settings, monkeypatch):
    settings.PDF_FONT_PATH = VERA
    monkeypatch.setattr(
        pdf, "SYSTEM_FONT_CANDIDATES", ()
    )  # would give STSong-Light if the setting were ignored
    font = pdf.cjk_font()
    assert (font.source, font.embedded) == (VERA, True)
    assert pdf.cjk_font() is font  # registered once
    assert any("Vera" in name for name in _base_fonts(_one_page("Hello")))


@pytest.mark.parametrize("kind", ["missing", "not a font"])
def test_a_bad_pdf_font_path_stops_the_first_pdf_naming_the_setting(settings, tmp_path, kind):
    path = tmp_path / "font.ttf"
    if kind == "not a font":
        path.write_text("not a font")
    settings.PDF_FONT_PATH = str(path)
    with pytest.raises(ImproperlyConfigured, match="PDF_FONT_PATH"):
        pdf.cjk_font()
    with pytest.raises(ImproperlyConfigured, match="PDF_FONT_PATH"):
        _one_page("报告")


def test_it_takes_the_first_usable_system_font(monkeypatch, tmp_path):
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"\0" * 64)
    candidates = ((str(tmp_path / "missing.ttc"), 0), (str(broken), 0), (VERA, 0))
    monkeypatch.setattr(pdf, "SYSTEM_FONT_CANDIDATES", candidates)
    assert pdf.cjk_font().source == VERA


def test_without_any_cjk_font_it_falls_back_to_the_built_in_cid_font(monkeypatch):
    monkeypatch.setattr(pdf, "SYSTEM_FONT_CANDIDATES", (("/nonexistent/wqy-microhei.ttc", 0),))
    font = pdf.cjk_font()
    assert (font.name, font.embedded) == ("STSong-Light", False)
    data = _one_page("个人健康报告 张伟 100001")
    assert any("STSong-Light" in name for name in _base_fonts(data))
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "个人健康报告 张伟 100001" in text
    assert "页脚" in text


def test_it_knows_which_characters_a_font_can_print(settings, monkeypatch):
    settings.PDF_FONT_PATH = VERA
    assert pdf.cjk_font().covers("Abc")
    assert not pdf.cjk_font().covers("张")
    settings.PDF_FONT_PATH = ""
    monkeypatch.setattr(pdf, "SYSTEM_FONT_CANDIDATES", ())
    assert pdf.cjk_font().covers("张伟↑↓")
    assert not pdf.cjk_font().covers("🙂")


def test_paragraphs_escape_markup(monkeypatch):
    monkeypatch.setattr(pdf, "SYSTEM_FONT_CANDIDATES", ())
    text = pypdf.PdfReader(io.BytesIO(_one_page("A&B <b>x</b>"))).pages[0].extract_text()
    assert "A&B <b>x</b>" in text


def test_the_footer_numbers_every_page(monkeypatch):
    monkeypatch.setattr(pdf, "SYSTEM_FONT_CANDIDATES", ())
    document = pdf.new_document(title="t", footer="页脚")
    with translation.override("en"):
        data = document.build([document.paragraph("行 " * 40) for _ in range(80)])
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page.extract_text()
        assert "页脚" in page.extract_text()


def test_the_response_is_inline_with_a_utf8_filename_and_never_cached():
    response = pdf.pdf_response(b"%PDF-1.4 ...", "健康报告 100001.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="____ 100001.pdf"; '
        "filename*=UTF-8''%E5%81%A5%E5%BA%B7%E6%8A%A5%E5%91%8A%20100001.pdf"
    )
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response.content == b"%PDF-1.4 ..."


def test_the_ascii_filename_cannot_break_the_header():
    response = pdf.pdf_response(b"", 'a"b;c\\d\r\n.pdf')
    fallback = response["Content-Disposition"].split(";")[1]
    assert fallback == ' filename="a_b_c_d__.pdf"'


def test_characters_the_font_lacks_become_look_alikes_it_has(monkeypatch):
    monkeypatch.setattr(pdf, "SYSTEM_FONT_CANDIDATES", ())  # STSong-Light: no bullet, no superscript two
    font = pdf.cjk_font()
    assert not font.covers("•²")
    assert font.printable("• 体重指数 25.7 kg/m²") == "・ 体重指数 25.7 kg/m2"
    assert font.printable("张伟") == "张伟"
    text = pypdf.PdfReader(io.BytesIO(_one_page("• kg/m²"))).pages[0].extract_text()
    assert "・ kg/m2" in text


def test_an_embedded_font_keeps_what_it_has_and_substitutes_the_rest(settings):
    settings.PDF_FONT_PATH = VERA  # Latin only: has the bullet, not the Chinese
    font = pdf.cjk_font()
    assert font.printable("• x²") == "• x²"
    assert font.printable("张") == "张"  # no look-alike: kept (a box, but still searchable)
