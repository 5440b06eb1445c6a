"""What every service call needs: the open database, the audit trail, and who is acting."""

from __future__ import annotations

import getpass
import secrets
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trialapp.config import Paths, ensure_default_dirs, resolve_paths

if TYPE_CHECKING:  # imported by open_app: the window's first paint must not wait for SQLAlchemy
    from trialapp.storage.audit import AuditKey, AuditTrail
    from trialapp.storage.db import Database
    from trialapp.storage.writer_lock import WriterLock

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a signed-in user, or the operating-system user of the command line."""

    username: str
    role: str  # pt | nurse | neurosurgeon | qi_lead | admin | system (command line)
    full_name: str = ""
    user_id: int | None = None
    # Issued at sign-in (``issue_session``); an Actor built by hand has none, and no service trusts it.
    session: Session | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        """How the audit trail names this actor."""
        if self.role == SYSTEM_ROLE:
            return f"os:{self.username}"
        return f"user:{self.username}"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Session:
    """What sign-in established, kept in this process only: who, and on which database.

    The services read the role and the enabled state from that database on every call (``permissions.require``);
    the Actor's own ``role`` is for display. Only objects in the registry count, so an Actor built by hand, or
    one given another's name, is refused.
    """

    __slots__ = ("__weakref__", "_database", "token", "user_id", "username")

    def __init__(self, username: str, user_id: int | None, database: Database | None) -> None:
        self.token = secrets.token_hex(16)
        self.username = username
        self.user_id = user_id
        self._database = None if database is None else weakref.ref(database)

    @property
    def database(self) -> Database | None:
        """The database the user signed in to (None for the command line, or once it is closed)."""
        return None if self._database is None else self._database()


# token -> session; an entry lives as long as an Actor holds its session.
_SESSIONS: weakref.WeakValueDictionary[str, Session] = weakref.WeakValueDictionary()


def issue_session(actor: Actor, database: Database | None) -> Actor:
    """The Actor with a session registered in this process (sign-in; ``database`` None: the command line)."""
    session = Session(actor.username, actor.user_id, database)
    _SESSIONS[session.token] = session
    return Actor(actor.username, actor.role, actor.full_name, actor.user_id, session)


def registered_session(actor: Actor) -> Session | None:
    """The actor's session if this process issued it to this very user; else None."""
    session = actor.session
    if session is None or _SESSIONS.get(session.token) is not session:
        return None
    if session.username != actor.username or session.user_id != actor.user_id:
        return None
    return session


def os_actor() -> Actor:
    """The operating-system user running the command line."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        name = "unknown"
    return issue_session(Actor(username=name, role=SYSTEM_ROLE, full_name=f"{name} (command line)"), None)


@dataclass
class App:
    """An open trialapp installation: paths, database and audit trail."""

    paths: Paths
    db: Database
    audit: AuditTrail
    writer_lock: WriterLock | None = None
    # Why the database is open read-only (another copy writes to it), shown by the GUI; None when writable.
    read_only_reason: str | None = None
    # The first opening of the day, with the backup left to the caller (``open_app(defer_daily_backup=True)``;
    # the GUI takes it in the background with ``services.backups.take_daily_backup``).
    daily_backup_due: bool = False
    # Why today's backup could not be taken (``open_app(backup_failure_ok=True)``), said by every command
    # until a backup succeeds; None when it was taken or not due.
    backup_problem: str | None = None

    @property
    def audit_key(self) -> AuditKey:
        return self.audit.key

    def close(self) -> None:
        self.db.dispose()
        if self.writer_lock is not None:
            self.writer_lock.release()
            self.writer_lock = None


DEFAULT_BACKUP_KEEP = 10


def backup_keep(database: Database) -> int:
    """How many automatic backups to keep (admin setting ``backup_keep``, default 10)."""
    from sqlalchemy import select

    from trialapp.storage.models import Setting

    table = Setting.__table__  # a Core read: an ORM one would configure every mapper (issue 22: CLI start)
    with database.read() as s:
        row = s.execute(select(table.c.value).where(table.c.key == "backup_keep")).first()
    value = row[0] if row is not None else DEFAULT_BACKUP_KEEP
    return value if isinstance(value, int) and value >= 1 else DEFAULT_BACKUP_KEEP


def open_app(
    db: str | Path | None = None,
    *,
    portable: bool = False,
    read_only: bool = False,
    paths: Paths | None = None,
    read_only_if_in_use: bool = False,
    defer_daily_backup: bool = False,
    backup_failure_ok: bool = False,
    audit_if_in_use: bool = False,
) -> App:
    """Resolve paths, take the database's writer lock, open (creating or upgrading) it, load the audit key.

    When another copy of the app holds the writer lock, raise DatabaseInUse (naming who and since when),
    or with ``read_only_if_in_use`` open read-only and say why in ``App.read_only_reason``.
    The first writable opening of a day takes a verified backup before returning, or with
    ``defer_daily_backup`` sets ``App.daily_backup_due`` and leaves it to the caller. When that backup cannot
    be written, BackupFailed is raised, or with ``backup_failure_ok`` (commands that change no records) the
    reason is kept in ``App.backup_problem`` and the database opens all the same. With ``audit_if_in_use``
    (the command line's reading commands), a copy opened read-only because another copy writes may still
    append its audited reads (exports, prints, backups) to the audit trail, and nothing else.
    """
    from trialapp.storage import opening
    from trialapp.storage.audit import AuditTrail, load_or_create_key
    from trialapp.storage.backup import BackupFailed, backed_up_today, clear_interrupted_restore, daily_backup
    from trialapp.storage.db import database_url, sqlite_path
    from trialapp.storage.opening import check_file, open_database
    from trialapp.storage.writer_lock import DatabaseInUse, WriterLock

    paths = paths or resolve_paths(str(db) if db is not None else None, portable=portable)
    ensure_default_dirs(paths)
    key = load_or_create_key(paths.config_dir)
    file = sqlite_path(database_url(paths.database))
    lock: WriterLock | None = None
    reason: str | None = None
    audit_only = False
    if file is not None and not read_only:
        if not file.parent.is_dir():
            check_file(file)  # the plain "folder does not exist" message
        if file.exists() and not opening.file_is_writable(file):
            if not read_only_if_in_use:
                raise opening.read_only_file_error(file)
            read_only, reason = True, str(opening.read_only_file_error(file))
    if file is not None and not read_only:
        try:
            lock = WriterLock.acquire(file)
        except DatabaseInUse as exc:
            if not read_only_if_in_use:
                raise
            read_only, reason, audit_only = True, str(exc), audit_if_in_use
    if lock is not None and file is not None:
        clear_interrupted_restore(file)  # a restore cut short by a crash: its copy was never put in place
    had_data = file is not None and file.exists() and file.stat().st_size > 0
    backup_due = False
    backup_problem: str | None = None
    try:
        database = open_database(paths.database, read_only=read_only, audit_only=audit_only)
        if database.damage is not None:
            if not read_only_if_in_use:
                database.dispose()
                raise opening.DatabaseDamaged(database.damage)
            read_only, reason = True, database.damage
        if file is not None and had_data and not read_only:
            if defer_daily_backup:
                backup_due = not backed_up_today(file)
            else:
                try:
                    daily_backup(file, keep=backup_keep(database))
                except BackupFailed as exc:
                    if not backup_failure_ok:
                        database.dispose()
                        raise
                    backup_problem = str(exc)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    from trialapp.storage.witness import witness_path

    trail = AuditTrail(key, witness_path(paths.config_dir, database.url))
    if file is not None and not had_data and trail.witness is not None:
        trail.witness.unlink(missing_ok=True)  # a new database at this path: the old one's witness is void
    database.write_hooks.append(trail)  # record digests and the chain's witness (issue 18 §7)
    if had_data and not read_only:
        trail.record_first_digests(database)  # once, after the upgrade that brought them: not in a user's save
    return App(
        paths=paths,
        db=database,
        audit=trail,
        writer_lock=lock,
        read_only_reason=reason,
        daily_backup_due=backup_due,
        backup_problem=backup_problem,
    )
