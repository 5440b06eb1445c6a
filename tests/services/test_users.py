from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from trialapp.services import users
from trialapp.services.context import os_actor
from trialapp.services.errors import AuthenticationFailed, InvalidInput, PermissionDenied


def test_production_hasher_is_argon2id() -> None:
    import importlib

    from argon2 import Type

    fresh = importlib.reload(users)  # the module as shipped, not the test's cheap hasher
    assert fresh._hasher.type is Type.ID
    assert fresh._hasher.memory_cost >= 19 * 1024 and fresh._hasher.time_cost >= 2  # OWASP minimums
    assert fresh._hasher.hash("x").startswith("$argon2id$")


def test_first_user_must_be_admin_then_only_admins_add(app) -> None:
    with pytest.raises(InvalidInput, match="first user must be an admin"):
        users.add_user(app, None, "pt.jones", "pt", "Pat Jones", "long-password")
    users.add_user(app, None, "boss", "admin", "Ada Admin", "long-password")
    with pytest.raises(InvalidInput, match="Only an admin"):
        users.add_user(app, None, "second", "admin", "Second", "long-password")
    pt = users.add_user(
        app, users.authenticate(app, "boss", "long-password"), "pt.jones", "pt", "Pat Jones", "long-password"
    )
    assert pt.role == "pt"
    pt_actor = users.authenticate(app, "PT.Jones ", "long-password")  # usernames are case-insensitive
    with pytest.raises(PermissionDenied, match="may not manage users"):
        users.add_user(app, pt_actor, "x", "pt", "X", "long-password")


@pytest.mark.parametrize(
    ("username", "role", "name", "password"),
    [
        ("", "pt", "A", "long-password"),
        ("a b", "pt", "A", "long-password"),
        ("ok", "doctor", "A", "long-password"),
        ("ok", "pt", "", "long-password"),
        ("ok", "pt", "A\x07", "long-password"),
        ("ok", "pt", "A", "short"),
    ],
)
def test_bad_user_input_is_rejected(app, username, role, name, password) -> None:
    with pytest.raises(InvalidInput):
        users.add_user(app, os_actor(), username, role, name, password)
    assert users.list_users(app) == []


def test_lock_after_repeated_wrong_passwords(app) -> None:
    users.add_user(app, os_actor(), "rn.smith", "nurse", "Rn Smith", "long-password")
    now = datetime(2026, 11, 22, 10, 0)
    for _ in range(users.MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed):
            users.authenticate(app, "rn.smith", "wrong", now=now)
    with pytest.raises(AuthenticationFailed, match="locked"):
        users.authenticate(app, "rn.smith", "long-password", now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=users.LOCK_MINUTES + 1)
    assert users.authenticate(app, "rn.smith", "long-password", now=later).role == "nurse"


def test_disabled_user_cannot_sign_in(app) -> None:
    users.add_user(app, os_actor(), "rn.smith", "nurse", "Rn Smith", "long-password")
    users.set_active(app, os_actor(), "rn.smith", False)
    with pytest.raises(AuthenticationFailed, match="disabled"):
        users.authenticate(app, "rn.smith", "long-password")


def test_every_permission_has_plain_words() -> None:
    from trialapp.services.permissions import ACTION_WORDS, PERMISSIONS

    assert set(ACTION_WORDS) == set(PERMISSIONS)
    assert all("_" not in words for words in ACTION_WORDS.values())


def test_every_problem_of_a_new_user_comes_at_once(app) -> None:
    """One round of corrections (issue 25 item 9): a taken username, a short password and two different
    typings are all named by the first refusal."""
    users.add_user(app, os_actor(), "pt.jones", "pt", "Pat Jones", "long-password")
    with pytest.raises(InvalidInput) as info:
        users.add_user(app, os_actor(), " PT.Jones", "pt", "", "short", "shorter")
    assert list(info.value.problems) == [
        "The username 'pt.jones' is taken. Choose another.",
        "The full name is required (up to 200 characters, no control characters).",
        "The password must have at least 8 characters.",
        "The two passwords are different. Type the same password twice.",
    ]
    assert str(info.value).startswith("The user was not created.")
    assert [u.username for u in users.list_users(app)] == ["pt.jones"]
