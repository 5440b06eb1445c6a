"""Schema migrations at start-up: back up, then upgrade; refuse a database newer than the app.

A failed upgrade leaves the database as it was: every revision runs inside one transaction (SQLite
has transactional DDL), and the backup taken just before is kept in any case.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from trialapp.storage.errors import DatabaseTooNew, MigrationFailed


def migrations_dir() -> Path:
    import trialapp.migrations

    return Path(trialapp.migrations.__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


def check_not_too_new(engine: Engine) -> str | None:
    """Return the database's revision; raise DatabaseTooNew when this app does not know it."""
    revision = current_revision(engine)
    if revision is not None and revision not in known_revisions():
        raise_too_new(revision)
    return revision


def raise_too_new(revision: str) -> NoReturn:
    raise DatabaseTooNew(
        f"This database was last used by a newer version of trialapp (schema {revision}). "
        "It has not been changed. Open it with the newer trialapp, or ask your admin to update this one."
    )


def needs_upgrade(engine: Engine) -> bool:
    return check_not_too_new(engine) != head_revision()


def upgrade(engine: Engine, url: str, target: str = "head") -> None:
    """Upgrade the schema in one transaction; on failure the database is left as it was."""
    cfg = alembic_config(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    except Exception as exc:  # any failure: report plainly, the transaction was rolled back
        raise MigrationFailed(
            f"Updating the database to this version of trialapp failed ({type(exc).__name__}: {exc}). "
            "The database was left as it was. Keep using the previous version and send this message to "
            "your admin."
        ) from exc
