"""A server URL's password is never printed or logged: `paths`, the window, and every error message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trialapp.config import redact_url
from trialapp.storage.errors import DatabaseUnreadable
from trialapp.storage.opening import open_database

SECRET = "s3cr3t-Pa55"
URL = f"postgresql+psycopg://ward_app:{SECRET}@127.0.0.1:1/trialapp"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (URL, "postgresql+psycopg://ward_app:***@127.0.0.1:1/trialapp"),
        ("postgresql://ward_app@db.ward.local/trialapp", "postgresql://ward_app@db.ward.local/trialapp"),
        (f"postgresql://db/trialapp?user=x&password={SECRET}&sslmode=verify-full",
         "postgresql://db/trialapp?user=x&password=***&sslmode=verify-full"),
        (f"postgresql://ward_app:{SECRET.replace('5', '@')}@db/trialapp", "postgresql://ward_app:***@db/trialapp"),
        ("/home/pt/trialapp.sqlite", "/home/pt/trialapp.sqlite"),
        ("C:\\Users\\pt\\trialapp.sqlite", "C:\\Users\\pt\\trialapp.sqlite"),
    ],
)
def test_a_url_is_shown_without_its_password(given: str, shown: str) -> None:
    assert redact_url(given) == shown


def test_paths_prints_the_server_without_its_password(isolated_home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trialapp", "--db", URL, "paths"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TRIALAPP_HOME": str(isolated_home)},
    )
    assert done.returncode == 0, done.stderr
    assert "ward_app:***@127.0.0.1:1/trialapp" in done.stdout
    assert SECRET not in done.stdout + done.stderr


def test_a_server_that_cannot_be_reached_is_named_without_its_password() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(DatabaseUnreadable) as info:
        open_database(URL)  # nothing listens on port 1
    assert "127.0.0.1" in str(info.value)
    assert SECRET not in str(info.value)
