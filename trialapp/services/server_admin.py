"""Ward server administration for hospital IT (docs/server.md): bring the schema up to this app's version as
the database's owner, and grant the app role its privileges. Not a user action of the clinic: these run from
the command line with the owner's credentials, like `restore`, and change no clinical record."""

from __future__ import annotations

from pathlib import Path

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


def export_audit_key(paths: Paths, passphrase: str, out: Path) -> str:
    """Write this computer's audit key to ``out``, encrypted under ``passphrase``; returns the key's id."""
    from trialapp.storage.audit import load_or_create_key
    from trialapp.storage.key_transfer import export_key

    return export_key(load_or_create_key(paths.config_dir), passphrase, out)


def import_audit_key(paths: Paths, exported: Path, passphrase: str, *, replace: bool = False) -> tuple[str, Path | None]:
    """Install the key of an exported file as this computer's audit key; returns its id and where a different
    key that was here is kept (None when there was none or it was the same)."""
    from trialapp.storage.key_transfer import install_exported_key, open_exported_key

    key = open_exported_key(exported, passphrase)
    return key.key_id, install_exported_key(key, paths.config_dir, replace=replace)


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


def restore_server(paths: Paths, backup: Path) -> int:
    """Restore a ``trialapp backup`` of the ward server (a ``pg_dump`` custom-format file) into the EMPTY
    database ``paths.database``, all or nothing; returns the number of entries restored. A database that has
    tables is refused, untouched. Then run ``server grant`` for the ward role, and ``check``."""
    from trialapp.storage import pg_backup
    from trialapp.storage.db import database_url

    return pg_backup.restore(database_url(paths.database), backup)
