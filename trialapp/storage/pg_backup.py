"""Backup and restore of the ward server with PostgreSQL's own tools (``pg_dump`` and ``pg_restore``).

A backup is ``pg_dump --format=custom``, written under a temporary name and renamed only once ``pg_restore
--list`` has read it back whole, so a file under the backup's name is always a complete dump. A restore goes only
into an EMPTY database (a new one, made by IT): restoring over tables that exist would mix two states of the
trial, or fail half-way; it runs in one transaction (``--single-transaction --exit-on-error``), so it is all
or nothing. Owners and grants are not restored (``--no-owner --no-privileges``): the new server's roles may
differ, and ``trialapp server grant`` gives the ward role its rights afterwards.

The password never goes on a command line (where ``ps`` shows it): the tools get the URL without it, and the
password, when the URL has one, in ``PGPASSWORD``; otherwise libpq reads the pgpass file as usual.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from glob import glob
from pathlib import Path

from sqlalchemy.engine import make_url

from trialapp.storage.backup import BackupFailed

_TIMEOUT_S = 3600


def find_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, else the newest of Debian's /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return candidates[-1]
    raise BackupFailed(
        f"PostgreSQL's {name} was not found on this computer, so nothing was done. Install PostgreSQL's client "
        "tools (on Debian or Ubuntu: apt-get install postgresql-client), the same version as the server or newer."
    )


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URL without the password, and the environment that carries the password (if the URL had one)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    bare = parsed.set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupFailed(f"{what} failed: {exc}. Nothing was changed.") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupFailed(f"{what} failed: {' '.join(detail[:3]) or f'exit code {done.returncode}'}.")
    return done.stdout


def _verify(dump: Path, env: dict[str, str]) -> int:
    """Read the dump's table of contents back whole; the number of entries."""
    listing = _run(
        [find_tool("pg_restore"), "--list", str(dump)], env, f"Reading the backup {dump.name} back"
    )
    entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
    if not any(" TABLE DATA " in line and " audit_log " in line for line in entries):
        raise BackupFailed(f"{dump.name} is not a backup of a trialapp database (it holds no audit trail).")
    return len(entries)


def dump(url: str, target: Path) -> int:
    """Write a verified ``pg_dump --format=custom`` of the database at ``url`` to ``target`` (which must not
    exist). Returns the number of entries the dump holds."""
    if target.exists():
        raise BackupFailed(f"{target} already exists; choose a new file name (nothing was written).")
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupFailed(f"The folder {target.parent} does not exist (nothing was written).")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    libpq, env = libpq_target(url)
    try:
        _run(
            [find_tool("pg_dump"), "--format=custom", "--file", str(partial), "--dbname", libpq],
            env,
            "The backup (pg_dump)",
        )
        entries = _verify(partial, env)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return entries


def tables_in(url: str) -> list[str]:
    """The tables of the database's public schema (empty: a database ready for a restore)."""
    import psycopg

    libpq, env = libpq_target(url)
    password = env.get("PGPASSWORD")
    try:
        with psycopg.connect(libpq, password=password) if password else psycopg.connect(libpq) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
    except psycopg.Error as exc:
        raise BackupFailed(f"The database to restore into cannot be reached: {exc}".strip()) from exc
    return [str(name) for (name,) in rows]


def restore(url: str, source: Path) -> int:
    """Restore the dump ``source`` into the EMPTY database at ``url``, all or nothing; the entries restored."""
    if not source.is_file():
        raise BackupFailed(f"The backup {source} does not exist.")
    libpq, env = libpq_target(url)
    entries = _verify(source, env)
    existing = tables_in(url)
    if existing:
        raise BackupFailed(
            f"The database {make_url(url).database} is not empty (it has {len(existing)} tables, such as "
            f"{', '.join(existing[:3])}), so nothing was restored: a restore goes only into a new, empty database, "
            "so that nothing in it is mixed with the backup or lost. Ask IT to create an empty database (owned by "
            "the owner role) and restore into that one."
        )
    _run(
        [
            find_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            libpq,
            str(source),
        ],
        env,
        "The restore (pg_restore)",
    )
    return entries
