"""One writer per database file: an operating-system lock on a file beside the database.

The lock is held for as long as the app (or a writing command) has the database open, and the operating
system releases it when the process ends, even after a crash or a power cut, so a stale lock cannot block
the ward. The lock file also says who holds it and since when, so a second copy of the app can tell the
user: "open on WARD-LAPTOP-3 by pt.jones since 09:12".
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from trialapp.storage.errors import StorageError

LOCK_SUFFIX = ".writer-lock"


@dataclass(frozen=True)
class LockOwner:
    user: str
    host: str
    pid: int
    since: str  # local time, ISO minutes

    def describe(self) -> str:
        when = self.since.replace("T", " ")
        return f"{self.user} on {self.host} (process {self.pid}) since {when}"


class DatabaseInUse(StorageError):
    """Another process holds the writer lock."""

    def __init__(self, path: Path, owner: LockOwner | None) -> None:
        who = owner.describe() if owner else "another copy of trialapp"
        super().__init__(
            f"The database '{path.name}' is open for writing by {who}. Only one copy of trialapp may write "
            "to a database at a time. Close the other copy, or open this one read-only to look without "
            "changing anything."
        )
        self.owner = owner
        self.path = path


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


def _try_lock(handle: IO[Any]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def read_owner(db_path: Path) -> LockOwner | None:
    try:
        data = json.loads(lock_path_for(db_path).read_text(encoding="utf-8"))
        return LockOwner(str(data["user"]), str(data["host"]), int(data["pid"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class WriterLock:
    """Hold the database's writer lock until :meth:`release` (or the process ends)."""

    def __init__(self, db_path: Path, handle: IO[Any]) -> None:
        self.db_path = db_path
        self._handle: IO[Any] | None = handle

    @classmethod
    def acquire(cls, db_path: Path) -> WriterLock:
        """Take the lock or raise :class:`DatabaseInUse` naming the holder."""
        path = lock_path_for(db_path)
        handle = path.open("a+", encoding="utf-8")
        if not _try_lock(handle):
            handle.close()
            raise DatabaseInUse(db_path, read_owner(db_path))
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
        owner = {
            "user": user,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": datetime.now().isoformat(timespec="minutes"),
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(owner))
        handle.flush()
        return cls(db_path, handle)

    def set_user(self, username: str) -> None:
        """Name the signed-in user (rather than the OS account) once someone signs in."""
        if self._handle is None:
            return
        owner = read_owner(self.db_path)
        if owner is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps({**owner.__dict__, "user": username}))
        self._handle.flush()

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the OS lock
            self._handle = None
