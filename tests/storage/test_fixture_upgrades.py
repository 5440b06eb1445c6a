"""Every past schema revision, with data, upgrades to head with its data and audit chain intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trialapp.interchange.trial_json import load_trial_document
from trialapp.interchange.trial_json_export import document_to_json
from trialapp.services.context import open_app, os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.integrity import check
from trialapp.services.trials import export_document, list_trials
from trialapp.storage import migrate
from trialapp.storage.backup import list_backups

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REVISIONS = sorted(p.name[len("schema-") : -len(".sqlite")] for p in FIXTURES.glob("schema-*.sqlite"))


def test_there_is_a_fixture_for_every_past_revision() -> None:
    past = migrate.known_revisions() - {migrate.head_revision()}
    assert past <= set(REVISIONS), f"add fixtures for {sorted(past - set(REVISIONS))} (make_fixtures.py)"


@pytest.mark.parametrize("revision", REVISIONS)
def test_fixture_upgrades_with_data_intact(revision: str, tmp_path: Path, isolated_home: Path) -> None:
    db_path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / f"schema-{revision}.sqlite", db_path)
    shutil.copytree(FIXTURES / f"schema-{revision}-config", isolated_home / "config")
    original = db_path.read_bytes()

    app = open_app(db_path)
    try:
        assert migrate.current_revision(app.db.engine) == migrate.head_revision()
        backups = list_backups(db_path)
        assert len(backups) == 1 and f"before-upgrade-from-{revision}" in backups[0].name
        assert check(app).ok
        listed = {row.mrn: row.trial_id for row in list_trials(app, os_actor())}
        for name in demo_files():
            expected = document_to_json(load_trial_document(demo_text(name)))
            exported = export_document(app, os_actor(), listed[expected["patient"]["mrn"]]).document
            assert exported == expected
    finally:
        app.close()
    # The backup is the database as it was before the upgrade.
    import sqlite3

    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision
    con.close()
    assert original  # the fixture itself was copied, never modified in place
