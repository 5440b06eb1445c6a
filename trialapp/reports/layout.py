"""What both printed summaries share: the embedded fonts, paper sizes, paragraph styles, page frames and
the footer with "page N of M".

The body font is DejaVu Sans (shipped in ``resources/fonts`` with its licence): it covers every Latin
letter a family name or a Spanish sentence needs, and reportlab embeds it (subset) in every PDF, so a
summary prints the same on any computer. Names in other scripts get a bundled fallback font per run of
text (:mod:`trialapp.reports.scripts`). The standard PDF fonts are never used: they are not embedded.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, TableStyle
from reportlab.platypus import Paragraph as _RLParagraph

from trialapp.reports.scripts import draw_runs, draw_width, ellipsize, markup, register_once

FONT: Final = "TrialSans"
FONT_BOLD: Final = "TrialSans-Bold"
FONT_ITALIC: Final = "TrialSans-Oblique"
_FONT_FILES: Final = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}

#: Paper sizes by the names the CLI and the services accept (case-insensitive), in points.
PAPER_SIZES: Final[dict[str, tuple[float, float]]] = {"A4": A4, "letter": LETTER}

INK: Final = colors.black
GREY_TEXT: Final = colors.Color(0.25, 0.25, 0.25)  # still dark enough to photocopy
RULE: Final = colors.Color(0.55, 0.55, 0.55)
SHADE: Final = colors.Color(0.90, 0.90, 0.90)  # table header and box fill: prints as light grey


def register_fonts() -> str:
    """Register the embedded TrueType fonts once per process (thread-safe); return the regular font's name."""
    register_once(FONT, _register_body_fonts)
    return FONT


def _register_body_fonts() -> None:
    folder = resources.files("trialapp.resources").joinpath("fonts")
    for name, file_name in _FONT_FILES.items():
        # Reading the bytes (not a path) works from a wheel, a zip or a frozen app alike.
        data = folder.joinpath(file_name).read_bytes()
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)


class Paragraph(_RLParagraph):  # type: ignore[misc]  # reportlab has no type stubs
    """A paragraph whose runs of other scripts (a Chinese or Arabic name) get their own font and order."""

    def __init__(self, text: str, style: ParagraphStyle, *args: Any, **kwargs: Any) -> None:
        register_fonts()
        super().__init__(markup(text, style.fontName), style, *args, **kwargs)


def table_style(commands: Sequence[tuple[Any, ...]], size: float = 10) -> TableStyle:
    """A table style whose cells start in the embedded font (reportlab's default would be Helvetica, which is
    never embedded, even in a table whose cells hold only paragraphs)."""
    register_fonts()
    return TableStyle([("FONT", (0, 0), (-1, -1), FONT, size), *commands])


def paper_size(paper: str) -> tuple[float, float]:
    """The page size for ``A4`` or ``letter`` (any case); ValueError naming the choices otherwise."""
    for name, size in PAPER_SIZES.items():
        if paper.strip().lower() == name.lower():
            return size
    raise ValueError(f"Unknown paper size '{paper}'. Use A4 or letter.")


def paper_name(paper: str) -> str:
    """The canonical name of a paper size: ``A4`` or ``letter``."""
    size = paper_size(paper)
    return next(name for name, s in PAPER_SIZES.items() if s == size)


def style(
    name: str,
    size: float,
    *,
    leading: float | None = None,
    bold: bool = False,
    italic: bool = False,
    space_before: float = 0,
    space_after: float = 0,
    color: Any = INK,
    left_indent: float = 0,
    first_line_indent: float = 0,
    keep_with_next: bool = False,
) -> ParagraphStyle:
    """A paragraph style in the embedded font."""
    register_fonts()
    font = FONT_BOLD if bold else FONT_ITALIC if italic else FONT
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=leading if leading is not None else round(size * 1.3, 1),
        spaceBefore=space_before,
        spaceAfter=space_after,
        textColor=color,
        alignment=TA_LEFT,
        leftIndent=left_indent,
        firstLineIndent=first_line_indent,
        keepWithNext=keep_with_next,
    )


@dataclass(frozen=True)
class ClinicContact:
    """The site's contact details printed on summaries; ``None`` when the site has not set them."""

    clinic_name: str | None = None
    clinic_phone: str | None = None
    emergency_number: str | None = None


# --------------------------------------------------------------------------------------------- footer


@dataclass(frozen=True)
class PageDecor:
    """What is drawn on every page outside the text frame.

    ``header`` is one line at the top (empty for none). ``footer_left`` lines are drawn bottom-left;
    ``page_words`` formats the page number, e.g. ``"page {page} of {pages}"``. A ``{name}`` in the header or
    a footer line stands for ``name``, which alone is shortened with "…" so that the line never runs into
    the section label or the page number: identifiers around it are never cut.
    """

    header: str
    footer_left: tuple[str, ...]
    page_words: str
    font_size: float = 8
    rule: bool = True
    name: str = ""


NAME_SLOT: Final = "{name}"
_GAP: Final = 10  # points between a left-hand line and what is drawn at the right of it


def fit_name(line: str, name: str, font: str, size: float, width: float) -> str:
    """``line`` with its ``{name}`` replaced by ``name``, shortened with "…" to keep the line within ``width``."""
    if NAME_SLOT not in line:
        return line
    rest = draw_width(line.replace(NAME_SLOT, ""), font, size)
    return line.replace(NAME_SLOT, ellipsize(name, font, size, max(width - rest, size)))


def _numbered_canvas_class(decor: PageDecor, page_size: tuple[float, float], margin: float) -> type:
    """A canvas that holds every page until the end, so each footer can say "page N of M"."""

    class NumberedCanvas(pdfcanvas.Canvas):  # type: ignore[misc]  # reportlab has no type stubs
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Every page starts with the canvas's initial font; Helvetica there would be an unembedded font.
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            # Set before the first page, so every saved page state carries its own value.
            self._report_section = ""
            self._page_section = ""
            self._section_marked = False

        def showPage(self) -> None:  # reportlab's method name
            self._pages.append(dict(self.__dict__))
            self._startPage()
            # The next page's header names the section in force when it starts, unless a new one starts on it.
            self._page_section = getattr(self, "_report_section", "")
            self._section_marked = False

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = page_size
            self.saveState()
            self.setFillColor(INK)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            size = decor.font_size
            inner = width - 2 * margin
            if decor.header:
                section = getattr(self, "_page_section", "")
                room = inner - (draw_width(section, FONT_BOLD, size) + _GAP if section else 0)
                header = fit_name(decor.header, decor.name, FONT, size, room)
                draw_runs(self, margin, height - margin * 0.55, header, FONT, size)
                if section:
                    draw_runs(
                        self, width - margin, height - margin * 0.55, section, FONT_BOLD, size, right=True
                    )
                if decor.rule:
                    self.line(margin, height - margin * 0.55 - 4, width - margin, height - margin * 0.55 - 4)
            base = margin * 0.45
            if decor.rule:
                top = base + (len(decor.footer_left) - 1) * (size + 2) + size + 3
                self.line(margin, top, width - margin, top)
            page_text = decor.page_words.format(page=self._pageNumber, pages=total)
            page_room = inner - draw_width(page_text, FONT_BOLD, size) - _GAP
            for i, line in enumerate(reversed(decor.footer_left)):
                # Only the bottom line shares its height with the page number.
                fitted = fit_name(line, decor.name, FONT, size, page_room if i == 0 else inner)
                draw_runs(self, margin, base + i * (size + 2), fitted, FONT, size)
            draw_runs(self, width - margin, base, page_text, FONT_BOLD, size, right=True)
            self.restoreState()

    return NumberedCanvas


class SectionMark(Flowable):  # type: ignore[misc]  # reportlab has no type stubs
    """An invisible mark: the running header names this section (e.g. "Day 2") on the pages it covers, so a
    page that continues a section still says which one it belongs to."""

    def __init__(self, title: str, *, heads_page: bool = True) -> None:
        super().__init__()
        self.title = title
        # True when the mark opens its page (right after a page break); otherwise it names only the pages
        # that follow, since the page it lands on began with the previous section.
        self.heads_page = heads_page
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        # Kept in the canvas's own state, which NumberedCanvas saves with every page. A page is headed by
        # the first section that starts on it, else by the one carried over from the page before.
        canv: Any = self.canv
        canv._report_section = self.title
        if self.heads_page and not getattr(canv, "_section_marked", False):
            canv._page_section = self.title
            canv._section_marked = True


def build_pdf(
    story: Sequence[Flowable],
    *,
    paper: str,
    decor: PageDecor,
    title: str,
    author: str,
    subject: str,
    margin: float = 18 * mm,
    top_extra: float = 0,
    bottom_extra: float = 0,
    on_page: Callable[[Any, Any], None] | None = None,
) -> bytes:
    """Lay out ``story`` on A4 or US Letter pages with the page decoration; return the PDF bytes.

    ``top_extra`` and ``bottom_extra`` reserve room for the header line and a footer of several lines.
    """
    register_fonts()
    size = paper_size(paper)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin + top_extra,
        bottomMargin=margin + bottom_extra,
        title=title,
        author=author,
        subject=subject,
        creator="trialapp",
        initialFontName=FONT,
    )
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template = (
        PageTemplate(id="page", frames=[frame], onPage=on_page)
        if on_page
        else PageTemplate(id="page", frames=[frame])
    )
    doc.addPageTemplates([template])
    doc.build(list(story), canvasmaker=_numbered_canvas_class(decor, size, margin))
    return buffer.getvalue()


def frame_width(paper: str, margin: float = 18 * mm) -> float:
    """The width of the text frame on ``paper`` with ``margin`` on both sides."""
    return paper_size(paper)[0] - 2 * margin
