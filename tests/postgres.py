"""A fresh PostgreSQL database per test, on the throwaway cluster that `.ci/run` (or `make test-postgres`) starts.

`TRIALAPP_TEST_POSTGRES_URL` names a database on that cluster whose role may create databases. Each test that
asks for `postgres_url` gets a database of its own (created from it, dropped afterwards), so tests never see
each other's rows. Without the variable such tests are skipped — except under `CI=true`, where the run is
refused at start (tests/conftest.py), so a CI run can never pass by skipping them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

URL_VARIABLE = "TRIALAPP_TEST_POSTGRES_URL"


def admin_url() -> str | None:
    return os.environ.get(URL_VARIABLE) or None


def _driver_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (psycopg.connect does not take the `+psycopg` driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def throwaway_database(prefix: str = "t") -> Iterator[str]:
    """The SQLAlchemy URL of an empty database made on the cluster for the caller alone (dropped after)."""
    base = admin_url()
    if base is None:
        pytest.skip(f"{URL_VARIABLE} is not set (make test-postgres starts a throwaway server)")
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_driver_url(base), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_driver_url(base), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The SQLAlchemy URL of an empty database made for this test alone."""
    with throwaway_database() as url:
        yield url


def run_cli(home: Path, db: str, *argv: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """``trialapp --db DB ARGV…`` as its own process, with ``home`` as its TRIALAPP_HOME."""
    return subprocess.run(
        [sys.executable, "-m", "trialapp", "--db", db, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TRIALAPP_HOME": str(home)},
    )
