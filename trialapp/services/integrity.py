"""The `check` use case: database integrity, foreign keys, and the audit chain."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from trialapp.services.context import App
from trialapp.storage.audit import GENESIS, verify_chain
from trialapp.storage.maintenance import database_problems


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    problems: list[str]
    audit_rows: int
    chain_head: str
    first_bad_audit_row: int | None


def check(app: App) -> CheckReport:
    """Run every check; each problem is a sentence naming what is wrong."""
    problems = database_problems(app.db)
    try:
        with app.db.read() as s:
            chain = verify_chain(s, app.audit_key)
    except (DBAPIError, UnicodeDecodeError) as exc:  # a damaged page or undecodable text in the audit trail
        problems.append(f"the database is damaged: the audit trail cannot be read ({getattr(exc, 'orig', exc)})")
        return CheckReport(False, problems, 0, GENESIS, None)
    if not chain.ok and chain.problem:
        problems.append(chain.problem)
    return CheckReport(not problems, problems, chain.rows, chain.head, chain.first_bad_row)
