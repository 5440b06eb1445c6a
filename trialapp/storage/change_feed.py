"""The change feed: tells an open window that another laptop (or process) has saved something.

Every write transaction appends to the audit trail, so the audit chain's newest row id is a change counter for
the whole database. On PostgreSQL every write transaction also issues ``NOTIFY trialapp_changes`` just before it
commits (:class:`ChangeNotifier`, one of the database's write hooks; a notification is delivered only when its
transaction commits), and :class:`ChangeFeed` LISTENs on a connection of its own, so a poll with nothing new
costs no query. On SQLite (another process on the same file) a poll reads ``max(audit_log.id)``: one index
look-up. Either way a poll never waits for a notification: the window polls from a worker thread about once a
second, and a server that cannot be reached is reported as :class:`ServerUnreachable`.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from trialapp.storage.db import SERVER_UNREACHABLE, Database, ServerUnreachable
from trialapp.storage.models import AuditEntry

CHANNEL = "trialapp_changes"
# A listener that was reconnected may have missed notifications: it reads the head once, and every so many polls
# anyway (a NOTIFY lost to a restarted server costs at most this many seconds of staleness).
_READ_HEAD_EVERY = 30
_CONNECT_TIMEOUT_S = 5
_HEAD = select(func.max(AuditEntry.id))

__all__ = [
    "CHANNEL",
    "SERVER_UNREACHABLE",
    "ChangeFeed",
    "ChangeNotifier",
    "SavedChange",
    "ServerUnreachable",
    "changes_between",
    "install_notifier",
]


class ChangeNotifier:
    """A write hook (``Database.write_hooks``) that tells PostgreSQL listeners of each write, in its transaction."""

    def begin_write(self, connection: Connection) -> None:
        return None

    def before_commit(self, connection: Connection) -> None:
        connection.exec_driver_sql(f"NOTIFY {CHANNEL}")

    def after_commit(self, info: dict[Any, Any]) -> None:
        return None


def install_notifier(database: Database) -> None:
    """On PostgreSQL, make every write transaction notify the listeners (once per database)."""
    if database.engine.dialect.name != "postgresql":
        return
    if not any(isinstance(hook, ChangeNotifier) for hook in database.write_hooks):
        database.write_hooks.append(ChangeNotifier())


@dataclass
class _Listener:
    """A PostgreSQL connection of its own, in autocommit, LISTENing on the channel."""

    connection: Any

    def pending(self) -> bool:
        """True when a notification has arrived since the last call; never waits."""
        import psycopg

        pgconn = self.connection.pgconn
        arrived = False
        try:
            pgconn.consume_input()  # reads what the socket holds, without blocking
            while pgconn.notifies() is not None:
                arrived = True
        except psycopg.Error as exc:
            raise ServerUnreachable(detail=str(exc)) from exc
        if pgconn.status != 0:  # CONNECTION_BAD: the server went away
            raise ServerUnreachable(detail="the listening connection was lost")
        return arrived

    def close(self) -> None:
        with suppress(Exception):  # closing a dead connection may fail in any way; it is gone either way
            self.connection.close()


class ChangeFeed:
    """Polls the database for writes committed by any connection since the last poll."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._postgres = database.engine.dialect.name == "postgresql"
        self._listener: _Listener | None = None
        self._polls = 0
        self.head: int | None = None
        self.head = self._read_head()

    def poll(self) -> int | None:
        """The audit trail's new head row id when it moved since the last poll, else None.

        Raises :class:`ServerUnreachable` when the database cannot be reached; the next poll tries again.
        """
        self._polls += 1
        if self._postgres:
            fresh_listener = self._listener is None
            try:
                listener = self._listen()
                notified = listener.pending()
            except ServerUnreachable:
                self._drop_listener()
                raise
            if not (notified or fresh_listener or self._polls % _READ_HEAD_EVERY == 0):
                return None
        head = self._read_head()
        if head == self.head:
            return None
        self.head = head
        return head

    def close(self) -> None:
        self._drop_listener()

    def _read_head(self) -> int | None:
        try:
            with self._database.engine.connect() as connection:
                value = connection.execute(_HEAD).scalar()
        except DBAPIError as exc:
            if self._postgres:
                raise ServerUnreachable(detail=str(getattr(exc, "orig", exc))) from exc
            raise
        return None if value is None else int(value)

    def _listen(self) -> _Listener:
        if self._listener is None:
            import psycopg

            url = make_url(self._database.url).set(drivername="postgresql")
            try:
                connection = psycopg.connect(
                    url.render_as_string(hide_password=False),
                    autocommit=True,
                    connect_timeout=_CONNECT_TIMEOUT_S,
                )
                connection.execute(f"LISTEN {CHANNEL}")
            except psycopg.Error as exc:
                raise ServerUnreachable(detail=str(exc)) from exc
            self._listener = _Listener(connection)
        return self._listener

    def _drop_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None


@dataclass(frozen=True)
class SavedChange:
    """One audit row written since a poll: who did what, to which trial."""

    audit_id: int
    actor: str  # the audit label: user:NAME or os:NAME
    full_name: str | None  # the user's name when the actor is a user of this database
    role: str | None
    action: str
    table: str | None
    trial: str | None  # the trial's public id
    new_value: str | None


# A bulk import can write thousands of rows; a window needs only the newest to say who saved what.
_CHANGES_SHOWN = 200


def changes_between(database: Database, after: int | None, upto: int) -> list[SavedChange]:
    """The audit rows after row ``after`` up to row ``upto`` (the newest ones when there are many), oldest first."""
    from trialapp.storage.models import TrialRow, User

    query = (
        select(
            AuditEntry.id,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.table_name,
            TrialRow.public_id,
            AuditEntry.new_value,
        )
        .outerjoin(TrialRow, TrialRow.id == AuditEntry.trial_id)
        .where(AuditEntry.id > (after or 0), AuditEntry.id <= upto)
        .order_by(AuditEntry.id.desc())
        .limit(_CHANGES_SHOWN)
    )
    with database.read() as session:
        rows = session.execute(query).all()
        names = {r.actor.removeprefix("user:") for r in rows if r.actor.startswith("user:")}
        people = {
            u.username: (u.full_name, u.role)
            for u in session.execute(
                select(User.username, User.full_name, User.role).where(User.username.in_(names))
            )
        }
    changes = []
    for r in reversed(rows):
        full_name, role = people.get(r.actor.removeprefix("user:"), (None, None))
        changes.append(
            SavedChange(r.id, r.actor, full_name, role, r.action, r.table_name, r.public_id, r.new_value)
        )
    return changes
