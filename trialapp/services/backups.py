"""Backups and restores as use cases (the GUI and the CLI call these, never storage directly)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.storage import backup as storage_backup
from trialapp.storage.audit_actions import AuditAction
from trialapp.storage.writer_lock import WriterLock

if TYPE_CHECKING:
    from trialapp.storage.audit import AuditKey


def backup_to(app: App, actor: Actor, target: Path) -> None:
    """Write a verified copy of the open database to ``target`` (which must not exist yet)."""
    path = app.db.path
    if path is None and app.db.engine.dialect.name == "postgresql":
        from trialapp.storage import pg_backup

        pg_backup.dump(app.db.url, target)  # the ward server: pg_dump --format=custom, read back whole
    elif path is None:
        raise InvalidInput(
            "Only a SQLite database file can be backed up by trialapp; use your database's tools."
        )
    else:
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


def _restore_key(config_dir: Path | None, other_key_file: Path | None) -> AuditKey:
    from trialapp.config import resolve_paths
    from trialapp.storage.audit import load_key_file, load_or_create_key

    if other_key_file is not None:
        return load_key_file(other_key_file)
    return load_or_create_key(config_dir or resolve_paths().config_dir)


def describe_backup(
    backup: Path, *, config_dir: Path | None = None, other_key_file: Path | None = None
) -> storage_backup.BackupContents:
    """Verify a backup without changing anything and say what it holds (patients, trials, last change).

    Raises BackupFailed, in words, when it is not a sound trialapp database this installation may restore.
    """
    return storage_backup.inspect_backup(backup, _restore_key(config_dir, other_key_file))


def restore_backup(
    backup: Path,
    database: Path,
    *,
    config_dir: Path | None = None,
    other_key_file: Path | None = None,
    on_verified: Callable[[storage_backup.BackupContents], None] | None = None,
) -> Path:
    """Put ``backup`` in place of ``database``; returns where the previous file was kept aside.

    The backup is verified first (a sound trialapp database of a known schema, signed with this
    installation's audit key — or with ``other_key_file``, which then becomes this installation's key — and
    an audit chain that verifies); ``on_verified`` hears what it holds before anything is replaced.
    Refused (DatabaseInUse, naming who) while any copy of the app has the database open for writing.
    """
    from trialapp.config import resolve_paths
    from trialapp.storage.audit import install_key

    key = _restore_key(config_dir, other_key_file)
    lock = WriterLock.acquire(database) if database.parent.is_dir() else None
    try:
        aside = storage_backup.restore(backup, database, key=key, on_verified=on_verified)
    finally:
        if lock is not None:
            lock.release()
    if other_key_file is not None:
        install_key(config_dir or resolve_paths().config_dir, key)
    # The restored copy's newest audit row is the chain's witness now (an older copy is not a truncation).
    from trialapp.storage.db import database_url
    from trialapp.storage.witness import reset_witness, witness_path

    reset_witness(witness_path(config_dir or resolve_paths().config_dir, database_url(database)), database)
    return aside
