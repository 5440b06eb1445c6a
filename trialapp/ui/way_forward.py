"""When the database cannot be opened: the ways forward offered to the user (restore, choose, quit)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QMessageBox


def ask_way_forward(message: str, paths: object) -> str | None:
    """Offer the ways forward when the database cannot be opened: restore the newest good backup, choose
    another file, or quit. Returns the database to try next, or None to quit. The damaged file is never
    changed: a restore keeps it aside."""
    from PySide6.QtWidgets import QFileDialog

    from trialapp.services.backups import describe_backup, newest_good_backup, restore_backup
    from trialapp.services.user_errors import StorageError

    target = Path(getattr(paths, "database", ""))
    config_dir = getattr(paths, "config_dir", None)
    backup = newest_good_backup(target) if target.exists() else None
    box = QMessageBox(QMessageBox.Icon.Critical, "The database cannot be opened", message)
    restore_button = None
    if backup is not None:
        # What the backup holds, said before anything is replaced; one that fails its checks is not offered.
        try:
            box.setInformativeText(describe_backup(backup, config_dir=config_dir).describe())
        except StorageError as refused:
            box.setInformativeText(str(refused))
            backup = None
    if backup is not None:
        taken = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%d %b %Y %H:%M")
        restore_button = box.addButton(f"Restore the backup of {taken}", QMessageBox.ButtonRole.AcceptRole)
    choose_button = box.addButton("Choose another file…", QMessageBox.ButtonRole.ActionRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    if restore_button is not None and clicked is restore_button and backup is not None:
        aside = restore_backup(backup, target, config_dir=config_dir)
        QMessageBox.information(None, "Backup restored", f"The damaged file was kept as {aside}.")
        return str(target)
    if clicked is choose_button:
        chosen, _ = QFileDialog.getOpenFileName(
            None,
            "Choose a trialapp database",
            str(target.parent),
            "trialapp database (*.sqlite *.db);;All files (*)",
        )
        return chosen or None
    return None
