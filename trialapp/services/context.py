"""What every service call needs: the open database, the audit trail, and who is acting."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from trialapp.config import Paths, ensure_default_dirs, resolve_paths
from trialapp.storage.audit import AuditKey, AuditTrail, load_or_create_key
from trialapp.storage.db import Database
from trialapp.storage.opening import open_database

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a signed-in user, or the operating-system user of the command line."""

    username: str
    role: str  # pt | nurse | neurosurgeon | qi_lead | admin | system (command line)
    full_name: str = ""
    user_id: int | None = None

    @property
    def label(self) -> str:
        """How the audit trail names this actor."""
        if self.role == SYSTEM_ROLE:
            return f"os:{self.username}"
        return f"user:{self.username}"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def os_actor() -> Actor:
    """The operating-system user running the command line."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        name = "unknown"
    return Actor(username=name, role=SYSTEM_ROLE, full_name=f"{name} (command line)")


@dataclass
class App:
    """An open trialapp installation: paths, database and audit trail."""

    paths: Paths
    db: Database
    audit: AuditTrail

    @property
    def audit_key(self) -> AuditKey:
        return self.audit.key

    def close(self) -> None:
        self.db.dispose()


def open_app(
    db: str | Path | None = None,
    *,
    portable: bool = False,
    read_only: bool = False,
    paths: Paths | None = None,
) -> App:
    """Resolve paths, open (creating or upgrading) the database and load the audit key."""
    paths = paths or resolve_paths(str(db) if db is not None else None, portable=portable)
    ensure_default_dirs(paths)
    key = load_or_create_key(paths.config_dir)
    database = open_database(paths.database, read_only=read_only)
    return App(paths=paths, db=database, audit=AuditTrail(key))
