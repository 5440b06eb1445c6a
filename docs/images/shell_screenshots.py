"""Screenshots of the application shell for docs/user-guide.md (synthetic data only).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python docs/images/shell_screenshots.py [light|dark] [OUT_DIR]
Without OUT_DIR the small PNGs used by the guide are written next to this file. A throw-away database is
made in a temporary folder; nothing touches the user's own data.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
WIDTH, HEIGHT = 1366, 768
DOC_WIDTH = 1000  # the guide's images are scaled to this width to stay small


def _small(image: object) -> object:
    """256 colours are plenty for a screen of text and flat colours, at about a third of the size."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    return image.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)


def main() -> int:
    theme_name = sys.argv[1] if len(sys.argv) > 1 else "light"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="trialapp-shots-"))
    os.environ["TRIALAPP_HOME"] = str(home)

    from PySide6.QtCore import QDate, Qt
    from PySide6.QtWidgets import QWidget

    from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
    from trialapp.domain.records import (
        Assessment,
        Catheter,
        Day,
        Dose,
        MasEntry,
        Patient,
        Trial,
        TrialDocument,
    )
    from trialapp.services import trials, users
    from trialapp.services.context import open_app, os_actor
    from trialapp.services.demo import load_demo
    from trialapp.ui import theme
    from trialapp.ui.app import _qt_app

    qt = _qt_app()
    theme.apply_theme(theme_name)
    app = open_app(home / "shots.sqlite")

    def save(widget: QWidget, name: str) -> None:
        qt.processEvents()
        image = widget.grab().toImage()
        if image.width() > DOC_WIDTH:
            image = image.scaledToWidth(DOC_WIDTH, Qt.TransformationMode.SmoothTransformation)
        _small(image).save(str(out / f"{name}-{theme_name}.png"), "PNG", 0)

    from trialapp.ui.main_window import MainWindow

    window = MainWindow(app)
    window.resize(WIDTH, HEIGHT)
    window.show()
    save(window, "first-admin")

    demo = load_demo(app, os_actor())
    # Two synthetic active trials dosed today, so that the due-now panel has work on it.
    now = datetime.now().replace(second=0, microsecond=0)
    for mrn, given, family, hours_ago, done in (
        ("SYN-2001", "Ivy", "Example", 5, (1, 2)),
        ("SYN-2002", "Leo", "Sample", 0.75, ()),
    ):
        dose_at = now - timedelta(hours=hours_ago)
        mas = tuple(MasEntry(m, s, "2") for m in LOWER_MUSCLES for s in SIDES)
        day = Day(
            1,
            dose_at.date(),
            assessments=(
                Assessment("baseline", dose_at - timedelta(hours=1), mas=mas),
                *tuple(Assessment("reassessment", dose_at + timedelta(hours=h), mas=mas) for h in done),
            ),
            doses=(Dose(dose_at, 50, 50, 1.0, "catheter", "SYN-LOT", "Dr Demo", "Nurse Demo"),),
        )
        trial = Trial(
            dose_at.date(), Catheter(dose_at - timedelta(hours=3), "catheter", "L3-L4"), days=(day,)
        )
        patient = Patient(mrn, dose_at.date().replace(year=dose_at.year - 9), given, family, language="en")
        trials.import_document(app, os_actor(), TrialDocument(patient, trial))

    window.login.reset()
    window.login.username.setText("demo.pt")
    save(window, "sign-in")
    pt = users.authenticate(app, "demo.pt", "demo-pt-2026")
    window.sign_in(pt)
    save(window, "home")

    window.lock()
    qt.processEvents()
    dialog = window.screen_lock.dialog
    assert dialog is not None
    # The unlock dialog is its own window: draw it onto the blurred main window's picture for the guide.
    shot = window.grab()
    from PySide6.QtGui import QPainter

    painter = QPainter(shot)
    pos = window.mapFromGlobal(dialog.pos()) if dialog.pos().x() else None
    dlg = dialog.grab()
    x = (shot.width() - dlg.width()) // 2 if pos is None else pos.x()
    y = (shot.height() - dlg.height()) // 2 if pos is None else pos.y()
    painter.drawPixmap(x, y, dlg)
    painter.end()
    image = shot.toImage().scaledToWidth(DOC_WIDTH, Qt.TransformationMode.SmoothTransformation)
    _small(image).save(str(out / f"lock-{theme_name}.png"), "PNG", 0)
    dialog.password.setText("demo-pt-2026")
    dialog.try_unlock()

    from trialapp.ui.views.new_trial import NewTrialWizard

    wizard = NewTrialWizard(app, pt)
    wizard.resize(1100, 700)
    wizard.show()
    wizard.weight.setText("heavy")
    wizard.next()
    save(wizard, "wizard-patient")
    wizard.mrn.setText("SYN-3001")
    wizard.given.setText("Mia")
    wizard.family.setText("Example")
    wizard.weight.setText("15")
    wizard.birth.setDate(QDate.currentDate().addYears(-3))
    wizard.next()
    wizard.level.setText("L3-L4")
    save(wizard, "wizard-catheter")
    wizard.next()
    save(wizard, "wizard-protocol")
    wizard.next()
    wizard.goal_texts[0].setText("Sit in the wheelchair for 2 hours")
    wizard.goal_gas[0].setCurrentIndex(wizard.goal_gas[0].findData(-1))
    wizard.goal_texts[1].setText("Easier dressing")
    wizard.goal_gas[1].setCurrentIndex(wizard.goal_gas[1].findData(-2))
    save(wizard, "wizard-goals")
    wizard.next()
    save(wizard, "wizard-review")
    wizard.start()
    new_trial_id = wizard.trial_id
    assert new_trial_id is not None

    admin = users.authenticate(app, "demo.admin", "demo-admin-2026")
    from trialapp.ui.views.settings import SettingsDialog

    settings = SettingsDialog(app, admin)
    settings.resize(1100, 700)
    settings.show()
    for i, name in enumerate(
        (
            "settings-users",
            "settings-lock-backups",
            "settings-protocol",
            "settings-vital-limits",
            "settings-clinic",
        )
    ):
        settings.tabs.setCurrentIndex(i)
        save(settings, name)
    settings.close()

    from trialapp.ui.views.history import HistoryDialog

    trial_id = demo.trials[0][1]
    from trialapp.services.reports import render_report

    render_report(app, pt, new_trial_id, "family")
    history = HistoryDialog(app, pt, trial_id=new_trial_id)
    history.show()
    save(history, "history")
    history.close()

    from trialapp.ui.views.print_dialog import PrintSummaryDialog

    printing = PrintSummaryDialog(app, pt, trial_id)
    printing.show()
    printing.preview()
    save(printing, "print")
    printing.close()

    from trialapp.ui.views.about import AboutDialog

    about = AboutDialog(app)
    about.show()
    save(about, "about")
    window.sign_out()
    app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
