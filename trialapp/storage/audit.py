"""The audit trail: append-only, hash-chained, keyed with a per-installation secret.

Each row's hash is HMAC-SHA256(key, previous hash + the row's content). Editing, inserting or deleting a
row behind the app's back breaks the chain at that row; rewriting the whole chain needs the key, which is
kept outside the database (in the user's config directory); and the chain head printed on summaries and
exports exposes a rewrite even then.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from trialapp.storage import record_digest
from trialapp.storage.audit_actions import AuditAction
from trialapp.storage.errors import StorageError
from trialapp.storage.models import AuditEntry, Installation
from trialapp.storage.witness import Witness, write_witness

if TYPE_CHECKING:
    from trialapp.storage.db import Database

GENESIS = "0" * 64
KEY_FILE_NAME = "audit-chain.key"

_AUDIT = cast(Table, AuditEntry.__table__)
_INSTALLATION = cast(Table, Installation.__table__)
# Built once: a save runs them without building them again.
_REGISTERED_KEY = select(_INSTALLATION.c.audit_key_id).limit(1)
_HEAD = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_KEY_AND_HEAD = select(_REGISTERED_KEY.scalar_subquery(), _HEAD.scalar_subquery())
_INSERT_ENTRY = insert(_AUDIT)
_INSERT_INSTALLATION = insert(_INSTALLATION)
# Newest first: a database in use finds a digest row among its last rows, not after reading its whole old trail.
_DIGESTS_STARTED = (
    select(_AUDIT.c.id).where(_AUDIT.c.record_digests.is_not(None)).order_by(_AUDIT.c.id.desc()).limit(1)
)
_LAST_ROW = "trialapp_audit_last"  # connection.info: (id, hash) of the newest row this transaction appended
_STARTED = "trialapp_digests_started"  # connection.info: the database already holds record digests
DIGEST_ACTOR = "trialapp"


@dataclass(frozen=True)
class AuditKey:
    """The secret that keys the chain, and its public id (stored in the database)."""

    secret: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"trialapp-audit-key-id:" + self.secret).hexdigest()[:16]


KEY_BYTES = 32


class AuditKeyInvalid(StorageError):
    """The audit key file is empty or damaged: nothing can be verified or signed with it."""


def _key_file_refused(path: Path, what: str) -> AuditKeyInvalid:
    return AuditKeyInvalid(
        f"The audit key file '{path}' {what}, so the audit trail can neither be verified nor extended. "
        f"Nothing was changed. Put back '{KEY_FILE_NAME}' from your backups (it is kept with them), then "
        "run the command again."
    )


def load_key_file(path: Path) -> AuditKey:
    """Read an audit key file: exactly 32 bytes written as 64 hexadecimal digits, else AuditKeyInvalid."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _key_file_refused(path, f"cannot be read ({exc.strerror})") from exc
    text = raw.strip()
    if not text:
        raise _key_file_refused(path, "is empty")
    try:
        secret = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise _key_file_refused(path, "is damaged (it is not a key written by trialapp)") from None
    if len(secret) != KEY_BYTES:
        raise _key_file_refused(path, f"is damaged (it holds {len(secret)} bytes, not {KEY_BYTES})")
    return AuditKey(secret)


def _write_private(path: Path, text: str) -> None:
    """Write a new file readable by this account only, whatever the umask, then move it into place."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def load_or_create_key(config_dir: Path) -> AuditKey:
    """Read the installation's audit key, creating it (owner-only permissions) on first use.

    An empty or damaged key file is refused (AuditKeyInvalid), never taken as a key nor replaced.
    """
    path = config_dir / KEY_FILE_NAME
    if path.exists() or path.is_symlink():
        return load_key_file(path)
    config_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_bytes(KEY_BYTES)
    _write_private(path, secret.hex() + "\n")
    return AuditKey(secret)


def install_key(config_dir: Path, key: AuditKey, now: datetime | None = None) -> Path | None:
    """Make ``key`` this installation's audit key (restoring another installation's backup with its key).

    The current key file is kept aside (``audit-chain.key.replaced-DATE``), never overwritten; returns where.
    """
    path = config_dir / KEY_FILE_NAME
    aside: Path | None = None
    if path.exists():
        if path.read_bytes().strip() == key.secret.hex().encode("ascii"):
            return None
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{KEY_FILE_NAME}.replaced-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = path.with_name(f"{KEY_FILE_NAME}.replaced-{stamp}-{n}")
        os.link(path, aside)
    config_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_private(path, key.secret.hex() + "\n")
    return aside


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


# The columns a row's hash covers, in this order (with the previous row's hash).
_CONTENT = (
    "at_utc",
    "actor",
    "action",
    "table_name",
    "row_id",
    "field",
    "old_value",
    "new_value",
    "reason",
    "trial_id",
)


def _content(values: Mapping[str, Any]) -> bytes:
    fields = [values[name] for name in _CONTENT]
    if values.get("record_digests") is not None:  # rows written before revision 0005 hash as they always did
        fields.append(values["record_digests"])
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _chained(key: AuditKey, prev_hash: str, content: bytes) -> str:
    return hmac.new(key.secret, prev_hash.encode("ascii") + b"\x1f" + content, hashlib.sha256).hexdigest()


def row_hash(key: AuditKey, prev_hash: str, row: AuditEntry) -> str:
    """The chained, keyed hash of one audit row."""
    values = {name: getattr(row, name) for name in _CONTENT}
    values["record_digests"] = getattr(row, "record_digests", None)
    return _chained(key, prev_hash, _content(values))


class AuditTrail:
    """Appends audit rows inside the caller's transaction.

    Given to a Database as its write hooks (``Database.write_hooks``), it also appends the digests of the clinical
    rows each transaction wrote (record_digest.py) and, with ``witness``, keeps the chain's witness (witness.py).
    """

    def __init__(self, key: AuditKey, witness: Path | None = None) -> None:
        self.key = key
        self.witness = witness

    def begin_write(self, connection: Connection) -> None:
        """A write transaction begins: note the clinical rows it writes."""
        connection.info.pop(_LAST_ROW, None)  # a rolled-back transaction's row is no witness
        record_digest.track_writes(connection)

    def before_commit(self, connection: Connection) -> None:
        """Clinical rows written after the transaction's last audit row get a row of their own (rare: most
        services audit last)."""
        if record_digest.has_touched(connection):
            self.append(connection, actor=DIGEST_ACTOR, action=AuditAction.RECORD_DIGESTS)

    def _digests(self, connection: Connection) -> str | None:
        """The digests the next audit row carries: of the clinical rows written since the previous one; the
        first time in a database, of every clinical row (in rows of their own), so that none goes unproved."""
        digests = record_digest.touched_digests(connection, self.key.secret)
        if not digests:
            return None
        if not connection.info.get(_STARTED):
            connection.info[_STARTED] = True
            if connection.execute(_DIGESTS_STARTED).first() is None:
                # A large database: every portion but the last in rows of its own, written as it comes (held
                # all at once they were most of a first export's 821 MB); this row carries the last portion.
                portions = record_digest.all_digests(connection, self.key.secret)
                digests = next(portions)
                for portion in portions:
                    self._insert(connection, DIGEST_ACTOR, AuditAction.RECORD_DIGESTS, json.dumps(digests))
                    digests = portion
        return json.dumps(digests, separators=(",", ":"))

    def record_first_digests(self, database: Database) -> bool:
        """On a database that holds clinical records but no record digests yet (written before revision 0007),
        write the digests of every clinical record now, in a transaction of their own; whether it did.

        Called when the database is opened (on the worker that opens it in the window), so that the first save
        after an upgrade does not digest the whole database while the user waits (27 s for 2 million rows).
        Not on PostgreSQL (record digests are SQLite's), a read-only database, an empty one, or a database
        whose trail another installation's key signs (the first write says so, as before).
        """
        if database.read_only or database.engine.dialect.name != "sqlite":
            return False
        with database.engine.connect() as connection:
            if not self._first_digests_due(connection):
                return False
        with database.write_connection() as connection:
            if not self._first_digests_due(connection):  # another process wrote them meanwhile
                return False
            connection.info[_STARTED] = True
            for portion in record_digest.all_digests(connection, self.key.secret):
                self._insert(connection, DIGEST_ACTOR, AuditAction.RECORD_DIGESTS, json.dumps(portion))
        return True

    def _first_digests_due(self, connection: Connection) -> bool:
        registered = connection.execute(_REGISTERED_KEY).scalar()
        if registered != self.key.key_id or connection.execute(_DIGESTS_STARTED).first() is not None:
            return False
        return connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM patients)").scalar() == 1

    def after_commit(self, info: dict[Any, Any]) -> None:
        """The transaction committed: its newest audit row becomes the witness."""
        last = info.pop(_LAST_ROW, None)
        if last is not None and self.witness is not None:
            with suppress(OSError):  # the save stands; a witness that lags behind proves nothing wrong
                write_witness(self.witness, Witness(*last))

    def record(
        self,
        session: Session,
        *,
        actor: str,
        action: str,
        table: str | None = None,
        row_id: Any = None,
        field: str | None = None,
        old: Any = None,
        new: Any = None,
        reason: str | None = None,
        trial_id: int | None = None,
    ) -> None:
        """Append one row, chained to the current head, in the ORM session's write transaction.

        The session's pending rows are written first (as before any query), then the row goes in through
        :meth:`append`: one way to write the chain.
        """
        session.flush()
        self.append(
            session.connection(),
            actor=actor,
            action=action,
            table=table,
            row_id=row_id,
            field=field,
            old=old,
            new=new,
            reason=reason,
            trial_id=trial_id,
        )

    def append(
        self,
        connection: Connection,
        *,
        actor: str,
        action: str,
        table: str | None = None,
        row_id: Any = None,
        field: str | None = None,
        old: Any = None,
        new: Any = None,
        reason: str | None = None,
        trial_id: int | None = None,
    ) -> None:
        """Append one row, chained to the current head, in ``connection``'s write transaction.

        Checks the installation's key (registering it on a new database) and reads the chain head in one
        query, then inserts the hashed row with Core.
        """
        digests = self._digests(connection)
        registered, head = connection.execute(_KEY_AND_HEAD).one()
        self._check_key(connection, registered)
        entry = self._entry(
            head or GENESIS, actor, action, table, row_id, field, old, new, reason, trial_id, digests
        )
        self._store(connection, entry)

    def _insert(self, connection: Connection, actor: str, action: str, digests: str) -> None:
        """A ``record_digests`` row (the first digests of a database)."""
        head = connection.execute(_HEAD).scalar()
        entry = self._entry(head or GENESIS, actor, action, None, None, None, None, None, None, None, digests)
        self._store(connection, entry)

    def _store(self, connection: Connection, entry: dict[str, Any]) -> None:
        inserted = connection.execute(_INSERT_ENTRY, entry).inserted_primary_key
        if inserted is not None:
            connection.info[_LAST_ROW] = (int(inserted[0]), entry["hash"])

    def _entry(
        self,
        prev: str,
        actor: str,
        action: str,
        table: str | None,
        row_id: Any,
        field: str | None,
        old: Any,
        new: Any,
        reason: str | None,
        trial_id: int | None,
        digests: str | None = None,
    ) -> dict[str, Any]:
        """The column values of the next row of the chain after ``prev`` (with the record digests it carries),
        hashed once."""
        entry: dict[str, Any] = {
            "at_utc": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": str(action),  # an AuditAction is stored (and hashed) as its plain value
            "table_name": table,
            "row_id": None if row_id is None else str(row_id),
            "field": field,
            "old_value": _text(old),
            "new_value": _text(new),
            "reason": reason,
            "trial_id": trial_id,
            "prev_hash": prev,
        }
        if digests is not None:
            entry["record_digests"] = digests
        entry["hash"] = _chained(self.key, prev, _content(entry))
        return entry

    def record_changes(
        self,
        session: Session,
        *,
        actor: str,
        table: str,
        row_id: Any,
        changes: Mapping[str, tuple[Any, Any]],
        reason: str | None = None,
        trial_id: int | None = None,
    ) -> None:
        """One audit row per changed field: (old, new)."""
        for field, (old, new) in changes.items():
            self.record(
                session,
                actor=actor,
                action=AuditAction.UPDATE,
                table=table,
                row_id=row_id,
                field=field,
                old=old,
                new=new,
                reason=reason,
                trial_id=trial_id,
            )

    def _check_key(self, connection: Connection, registered: str | None) -> None:
        if registered is None:
            connection.execute(
                _INSERT_INSTALLATION, {"audit_key_id": self.key.key_id, "created_at": datetime.now(UTC)}
            )
        elif registered != self.key.key_id:
            raise AuditKeyMismatch(registered, self.key.key_id)


class AuditKeyMismatch(Exception):
    def __init__(self, expected: str, found: str) -> None:
        super().__init__(
            f"This database's audit trail was signed with audit key {expected}, but this installation's "
            f"key is {found}. Bring the key from a computer that uses this database: there, run "
            "'trialapp key export FILE'; here, 'trialapp key import FILE --replace' (docs/server.md). Or open "
            "the database on that computer."
        )
        self.expected = expected
        self.found = found


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    head: str
    first_bad_row: int | None = None
    problem: str | None = None


def verify_chain(session: Session, key: AuditKey) -> ChainReport:
    """Recompute every link of the chain; name the first row that does not verify."""
    installation = session.execute(select(Installation).limit(1)).scalar()
    if installation is not None and installation.audit_key_id != key.key_id:
        return ChainReport(
            False, 0, GENESIS, None, str(AuditKeyMismatch(installation.audit_key_id, key.key_id))
        )
    prev = GENESIS
    count = 0
    # Plain rows, not ORM objects: the check of a large database reads every audit row (issue 22).
    for row in session.execute(_CHAIN_ROWS).mappings():
        count += 1
        row_id = row["id"]
        if row["prev_hash"] != prev:
            return ChainReport(
                False,
                count,
                prev,
                row_id,
                f"audit row {row_id} does not follow row before it: a row was deleted or inserted before it",
            )
        if not hmac.compare_digest(_chained(key, prev, _content(dict(row))), row["hash"]):
            return ChainReport(
                False, count, prev, row_id, f"audit row {row_id} was changed after it was written"
            )
        prev = row["hash"]
    return ChainReport(True, count, prev)


_CHAIN_ROWS = select(
    _AUDIT.c.id, _AUDIT.c.prev_hash, _AUDIT.c.hash, _AUDIT.c.record_digests, *(_AUDIT.c[n] for n in _CONTENT)
).order_by(_AUDIT.c.id)


def chain_head(session: Session) -> str:
    """The hash of the newest audit row (the value printed on summaries and exports)."""
    head = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    return head or GENESIS
