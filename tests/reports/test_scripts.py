"""Any name in any script on both printed copies (issue 20 items 1–2): a font per run of text, right-to-left
names joined and in order, and an 80-character name shortened in running headers and footers while every
identifier stays whole."""

from __future__ import annotations

import copy
import functools
import io
import unicodedata
from typing import Any

import pytest
from pypdf import PdfReader

from tests.helpers import demo_json
from tests.reports.test_clinical import _data
from trialapp.domain.summary import summarize_trial
from trialapp.interchange.trial_json import parse_trial_document
from trialapp.reports.clinical import build_clinical_pdf
from trialapp.reports.family import build_family_pdf, family_content
from trialapp.reports.layout import FONT, FONT_BOLD, ClinicContact, fit_name, register_fonts
from trialapp.reports.scripts import (
    ARABIC_FONT,
    CJK_FONT,
    HEBREW_FONT,
    KOREAN_FONT,
    draw_width,
    ellipsize,
    runs,
    visual,
)

CLINIC = ClinicContact("Riverside Children's Hospital", "+1 (555) 010-4477", "911")
LONG = "Maximiliana Esperanza Dolores Concepción Guadalupe Valentina Rosario Inés Amparo"
NAMES = {"chinese": "李小龙", "arabic": "محمد", "vietnamese": "Nguyễn Thị Ánh", "long": LONG}
IDENTIFIERS = ("MRN DEMO-0001", "born 2016-04-12", "ITB trial T2345678")


def test_the_long_name_is_80_characters() -> None:
    assert len(LONG) == 80


def _raw(given: str) -> dict[str, Any]:
    raw = copy.deepcopy(demo_json())
    raw["patient"]["given_name"] = given
    raw["patient"]["family_name"] = None
    return raw


@functools.cache
def _family(given: str, lang: str) -> bytes:
    doc = parse_trial_document(_raw(given))
    return build_family_pdf(doc, summarize_trial(doc.trial), lang=lang, clinic=CLINIC)


@functools.cache
def _clinical(given: str) -> bytes:
    return build_clinical_pdf(_data(_raw(given)))


def _pages(pdf: bytes) -> list[str]:
    return [
        unicodedata.normalize("NFKC", " ".join((p.extract_text() or "").split()))
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


def _has_name(text: str, name: str) -> bool:
    # Right-to-left letters are stored in the order they are drawn (visual) as joined presentation forms;
    # NFKC maps those forms back to the letters.
    return name in text or name[::-1] in text


def _fonts(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            obj = font.get_object()
            assert "/FontFile2" in obj["/FontDescriptor"], obj["/BaseFont"]  # embedded
            names.add(str(obj["/BaseFont"]).split("+")[-1])
    return names


@pytest.mark.parametrize("key", ["chinese", "arabic", "vietnamese"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_family_copy_prints_the_name(key: str, lang: str) -> None:
    name = NAMES[key]
    pages = _pages(_family(name, lang))
    assert _has_name(pages[0], name), pages[0][:200]
    assert all(_has_name(p, name) for p in pages)  # the footer of every page


@pytest.mark.parametrize("key", ["chinese", "arabic", "vietnamese"])
def test_clinical_copy_prints_the_name_and_every_identifier_on_every_page(key: str) -> None:
    name = NAMES[key]
    pages = _pages(_clinical(name))
    for page in pages:
        assert _has_name(page, name), page[:200]
        for identifier in IDENTIFIERS:
            assert identifier in page


def test_each_script_is_drawn_in_its_own_embedded_font() -> None:
    assert "DroidSansFallback" in _fonts(_clinical(NAMES["chinese"]))
    assert "NotoSansArabic-Regular" in _fonts(_family(NAMES["arabic"], "en"))
    assert {"DroidSansFallback", "NotoSansArabic-Regular"}.isdisjoint(
        _fonts(_family(NAMES["vietnamese"], "en"))
    )


@pytest.mark.parametrize("text", [*NAMES.values(), "שרה כהן", "佐藤 花子", "김민준", "Đặng Ngọc Ánh"])
@pytest.mark.parametrize("body", [FONT, FONT_BOLD])
def test_every_character_has_a_glyph_in_its_run_font(text: str, body: str) -> None:
    """No .notdef box: the font chosen for each run holds a glyph for each of its characters."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    for font, part in runs(visual(text), body):
        face = pdfmetrics.getFont(body if font is None else font).face
        missing = [c for c in part if ord(c) not in face.charToGlyph]
        assert not missing, (font, part, missing)


@pytest.mark.parametrize("key", ["chinese", "arabic", "vietnamese"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_family_sentence_has_its_glyphs(key: str, lang: str) -> None:
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    doc = parse_trial_document(_raw(NAMES[key]))
    content = family_content(doc, summarize_trial(doc.trial), lang=lang, clinic=CLINIC)
    text = " ".join([content.title, content.footer, content.narrative()])
    for font, part in runs(visual(text), FONT):
        face = pdfmetrics.getFont(FONT if font is None else font).face
        assert all(ord(c) in face.charToGlyph for c in part if not c.isspace()), (font, part)


def test_runs_pick_the_script_font_and_keep_a_name_in_one_run() -> None:
    register_fonts()
    assert list(runs("Day 1 · 李小龙 got 50 mcg", FONT)) == [
        (None, "Day 1 · "),
        (CJK_FONT, "李小龙 "),
        (None, "got 50 mcg"),
    ]
    assert [f for f, _ in runs("שרה כהן", FONT)] == [HEBREW_FONT]
    assert [f for f, _ in runs("김민준", FONT)] == [KOREAN_FONT]
    assert [f for f, _ in runs(visual("محمد العلي"), FONT)] == [ARABIC_FONT]


def test_arabic_is_joined_and_drawn_right_to_left() -> None:
    shown = visual("محمد's trial")
    # Joined: initial, medial, medial, final forms (U+FE70–FEFF), drawn from the right: the final dal first.
    assert shown.endswith("'s trial")
    assert [unicodedata.name(c).split()[-2] for c in shown[:4]] == ["FINAL", "MEDIAL", "MEDIAL", "INITIAL"]
    assert unicodedata.normalize("NFKC", shown[:4])[::-1] == "محمد"
    assert visual("Nguyễn Thị Ánh") == "Nguyễn Thị Ánh"


def test_ellipsis_shortens_only_what_does_not_fit() -> None:
    register_fonts()
    assert ellipsize("Ana", FONT, 8, 100) == "Ana"
    short = ellipsize(LONG, FONT, 8, 120)
    assert short.endswith("…") and LONG.startswith(short[:-1])
    assert draw_width(short, FONT, 8) <= 120


def test_header_line_fits_beside_the_section_label_with_identifiers_whole() -> None:
    register_fonts()
    line = "{name} · MRN DEMO-0001 · born 2016-04-12 · ITB trial T2345678 · clinical summary"
    fitted = fit_name(line, LONG, FONT, 7.5, 400)
    assert draw_width(fitted, FONT, 7.5) <= 400
    assert fitted.endswith(line.replace("{name}", ""))
    assert "…" in fitted


def test_long_name_is_shortened_in_the_clinical_header_and_whole_in_the_body() -> None:
    pages = _pages(_clinical(LONG))
    assert LONG in pages[0]  # the patient table wraps it, whole
    for number, page in enumerate(pages, 1):
        assert "Maximiliana Esperanza" in page and "..." in page  # NFKC writes "…" as "..."
        for identifier in IDENTIFIERS:
            assert identifier in page
        assert f"page {number} of {len(pages)}" in page


@pytest.mark.parametrize("lang", ["en", "es"])
def test_long_name_is_shortened_in_the_family_footer_and_whole_in_the_body(lang: str) -> None:
    pages = _pages(_family(LONG, lang))
    assert LONG in " ".join(pages)  # the body wraps it, whole
    word = "Page" if lang == "en" else "Página"
    for number, page in enumerate(pages, 1):
        assert "..." in page  # NFKC writes "…" as "..."
        assert f"{number} of {len(pages)}" in page or f"{number} de {len(pages)}" in page, (word, page[-80:])
