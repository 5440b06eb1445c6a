"""The admin's backups in the window (issue 25): the list with the last backup's time, *Back up now*, and
*Restore…* with a reason.

A restore from the window closes the database, restores through ``backups.restore_backup`` (the backup
verified first, the current file kept aside under a new name, the new file put in place in one step) and
opens the database again; the window then signs everyone in again on the restored file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trialapp.services.backups import describe_backup, restore_backup
from trialapp.services.context import Actor, App, backup_keep, open_app
from trialapp.services.errors import InvalidInput, ServiceError
from trialapp.services.permissions import require
from trialapp.storage import backup as storage_backup
from trialapp.storage.audit_actions import AuditAction

#: The reason written into the name of a backup taken with *Back up now*.
BY_HAND = "by-hand"

_KINDS = {"daily": "Daily (first opening of the day)", BY_HAND: "Taken by hand"}


@dataclass(frozen=True)
class BackupListing:
    """One backup in the backups folder, as the admin sees it."""

    path: Path
    taken_at: datetime  # local time, from the file's name (the time it was taken)
    kind: str  # in words: daily, taken by hand, before an upgrade
    size_bytes: int


@dataclass(frozen=True)
class BackupsOverview:
    """The database's backups, newest first, and how many automatic ones are kept."""

    database: Path
    folder: Path
    backups: tuple[BackupListing, ...]
    keep: int

    @property
    def last(self) -> BackupListing | None:
        """The newest backup, or None before the first."""
        return self.backups[0] if self.backups else None


@dataclass(frozen=True)
class RestoreDone:
    """A restore from the window went through: the database opened again, where the old file was kept."""

    app: App
    kept_aside: Path
    contents: storage_backup.BackupContents


class RestoreFailed(ServiceError):
    """The restore was refused or failed; nothing was replaced. ``app`` is the database, opened again."""

    def __init__(self, message: str, app: App) -> None:
        super().__init__(message)
        self.app = app


def _database_file(app: App) -> Path:
    path = app.db.path
    if path is None:
        raise InvalidInput(
            "This database is on the ward server: trialapp backs up only a database file. Ask IT to back up "
            "the server."
        )
    return path


def _listing(database: Path, path: Path) -> BackupListing:
    # Names are "<database>-YYYYmmdd-HHMMSS-ffffff-<reason>.sqlite" (storage.backup.take_backup).
    rest = path.name[len(database.stem) + 1 : -len(storage_backup.BACKUP_SUFFIX)]
    day, clock, micro, reason = [*rest.split("-", 3), "", "", "", ""][:4]
    try:
        taken = datetime.strptime(f"{day}{clock}{micro}", "%Y%m%d%H%M%S%f")
    except ValueError:
        taken = datetime.fromtimestamp(path.stat().st_mtime)
    if reason.startswith("before-upgrade"):
        kind = "Before an upgrade"
    else:
        kind = _KINDS.get(reason, reason.replace("-", " ").capitalize() or "Backup")
    return BackupListing(path, taken, kind, path.stat().st_size)


def backups_overview(app: App, actor: Actor) -> BackupsOverview:
    """The backups of the open database, newest first, with the last one's time (admin only)."""
    require(actor, "edit_settings")
    database = _database_file(app)
    listings = []
    for path in storage_backup.list_backups(database):
        try:
            listings.append(_listing(database, path))
        except OSError:  # removed meanwhile (rotation by another copy)
            continue
    listings.sort(key=lambda item: item.taken_at, reverse=True)
    return BackupsOverview(
        database, storage_backup.backup_dir_for(database), tuple(listings), backup_keep(app.db)
    )


def back_up_now(app: App, actor: Actor) -> BackupListing:
    """*Back up now*: a verified backup in the backups folder (counted with the automatic ones), audited."""
    require(actor, "edit_settings")
    database = _database_file(app)
    info = storage_backup.take_backup(database, BY_HAND, keep=backup_keep(app.db))
    with app.db.write() as s:
        app.audit.record(s, actor=actor.label, action=AuditAction.BACKUP, new={"file": info.path.name})
    return _listing(database, info.path)


def check_backup(
    app: App, actor: Actor, backup: Path, *, other_key_file: Path | None = None
) -> storage_backup.BackupContents:
    """Verify a backup without changing anything and say what it holds, before the admin confirms."""
    require(actor, "edit_settings")
    _database_file(app)
    return describe_backup(backup, config_dir=app.paths.config_dir, other_key_file=other_key_file)


def _reopen(app: App) -> App:
    # As the window opens it: read-only if another copy took the database meanwhile; no backup of the
    # restored file now (it is a backup).
    return open_app(paths=app.paths, read_only_if_in_use=True, defer_daily_backup=True)


def restore_and_reopen(
    app: App,
    actor: Actor,
    backup: Path,
    reason: str,
    *,
    on_verified: Callable[[storage_backup.BackupContents], None] | None = None,
    other_key_file: Path | None = None,
    reopen: Callable[[App], App] | None = None,
) -> RestoreDone:
    """Put ``backup`` in place of the open database and open it again (admin, with a reason).

    The backup is verified before anything changes; the restore is recorded in the audit trail of the
    database it replaces (which is kept aside under a new name, never deleted) and of the restored one.
    ``app`` is closed: the caller goes on with ``RestoreDone.app``, or, when the restore was refused or
    failed, with ``RestoreFailed.app`` (the same file, opened again, unchanged). ``other_key_file`` names
    the audit key of the installation that wrote the backup (``restore_backup``); ``reopen`` opens the
    database again (the command line opens it its own way).
    """
    require(actor, "edit_settings")
    database = _database_file(app)
    reason = restore_reason(reason)
    reopen = reopen or _reopen
    if app.db.read_only:
        raise InvalidInput(
            "This copy of trialapp has the database open read-only, so it cannot restore a backup. "
            + (app.read_only_reason or "")
        )
    contents = check_backup(app, actor, backup, other_key_file=other_key_file)
    with app.db.write() as s:  # in the database about to be kept aside: asked, by whom and why
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.RESTORE,
            new={"file": backup.name, "asked": True},
            reason=reason,
        )
    app.close()  # the writer lock too: the restore takes it
    try:
        aside = restore_backup(
            backup,
            database,
            config_dir=app.paths.config_dir,
            other_key_file=other_key_file,
            on_verified=on_verified,
        )
    except Exception as exc:
        raise RestoreFailed(str(exc), reopen(app)) from exc
    reopened = reopen(app)
    record_restore(reopened, actor, backup, aside, reason)
    return RestoreDone(reopened, aside, contents)


def restore_reason(reason: str) -> str:
    """The reason a restore is asked for, tidied; refused when empty (it is kept in the audit trail)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Write why this backup is restored: the reason is kept in the audit trail.")
    return reason


def record_restore(app: App, actor: Actor, backup: Path, aside: Path, reason: str) -> None:
    """Record a restore in the restored database's audit trail: which backup, by whom, why, and where the
    database it replaced was kept (nothing is recorded while the database is open read-only)."""
    if app.db.read_only:
        return
    with app.db.write() as s:
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.RESTORE,
            new={"file": backup.name, "previous_database_kept_as": aside.name},
            reason=restore_reason(reason),
        )
