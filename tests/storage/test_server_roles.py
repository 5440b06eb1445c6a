"""The ward server's two roles (docs/server.md): the owner migrates and grants; the app role saves trials
but can never change or empty the audit trail."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.postgres import run_cli
from trialapp.storage.errors import StorageError
from trialapp.storage.server import grant_statements

pytestmark = pytest.mark.postgres


_cli = run_cli


@pytest.fixture
def app_role(postgres_url: str) -> str:
    """A login role like the one every laptop uses, made for this test; its URL."""
    name = f"ward_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    owner = create_engine(postgres_url)
    with owner.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    owner.dispose()
    return make_url(postgres_url).set(username=name, password=password).render_as_string(hide_password=False)


def test_the_app_role_saves_trials_but_cannot_rewrite_the_audit_trail(
    postgres_url: str, app_role: str, isolated_home: Path
) -> None:
    role = make_url(app_role).username
    upgraded = _cli(isolated_home, postgres_url, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "is at schema revision" in upgraded.stdout
    granted = _cli(isolated_home, postgres_url, "server", "grant", role)
    assert granted.returncode == 0, granted.stderr
    assert postgres_url.split(":")[2].split("@")[0] not in granted.stdout + granted.stderr  # no password

    # Every laptop: the app role writes trials (the demo) and reads them back; the chain verifies.
    assert _cli(isolated_home, app_role, "demo").returncode == 0
    listed = _cli(isolated_home, app_role, "list", "--json")
    assert listed.returncode == 0 and listed.stdout.count("DEMO-") == 3
    assert _cli(isolated_home, app_role, "check").returncode == 0

    laptop = create_engine(app_role)
    for statement in (
        "UPDATE audit_log SET reason = 'rewritten'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DROP TRIGGER audit_log_no_change ON audit_log",
        "UPDATE installation SET audit_key_id = 'other'",
    ):
        with laptop.begin() as conn, pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
            conn.exec_driver_sql(statement)
    with laptop.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() > 0
    laptop.dispose()


def test_the_app_role_cannot_upgrade_and_is_told_who_can(postgres_url: str, app_role: str, isolated_home: Path) -> None:
    done = _cli(isolated_home, app_role, "upgrade")  # an empty database: the app role may not create tables
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "CREATE TABLE" not in done.stderr
    assert "only the database's owner may do" in done.stderr and "upgrade" in done.stderr
    assert make_url(app_role).password not in done.stderr


def test_grants_refuse_a_role_name_that_is_not_plain() -> None:
    with pytest.raises(StorageError, match="not a role name"):
        grant_statements('x"; DROP TABLE audit_log; --', ["audit_log"], [])
    statements = grant_statements("trialapp_ward", ["audit_log", "trials"], ["trials_id_seq"])
    assert 'GRANT SELECT, INSERT ON public."audit_log" TO "trialapp_ward"' in statements
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON public."trials" TO "trialapp_ward"' in statements
    assert not any("TRUNCATE" in s and "GRANT" in s for s in statements)
