"""About: the version, where the database and the logs are (DESIGN: "the path is shown in About")."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from trialapp import __version__
from trialapp.services.context import App
from trialapp.ui.views.common import label


def _value(text: str, accessible: str) -> QLabel:
    widget = QLabel(text)
    widget.setAccessibleName(accessible)
    widget.setWordWrap(True)
    widget.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return widget


class AboutDialog(QDialog):
    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About the ITB trial assistant")
        database = str(app.db.path) if app.db.path else "a database server (see the --db setting)"
        self.facts = {
            "Version": f"trialapp {__version__}",
            "Database": database,
            "Log folder": str(app.paths.log_dir),
            "Config folder": str(app.paths.config_dir),
            "Python / Qt": f"Python {platform.python_version()}, PySide6 {pyside_version}",
            "System": platform.platform(),
        }
        layout = QVBoxLayout(self)
        layout.addWidget(label("ITB trial assistant", "title"))
        layout.addWidget(
            label(
                "Bedside assistant for the intrathecal baclofen trial: assessments, blind double-checked doses, "
                "the dose response and the team's decision. Keep the database on this computer's own disk, "
                "never on a network share.",
                "muted",
                wrap=True,
            )
        )
        form = QFormLayout()
        for caption, value in self.facts.items():
            form.addRow(label(caption), _value(value, caption))
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy these details")
        copy.setAccessibleName("Copy these details")
        copy.clicked.connect(self.copy)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(f"{k}: {v}" for k, v in self.facts.items()))
