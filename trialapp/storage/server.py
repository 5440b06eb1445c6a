"""Ward server administration on PostgreSQL (docs/server.md): the app role's privileges.

Two roles share a ward server: the **owner** of the database runs the migrations (`trialapp --db OWNER_URL
upgrade`) and grants; the **app role** that every laptop signs in with may read and write the clinical
tables but may only read and append to the audit trail — never UPDATE, DELETE or TRUNCATE it, never drop its
triggers (they belong to the owner). So even someone holding the app's password cannot rewrite history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Engine

from trialapp.storage.errors import StorageError

#: Tables the app role may read and append to, never change.
APPEND_ONLY_TABLES = ("audit_log", "installation")
#: Tables the app role may only read (the owner's migrations write them).
READ_ONLY_TABLES = ("alembic_version",)

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class NotAServer(StorageError):
    """The command needs the ward server (PostgreSQL), not a database file."""


def _quoted_role(role: str) -> str:
    if not _ROLE_NAME.fullmatch(role):
        raise StorageError(
            f"'{role}' is not a role name trialapp grants to: use lower-case letters, digits and _ "
            "(for example trialapp_ward), as created with CREATE ROLE."
        )
    return f'"{role}"'


def grant_statements(role: str, tables: Iterable[str], sequences: Iterable[str]) -> list[str]:
    """The GRANT/REVOKE statements that give ``role`` what the app needs and no more."""
    who = _quoted_role(role)
    statements = [f"GRANT USAGE ON SCHEMA public TO {who}"]
    for table in sorted(tables):
        name = f'public."{table}"'
        statements.append(f"REVOKE ALL ON {name} FROM {who}")
        if table in APPEND_ONLY_TABLES:
            statements.append(f"GRANT SELECT, INSERT ON {name} TO {who}")
        elif table in READ_ONLY_TABLES:
            statements.append(f"GRANT SELECT ON {name} TO {who}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {who}")
    for sequence in sorted(sequences):
        statements.append(f'GRANT USAGE, SELECT ON SEQUENCE public."{sequence}" TO {who}')
    return statements


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Run :func:`grant_statements` for every table and sequence of the database, as its owner, in one
    transaction; returns what was run. Run it again after each ``upgrade`` (new tables)."""
    if engine.dialect.name != "postgresql":
        raise NotAServer("Roles are granted on the ward server (PostgreSQL) only; a database file has none.")
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if exists is None:
            raise StorageError(
                f"There is no role '{role}' on this server. Create it first (docs/server.md, step 2): "
                f"CREATE ROLE {role} LOGIN PASSWORD '…';"
            )
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        sequences = conn.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
        ).scalars()
        statements = grant_statements(role, list(tables), list(sequences))
        for statement in statements:
            conn.exec_driver_sql(statement)
    return statements
