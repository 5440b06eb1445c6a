"""The ward server: the same app on a real PostgreSQL database (the throwaway cluster of .ci/postgres).

These run only where `TRIALAPP_TEST_POSTGRES_URL` is set; under CI=true it must be (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import run_cli

pytestmark = pytest.mark.postgres


_cli = run_cli


def _trials(home: Path, db: str) -> dict[str, str]:
    """MRN -> trial id, from `list --json`."""
    done = _cli(home, db, "list", "--json")
    assert done.returncode == 0, done.stderr
    return {t["mrn"]: t["trial_id"] for t in json.loads(done.stdout)}


def _export(home: Path, db: str, trial_id: str) -> dict[str, object]:
    done = _cli(home, db, "export", trial_id)
    assert done.returncode == 0, done.stderr
    document: dict[str, object] = json.loads(done.stdout)
    return document


def test_a_new_server_database_takes_the_demo_and_its_audit_trail_verifies(
    postgres_url: str, isolated_home: Path
) -> None:
    done = _cli(isolated_home, postgres_url, "demo")
    assert done.returncode == 0, done.stderr
    assert sorted(_trials(isolated_home, postgres_url)) == ["DEMO-0001", "DEMO-0002", "DEMO-0003"]
    check = _cli(isolated_home, postgres_url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "audit trail verified" in check.stdout


def test_a_trial_reads_back_the_same_from_the_server_as_from_the_file(
    postgres_url: str, isolated_home: Path, tmp_path: Path
) -> None:
    sqlite_db = str(tmp_path / "laptop.sqlite")
    for db in (postgres_url, sqlite_db):
        assert _cli(isolated_home, db, "demo").returncode == 0
    on_server = _trials(isolated_home, postgres_url)
    on_laptop = _trials(isolated_home, sqlite_db)
    for mrn in on_server:
        server_doc = _export(isolated_home, postgres_url, on_server[mrn])
        laptop_doc = _export(isolated_home, sqlite_db, on_laptop[mrn])
        # itb-trial/1 carries no database ids, so the two exports are equal to the last key.
        assert server_doc["format"] == "itb-trial/1"
        assert server_doc == laptop_doc, mrn


def test_the_password_can_come_from_a_pgpass_file_and_is_never_printed(
    postgres_url: str, isolated_home: Path, tmp_path: Path
) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    assert url.password
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{url.host}:{url.port}:{url.database}:{url.username}:{url.password}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    without = f"postgresql+psycopg://{url.username}@{url.host}:{url.port}/{url.database}"
    assert url.password not in without
    env = {**os.environ, "TRIALAPP_HOME": str(isolated_home), "PGPASSFILE": str(pgpass)}
    for argv in (["demo"], ["paths"], ["check"]):
        done = subprocess.run(
            [sys.executable, "-m", "trialapp", "--db", without, *argv],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert url.password not in done.stdout + done.stderr
