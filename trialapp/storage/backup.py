"""Backups with SQLite's online backup API, in one step, verified after writing, rotated.

A backup is a consistent snapshot even while another connection writes: the backup API copies all pages
in one step (``pages=-1``) under a read transaction. Each copy is checked with ``integrity_check`` before
it counts as a backup; rotation never deletes the newest good copies.

A copy is written under a temporary name (``….partial``) and renamed only once it has passed its check, so
a copy cut short (the app closed during the background daily backup, a power cut) is never taken for a
backup; the next automatic backup removes such leftovers. Within one process, backups and restores run one
at a time (the GUI takes the daily backup on a background thread).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trialapp.storage.errors import StorageError

BACKUP_SUFFIX = ".sqlite"
PARTIAL_SUFFIX = ".partial"

# One backup or restore at a time in this process: a restore must never replace the file a backup reads.
_one_at_a_time = threading.Lock()


class BackupFailed(StorageError):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    reason: str
    taken_at: datetime


def backup_dir_for(db_path: Path) -> Path:
    return db_path.parent / "backups"


def integrity_problems(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` and ``foreign_key_check`` of a file; empty when it is sound."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [f"cannot open: {exc}"]
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        problems = [] if rows == ["ok"] else rows
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        problems += [f"row {r[1]} of {r[0]} refers to a missing {r[2]} row" for r in fk]
        return problems
    except sqlite3.Error as exc:
        return [f"not a readable database: {exc}"]
    finally:
        conn.close()


def copy_database(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently to ``target`` (which must not exist) and verify it."""
    if target.exists():
        raise BackupFailed(f"{target} already exists; choose another file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + PARTIAL_SUFFIX)
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is a single self-contained file
        finally:
            dst.close()
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise BackupFailed(f"The backup could not be written ({exc}). Check the free disk space.") from exc
    finally:
        src.close()
    problems = integrity_problems(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        raise BackupFailed("The backup copy did not pass its integrity check: " + "; ".join(problems[:3]))
    tmp.replace(target)


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
        copy_database(db_path, target)
        rotate(db_path, keep)
    return BackupInfo(target, reason, now)


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


def restore(backup: Path, db_path: Path, now: datetime | None = None) -> Path:
    """Put ``backup`` in place of the database; the current file is kept aside, never overwritten.

    Returns the path where the previous database was kept (or the database path when there was none).
    """
    with _one_at_a_time:
        return _restore(backup, db_path, now)


def _restore(backup: Path, db_path: Path, now: datetime | None) -> Path:
    problems = integrity_problems(backup)
    if problems:
        raise BackupFailed(f"{backup} is not a sound database ({'; '.join(problems[:3])}); choose another.")
    now = now or datetime.now()
    aside = db_path
    if db_path.exists():
        aside = db_path.with_name(f"{db_path.stem}-replaced-{now.strftime('%Y%m%d-%H%M%S')}{db_path.suffix}")
        db_path.replace(aside)
        for suffix in ("-wal", "-shm"):
            side = Path(str(db_path) + suffix)
            if side.exists():
                side.replace(Path(str(aside) + suffix))
    tmp = db_path.with_name(db_path.name + ".restoring")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(db_path)
    return aside


def backed_up_today(db_path: Path, today: datetime | None = None) -> bool:
    stamp = (today or datetime.now()).strftime("%Y%m%d")
    return any(f"{db_path.stem}-{stamp}-" in p.name for p in list_backups(db_path))


def daily_backup(db_path: Path, keep: int = 10, now: datetime | None = None) -> BackupInfo | None:
    """The first opening of a database on a given day takes a verified backup (none for a new, empty file)."""
    if not db_path.exists() or db_path.stat().st_size == 0 or backed_up_today(db_path, now):
        return None
    return take_backup(db_path, "daily", keep=keep, now=now)
