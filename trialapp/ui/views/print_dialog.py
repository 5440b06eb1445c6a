"""Print summary: family copy (English or Spanish) or clinical copy, paper size, preview in the app, then
print or save as PDF.

The PDF comes from ``services.reports.render_report``, which records every rendering as a print in the audit
trail; so the dialog renders only when asked (Preview, Print, Save) and reuses the pages while the choices
stay the same. Pages are drawn to images with pypdfium2, imported when the dialog first renders (start-up
stays light). The PDF and its page images are made off the GUI thread (``user_action_in_background``: the
window paints meanwhile, the status says "Making the summary…" and the buttons wait); one at a time, since
the dialog is modal and ignores a second press, so pdfium (not thread-safe) is never used by two threads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from trialapp.services.context import Actor, App
from trialapp.services.trials import load_document
from trialapp.ui.actions import BackgroundAction, user_action, user_action_in_background
from trialapp.ui.fit_screen import fit_window, scroll_body
from trialapp.ui.views.common import button, error_label, label, show_error

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter  # loaded when printing, not with the dialog

    from trialapp.domain.records import TrialDocument

PREVIEW_DPI = 80
MAX_PRINT_DPI = 300
PAPERS = (("A4", "A4"), ("US Letter", "letter"))
LANGUAGES = (("English", "en"), ("Spanish (español)", "es"))
BUSY_TEXT = "Making the summary…"


def pdf_page_images(pdf: bytes, dpi: float) -> list[QImage]:
    """Each page of ``pdf`` as an image at ``dpi``."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        images = []
        for i in range(len(document)):
            page = document[i]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True)
            image = QImage(
                bytes(bitmap.buffer),
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGBX8888,
            ).copy()
            images.append(image)
            bitmap.close()
            page.close()
        return images
    finally:
        document.close()


class PrintSummaryDialog(QDialog):
    """Choose, preview, print or save a trial's summary. The workspace opens it with the trial's id."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        trial_id: str,
        parent: QWidget | None = None,
        *,
        doc: TrialDocument | None = None,
    ) -> None:
        """``doc``: this trial's document when the caller has it open (the workspace), so that the family's
        language is not read again from the database on the GUI thread (a whole trial: 25–60 ms)."""
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self.trial_id = trial_id
        self.pdf: bytes | None = None
        self._rendered_for: tuple[str, str | None, str] | None = None
        self.pages: list[QImage] = []
        self._busy: BackgroundAction | None = None  # the summary being made off the GUI thread
        self.setWindowTitle(f"Print summary — trial {trial_id}")

        # The family's language is only a preselection: a record that cannot be read leaves it to the user.
        if doc is not None:
            preferred = doc.patient.language
        else:
            known = user_action(
                lambda: load_document(app, actor, trial_id).patient.language, error=lambda _text: None
            )
            preferred = known.value if known is not None else None
        self.family = QRadioButton("&Family summary (plain words)")
        self.family.setAccessibleName("Family summary")
        self.clinical = QRadioButton("&Clinical summary (for the chart)")
        self.clinical.setAccessibleName("Clinical summary")
        group = QButtonGroup(self)
        group.addButton(self.family)
        group.addButton(self.clinical)
        self.family.setChecked(True)
        self.language = QComboBox()
        self.language.setAccessibleName("Language of the family summary")
        for text, code in LANGUAGES:
            self.language.addItem(text + (" (the family's)" if code == (preferred or "en") else ""), code)
        self.language.setCurrentIndex(max(0, self.language.findData(preferred or "en")))
        self.paper = QComboBox()
        self.paper.setAccessibleName("Paper size")
        for text, code in PAPERS:
            self.paper.addItem(text, code)
        self.preview_button = button("Pre&view", "Preview", primary=True)
        self.print_button = button("&Print…", "Print")
        self.save_button = button("&Save as PDF…", "Save as PDF")
        self.close_button = button("Close")
        for b in (self.print_button, self.save_button, self.close_button):
            b.setAutoDefault(False)
        self.error = error_label()
        self.status = label("", "muted", wrap=True)

        options = QWidget()
        options.setFixedWidth(340)
        ov = QVBoxLayout(options)
        ov.setContentsMargins(0, 0, 0, 0)
        ov.addWidget(label("Which summary", "subtitle"))
        ov.addWidget(self.family)
        ov.addWidget(self.clinical)
        ov.addWidget(label("&Language of the family summary", buddy=self.language))
        ov.addWidget(self.language)
        ov.addWidget(label("P&aper", buddy=self.paper))
        ov.addWidget(self.paper)
        ov.addWidget(self.preview_button)
        ov.addWidget(self.error)
        ov.addWidget(self.status)
        ov.addStretch(1)
        ov.addWidget(
            label("Each printed or saved copy is recorded in the trial's history.", "muted", wrap=True)
        )
        ov.addWidget(self.print_button)
        ov.addWidget(self.save_button)
        ov.addWidget(self.close_button)

        self.preview_area = QScrollArea()
        self.preview_area.setWidgetResizable(True)
        self.preview_area.setAccessibleName("Preview of the pages")
        self.preview_holder = QWidget()
        self.preview_layout = QVBoxLayout(self.preview_holder)
        self.preview_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.preview_layout.addWidget(
            label("Choose the summary, then Preview to see its pages here.", "muted")
        )
        self.preview_area.setWidget(self.preview_holder)

        scroll_body(options, pinned=3)  # Print, Save and Close stay in view on a small screen
        layout = QHBoxLayout(self)
        layout.addWidget(options)
        layout.addWidget(self.preview_area, 1)

        self.family.toggled.connect(self._choices_changed)
        self.language.currentIndexChanged.connect(self._choices_changed)
        self.paper.currentIndexChanged.connect(self._choices_changed)
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button.clicked.connect(self.save_with_dialog)
        self.close_button.clicked.connect(self.reject)
        fit_window(self, 1100, 700)
        self._choices_changed()
        self.family.setFocus()

    # ------------------------------------------------------------------------------------------ choices

    def choices(self) -> tuple[str, str | None, str]:
        kind = "family" if self.family.isChecked() else "clinical"
        lang = self.language.currentData() if kind == "family" else None
        return kind, lang, self.paper.currentData()

    def _choices_changed(self) -> None:
        self.language.setEnabled(self.family.isChecked())
        if self._rendered_for is not None and self._rendered_for != self.choices():
            self.status.setText("The choices changed: Preview again to see the new pages.")

    @property
    def busy(self) -> bool:
        """Whether the summary is being made (off the GUI thread) right now."""
        return self._busy is not None

    def _with_pdf(self, then: Callable[[bytes, list[QImage]], object], dpi: float | None = None) -> None:
        """Make the PDF for the current choices (only when they changed: each rendering is recorded as a
        print) and, with ``dpi``, its pages as images, off the GUI thread; then ``then(pdf, images)`` here.

        Meanwhile the window paints, the status says so and the buttons and choices are disabled; a second
        press does nothing. A refusal is said under the choices, as before.
        """
        if self._busy is not None:
            return
        wanted = self.choices()
        known = self.pdf if self._rendered_for == wanted else None
        app, actor, trial_id = self._app, self._actor, self.trial_id

        def make() -> tuple[bytes, list[QImage]]:
            pdf = known
            if pdf is None:  # reportlab loads here, off the GUI thread
                from trialapp.services.reports import render_report

                kind, lang, paper = wanted
                pdf = render_report(app, actor, trial_id, kind, lang, paper)
            return pdf, pdf_page_images(pdf, dpi) if dpi is not None else []

        def made(result: tuple[bytes, list[QImage]]) -> None:
            self._busy = None  # over: what follows may start the next step (print after choosing a printer)
            pdf, images = result
            show_error(self.error, None)
            if pdf is not known:
                self.pdf = pdf
                self._rendered_for = wanted
                self.pages = []
            then(pdf, images)

        action = user_action_in_background(
            make,
            parent=self,
            busy_text=BUSY_TEXT,
            busy_label=self.status,
            disable=(
                self.preview_button,
                self.print_button,
                self.save_button,
                self.close_button,
                self.family,
                self.clinical,
                self.language,
                self.paper,
            ),
            error=self.error,
            on_done=made,
        )
        self._busy = action
        action.finished.connect(lambda: self._over(action))

    def _over(self, action: BackgroundAction) -> None:
        if self._busy is action:
            self._busy = None

    def reject(self) -> None:
        """Close, Esc or the window's close: not while the summary is being made (its result is shown
        here)."""
        if self._busy is None:
            super().reject()

    # ------------------------------------------------------------------------------------------ preview

    def preview(self) -> None:
        """Show the pages of the current choices (made off the GUI thread)."""
        self._with_pdf(lambda _pdf, images: self._show_pages(images), PREVIEW_DPI)

    def _show_pages(self, images: list[QImage]) -> None:
        self.pages = images
        # A fresh holder each time: the scroll area sizes it from its pages (setWidget deletes the old one).
        self.preview_holder = QWidget()
        self.preview_layout = QVBoxLayout(self.preview_holder)
        self.preview_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        for i, image in enumerate(self.pages, 1):
            page = QLabel()
            page.setPixmap(QPixmap.fromImage(image))
            page.setFixedSize(image.size())
            page.setAccessibleName(f"Page {i} of {len(self.pages)}")
            page.setStyleSheet("border: 1px solid #8a8f95; background: white;")
            self.preview_layout.addWidget(page)
            self.preview_layout.addWidget(
                label(f"Page {i} of {len(self.pages)}", "muted"), alignment=Qt.AlignmentFlag.AlignHCenter
            )
        self.preview_area.setWidget(self.preview_holder)
        kind, lang, paper = self._rendered_for or self.choices()
        what = (
            "Family summary" + (f" ({dict((c, t) for t, c in LANGUAGES)[lang]})" if lang else "")
            if kind == "family"
            else "Clinical summary"
        )
        self.status.setText(f"{what}, {paper}: {len(self.pages)} page{'s' if len(self.pages) != 1 else ''}.")

    # --------------------------------------------------------------------------------- print and save

    def print_with_dialog(self) -> None:
        """Make the PDF, ask for the printer, then print (the pages drawn for it off the GUI thread)."""
        self._with_pdf(lambda _pdf, _images: self._ask_printer())

    def _ask_printer(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        size = QPageSize.PageSizeId.A4 if self.choices()[2] == "A4" else QPageSize.PageSizeId.Letter
        printer.setPageLayout(
            QPageLayout(QPageSize(size), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
        )
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Draw every page of the current PDF onto ``printer`` (a QPrinter), each fitted to the page; the
        PDF and its page images are made off the GUI thread first. "Sent to the printer." once done."""
        dpi = min(MAX_PRINT_DPI, max(72, printer.resolution()))
        self._with_pdf(lambda _pdf, images: self._draw_pages(printer, images), dpi)

    def _draw_pages(self, printer: QPrinter, images: list[QImage]) -> None:
        painter = QPainter()
        if not painter.begin(printer):
            show_error(self.error, "The printer could not be started. Check that it is on and connected.")
            return
        try:
            for i, image in enumerate(images):
                if i:
                    printer.newPage()
                area = QRectF(painter.viewport())
                scale = min(area.width() / image.width(), area.height() / image.height())
                target = QRectF(area.x(), area.y(), image.width() * scale, image.height() * scale)
                painter.drawImage(target, image)
        finally:
            painter.end()
        self.status.setText("Sent to the printer.")

    def save_with_dialog(self) -> None:
        kind, lang, paper = self.choices()
        # The file name carries the trial id, not the child's name (file names end up in lists and logs).
        suggested = f"{self.trial_id}-{kind}{'-' + lang if lang else ''}-{paper}.pdf"
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the summary as PDF", str(Path.home() / suggested), "PDF files (*.pdf)"
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        """Save the PDF of the current choices to ``path`` (made off the GUI thread first)."""
        self._with_pdf(lambda pdf, _images: self._write(pdf, path))

    def _write(self, pdf: bytes, path: Path) -> None:
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            show_error(
                self.error, f"The PDF could not be saved to {path}: {exc.strerror}. Choose another folder."
            )
            return
        self.status.setText(f"Saved to {path}.")
