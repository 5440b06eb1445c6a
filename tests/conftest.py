"""Shared fixtures: every test gets its own home folder, database file and audit key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import URL_VARIABLE, admin_url, postgres_url  # noqa: F401  (the fixture)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_configure(config: pytest.Config) -> None:
    # A CI run must exercise the PostgreSQL tests, never pass by skipping them.
    if os.environ.get("CI") == "true" and admin_url() is None:
        raise pytest.UsageError(
            f"CI=true but {URL_VARIABLE} is not set: .ci/run starts the throwaway PostgreSQL cluster "
            "(.ci/postgres start DIR) and exports its URL before running the tests."
        )


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real user folders: all paths go under a per-test folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("TRIALAPP_HOME", str(home))
    monkeypatch.delenv("TRIALAPP_DB", raising=False)
    return home


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Argon2id, with small cost parameters so the suite stays fast on 2 cores.

    Production parameters are checked by tests/services/test_users.py::test_production_hasher_is_argon2id.
    """
    from argon2 import PasswordHasher

    from trialapp.services import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "trial.sqlite"


@pytest.fixture
def app(db_path: Path) -> Iterator[object]:
    from trialapp.services.context import open_app

    opened = open_app(db_path)
    yield opened
    opened.close()


@pytest.fixture
def alembic_config():  # for pytest-alembic's standard migration checks
    from trialapp.storage.migrate import alembic_config as make_config

    return make_config("sqlite://")


@pytest.fixture
def alembic_engine(tmp_path: Path):
    from trialapp.storage.db import database_url, make_engine

    engine = make_engine(database_url(tmp_path / "alembic.sqlite"))
    yield engine
    engine.dispose()
