"""Opening a database safely: recognise damage, refuse a newer schema, back up, then migrate.

Whatever goes wrong, the file on disk is left untouched and the error says what to do next.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import DatabaseError, OperationalError

from trialapp.config import redact_url
from trialapp.storage import migrate
from trialapp.storage.backup import RESTORING_SUFFIX, newest_good_backup, take_backup
from trialapp.storage.db import (
    BUSY_TIMEOUT_MS,
    Database,
    ServerUnreachable,
    database_url,
    make_engine,
    sqlite_path,
)
from trialapp.storage.errors import DatabaseBusy, DatabaseReadOnly, DatabaseUnreadable, StorageError
from trialapp.storage.network_share import network_filesystem

SQLITE_HEADER = b"SQLite format 3\x00"
# Up to this size every opening runs ``PRAGMA quick_check`` (well under a second); a larger database is
# checked on its first opening of the day (before its daily backup).
QUICK_CHECK_EVERY_OPENING_BYTES = 64 * 1024 * 1024


class DatabaseDamaged(DatabaseUnreadable):
    """SQLite's own check found damage: the database is opened read-only, or refused for writing."""


def damaged_message(path: Path, detail: str) -> str:
    """What to tell the user about a damaged database: what is wrong, that nothing more is written, and
    the way forward (restore the newest good backup)."""
    return (
        f"The database '{path}' is damaged (SQLite reports: {detail[:200]}). Nothing more will be written into "
        f"it: it can only be read. {_way_forward(path)}"
    )


def _busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def busy_error(path: Path) -> DatabaseBusy:
    return DatabaseBusy(
        f"The database '{path}' is locked by another program (or another copy of trialapp) that is writing "
        "to it, so it cannot be read now. Nothing was changed. Try again in a moment; if it stays locked, "
        "close the other program."
    )


def quick_check_problems(path: Path) -> list[str]:
    """``PRAGMA quick_check`` of a file, read-only: empty when sound (DatabaseBusy when it is locked)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        return [] if rows == ["ok"] else rows
    except sqlite3.Error as exc:
        if _busy(exc):
            raise busy_error(path) from exc
        return [str(exc)]
    finally:
        conn.close()


def _quick_check_due(path: Path) -> bool:
    from trialapp.storage.backup import backed_up_today

    return path.stat().st_size <= QUICK_CHECK_EVERY_OPENING_BYTES or not backed_up_today(path)


def _way_forward(path: Path) -> str:
    backup = newest_good_backup(path) if path.exists() else None
    if backup is not None:
        return (
            f"Restore the newest good backup with 'trialapp restore \"{backup}\" --reason \"why\"' (an admin's "
            "'--user NAME' before 'restore'), or choose another file."
        )
    return "Choose another database file with --db, or ask your admin for a backup to restore."


def file_is_writable(path: Path) -> bool:
    """Whether this account may write the database file (and create its journal beside it)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def read_only_file_error(path: Path) -> DatabaseReadOnly:
    return DatabaseReadOnly(
        f"The database file '{path}' is read-only for your account, so nothing could be saved in it. Ask IT "
        "to give your account write access to the file and its folder, or open it read-only to look."
    )


def check_file(path: Path) -> None:
    """Refuse anything that is not a readable SQLite file, before SQLite touches it."""
    if not path.parent.is_dir():
        raise DatabaseUnreadable(
            f"The folder '{path.parent}' does not exist, so the database '{path.name}' cannot be opened. "
            "Create the folder or choose another database file with --db."
        )
    share = network_filesystem(path.parent)
    if share is not None:
        raise DatabaseUnreadable(
            f"'{path}' is on a network share ({share}). A trialapp database file must be on this computer's "
            "own disk: on a share two laptops could write at once and damage it. To share trials between "
            "laptops, use the ward server (docs/server.md); otherwise choose a local file with --db."
        )
    if not path.exists():
        if path.with_name(path.name + RESTORING_SUFFIX).exists():
            raise DatabaseUnreadable(
                f"'{path}' is missing and a restore was interrupted before it finished (its copy "
                f"'{path.name}{RESTORING_SUFFIX}' is beside it). No new database was created. Run the restore "
                "again ('trialapp restore FILE --reason \"…\"'), or restore the newest backup from the 'backups' folder."
            )
        return
    if path.is_dir():
        raise DatabaseUnreadable(f"'{path}' is a folder, not a database file. Choose a file with --db.")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseUnreadable(f"'{path}' cannot be read ({exc.strerror}). Check its permissions.") from exc
    if not header:
        # Only a path that does not exist becomes a new database: an empty file is what a failed copy or a
        # full disk leaves, so it is refused, not initialised.
        raise DatabaseUnreadable(
            f"'{path}' is an empty file (0 bytes), not a trialapp database. It has been left untouched. "
            f"{_way_forward(path)} To start a new database, delete the empty file or choose a new name."
        )
    if header != SQLITE_HEADER:
        raise DatabaseUnreadable(
            f"'{path}' is not a trialapp database, or it is damaged (its first bytes are not those of a "
            f"database). It has been left untouched. {_way_forward(path)}"
        )


def preflight(path: Path) -> tuple[str | None, bool]:
    """Read an existing file without changing a byte: (schema revision or None, has tables).

    Opening with the app's connection settings switches the journal to WAL, which writes to the file;
    a file that turns out not to be ours must be left exactly as it was, so look first, read-only.
    """
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise DatabaseUnreadable(f"'{path}' cannot be opened ({exc}). {_way_forward(path)}") from exc
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if "alembic_version" in names:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        return revision, bool(names)
    except sqlite3.DatabaseError as exc:
        if _busy(exc):
            raise busy_error(path) from exc
        if "malformed" in str(exc):
            raise DatabaseDamaged(damaged_message(path, str(exc))) from exc
        raise DatabaseUnreadable(
            f"'{path}' is damaged or is not a trialapp database ({exc}). It has been left untouched. "
            f"{_way_forward(path)}"
        ) from exc
    finally:
        conn.close()


def open_database(
    target: str | Path,
    *,
    read_only: bool = False,
    upgrade: bool = True,
    backup_keep: int = 10,
    audit_only: bool = False,
) -> Database:
    """Open (creating when new) the database at ``target``: a file path or a SQLAlchemy URL.

    ``audit_only`` with ``read_only``: a copy that reads while another writes, whose audited reads may still
    append to the audit trail (``db.make_engine``)."""
    url = database_url(target)
    path = sqlite_path(url)
    at_head = False
    if path is not None:
        check_file(path)
        if read_only and not path.exists():
            raise DatabaseUnreadable(f"'{path}' does not exist, so it cannot be opened read-only.")
        if path.exists() and path.stat().st_size > 0:
            revision, has_tables = preflight(path)
            if revision is None and has_tables:
                raise DatabaseUnreadable(
                    f"'{path}' is a database, but not a trialapp database. It has been left untouched. "
                    "Choose another file with --db."
                )
            # Already at this app's schema: nothing to check or upgrade, so Alembic is not even imported.
            at_head = revision is not None and revision == migrate.written_head()
            if revision is not None and not at_head and revision not in migrate.known_revisions():
                migrate.raise_too_new(revision)
    if path is not None and path.exists() and _quick_check_due(path):
        problems = quick_check_problems(path)
        if problems:
            # Opened read-only whatever was asked: a write into a damaged file can spread the damage.
            engine = make_engine(url, read_only=True)
            return Database(url=url, engine=engine, read_only=True, damage=damaged_message(path, problems[0]))
    new_file = path is not None and not path.exists()
    audit_only = audit_only and read_only and path is not None
    engine = make_engine(url, read_only=read_only, audit_only=audit_only)
    try:
        if new_file and path is not None:
            with engine.connect():
                pass  # SQLite creates the file now; it holds patient data, so only this account may read it
            if os.name == "posix":
                path.chmod(0o600)
        if at_head:
            with engine.connect():
                pass  # the connection settings are applied now, so a failure is reported as below
            return Database(url=url, engine=engine, read_only=read_only, audit_only=audit_only)
        revision = migrate.check_not_too_new(engine)
        if revision is None and not migrate.is_empty(engine):
            raise DatabaseUnreadable(
                f"'{path or redact_url(url)}' is a database, but not a trialapp database. It has been left untouched. "
                "Choose another file with --db."
            )
        if revision != migrate.head_revision():
            if read_only or not upgrade:
                raise DatabaseUnreadable(
                    "This database was written by an older trialapp and must be updated before use; "
                    "open it once with write access to update it (a backup is taken first)."
                )
            if revision is not None and path is not None:
                take_backup(path, f"before-upgrade-from-{revision}", keep=backup_keep)
            migrate.upgrade(engine, url)
    except ServerUnreachable as exc:
        engine.dispose()
        raise DatabaseUnreadable(
            f"The database server '{redact_url(url)}' cannot be reached ({exc.detail[:200]}). Nothing was changed. "
            "Check the network, or ask IT whether the server is running, then start again."
        ) from exc
    except StorageError:
        engine.dispose()
        raise
    except (DatabaseError, OperationalError) as exc:
        engine.dispose()
        where = path if path is not None else redact_url(url)
        raise DatabaseUnreadable(
            f"'{where}' cannot be opened as a database ({getattr(exc, 'orig', exc)}). It has been left "
            f"untouched. {_way_forward(path) if path is not None else ''}".strip()
        ) from exc
    return Database(url=url, engine=engine, read_only=read_only, audit_only=audit_only)
