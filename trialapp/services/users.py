"""Users: create, list, disable, sign in (Argon2id), with a lock after repeated wrong passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialapp.services.context import Actor, App, issue_session
from trialapp.services.errors import AuthenticationFailed, InvalidInput
from trialapp.services.permissions import require
from trialapp.storage import login_attempts
from trialapp.storage import models as m
from trialapp.storage.audit_actions import AuditAction

ROLES = m.ROLES
MIN_PASSWORD_LENGTH = 8
MAX_FAILED_LOGINS = 5
WRONG_PASSWORD = "Wrong username or password. Check both and try again."
LOCK_MINUTES = 5

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    locked_until: datetime | None


def _info(row: m.User) -> UserInfo:
    return UserInfo(row.id, row.username, row.full_name, row.role, row.active, row.locked_until)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def validate_new_user(
    username: str, role: str, full_name: str, password: str, password_again: str | None = None
) -> list[str]:
    """Every problem of a new user's entries at once (``password_again``: the password typed a second time,
    when it was)."""
    # Here, not at the top: the window loads this module to sign in, and the record rules are 60 ms of imports.
    from trialapp.domain.validation import ProblemCollector

    found = ProblemCollector()
    name = normalise_username(username)
    found.add(
        "username",
        "The username must be 1–64 characters: letters, digits, '.', '_' or '-' (for example pt.jones)."
        if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name)
        else None,
    )
    found.add("role", f"The role must be one of: {', '.join(ROLES)}." if role not in ROLES else None)
    found.add(
        "full_name",
        "The full name is required (up to 200 characters, no control characters)."
        if not full_name.strip() or len(full_name) > 200 or any(ord(c) < 32 for c in full_name)
        else None,
    )
    found.add(
        "password",
        f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
        if len(password) < MIN_PASSWORD_LENGTH
        else None,
    )
    found.add(
        "password_again",
        "The two passwords are different. Type the same password twice."
        if password_again is not None and password_again != password
        else None,
    )
    return [p.message for p in found.problems]


def count_users(app: App) -> int:
    with app.db.read() as s:
        return int(s.execute(select(func.count(m.User.id))).scalar_one())


def add_user(
    app: App,
    actor: Actor | None,
    username: str,
    role: str,
    full_name: str,
    password: str,
    password_again: str | None = None,
) -> UserInfo:
    """Create a user. ``actor`` None is only allowed for the very first user (the first admin).

    Every problem of the entries is reported at once, a username already taken among them (one round of
    corrections, not two); ``password_again`` is the password's second typing, when there was one."""
    problems = validate_new_user(username, role, full_name, password, password_again)
    name = normalise_username(username)
    with app.db.write() as s:
        existing = s.execute(select(func.count(m.User.id))).scalar_one()
        if actor is None:
            if existing:
                raise InvalidInput("Only an admin can add users once the first user exists.")
            if role != "admin":
                raise InvalidInput("The first user must be an admin.")
            actor_label = f"user:{name}"
        else:
            require(actor, "manage_users")
            actor_label = actor.label
        if name and s.execute(select(m.User).where(m.User.username == name)).scalar_one_or_none():
            problems.insert(0, f"The username '{name}' is taken. Choose another.")
        if problems:
            raise InvalidInput("The user was not created.", problems)
        row = m.User(
            username=name,
            full_name=full_name.strip(),
            role=role,
            password_hash=_hasher.hash(password),
            active=True,
            failed_logins=0,
            created_at=datetime.now(),
        )
        s.add(row)
        s.flush()
        app.audit.record(
            s,
            actor=actor_label,
            action=AuditAction.INSERT,
            table="users",
            row_id=row.id,
            new={"username": name, "role": role, "full_name": row.full_name},
        )
        return _info(row)


def list_users(app: App) -> list[UserInfo]:
    with app.db.read() as s:
        return [_info(u) for u in s.execute(select(m.User).order_by(m.User.username)).scalars()]


def set_active(app: App, actor: Actor, username: str, active: bool) -> UserInfo:
    require(actor, "manage_users")
    name = normalise_username(username)
    with app.db.write() as s:
        row = s.execute(select(m.User).where(m.User.username == name)).scalar_one_or_none()
        if row is None:
            raise InvalidInput(f"There is no user '{name}'. 'trialapp users list' shows the users.")
        if row.active != active:
            app.audit.record_changes(
                s, actor=actor.label, table="users", row_id=row.id, changes={"active": (row.active, active)}
            )
            row.active = active
        path = _attempts_path(app)
        lifted = active and login_attempts.read(path)["users"].get(name, {}).get("locked_until") is not None
        if lifted:
            login_attempts.update(path, lambda data: data["users"].pop(name, None))
        if active and (row.locked_until is not None or lifted):
            # An admin enabling the account also lifts a lock after wrong passwords.
            app.audit.record(s, actor=actor.label, action=AuditAction.UNLOCK, table="users", row_id=row.id)
            row.failed_logins = 0
            row.locked_until = None
        return _info(row)


def _refuse_unusable(row: m.User | None, name: str, password: str, now: datetime) -> m.User:
    """The account row if it may try a password now; else the refusal (unknown, disabled, locked)."""
    if row is None:
        _hasher.hash(password)  # same time as a real check: do not reveal which usernames exist
        raise AuthenticationFailed(WRONG_PASSWORD)
    if not row.active:
        raise AuthenticationFailed(f"The account '{name}' is disabled. Ask your admin to enable it.")
    if row.locked_until is not None and row.locked_until > now:
        raise AuthenticationFailed(_locked_message(name, row.locked_until, now))
    return row


def _locked_message(name: str, until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return (
        f"The account '{name}' is locked after repeated wrong passwords. Try again in {minutes} min, or ask "
        "your admin."
    )


def _password_matches(row: m.User, password: str) -> bool:
    try:
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return True


def _actor(app: App, row: m.User) -> Actor:
    """The signed-in user, with a session on this database (the services read the role from it per call)."""
    return issue_session(
        Actor(username=row.username, role=row.role, full_name=row.full_name, user_id=row.id), app.db
    )


def authenticate(app: App, username: str, password: str, *, now: datetime | None = None) -> Actor:
    """Check a username and password. Wrong passwords count; after 5 the account locks for 5 minutes."""
    now = now or datetime.now()
    name = normalise_username(username)
    if app.db.read_only:
        return _authenticate_read_only(app, name, password, now)
    _audit_read_only_lockouts(app)
    _refuse_if_locked_elsewhere(app, name, now)
    with app.db.write() as s:
        row = _refuse_unusable(
            s.execute(select(m.User).where(m.User.username == name)).scalar_one_or_none(), name, password, now
        )
        if _password_matches(row, password):
            row.failed_logins = 0
            row.locked_until = None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            return _actor(app, row)
        row.failed_logins += 1
        failed = AuthenticationFailed(WRONG_PASSWORD)
        if row.failed_logins >= MAX_FAILED_LOGINS:
            row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            row.failed_logins = 0
            app.audit.record(
                s, actor=f"user:{name}", action=AuditAction.ACCOUNT_LOCKED, table="users", row_id=row.id
            )
            failed = AuthenticationFailed(
                f"Too many wrong passwords: the account '{name}' is locked for {LOCK_MINUTES} min."
            )
    raise failed  # raised after the commit, so the failed-attempt count is kept


# A read-only copy (another copy of the app is writing) cannot store failed attempts in the database, so it
# counts them in a file every process sees (storage.login_attempts), with the same limit: guessing in several
# copies is no easier than in one. The copy that writes audits the lock-outs decided there.
READ_ONLY_LOCK_REASON = "wrong passwords in a read-only copy"


def _attempts_path(app: App) -> Path:
    return login_attempts.attempts_file(app.db.url, app.db.path, app.paths.config_dir)


def _refuse_if_locked_elsewhere(app: App, name: str, now: datetime) -> None:
    until = login_attempts.locked_until(login_attempts.read(_attempts_path(app)), name, now)
    if until is not None:
        raise AuthenticationFailed(_locked_message(name, until, now))


def _audit_read_only_lockouts(app: App) -> None:
    """Write the audit rows of lock-outs that read-only copies decided (they could not write them)."""
    path = _attempts_path(app)
    if not login_attempts.read(path)["unaudited"]:
        return

    def take(data: dict[str, Any]) -> list[dict[str, Any]]:
        events, data["unaudited"] = list(data["unaudited"]), []
        return events

    with app.db.write() as s:
        for event in login_attempts.update(path, take):
            app.audit.record(
                s,
                actor=f"user:{event.get('username')}",
                action=AuditAction.ACCOUNT_LOCKED,
                table="users",
                row_id=event.get("user_id"),
                new={"at": event.get("at")},
                reason=READ_ONLY_LOCK_REASON,
            )


def _authenticate_read_only(app: App, name: str, password: str, now: datetime) -> Actor:
    _refuse_if_locked_elsewhere(app, name, now)
    with app.db.read() as s:
        row = _refuse_unusable(
            s.execute(select(m.User).where(m.User.username == name)).scalar_one_or_none(), name, password, now
        )
        if _password_matches(row, password):
            path = _attempts_path(app)
            if name in login_attempts.read(path)["users"]:
                login_attempts.update(path, lambda data: data["users"].pop(name, None))
            return _actor(app, row)
    user_id = row.id

    def count(data: dict[str, Any]) -> bool:
        entry = data["users"].setdefault(name, {"failed": 0, "locked_until": None})
        entry["failed"] += 1
        if entry["failed"] < MAX_FAILED_LOGINS:
            return False
        entry["failed"], entry["locked_until"] = 0, (now + timedelta(minutes=LOCK_MINUTES)).isoformat()
        data["unaudited"].append({"username": name, "user_id": user_id, "at": now.isoformat()})
        return True

    if login_attempts.update(_attempts_path(app), count):
        raise AuthenticationFailed(
            f"Too many wrong passwords: the account '{name}' is locked for {LOCK_MINUTES} min."
        )
    raise AuthenticationFailed(WRONG_PASSWORD)


def verify_signature(app: App, actor: Actor, password: str) -> None:
    """Re-ask the signed-in user's password before a signature (dose, decision, correction)."""
    signer = authenticate(app, actor.username, password)
    if signer.user_id != actor.user_id:
        raise AuthenticationFailed("The signature does not belong to the signed-in user.")


# ------------------------------------------------------------------------------------ password reset
# The "must change at next sign-in" mark is kept as a setting (one key per account) rather than a column, so
# that this feature needs no schema change of the users table (issue 25; see the report to the coordinator).

_MUST_CHANGE_PREFIX = "users.must_change_password."


def _user_row(s: Session, username: str) -> m.User:
    name = normalise_username(username)
    row = s.execute(select(m.User).where(m.User.username == name)).scalar_one_or_none()
    if row is None:
        raise InvalidInput(f"There is no user '{name}'. 'trialapp users list' shows the users.")
    return row


def reset_password(app: App, actor: Actor, username: str, temporary: str) -> UserInfo:
    """An admin sets a temporary password for ``username``: the account must choose its own password at
    its next sign-in. A lock after wrong passwords is lifted. Audited (never the password itself)."""
    require(actor, "manage_users")
    if len(temporary) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The temporary password must have at least {MIN_PASSWORD_LENGTH} characters; nothing was changed."
        )
    with app.db.write() as s:
        row = _user_row(s, username)
        row.password_hash = _hasher.hash(temporary)
        row.failed_logins = 0
        row.locked_until = None
        key = _MUST_CHANGE_PREFIX + row.username
        if s.get(m.Setting, key) is None:
            s.add(m.Setting(key=key, value=True))
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.UPDATE,
            table="users",
            row_id=row.id,
            field="password",
            new={"temporary": True, "must_change_at_next_sign_in": True},
        )
        return _info(row)


def must_change_password(app: App, actor: Actor) -> bool:
    """Whether the signed-in account was given a temporary password and must choose its own now."""
    with app.db.read() as s:
        return s.get(m.Setting, _MUST_CHANGE_PREFIX + actor.username) is not None


def change_own_password(app: App, actor: Actor, current: str, new: str) -> None:
    """The signed-in user changes their own password (the current one is asked again); this also ends a
    forced change after a reset. Audited (never the password itself)."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The new password must have at least {MIN_PASSWORD_LENGTH} characters; nothing was changed.")
    if new == current:
        raise InvalidInput("The new password is the same as the current one: choose another.")
    signer = authenticate(app, actor.username, current)
    if signer.user_id != actor.user_id:
        raise AuthenticationFailed("The password does not belong to the signed-in user.")
    with app.db.write() as s:
        row = _user_row(s, actor.username)
        row.password_hash = _hasher.hash(new)
        mark = s.get(m.Setting, _MUST_CHANGE_PREFIX + row.username)
        if mark is not None:
            s.delete(mark)
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.UPDATE,
            table="users",
            row_id=row.id,
            field="password",
            new={"changed_by_the_user": True},
        )
