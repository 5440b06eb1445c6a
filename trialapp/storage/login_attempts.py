"""Wrong passwords counted where every process sees them, for copies that cannot write the database.

A read-only copy (another copy of the app writes, or the file is read-only) keeps each account's wrong
passwords and lock in a small JSON file beside the database (``<database>.logins``), or in the config folder
when that folder cannot be written, under an operating-system lock held while it is read and rewritten. Every
copy reads it before a password is tried, so guessing in several processes counts as guessing in one. The
lock-outs decided there wait in the file until a copy that can write the database audits them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

SUFFIX = ".logins"
T = TypeVar("T")


def attempts_file(database_url: str, database_file: Path | None, config_dir: Path) -> Path:
    """Where the attempts of this database are kept: beside the file when its folder is writable."""
    if database_file is not None and os.access(database_file.parent, os.W_OK):
        return database_file.with_name(database_file.name + SUFFIX)
    digest = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:16]
    return config_dir / f"logins-{digest}.json"


def _lock(handle: IO[Any]) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


@contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        _lock(handle)  # released when the file is closed
        yield handle


def _load(handle: IO[str]) -> dict[str, Any]:
    handle.seek(0)
    try:
        data = json.loads(handle.read() or "{}")
    except ValueError:  # a torn or foreign file: start counting again rather than crash
        data = {}
    if not isinstance(data, dict):
        data = {}
    data.setdefault("users", {})
    data.setdefault("unaudited", [])
    return data


def update(path: Path, change: Callable[[dict[str, Any]], T]) -> T:
    """Run ``change`` on the file's content under the lock and write it back; returns what ``change`` returned.

    The content is ``{"users": {name: {"failed": n, "locked_until": iso or None}}, "unaudited": [...]}``.
    """
    with _locked(path) as handle:
        data = _load(handle)
        result = change(data)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(data, sort_keys=True))
        handle.flush()
        os.fsync(handle.fileno())
    return result


def read(path: Path) -> dict[str, Any]:
    """The file's content (empty when there is no file yet)."""
    if not path.exists():
        return {"users": {}, "unaudited": []}
    with _locked(path) as handle:
        return _load(handle)


def locked_until(data: dict[str, Any], username: str, now: datetime) -> datetime | None:
    """When the account's lock in the file ends, if it is locked now."""
    entry = data["users"].get(username) or {}
    until = entry.get("locked_until")
    if not until:
        return None
    end = datetime.fromisoformat(until)
    return end if end > now else None
