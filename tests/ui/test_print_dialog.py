"""Print summary dialog: the family's language preselected, preview pages drawn in the app, one audited
print per rendering, save as PDF and print through a QPrinter; the summary made off the GUI thread with a
busy line, the buttons waiting meanwhile."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from tests.ui.shell_helpers import dosed_trial, make_team
from trialapp.storage import models as m
from trialapp.ui.views.print_dialog import BUSY_TEXT, PrintSummaryDialog

NOW = datetime(2026, 3, 10, 14, 0)


def _prints(app) -> list[str]:
    with app.db.read() as s:
        return [
            r.new_value or ""
            for r in s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "print")).scalars()
        ]


def test_preview_save_and_print(app, qtbot, tmp_path):
    team = make_team(app)
    trial_id = dosed_trial(app, "PRN-1", dose_at=NOW - timedelta(days=2))  # the family speaks Spanish
    dialog = PrintSummaryDialog(app, team.nurse, trial_id)
    qtbot.addWidget(dialog)
    assert dialog.language.currentData() == "es"
    assert dialog.choices() == ("family", "es", "A4")

    dialog.preview_button.click()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert len(dialog.pages) >= 1
    width, height = dialog.pages[0].width(), dialog.pages[0].height()
    assert 1.3 < height / width < 1.5  # an A4 page, upright
    assert "page" in dialog.status.text()
    assert len(_prints(app)) == 1 and '"language": "es"' in _prints(app)[0]

    # Saving the same choices reuses the rendering: no second print is recorded.
    out = tmp_path / "summary"
    dialog.save_pdf(out)
    qtbot.waitUntil(lambda: not dialog.busy)
    saved = out.with_suffix(".pdf")
    assert saved.read_bytes() == dialog.pdf
    assert len(PdfReader(saved).pages) == len(dialog.pages)
    assert len(_prints(app)) == 1

    # Other choices render again (and are recorded again).
    dialog.clinical.setChecked(True)
    dialog.paper.setCurrentIndex(dialog.paper.findData("letter"))
    assert not dialog.language.isEnabled()
    assert "Preview again" in dialog.status.text()
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    dialog.print_to(printer)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.status.text() == "Sent to the printer."
    assert len(_prints(app)) == 2 and '"kind": "clinical"' in _prints(app)[1]
    assert len(PdfReader(printed).pages) == len(PdfReader(io.BytesIO(dialog.pdf)).pages)


def test_refusal_is_shown_and_nothing_is_recorded(app, qtbot):
    team = make_team(app)
    dialog = PrintSummaryDialog(app, team.nurse, "TNOTHERE")
    qtbot.addWidget(dialog)
    dialog.preview()
    assert dialog.busy  # the refusal comes back from the worker
    qtbot.waitUntil(lambda: not dialog.busy)
    assert "There is no trial" in dialog.error.text()
    assert dialog.pages == []
    assert _prints(app) == []
    assert dialog.preview_button.isEnabled() and dialog.save_button.isEnabled() and dialog.status.text() == ""


def _buttons(dialog) -> list:
    return [dialog.preview_button, dialog.print_button, dialog.save_button, dialog.close_button]


def test_the_summary_is_made_off_the_gui_thread_with_a_busy_line(app, qtbot, tmp_path):
    team = make_team(app)
    trial_id = dosed_trial(app, "PRN-2", dose_at=NOW - timedelta(days=2))
    dialog = PrintSummaryDialog(app, team.nurse, trial_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.clinical.setChecked(True)
    out = tmp_path / "clinical.pdf"
    dialog.save_pdf(out)

    # Until the worker's result is handled on the GUI thread: busy, said so, nothing to press, no closing.
    assert dialog.busy
    assert dialog.status.text() == BUSY_TEXT
    assert not any(b.isEnabled() for b in _buttons(dialog))
    assert not dialog.family.isEnabled() and not dialog.paper.isEnabled()
    dialog.reject()  # Esc or Close
    assert dialog.isVisible()
    other = tmp_path / "second-press.pdf"
    dialog.save_pdf(other)  # a second press does nothing
    dialog.preview()

    qtbot.waitUntil(lambda: not dialog.busy)
    assert out.read_bytes() == dialog.pdf and dialog.pdf.startswith(b"%PDF")
    assert dialog.status.text() == f"Saved to {out}."
    assert all(b.isEnabled() for b in _buttons(dialog)) and dialog.paper.isEnabled()
    assert not dialog.language.isEnabled()  # still the clinical copy's: it has no language
    assert not other.exists() and dialog.pages == []
    assert len(_prints(app)) == 1
    dialog.reject()
    assert not dialog.isVisible()


def test_a_file_that_cannot_be_written_ends_the_busy_state(app, qtbot, tmp_path):
    team = make_team(app)
    trial_id = dosed_trial(app, "PRN-3", dose_at=NOW - timedelta(days=2))
    dialog = PrintSummaryDialog(app, team.nurse, trial_id)
    qtbot.addWidget(dialog)
    target = tmp_path / "no-such-folder" / "summary.pdf"
    dialog.save_pdf(target)
    assert dialog.busy
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.error.text() == (
        f"The PDF could not be saved to {target}: No such file or directory. Choose another folder."
    )
    assert all(b.isEnabled() for b in _buttons(dialog))
    assert dialog.status.text() == ""
    # The PDF made is kept for these choices: saving elsewhere records no second print.
    dialog.save_pdf(tmp_path / "summary.pdf")
    qtbot.waitUntil(lambda: not dialog.busy)
    assert (tmp_path / "summary.pdf").read_bytes() == dialog.pdf
    assert len(_prints(app)) == 1


def test_opened_on_the_open_trial_it_reads_the_language_from_the_workspace(app, qtbot, monkeypatch):
    """Issue 22 (GUI stalls): the open trial's document gives the family's language; the trial is not read
    again on the GUI thread as the dialog opens."""
    from trialapp.ui.main_window import MainWindow
    from trialapp.ui.views import print_dialog

    team = make_team(app)
    trial_id = dosed_trial(app, "PRN-5", dose_at=NOW - timedelta(days=2))  # the family speaks Spanish
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.sign_in(team.nurse)
    window.open_trial(trial_id)
    reads: list[str] = []
    real = print_dialog.load_document
    monkeypatch.setattr(print_dialog, "load_document", lambda *a: (reads.append(a[2]), real(*a))[1])
    opened: list[PrintSummaryDialog] = []
    monkeypatch.setattr(PrintSummaryDialog, "exec", lambda self: opened.append(self) or 0)
    try:
        window.print_summary()  # File > Print summary… on the open trial
        window.workspace.header.print_clicked.emit()  # the workspace's own Print button
        assert [d.language.currentData() for d in opened] == ["es", "es"]
        assert reads == []
        window.close_workspace(force=True)
        window.go_home()
        window.print_summary(trial_id)  # from home, the trial not open: read as before
        assert opened[-1].language.currentData() == "es" and reads == [trial_id]
    finally:
        for dialog in opened:
            dialog.deleteLater()
        window.sign_out()
