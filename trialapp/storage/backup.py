"""Backups with SQLite's online backup API, in one step, verified after writing, rotated.

A backup is a consistent snapshot even while another connection writes: the backup API copies all pages
in one step (``pages=-1``) under a read transaction. Each copy is checked with ``integrity_check`` before
it counts as a backup; rotation never deletes the newest good copies.

A copy is written under a temporary name (``….partial``) and moved to its name only once it has passed its
check, so a copy cut short (the app closed during the background daily backup, a power cut) is never taken
for a backup; the next automatic backup removes such leftovers. No name is ever reused: a file that exists is
never overwritten (a counter is added). Within one process, backups and restores run one at a time (the GUI
takes the daily backup on a background thread).

A restore is one rename: the backup is copied beside the database (``….restoring``), verified (integrity,
this app's schema, this installation's audit key, the audit chain), synced to disk, and only then put in
place with ``os.replace``; the current file is kept aside first. A kill at any moment leaves either the old
or the new database in place.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from trialapp.storage.errors import StorageError

if TYPE_CHECKING:
    from trialapp.storage.audit import AuditKey

BACKUP_SUFFIX = ".sqlite"
PARTIAL_SUFFIX = ".partial"
RESTORING_SUFFIX = ".restoring"
PRIVATE_FILE = 0o600

# One backup or restore at a time in this process: a restore must never replace the file a backup reads.
_one_at_a_time = threading.Lock()


class BackupFailed(StorageError):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    reason: str
    taken_at: datetime


@dataclass(frozen=True)
class BackupContents:
    """What a verified backup holds, said to the user before it replaces the database."""

    path: Path
    patients: int
    trials: int
    last_change: str | None  # the newest audit row's time (UTC, ISO), None for a database never written

    def describe(self) -> str:
        last = f"last change {self.last_change[:16].replace('T', ' ')} UTC" if self.last_change else "no changes"
        return (
            f"{self.path} holds {self.patients} patient(s) and {self.trials} trial(s); {last}; "
            "its audit trail verifies."
        )


def backup_dir_for(db_path: Path) -> Path:
    return db_path.parent / "backups"


def integrity_problems(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` and ``foreign_key_check`` of a file; empty when it is sound. The foreign-key
    check runs beside the integrity check, on a second connection and thread (SQLite runs both without the GIL):
    a verified backup then costs the copy and one ``integrity_check`` (issue 22)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [f"cannot open: {exc}"]
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trialapp-backup-check") as pool:
            references = pool.submit(_missing_references, path)
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            problems = [] if rows == ["ok"] else rows
            return problems + references.result()
    except sqlite3.Error as exc:
        return [f"not a readable database: {exc}"]
    finally:
        conn.close()


def _missing_references(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    return [f"row {r[1]} of {r[0]} refers to a missing {r[2]} row" for r in fk]


def sync_file(path: Path) -> None:
    """Flush a file's bytes to the disk (and its folder's entry, where the system allows it)."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows cannot open a folder for fsync
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def place_without_overwrite(source: Path, target: Path) -> Path:
    """Move ``source`` to ``target``, or to ``target`` with ``-2``, ``-3``… before its suffix when that name
    is taken: a hard link cannot replace an existing file, so no file is ever overwritten, even by a race."""
    stem, suffix = target.name[: -len(target.suffix)] if target.suffix else target.name, target.suffix
    candidate, n = target, 1
    while True:
        try:
            os.link(source, candidate)
            break
        except FileExistsError:
            n += 1
            candidate = target.with_name(f"{stem}-{n}{suffix}")
    source.unlink()
    return candidate


def _copy_pages(source: Path, target: Path) -> None:
    """A consistent single-file copy (journal DELETE) of ``source``, private to this account."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.close(fd)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # a copy is a single self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def copy_database(source: Path, target: Path) -> Path:
    """Copy a live SQLite database consistently to ``target`` (which must not exist) and verify it."""
    if target.exists():
        raise BackupFailed(f"{target} already exists; choose another file name.")
    return _verified_copy(source, target)


def _verified_copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = target.with_name(target.name + PARTIAL_SUFFIX)
    tmp.unlink(missing_ok=True)
    try:
        _copy_pages(source, tmp)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise BackupFailed(f"The backup could not be written ({exc}). Check the free disk space.") from exc
    problems = integrity_problems(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        damaged = integrity_problems(source)
        where = "The database itself is damaged" if damaged else "The backup copy did not pass its integrity check"
        raise BackupFailed(
            f"{where}: " + "; ".join((damaged or problems)[:3]) + ". No backup was taken; the earlier backups "
            "are kept."
        )
    try:
        sync_file(tmp)
        return place_without_overwrite(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupFailed(f"The backup could not be written ({exc}). Check the free disk space.") from exc


def take_backup(db_path: Path, reason: str, keep: int = 10, now: datetime | None = None) -> BackupInfo:
    """A rotating automatic backup beside the database (``backups/``), keeping the newest ``keep``."""
    now = now or datetime.now()
    folder = backup_dir_for(db_path)
    # 60 characters: "before-upgrade-from-" plus a whole Alembic revision id (up to 32) fits.
    safe_reason = "".join(c if c.isalnum() or c in "-_" else "-" for c in reason)[:60]
    stamp = now.strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{db_path.stem}-{stamp}-{safe_reason}{BACKUP_SUFFIX}"
    with _one_at_a_time:
        # Copies cut short earlier (never counted: they kept their temporary name).
        for leftover in folder.glob(f"{db_path.stem}-*{BACKUP_SUFFIX}{PARTIAL_SUFFIX}"):
            leftover.unlink(missing_ok=True)
        written = _verified_copy(db_path, target)
        rotate(db_path, keep)
    return BackupInfo(written, reason, now)


def list_backups(db_path: Path) -> list[Path]:
    """This database's automatic backups, newest first."""
    folder = backup_dir_for(db_path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{db_path.stem}-*{BACKUP_SUFFIX}"), reverse=True)


def rotate(db_path: Path, keep: int) -> None:
    for old in list_backups(db_path)[max(keep, 1) :]:
        old.unlink(missing_ok=True)


def newest_good_backup(db_path: Path) -> Path | None:
    for candidate in list_backups(db_path):
        if not integrity_problems(candidate):
            return candidate
    return None


# ------------------------------------------------------------------------------------------------ restore


def _refuse_same_file(backup: Path, db_path: Path) -> None:
    same = backup.resolve() == db_path.resolve()
    if not same and backup.exists() and db_path.exists():
        same = os.path.samefile(backup, db_path)
    if same:
        raise BackupFailed(
            f"'{backup}' is the database itself, so it cannot be restored onto it. Nothing was changed; "
            "choose a backup file (see the backups folder beside the database)."
        )


def _refuse_not_a_backup(backup: Path) -> None:
    """Cheap checks of the file the user named, before anything is copied."""
    if not backup.is_file():
        raise BackupFailed(f"'{backup}' does not exist or is not a file. Choose a backup file.")
    if backup.stat().st_size == 0:
        raise BackupFailed(f"'{backup}' is empty (0 bytes): it is not a backup. Nothing was changed; choose another.")
    with backup.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupFailed(
                f"'{backup}' is not a trialapp database (its first bytes are not those of a database). "
                "Nothing was changed; choose another."
            )


def inspect_backup(path: Path, key: AuditKey | None) -> BackupContents:
    """Verify that ``path`` is a sound trialapp database this installation may use, and say what it holds.

    Raises BackupFailed, in words, for a damaged file, another program's database, a newer schema, another
    installation's audit key, or an audit chain that does not verify. ``key=None`` skips the key checks.
    """
    problems = integrity_problems(path)
    if problems:
        raise BackupFailed(f"'{path}' is not a sound database ({'; '.join(problems[:3])}); choose another.")
    from trialapp.storage import migrate

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in names else None
        if row is None or not {"patients", "trials", "audit_log"} <= names:
            raise BackupFailed(f"'{path}' is not a trialapp database. Nothing was changed; choose another file.")
        if row[0] not in migrate.known_revisions():
            raise BackupFailed(
                f"'{path}' was written by a newer trialapp (schema {row[0]}). Nothing was changed; update "
                "trialapp first, then restore it."
            )
        patients = conn.execute("SELECT count(*) FROM patients").fetchone()[0]
        trials = conn.execute("SELECT count(*) FROM trials").fetchone()[0]
        last = conn.execute("SELECT at_utc FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error as exc:
        raise BackupFailed(f"'{path}' cannot be read as a trialapp database ({exc}); choose another.") from exc
    finally:
        conn.close()
    if key is not None:
        _verify_audit(path, key)
    return BackupContents(path, int(patients), int(trials), last[0] if last else None)


def _verify_audit(path: Path, key: AuditKey) -> None:
    from sqlalchemy.orm import Session

    from trialapp.storage.audit import KEY_FILE_NAME, verify_chain
    from trialapp.storage.db import make_engine
    from trialapp.storage.models import Installation

    engine = make_engine(f"sqlite:///{path}", read_only=True)
    try:
        with Session(engine) as session:
            installation = session.query(Installation).first()
            if installation is not None and installation.audit_key_id != key.key_id:
                raise BackupFailed(
                    f"'{path}' was signed with audit key {installation.audit_key_id}, which is not this "
                    f"installation's audit key ({key.key_id}): it comes from another installation. Nothing was "
                    f"changed. If it is yours, name its key file too: trialapp restore FILE --key "
                    f"OTHER-{KEY_FILE_NAME}"
                )
            chain = verify_chain(session, key)
    finally:
        engine.dispose()
    if not chain.ok:
        raise BackupFailed(
            f"'{path}': its audit trail does not verify ({chain.problem}); it may have been altered. Nothing "
            "was changed; choose another backup."
        )


def restore(
    backup: Path,
    db_path: Path,
    now: datetime | None = None,
    *,
    key: AuditKey | None = None,
    on_verified: Callable[[BackupContents], None] | None = None,
) -> Path:
    """Put ``backup`` in place of the database; the current file is kept aside, never overwritten.

    ``on_verified`` is told what the backup holds once it has been verified, before anything is replaced.
    Returns the path where the previous database was kept (or the database path when there was none).
    """
    with _one_at_a_time:
        return _restore(backup, db_path, now or datetime.now(), key, on_verified)


def _restore(
    backup: Path,
    db_path: Path,
    now: datetime,
    key: AuditKey | None,
    on_verified: Callable[[BackupContents], None] | None,
) -> Path:
    _refuse_same_file(backup, db_path)
    _refuse_not_a_backup(backup)
    tmp = db_path.with_name(db_path.name + RESTORING_SUFFIX)
    tmp.unlink(missing_ok=True)
    try:
        try:
            _copy_pages(backup, tmp)
        except (sqlite3.Error, OSError) as exc:
            raise BackupFailed(f"'{backup}' could not be copied ({exc}). Nothing was changed.") from exc
        contents = inspect_backup(tmp, key)
        sync_file(tmp)
        if on_verified is not None:
            on_verified(BackupContents(backup, contents.patients, contents.trials, contents.last_change))
        aside = _keep_aside(db_path, now) if db_path.exists() else db_path
        os.replace(tmp, db_path)  # the one step: before it the old database is in place, after it the new
        sync_folder(db_path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return aside


def _keep_aside(db_path: Path, now: datetime) -> Path:
    """Keep the current database under a new name: checkpoint its WAL into the file, hard-link it aside
    (a copy where links are not possible), then remove the WAL so it cannot be applied to the new file."""
    try:
        conn = sqlite3.connect(db_path)
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.close()
        checkpointed = True
    except sqlite3.DatabaseError:  # a damaged file: keep it, and its WAL, exactly as they are
        busy, checkpointed = 0, False
    if busy:
        raise BackupFailed(
            "Another copy of trialapp is reading the database, so it cannot be replaced now. Close it and "
            "restore again; nothing was changed."
        )
    name = f"{db_path.stem}-replaced-{now.strftime('%Y%m%d-%H%M%S')}{db_path.suffix}"
    staged = db_path.with_name(name + PARTIAL_SUFFIX)
    staged.unlink(missing_ok=True)
    try:
        os.link(db_path, staged)
    except OSError:  # a file system without hard links: a copy
        _copy_pages(db_path, staged)
    aside = place_without_overwrite(staged, db_path.with_name(name))
    for suffix in ("-wal", "-shm"):
        side = Path(str(db_path) + suffix)
        if checkpointed:
            side.unlink(missing_ok=True)  # empty after the checkpoint: everything is in the file
        elif side.exists():
            side.replace(Path(str(aside) + suffix))
    return aside


def clear_interrupted_restore(db_path: Path) -> None:
    """Remove the copy a restore cut short left beside the database (call with the writer lock held)."""
    if db_path.exists():
        db_path.with_name(db_path.name + RESTORING_SUFFIX).unlink(missing_ok=True)
        # A second name of a database being kept aside (a hard link, or a copy): never the only copy of data.
        for staged in db_path.parent.glob(f"{db_path.stem}-replaced-*{db_path.suffix}{PARTIAL_SUFFIX}"):
            staged.unlink(missing_ok=True)


def backed_up_today(db_path: Path, today: datetime | None = None) -> bool:
    stamp = (today or datetime.now()).strftime("%Y%m%d")
    return any(f"{db_path.stem}-{stamp}-" in p.name for p in list_backups(db_path))


def daily_backup(db_path: Path, keep: int = 10, now: datetime | None = None) -> BackupInfo | None:
    """The first opening of a database on a given day takes a verified backup (none for a new, empty file)."""
    if not db_path.exists() or db_path.stat().st_size == 0 or backed_up_today(db_path, now):
        return None
    return take_backup(db_path, "daily", keep=keep, now=now)
