"""`check` on the ward server: the checks that apply to PostgreSQL, and the words for those that do not.

SQLite's page and foreign-key pragmas have no PostgreSQL form. Here: every foreign key of the schema is
present and validated, no row refers to a row that does not exist (an orphan left by a constraint dropped or
disabled outside trialapp), and the schema is at this app's revision. The audit chain, its triggers and its
witness are checked for both backends by services/integrity.py.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from trialapp.storage.db import Database

#: What `check` cannot do on the ward server, and why (printed, so that "sound" never hides a skipped check).
SKIPPED_ON_SERVER = (
    "the database's own pages (SQLite's integrity check has no PostgreSQL form): run PostgreSQL's pg_amcheck "
    "on the server for that",
    "record digests: the ward server does not keep them yet, so a clinical record changed outside trialapp "
    "(with the database's own tools) is not found by this check; the audit trail itself is verified",
)


def server_problems(database: Database) -> list[str]:
    """Missing or unvalidated foreign keys, orphan rows, and a schema behind or ahead of this app."""
    from trialapp.storage.schema import metadata

    problems: list[str] = []
    with database.engine.connect() as connection:
        present = {
            (str(table), str(name), bool(valid))
            for table, name, valid in connection.execute(
                text(
                    "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint "
                    "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
                )
            )
        }
        names = {name for _, name, _ in present}
        problems += [
            f"the foreign key {name} of {table} is not validated (it was added or changed outside trialapp)"
            for table, name, valid in sorted(present)
            if not valid
        ]
        for table in metadata.sorted_tables:
            for fk in table.foreign_key_constraints:
                if fk.name and str(fk.name) not in names:
                    problems.append(
                        f"the foreign key {fk.name} of {table.name} is missing (dropped outside trialapp): rows "
                        "could refer to rows that do not exist"
                    )
                problems += _orphans(connection, table.name, fk)
        problems += _revision_problems(connection)
    return problems


def _orphans(connection: Connection, table: str, fk: object) -> list[str]:
    columns = list(fk.columns)  # type: ignore[attr-defined]
    if len(columns) != 1:
        return []
    column = columns[0]
    target = next(iter(column.foreign_keys)).column
    count = connection.execute(
        text(
            f'SELECT count(*) FROM "{table}" c WHERE c."{column.name}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM "{target.table.name}" p WHERE p."{target.name}" = c."{column.name}")'
        )
    ).scalar_one()
    if not count:
        return []
    return [f"{count} row(s) of {table} refer to a {target.table.name} row that does not exist"]


def _revision_problems(connection: Connection) -> list[str]:
    from trialapp.storage.migrate import written_head

    head = written_head()
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if head is None or found == [head]:
        return []
    return [
        f"the schema is at revision {', '.join(found) or '(none)'}, but this app expects {head}: ask IT to run "
        "'trialapp --db URL upgrade' as the owner (docs/server.md)"
    ]
