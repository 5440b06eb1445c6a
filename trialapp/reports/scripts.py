"""Any name in any script on a printed summary: the font for each run of text, and right-to-left order.

DejaVu Sans (the body font) covers Latin, Vietnamese, Greek and Cyrillic. A name in another script gets a
bundled fallback font, chosen per run of text: Droid Sans Fallback for Chinese and Japanese, NanumGothic for
Korean, Noto Sans Arabic for Arabic script and Noto Sans Hebrew for Hebrew (``resources/fonts``, with their licences).
Right-to-left text is put in visual order with ``python-bidi`` (the Unicode bidi algorithm) and Arabic letters
are joined with ``arabic-reshaper`` (contextual presentation forms, which Noto Sans Arabic carries); both
work for paragraphs and for the page header and footer alike, which reportlab draws with plain strings.

Spaces, digits and punctuation stay in the run they sit in, so a name is one run and one font.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any, Final, cast

import arabic_reshaper  # type: ignore[import-untyped]  # ships no type hints
from bidi import get_display  # type: ignore[import-untyped]  # python-bidi ships no type hints
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: Fallback fonts by script; each is read on first use (they are large, and most summaries need none).
CJK_FONT: Final = "TrialCJK"
ARABIC_FONT: Final = "TrialArabic"
HEBREW_FONT: Final = "TrialHebrew"
KOREAN_FONT: Final = "TrialKorean"
FALLBACK_FILES: Final = {
    CJK_FONT: ("DroidSansFallbackFull.ttf", "DroidSansFallbackFull.ttf"),  # no bold face: regular for both
    ARABIC_FONT: ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    HEBREW_FONT: ("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    KOREAN_FONT: ("NanumGothic.ttf", "NanumGothic.ttf"),  # Droid Sans Fallback has no Hangul syllables
}
_ORDER: Final = (
    ARABIC_FONT,
    HEBREW_FONT,
    CJK_FONT,
    KOREAN_FONT,
)  # who to ask for a character the body font lacks
_NEUTRAL: Final = frozenset({"WS", "ON", "CS", "ES", "ET", "EN", "BN", "NSM", "S", "B"})
_TAG: Final = re.compile(r"(<[^>]*>)")


def bold_name(font: str) -> str:
    return f"{font}-Bold"


# The GUI makes its PDFs on a worker thread: fonts are registered once per process whichever thread asks
# first, the others waiting (a font registered twice would replace the one a PDF being drawn holds).
_REGISTERING = threading.Lock()
_registered: set[str] = set()


def register_once(family: str, register: Callable[[], None]) -> None:
    """Run ``register`` (which registers the fonts of ``family`` with reportlab) once per process, under a
    lock, whichever thread asks first."""
    if family in _registered:
        return
    with _REGISTERING:
        if family not in _registered:
            register()
            _registered.add(family)


def load(font: str) -> str:
    """Register a fallback font (regular and bold) on first use; return its name. The body fonts are
    registered by :func:`trialapp.reports.layout.register_fonts`."""
    if font in FALLBACK_FILES:
        register_once(font, lambda: _register_fallback(font))
    return font


def _register_fallback(font: str) -> None:
    folder = resources.files("trialapp.resources").joinpath("fonts")
    bold = bold_name(font)
    for name, file_name in zip((font, bold), FALLBACK_FILES[font], strict=True):
        # Bytes, not a path: works from a wheel, a zip or a frozen app alike.
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(folder.joinpath(file_name).read_bytes())))
    # No italic faces: an italic run in another script prints upright rather than in the wrong font.
    pdfmetrics.registerFontFamily(font, normal=font, bold=bold, italic=font, boldItalic=bold)


@cache
def _covers(font: str, char: str) -> bool:
    face: Any = cast(Any, pdfmetrics.getFont(load(font))).face  # a TTFont; the stubs type a base Font
    return ord(char) in face.charToGlyph


def _font_for(char: str, body: str) -> str | None:
    """The font a character needs, or None when the body font has it (or no font has it)."""
    direction = unicodedata.bidirectional(char)
    if direction == "AL":
        return load(ARABIC_FONT)
    if direction == "R":
        return load(HEBREW_FONT)
    if _covers(body, char):
        return None
    return next((f for f in _ORDER if _covers(f, char)), None)


def needs_fallback(text: str, body: str) -> bool:
    """True when ``text`` holds a character the body font should not draw (another script)."""
    return any(_font_for(c, body) for c in text if not c.isascii())


def runs(text: str, body: str) -> Iterator[tuple[str | None, str]]:
    """Split ``text`` into (fallback font or None for the body font, text) runs."""
    current: str | None = None
    start = 0
    for i, char in enumerate(text):
        if char.isascii() and current is None:
            continue
        wanted = _font_for(char, body)
        if wanted != current and not (
            unicodedata.bidirectional(char) in _NEUTRAL and current is not None and _covers(current, char)
        ):
            if i > start:
                yield current, text[start:i]
            current, start = wanted, i
    if start < len(text):
        yield current, text[start:]


def visual(text: str) -> str:
    """``text`` in the order it is drawn: Arabic letters joined, right-to-left runs reversed (the line stays
    left-to-right, as the summaries are). Text without right-to-left letters is returned unchanged."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return text
    shaped = (
        arabic_reshaper.reshape(text) if any(unicodedata.bidirectional(c) == "AL" for c in text) else text
    )
    return str(get_display(shaped, base_dir="L"))


def markup(text: str, body: str) -> str:
    """Paragraph markup with each run of another script wrapped in its font and put in visual order.

    Tags are kept as they are; only the text between them is changed. Bold and italic come from the
    paragraph style or ``<b>``, through each fallback font's registered family.
    """
    if text.isascii():
        return text
    out: list[str] = []
    for piece in _TAG.split(text):
        if not piece or piece.startswith("<") or piece.isascii():
            out.append(piece)
            continue
        for font, part in runs(visual(piece), body):
            out.append(part if font is None else f'<font face="{font}">{part}</font>')
    return "".join(out)


def draw_width(text: str, body: str, size: float) -> float:
    """The width of ``text`` drawn with :func:`draw_runs`."""
    return sum(
        float(pdfmetrics.stringWidth(part, _face(font, body), size)) for font, part in runs(visual(text), body)
    )


def _face(font: str | None, body: str) -> str:
    if font is None:
        return body
    return bold_name(font) if body.endswith("-Bold") else font


def draw_runs(
    canvas: Any, x: float, y: float, text: str, body: str, size: float, *, right: bool = False
) -> None:
    """Draw one line on the canvas, each run in its own font; ``right`` aligns its end at ``x``."""
    if right:
        x -= draw_width(text, body, size)
    for font, part in runs(visual(text), body):
        face = _face(font, body)
        canvas.setFont(face, size)
        canvas.drawString(x, y, part)
        x += pdfmetrics.stringWidth(part, face, size)


def ellipsize(text: str, body: str, size: float, width: float) -> str:
    """``text`` cut at the end with "…" so that it is at most ``width`` wide (whole when it fits)."""
    if draw_width(text, body, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        mid = (low + high + 1) // 2
        if draw_width(text[:mid].rstrip() + "…", body, size) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"
