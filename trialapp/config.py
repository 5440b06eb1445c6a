"""Where trialapp keeps its files: one place decides, with overrides.

Order of precedence for the database: ``--db PATH|URL``, then ``TRIALAPP_DB``, then the default file
in the data directory. The data and config directories are the platform's user directories
(platformdirs); ``--portable`` keeps everything in a ``trialapp-data`` folder beside the program (for
laptops without install rights), and ``TRIALAPP_HOME`` puts everything under one folder (tests, kiosks).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "trialapp"
DB_FILE_NAME = "trialapp.sqlite"
PORTABLE_DIR_NAME = "trialapp-data"


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path
    database: str  # a file path or a SQLAlchemy URL
    portable: bool = False

    @property
    def database_is_file(self) -> bool:
        return "://" not in self.database


def program_dir() -> Path:
    """The folder of the running program (the frozen executable, or the source tree)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def resolve_paths(
    db: str | None = None, *, portable: bool = False, environ: Mapping[str, str] | None = None
) -> Paths:
    env = os.environ if environ is None else environ
    home = env.get("TRIALAPP_HOME")
    if portable:
        base = program_dir() / PORTABLE_DIR_NAME
        data_dir, config_dir, log_dir = base / "data", base / "config", base / "logs"
    elif home:
        base = Path(home).expanduser()
        data_dir, config_dir, log_dir = base / "data", base / "config", base / "logs"
    else:
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        data_dir = Path(dirs.user_data_dir)
        config_dir = Path(dirs.user_config_dir)
        log_dir = Path(dirs.user_log_dir)
    database = db or env.get("TRIALAPP_DB") or str(data_dir / DB_FILE_NAME)
    if "://" not in database:
        database = str(Path(database).expanduser())
    return Paths(
        data_dir=data_dir, config_dir=config_dir, log_dir=log_dir, database=database, portable=portable
    )


# Files with patient data (database, WAL, backups, exports, reports, logs) are readable by this account
# only, and folders only openable by it, whatever umask the session has. On Windows the files live in the
# user's profile, which only that user (and administrators) can read: nothing more is done there.
PRIVATE_UMASK = 0o077
PRIVATE_DIR = 0o700


def keep_files_private() -> None:
    """Make every file and folder this process creates private to its account (POSIX: umask 077)."""
    if os.name == "posix":
        os.umask(PRIVATE_UMASK)


def ensure_default_dirs(paths: Paths) -> None:
    """Create the app's own folders (never the folder of a database the user named), private to the user."""
    for folder in (paths.data_dir, paths.config_dir, paths.log_dir):
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


# user:password@ in a URL's authority (the password may itself hold '@': take up to the last one before the
# host), and password=… in its query.
_URL_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][\w+.-]*://[^:/@?#]+:)[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^&#]*", re.IGNORECASE)


def redact_url(target: str) -> str:
    """``target`` as it may be shown or logged: a database URL with its password replaced by ``***``; a file
    path unchanged. Light on purpose (no SQLAlchemy): the window shows the database before it opens."""
    if "://" not in target:
        return target
    shown = _URL_PASSWORD.sub(r"\g<head>***@", target)
    return _QUERY_PASSWORD.sub(r"\g<head>***", shown)
