"""Storage errors that carry a plain message for the user: what is wrong and what to do."""

from __future__ import annotations


class StorageError(Exception):
    """Base class; ``str(error)`` is a sentence the user can act on."""


class DatabaseReadOnly(StorageError):
    """The database was opened read-only (another copy of the app is writing to it)."""


class DatabaseTooNew(StorageError):
    """The database was written by a newer trialapp: its schema revision is unknown here."""


class DatabaseUnreadable(StorageError):
    """The file is not a trialapp database, or it is damaged."""


class MigrationFailed(StorageError):
    """An upgrade failed; the database was left as it was."""


class NotFound(StorageError):
    """A record the user named does not exist."""


class DiskFull(StorageError):
    """The disk (or the database's size limit) is full; nothing was saved."""


class DatabaseBusy(StorageError):
    """Another connection held the write lock for longer than the busy timeout."""
