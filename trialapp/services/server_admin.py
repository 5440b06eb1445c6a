"""Ward server administration for hospital IT (docs/server.md): bring the schema up to this app's version as
the database's owner, and grant the app role its privileges. Not a user action of the clinic: these run from
the command line with the owner's credentials, like `restore`, and change no clinical record."""

from __future__ import annotations

from trialapp.config import Paths


def upgrade_database(paths: Paths) -> str:
    """Open the database with its migrations (a file is backed up first) and return its schema revision."""
    from trialapp.storage import migrate
    from trialapp.storage.opening import open_database

    database = open_database(paths.database)
    try:
        revision = migrate.current_revision(database.engine)
    finally:
        database.dispose()
    return revision or "(empty)"


def grant_app_role(paths: Paths, role: str) -> list[str]:
    """Give ``role`` what the app needs on the ward server and no more (no UPDATE, DELETE or TRUNCATE of the
    audit trail); returns the statements run. Run as the database's owner, after each upgrade."""
    from trialapp.storage.db import database_url, make_engine
    from trialapp.storage.server import grant_app_role as grant

    engine = make_engine(database_url(paths.database))
    try:
        return grant(engine, role)
    finally:
        engine.dispose()
