"""Print summary dialog: the family's language preselected, preview pages drawn in the app, one audited
print per rendering, save as PDF and print through a QPrinter."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from tests.ui.shell_helpers import dosed_trial, make_team
from trialapp.storage import models as m
from trialapp.ui.views.print_dialog import PrintSummaryDialog

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
    assert len(dialog.pages) >= 1
    width, height = dialog.pages[0].width(), dialog.pages[0].height()
    assert 1.3 < height / width < 1.5  # an A4 page, upright
    assert "page" in dialog.status.text()
    assert len(_prints(app)) == 1 and '"language": "es"' in _prints(app)[0]

    # Saving the same choices reuses the rendering: no second print is recorded.
    out = tmp_path / "summary"
    assert dialog.save_pdf(out)
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
    assert dialog.print_to(printer)
    assert len(_prints(app)) == 2 and '"kind": "clinical"' in _prints(app)[1]
    assert len(PdfReader(printed).pages) == len(PdfReader(io.BytesIO(dialog.pdf)).pages)


def test_refusal_is_shown_and_nothing_is_recorded(app, qtbot):
    team = make_team(app)
    dialog = PrintSummaryDialog(app, team.nurse, "TNOTHERE")
    qtbot.addWidget(dialog)
    dialog.preview()
    assert "There is no trial" in dialog.error.text()
    assert dialog.pages == []
    assert _prints(app) == []
