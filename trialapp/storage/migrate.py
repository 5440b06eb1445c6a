"""Schema migrations at start-up: back up, then upgrade; refuse a database newer than the app.

A failed upgrade leaves the database as it was: every revision runs inside one transaction (SQLite
has transactional DDL), and the backup taken just before is kept in any case.

Alembic is imported only when it has work to do (an upgrade, or a revision this app does not know):
a database already at this app's head is recognised from the revision files alone (``written_head``),
which keeps Alembic's half a second out of an ordinary start.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import Engine, inspect

from trialapp.storage.errors import DatabaseTooNew, MigrationFailed

if TYPE_CHECKING:
    from alembic.config import Config


def migrations_dir() -> Path:
    import trialapp.migrations

    return Path(trialapp.migrations.__file__).parent


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_REVISION = re.compile(r'^revision = "([^"]+)"$', re.MULTILINE)
_DOWN = re.compile(r'^down_revision = (?:"([^"]+)"|None)$', re.MULTILINE)


@cache
def written_head() -> str | None:
    """The head revision as the version files spell it, read without Alembic (a fast start-up check).

    None when the files do not have the plain one-line form; callers then ask Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(text), _DOWN.search(text)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

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


def upgrade(engine: Engine, url: str, target: str = "head") -> None:
    """Upgrade the schema in one transaction; on failure the database is left as it was."""
    from alembic import command

    cfg = alembic_config(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    except Exception as exc:  # any failure: report plainly, the transaction was rolled back
        if engine.dialect.name == "postgresql" and "permission denied" in str(exc).lower():
            raise MigrationFailed(
                "This server database needs its tables created or updated for this version of trialapp, "
                "which only the database's owner may do. Nothing was changed. Ask IT to run "
                "'trialapp --db OWNER_URL upgrade' and then 'trialapp --db OWNER_URL server grant ROLE' "
                "(docs/server.md)."
            ) from exc
        raise MigrationFailed(
            f"Updating the database to this version of trialapp failed ({type(exc).__name__}: {exc}). "
            "The database was left as it was. Keep using the previous version and send this message to "
            "your admin."
        ) from exc
