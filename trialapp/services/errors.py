"""Errors the services raise: each message says what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Sequence


class ServiceError(Exception):
    """Base class: ``str(error)`` is a plain sentence for the user."""


class InvalidInput(ServiceError):
    """The request was refused; nothing was written."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        base = super().__str__()
        if not self.problems:
            return base
        return base + "\n" + "\n".join(f"- {p}" for p in self.problems)


class PermissionDenied(ServiceError):
    """The signed-in user's role may not do this."""


class AuthenticationFailed(ServiceError):
    """Wrong username or password, or the account is disabled or locked."""
