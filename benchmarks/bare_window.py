"""The start-up baseline: a bare PySide6 main window that exits once it has painted.

Run as a whole process, like ``trialapp gui --exit-after-ready``: same window size, quits from the event
loop after the first paint. With ``--report-rss`` it prints its peak resident memory (MB) on exit. With
``--import-orm`` it first imports ``sqlalchemy.orm`` (nothing else of the app): the floor of any start that
checks a password with the chosen stack (issue 22's "until signing in is possible").
"""

from __future__ import annotations

import sys

if "--import-orm" in sys.argv:  # first: PySide6 reads the source of every module imported after it
    import sqlalchemy.orm  # noqa: F401

from PySide6.QtCore import QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


class BareWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self._painted = False
        self.setWindowTitle("bare")
        self.setCentralWidget(QLabel("A bare PySide6 main window"))
        self.statusBar().showMessage("ready")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, QApplication.quit)


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = BareWindow()
    window.resize(1280, 720)
    window.show()
    code = int(app.exec())
    if "--report-rss" in sys.argv:
        from benchmarks.peak import peak_rss_mb

        print(f"peak_rss_mb={peak_rss_mb():.1f}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
