"""Backups and restores as use cases (the GUI and the CLI call these, never storage directly)."""

from __future__ import annotations

from pathlib import Path

from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.storage import backup as storage_backup
from trialapp.storage.audit_actions import AuditAction
from trialapp.storage.writer_lock import WriterLock


def backup_to(app: App, actor: Actor, target: Path) -> None:
    """Write a verified copy of the open database to ``target`` (which must not exist yet)."""
    path = app.db.path
    if path is None:
        raise InvalidInput(
            "Only a SQLite database file can be backed up by trialapp; use your database's tools."
        )
    storage_backup.copy_database(path, target)
    with app.db.write() as s:
        app.audit.record(s, actor=actor.label, action=AuditAction.BACKUP, new={"file": target.name})


def take_daily_backup(app: App) -> storage_backup.BackupInfo | None:
    """The day's verified backup of the open database, when ``open_app(defer_daily_backup=True)`` left it
    due (the GUI runs this on a background thread once its window is up). None when there was nothing to do.
    """
    from trialapp.services.context import backup_keep

    path = app.db.path
    if path is None or app.db.read_only or not app.daily_backup_due:
        return None
    info = storage_backup.daily_backup(path, keep=backup_keep(app.db))
    app.daily_backup_due = False
    return info


def newest_good_backup(database: Path) -> Path | None:
    """The newest automatic backup of ``database`` that passes its integrity check."""
    return storage_backup.newest_good_backup(database)


def restore_backup(backup: Path, database: Path) -> Path:
    """Put ``backup`` in place of ``database``; returns where the previous file was kept aside.

    Refused (DatabaseInUse, naming who) while any copy of the app has the database open for writing.
    """
    lock = WriterLock.acquire(database) if database.parent.is_dir() else None
    try:
        return storage_backup.restore(backup, database)
    finally:
        if lock is not None:
            lock.release()
