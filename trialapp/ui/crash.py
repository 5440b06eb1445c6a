"""The log file and the crash dialog.

The log holds events and errors, never patient data: records are written by the app's own code with fixed
wording, and an unexpected error is logged as its type and stack frames only — the exception's message is
left out because it may quote a value that was typed (a name, an MRN). The crash dialog shows the same
report, with versions and the log folder, ready to copy into an e-mail to IT.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from trialapp import __version__

LOG_FILE_NAME = "trialapp.log"
log = logging.getLogger("trialapp")


def setup_logging(log_dir: Path) -> Path:
    """Log to a rotating file in ``log_dir`` (3 × 1 MB). Returns the log file's path."""
    import logging.handlers

    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def crash_report(exc_type: type[BaseException], tb: TracebackType | None, log_path: Path | None) -> str:
    """A report for IT: versions, OS, log path, the error's type and where it happened (no message)."""
    import platform

    frames = traceback.extract_tb(tb)
    lines = [
        "trialapp crash report (no patient data: the error message itself is left out)",
        f"trialapp {__version__}",
        f"Python {platform.python_version()} ({sys.executable})",
        f"PySide6 {pyside_version}",
        f"OS: {platform.platform()}",
        f"Log file: {log_path if log_path is not None else 'not set up'}",
        "",
        f"Error type: {exc_type.__module__}.{exc_type.__qualname__}",
        "Where (most recent call last):",
    ]
    for frame in frames:
        lines.append(f"  {_short_path(frame.filename)}:{frame.lineno} in {frame.name}")
    return "\n".join(lines)


def _short_path(filename: str) -> str:
    # Paths inside the app's package are shown from "trialapp/"; others by file name (no user folders).
    parts = Path(filename).parts
    if "trialapp" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("trialapp") :])
    return Path(filename).name


class CrashDialog(QDialog):
    """Says that something went wrong, what to do, and offers the report to copy."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.setAccessibleName("Crash report")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The app met an unexpected error. What was saved before is safe in the database, and forms "
            "you were typing are kept as drafts.\n\nPlease copy the report below and send it to your IT "
            "contact. It contains no patient data."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.report = QPlainTextEdit(report)
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Report text")
        self.report.setMinimumSize(560, 220)
        layout.addWidget(self.report)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy report")
        self.copy_button.setAccessibleName("Copy report")
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("Continue", QDialogButtonBox.ButtonRole.AcceptRole)
        close.setDefault(True)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())
        self.copy_button.setText("Copied")


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def install_excepthook(log_path: Path | None, *, show_dialog: bool = True) -> ExceptHook:
    """Log unexpected errors (type and frames only) and show the crash dialog. Returns the old hook."""
    previous = sys.excepthook
    showing = False

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        report = crash_report(exc_type, tb, log_path)
        log.error("unexpected error\n%s", report)
        if show_dialog and not showing and QApplication.instance() is not None:
            showing = True  # one dialog at a time, even if the error repeats while it is open
            try:
                CrashDialog(report, QApplication.activeWindow()).exec()
            finally:
                showing = False

    sys.excepthook = hook
    return previous
