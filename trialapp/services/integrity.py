"""The `check` use case: database integrity, foreign keys, the audit chain, its length, its triggers, and the
clinical records against the digests the audit trail holds (issue 18 §7)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError

from trialapp.services.context import App
from trialapp.storage import record_digest
from trialapp.storage.audit import GENESIS, ChainReport, verify_chain
from trialapp.storage.maintenance import database_problems
from trialapp.storage.models import AuditEntry
from trialapp.storage.witness import Witness, read_witness

TRIGGERS_SQLITE = ("audit_log_no_update", "audit_log_no_delete")
TRIGGERS_POSTGRESQL = ("audit_log_no_change",)
MAX_LISTED = 20  # records named one by one; beyond, a count


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    problems: list[str]
    audit_rows: int
    chain_head: str
    first_bad_audit_row: int | None
    skipped: tuple[str, ...] = ()  # checks that do not apply here, each with why (the ward server)


Progress = Callable[[str], None]


def check(app: App, progress: Progress | None = None) -> CheckReport:
    """Run every check; each problem is a sentence naming what is wrong. ``progress`` hears each step's name.

    SQLite's own checks (integrity, foreign keys, text that is not UTF-8) run on a second thread beside the
    audit trail's: they run in C without holding the GIL, so on two CPUs the check takes about as long as the
    longer of the two instead of their sum (issue 22). Their problems still come first.
    """
    say = progress or (lambda _step: None)
    say("database integrity")
    skipped: tuple[str, ...] = ()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trialapp-check") as pool:
        database = pool.submit(database_problems, app.db)
        trail, chain = _trail_problems(app, say)
        problems = database.result()
    if app.db.engine.dialect.name == "postgresql":
        from trialapp.storage import pg_check

        problems += pg_check.server_problems(app.db)
        skipped = pg_check.SKIPPED_ON_SERVER
    problems += trail
    if chain is None:
        return CheckReport(False, problems, 0, GENESIS, None, skipped)
    return CheckReport(not problems, problems, chain.rows, chain.head, chain.first_bad_row, skipped)


def _trail_problems(app: App, say: Progress) -> tuple[list[str], ChainReport | None]:
    """The audit trail's checks and the clinical records'; no chain report when the trail cannot be read."""
    problems: list[str] = []
    try:
        say("audit trail")
        # The witness first, then the trail in one read transaction: a save on another laptop commits its audit
        # row before it moves the witness on, so the trail read after the witness holds the row it names (read
        # the other way round, a save in between was reported as "the newest audit rows were deleted").
        witness_file = app.audit.witness
        witness = read_witness(witness_file) if witness_file is not None else None
        with app.db.read() as s:
            chain = verify_chain(s, app.audit_key)
            if not chain.ok and chain.problem:
                problems.append(chain.problem)  # first: the row it names is where to start looking
            connection = s.connection()
            problems += _missing_triggers(connection)
            problems += _witness_problems(witness, connection)
            if chain.ok and record_digest.is_sqlite(connection):
                say("clinical records")
                problems += _record_problems(connection, app.audit_key.secret)
    except (DBAPIError, sqlite3.Error, UnicodeDecodeError) as exc:  # a damaged page or undecodable text
        problems.append(
            f"the database is damaged: the audit trail cannot be read ({getattr(exc, 'orig', exc)})"
        )
        return problems, None
    return problems, chain


def _missing_triggers(connection: Connection) -> list[str]:
    names: tuple[str, ...] = TRIGGERS_SQLITE
    query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    if not record_digest.is_sqlite(connection):
        names, query = TRIGGERS_POSTGRESQL, "SELECT tgname FROM pg_trigger"
    present = {name for (name,) in connection.execute(text(query))}
    return [
        f"the audit trail's append-only trigger {name} is missing: rows could be changed or deleted without "
        "an error (it was dropped outside trialapp)"
        for name in names
        if name not in present
    ]


def _witness_problems(witness: Witness | None, connection: Connection) -> list[str]:
    if witness is None:
        return []
    found = connection.execute(select(AuditEntry.hash).where(AuditEntry.id == witness.row)).scalar()
    if found == witness.hash:
        return []
    last = connection.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    now = f"it now ends at row {last}" if last is not None else "it now has no rows at all"
    return [
        f"the newest audit rows were deleted: this installation last wrote audit row {witness.row}, but "
        f"{now} (or an older copy of the database was put in place without trialapp)"
    ]


def _latest_digests(connection: Connection) -> dict[str, dict[str, str | None]]:
    latest: dict[str, dict[str, str | None]] = {}
    rows = connection.execute(
        select(AuditEntry.record_digests)
        .where(AuditEntry.record_digests.is_not(None))
        .order_by(AuditEntry.id)
    )
    for (value,) in rows:
        for table, digests in json.loads(value or "{}").items():
            latest.setdefault(table, {}).update(digests)
    return latest


def _record_problems(connection: Connection, key: bytes) -> list[str]:
    """Every current clinical row against its latest digest: changed, added or deleted outside trialapp."""
    latest = _latest_digests(connection)
    if not latest:
        return []  # written before record digests existed: proved from the next save on
    found: list[str] = []
    for table, word in record_digest.CLINICAL_TABLES.items():
        for row in record_digest.mismatches(connection, key, table, latest.get(table, {})):
            if row.current is None:
                found.append(f"{word} {row.row_id} was deleted outside trialapp (the audit trail holds it)")
            elif not row.known:
                found.append(f"{word} {row.row_id} was added outside trialapp (the audit trail never saw it)")
            elif row.stored is None:
                found.append(
                    f"{word} {row.row_id} was deleted with trialapp but is back (put back outside trialapp)"
                )
            else:
                fields = record_digest.changed_fields(row.stored, row.current, row.names)
                where = (
                    ", ".join(name.replace("_", " ") for name in fields) or "a field was emptied or filled in"
                )
                found.append(f"{word} {row.row_id} was changed outside trialapp: {where}")
    if len(found) > MAX_LISTED:
        return [
            f"{len(found)} records were changed outside trialapp; the first {MAX_LISTED}:",
            *found[:MAX_LISTED],
        ]
    return found
