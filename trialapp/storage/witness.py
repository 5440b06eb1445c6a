"""The audit chain's witness: the newest row this installation wrote, kept outside the database.

The chain proves that no row was changed or removed from the middle, but not that the newest rows (or all of
them) were not cut off. After each commit that appended audit rows, the id and hash of the newest one are
written beside the audit key (``audit-chain.witness-<database>``, in the config folder); `check` then proves
that this row is still there, unchanged. The file is written after the commit, so after a crash it can only lag
behind the database (which proves nothing wrong), never run ahead of it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

PREFIX = "audit-chain.witness-"


@dataclass(frozen=True)
class Witness:
    row: int
    hash: str


def witness_path(config_dir: Path, database_url: str) -> Path:
    """The witness file of one database (several databases may share a config folder)."""
    return config_dir / (PREFIX + hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:16])


def _record(witness: Witness) -> bytes:
    # Fixed length, written in place at offset 0: one small write, no rename (a rename over the old file made
    # the file system flush it, which cost as much as the save's own commit).
    return f"{witness.row:020d} {witness.hash}\n".encode("ascii")


def write_witness(path: Path, witness: Witness) -> None:
    """Overwrite the witness in place (a private file, created on first use)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, _record(witness))  # at offset 0: the file was just opened
    finally:
        os.close(fd)


def read_witness(path: Path) -> Witness | None:
    """The witness, or None when there is none (a database this installation never wrote) or it is unreadable."""
    try:
        row, _, digest = path.read_text(encoding="ascii").strip().partition(" ")
        if len(digest) != 64:
            return None
        return Witness(int(row), digest)
    except (OSError, ValueError):
        return None


def reset_witness(path: Path, database: Path) -> None:
    """After trialapp put another copy of the database in place (a restore): its newest row is the witness."""
    import sqlite3

    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        newest = con.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    if newest is None:
        path.unlink(missing_ok=True)
    else:
        write_witness(path, Witness(int(newest[0]), str(newest[1])))
