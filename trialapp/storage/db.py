"""The database engine and its connection settings.

This is the only module that knows SQLite exists: the connection hook applies the durability and
safety pragmas of DESIGN.md, and makes write transactions take SQLite's write lock up front
(``BEGIN IMMEDIATE``) so that a read-then-write transaction can never fail half-way with a stale
snapshot. Everything else in storage/ is portable SQL, so a site can move to PostgreSQL by URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from trialapp.storage.errors import StorageError

BUSY_TIMEOUT_MS = 10_000

# Applied on every new connection, outside any transaction (WAL cannot be switched inside one).
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA trusted_schema=OFF",
)


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL for a file path or an URL given by the user."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


# A copy that only reads while another copy holds the writer lock (the command line beside the open app) may
# still append to the audit trail, so that its audited reads (an export, a print, a backup) are recorded;
# SQLite serialises it with the writer (BEGIN IMMEDIATE, busy timeout). Its connections refuse, in SQLite
# itself, every other change: an insert into any other table, any update or delete, any schema change.
AUDIT_ONLY_TABLES = frozenset({"audit_log", "sqlite_sequence"})


def _audit_only_authorizer(action: int, arg1: str | None, _arg2: Any, database: str | None, _source: Any) -> int:
    import sqlite3

    if database == "temp" or action in _TEMP_SCHEMA:
        return sqlite3.SQLITE_OK  # this connection's own scratch objects (record_digest's temp triggers)
    if arg1 in _SCHEMA_TABLES:
        # SQLite's own bookkeeping of a schema change, which is authorised (or refused) as itself: a temp
        # trigger on a main table is recorded through main's schema table.
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_INSERT:
        return sqlite3.SQLITE_OK if arg1 in AUDIT_ONLY_TABLES else sqlite3.SQLITE_DENY
    if action in _AUDIT_ONLY_REFUSED:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _refused_actions() -> frozenset[int]:
    import sqlite3

    names = (
        "UPDATE DELETE ALTER_TABLE REINDEX ANALYZE ATTACH DETACH CREATE_INDEX CREATE_TABLE CREATE_TRIGGER "
        "CREATE_VIEW CREATE_VTABLE DROP_INDEX DROP_TABLE DROP_TRIGGER DROP_VIEW DROP_VTABLE"
    )
    return frozenset(getattr(sqlite3, f"SQLITE_{name}") for name in names.split())


def _temp_schema_actions() -> frozenset[int]:
    import sqlite3

    names = "INDEX TABLE TRIGGER VIEW"
    return frozenset(
        getattr(sqlite3, f"SQLITE_{verb}_TEMP_{name}") for verb in ("CREATE", "DROP") for name in names.split()
    )


_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"})
_AUDIT_ONLY_REFUSED = _refused_actions()
_TEMP_SCHEMA = _temp_schema_actions()


def _install_sqlite_hooks(engine: Engine, *, read_only: bool, audit_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module: SQLAlchemy's "begin" event below emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                if read_only and pragma.startswith("PRAGMA journal_mode"):
                    continue  # changing the journal needs write access
                cursor.execute(pragma)
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
        finally:
            cursor.close()
        if audit_only:
            dbapi_connection.set_authorizer(_audit_only_authorizer)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


# PostgreSQL: every write transaction takes this transaction-level advisory lock first, so writes run one at a
# time as SQLite's BEGIN IMMEDIATE makes them on a file. A write service then reads the facts its rules judge
# (the day's doses, the reassessment slots, the audit chain's head) only after every earlier write has committed:
# two laptops giving the same day's dose at once give it once, and the audit chain never forks. Waiting is
# bounded (WRITE_LOCK_TIMEOUT), then the user reads DatabaseBusy's sentence. The key spells "trialapp".
WRITE_LOCK_KEY = 0x7472_6961_6C61_7070
WRITE_LOCK_TIMEOUT = "10s"


def _install_postgresql_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # Every use of the engine (a session, a Core connection, the permission check's own read) says a server
        # that cannot be reached in one sentence, never as a driver error; the pool's own ping is left to it.
        if context.is_pre_ping or not isinstance(context.sqlalchemy_exception, OperationalError):
            return
        unreachable = unreachable_error(context.sqlalchemy_exception)
        if unreachable is not None:
            raise unreachable from context.original_exception

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("trialapp_writer"):
            # One round trip: set_config(..., true) is SET LOCAL, evaluated before the lock is waited for.
            connection.exec_driver_sql(
                f"SELECT set_config('lock_timeout', '{WRITE_LOCK_TIMEOUT}', true), "
                f"pg_advisory_xact_lock({WRITE_LOCK_KEY})"
            )


DAMAGE_WORDS = ("malformed", "not a database", "could not decode", "corrupt")
# libpq's words when the server is down or the network is gone (before or during a transaction).
UNREACHABLE_WORDS = (
    "connection refused",
    "could not connect",
    "connection failed",
    "server closed the connection",
    "terminating connection",
    "no connection to the server",
    "connection is lost",
    "consuming input failed",
    "could not translate host name",
    "timeout expired",
)


SAVE_UNREACHABLE = (
    "The server cannot be reached, so nothing was saved. What you typed is kept on this laptop; save again when "
    "the status bar says the server is back."
)


SERVER_UNREACHABLE = (
    "The server cannot be reached now. What you typed stays in its form on this laptop; the window keeps trying "
    "and says when the server is back."
)


class ServerUnreachable(StorageError):
    """The database server cannot be reached now (the network, or the server is down)."""

    def __init__(self, message: str = SERVER_UNREACHABLE, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def unreachable_error(exc: BaseException, message: str | None = None) -> ServerUnreachable | None:
    """A ServerUnreachable when ``exc`` says the server cannot be reached (else None)."""
    text = str(getattr(exc, "orig", exc)).lower()
    if not any(words in text for words in UNREACHABLE_WORDS):
        return None
    return ServerUnreachable(detail=text) if message is None else ServerUnreachable(message, detail=text)


def plain_storage_error(exc: OperationalError, path: Path | None = None) -> Exception:
    """Turn a database failure during a save into a message that says what happened and what to do."""
    from trialapp.storage.errors import DatabaseBusy, DatabaseReadOnly, DiskFull, StorageError

    unreachable = unreachable_error(exc, SAVE_UNREACHABLE)
    if unreachable is not None:
        return unreachable
    text = str(getattr(exc, "orig", exc)).lower()
    if any(words in text for words in DAMAGE_WORDS):
        from trialapp.storage.opening import DatabaseDamaged, damaged_message

        detail = str(getattr(exc, "orig", exc))
        return DatabaseDamaged(damaged_message(path, detail) if path else f"The database is damaged ({detail}).")
    if "full" in text:
        return DiskFull(
            "The disk is full, so nothing was saved. Free some space (or ask IT to), then save again; what you "
            "typed is still in the form."
        )
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return DatabaseBusy(
            "The database is busy with another copy of trialapp, so nothing was saved. Save again in a moment."
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseReadOnly(
            "The database file cannot be written (it is read-only), so nothing was saved. Ask IT to give your "
            "account write access to it, or open a copy."
        )
    return StorageError(
        f"The database could not save this ({text}). Nothing was saved. Try again; if it keeps failing, run "
        "'trialapp check' and tell your admin."
    )


def make_engine(url: str, *, read_only: bool = False, audit_only: bool = False) -> Engine:
    """Create the engine for ``url`` with the connection settings of DESIGN.md.

    ``audit_only`` (SQLite, with ``read_only``): the connections may append to the audit trail and change
    nothing else (see AUDIT_ONLY_TABLES)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        audit_only = audit_only and read_only
        if path is not None and read_only and not audit_only:
            url = f"sqlite:///file:{path}?mode=ro&uri=true"
        engine = create_engine(url, connect_args=connect_args)
        _install_sqlite_hooks(engine, read_only=read_only and not audit_only, audit_only=audit_only)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if parsed.get_backend_name() == "postgresql":
        _install_postgresql_hooks(engine)
    return engine


class WriteHooks(Protocol):
    """Told of each write transaction (the audit trail: record digests and the chain's witness)."""

    def begin_write(self, connection: Connection) -> None: ...
    def before_commit(self, connection: Connection) -> None: ...
    def after_commit(self, info: dict[Any, Any]) -> None: ...


@dataclass
class Database:
    """An open database: the engine plus session factories for reading and for writing."""

    url: str
    engine: Engine
    read_only: bool = False
    # Read-only, but audited reads may append to the audit trail (make_engine's ``audit_only``).
    audit_only: bool = False
    # Why the database was opened read-only although writing was asked: SQLite found damage (the message).
    damage: str | None = None
    write_hooks: list[WriteHooks] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_engine = self.engine
        if self.engine.dialect.name == "sqlite":
            writer_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        elif self.engine.dialect.name == "postgresql":
            writer_engine = self.engine.execution_options(trialapp_writer=True)
            from trialapp.storage.change_feed import install_notifier  # change_feed imports this module

            install_notifier(self)
        self._writer_engine = writer_engine
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)

    def owns(self, connection: Connection) -> bool:
        """Whether ``connection`` is one of this database's own (read or write)."""
        return connection.engine.pool is self.engine.pool

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None when the database is not a local file."""
        return sqlite_path(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing is committed. Loaded objects stay readable after it closes."""
        try:
            with self._reader() as session:
                yield session
        except OperationalError as exc:
            unreachable = unreachable_error(exc)
            if unreachable is None:
                raise
            raise unreachable from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One user action = one transaction: commits on success, rolls back on any error."""
        self._refuse_when_read_only()
        try:
            with self._writer() as session, session.begin():
                info = self._begin_hooks(session.connection()) if self.write_hooks else None
                yield session
                if info is not None:
                    session.flush()
                    self._before_commit_hooks(session.connection())
        except OperationalError as exc:
            raise plain_storage_error(exc, self.path) from exc
        except ServerUnreachable as exc:
            raise ServerUnreachable(SAVE_UNREACHABLE, exc.detail) from exc
        except DatabaseError as exc:
            raise self._refused_change(exc) from exc
        if info is not None:
            self._after_commit_hooks(info)

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """The transaction of :meth:`write` (the write lock up front, commit on success, roll back on any
        error, the same plain messages) on a Core connection, without an ORM session: for frequent saves
        written with Core statements, where the session's bookkeeping costs more than the statements."""
        self._refuse_when_read_only()
        try:
            with self._writer_engine.connect() as connection, connection.begin():
                info = self._begin_hooks(connection) if self.write_hooks else None
                yield connection
                if info is not None:
                    self._before_commit_hooks(connection)
        except OperationalError as exc:
            raise plain_storage_error(exc, self.path) from exc
        except ServerUnreachable as exc:
            raise ServerUnreachable(SAVE_UNREACHABLE, exc.detail) from exc
        except DatabaseError as exc:
            raise self._refused_change(exc) from exc
        if info is not None:
            self._after_commit_hooks(info)

    def _begin_hooks(self, connection: Connection) -> dict[Any, Any]:
        for hooks in self.write_hooks:
            hooks.begin_write(connection)
        return connection.info

    def _before_commit_hooks(self, connection: Connection) -> None:
        for hooks in self.write_hooks:
            hooks.before_commit(connection)

    def _after_commit_hooks(self, info: dict[Any, Any]) -> None:
        for hooks in self.write_hooks:
            hooks.after_commit(info)

    def _refuse_when_read_only(self) -> None:
        if self.read_only and not self.audit_only:
            raise self._read_only_error()

    @staticmethod
    def _read_only_error() -> Exception:
        from trialapp.storage.errors import DatabaseReadOnly

        return DatabaseReadOnly(
            "This database is open read-only, so nothing can be saved. "
            "Close the other copy of trialapp that is using it, then open it again."
        )

    def _refused_change(self, exc: DatabaseError) -> Exception:
        """An audit-only copy tried to change a record: SQLite refused it; say it as a read-only copy."""
        if self.audit_only and "not authorized" in str(getattr(exc, "orig", exc)):
            return self._read_only_error()
        return exc

    def dispose(self) -> None:
        self.engine.dispose()
