"""The errors a user may see, in one place for the screens: the services' refusals and the storage's plain
messages (disk full, database busy, read-only copy). ``str(error)`` is always a sentence for the user.

The UI imports them from here, never from ``trialapp.storage``: ui → services → storage, no layer skipped.
"""

from __future__ import annotations

from trialapp.services.errors import AuthenticationFailed, InvalidInput, PermissionDenied, ServiceError
from trialapp.storage.errors import (
    DatabaseBusy,
    DatabaseReadOnly,
    DatabaseTooNew,
    DatabaseUnreadable,
    DiskFull,
    MigrationFailed,
    NotFound,
    StorageError,
)

#: Errors whose message is written for the user (services and storage say what is wrong and what to do).
USER_ERRORS: tuple[type[Exception], ...] = (ServiceError, StorageError)

__all__ = [
    "USER_ERRORS",
    "AuthenticationFailed",
    "DatabaseBusy",
    "DatabaseReadOnly",
    "DatabaseTooNew",
    "DatabaseUnreadable",
    "DiskFull",
    "InvalidInput",
    "MigrationFailed",
    "NotFound",
    "PermissionDenied",
    "ServiceError",
    "StorageError",
]
