"""The ward server's backup, restore and check (storage/pg_backup.py, storage/pg_check.py), through the CLI.

`backup` writes a pg_dump custom-format file read back whole; `restore` goes only into an EMPTY database, all or
nothing; `check` runs every check that applies to PostgreSQL and names, in words, those it cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.postgres import _driver_url, run_cli, throwaway_database

pytestmark = pytest.mark.postgres


_cli = run_cli


@pytest.fixture
def empty_database(postgres_url: str) -> Iterator[str]:
    """A second, empty database on the same server (where a restore may go)."""
    with throwaway_database("r") as url:
        yield url


def _run_sql(url: str, *statements: str) -> None:
    with psycopg.connect(_driver_url(url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _table_count(url: str) -> int:
    with psycopg.connect(_driver_url(url)) as conn:
        return int(conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0])


def test_a_backup_restores_into_an_empty_database_and_reads_back_the_same(
    postgres_url: str, empty_database: str, isolated_home: Path, tmp_path: Path
) -> None:
    assert _cli(isolated_home, postgres_url, "demo").returncode == 0
    dump = tmp_path / "ward.dump"
    done = _cli(isolated_home, postgres_url, "backup", "--out", str(dump))
    assert done.returncode == 0, done.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert not list(tmp_path.glob("*.partial"))
    again = _cli(isolated_home, postgres_url, "backup", "--out", str(dump))
    assert again.returncode != 0 and "already exists" in again.stderr

    restored = _cli(isolated_home, empty_database, "restore", str(dump))
    assert restored.returncode == 0, restored.stderr
    assert "server grant" in restored.stdout
    password = make_url(postgres_url).password
    assert password and password not in restored.stdout + restored.stderr
    listed = [_cli(isolated_home, db, "list", "--json").stdout for db in (postgres_url, empty_database)]
    assert listed[0] == listed[1]
    check = _cli(isolated_home, empty_database, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "audit trail verified" in check.stdout


def test_a_restore_into_a_database_that_has_tables_is_refused_untouched(
    postgres_url: str, isolated_home: Path, tmp_path: Path
) -> None:
    assert _cli(isolated_home, postgres_url, "demo").returncode == 0
    dump = tmp_path / "ward.dump"
    assert _cli(isolated_home, postgres_url, "backup", "--out", str(dump)).returncode == 0
    tables = _table_count(postgres_url)
    refused = _cli(isolated_home, postgres_url, "restore", str(dump))
    assert refused.returncode != 0
    assert "is not empty" in refused.stderr and "nothing was restored" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _table_count(postgres_url) == tables


def test_check_on_the_server_finds_an_orphan_and_names_what_it_cannot_check(
    postgres_url: str, isolated_home: Path
) -> None:
    assert _cli(isolated_home, postgres_url, "demo").returncode == 0
    sound = _cli(isolated_home, postgres_url, "check")
    assert sound.returncode == 0, sound.stdout + sound.stderr
    assert "Not checked here: the database's own pages" in sound.stdout
    assert "Not checked here: record digests" in sound.stdout
    # Outside trialapp: a foreign key dropped, then a day pointed at a trial that does not exist.
    _run_sql(
        postgres_url,
        "ALTER TABLE trial_days DROP CONSTRAINT fk_trial_days_trial_id_trials",
        "UPDATE trial_days SET trial_id = 999999 WHERE id = (SELECT min(id) FROM trial_days)",
    )
    found = _cli(isolated_home, postgres_url, "check")
    assert found.returncode == 1, found.stdout + found.stderr
    assert "the foreign key fk_trial_days_trial_id_trials of trial_days is missing" in found.stderr
    assert "1 row(s) of trial_days refer to a trials row that does not exist" in found.stderr
