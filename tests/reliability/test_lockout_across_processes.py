"""Issue 18 item 13: wrong passwords in read-only copies count across processes, and the lock-out is audited."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from trialapp.services import users
from trialapp.services.context import open_app, os_actor
from trialapp.storage import models as m

PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parents[2]

# One read-only copy: tries each password given, prints one line per try.
GUESSER = """
import sys
from trialapp.services import users
from trialapp.services.context import open_app
from trialapp.services.errors import AuthenticationFailed
app = open_app(sys.argv[1], read_only_if_in_use=True)
assert app.db.read_only, "the copy must be read-only"
for password in sys.argv[2:]:
    try:
        users.authenticate(app, "rn.smith", password)
        print("signed in", flush=True)
    except AuthenticationFailed as exc:
        print("refused:", exc, flush=True)
app.close()
"""


def _guess(db: Path, *passwords: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", GUESSER, str(db), *passwords],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_wrong_passwords_in_read_only_copies_lock_the_account_across_processes(db_path: Path) -> None:
    writer = open_app(db_path)
    try:
        users.add_user(writer, os_actor(), "rn.smith", "nurse", "Rita Smith", PASSWORD)
        # 4 read-only processes, 2 wrong guesses each: the 5th wrong guess (in the 3rd process) locks the account.
        lines = [line for _ in range(4) for line in _guess(db_path, "wrong-1", "wrong-2")]
        assert sum("Wrong username or password" in line for line in lines) == users.MAX_FAILED_LOGINS - 1
        assert all("locked" in line for line in lines[users.MAX_FAILED_LOGINS - 1 :]), lines
        # The right password no longer works, in a new read-only process, nor in the writing copy.
        assert "locked" in _guess(db_path, PASSWORD)[0]
        try:
            users.authenticate(writer, "rn.smith", PASSWORD)
            raise AssertionError("the writing copy let a locked account sign in")
        except users.AuthenticationFailed as exc:
            assert "locked" in str(exc)
        # The writing copy audits the lock-out the read-only copies could not write.
        with writer.db.read() as s:
            actions = [
                (row.action, row.reason)
                for row in s.execute(select(m.AuditEntry).where(m.AuditEntry.table_name == "users")).scalars()
            ]
        assert ("account_locked", "wrong passwords in a read-only copy") in actions
        # An admin enabling the account lifts the lock everywhere.
        users.set_active(writer, os_actor(), "rn.smith", True)
        assert _guess(db_path, PASSWORD) == ["signed in"]
    finally:
        writer.close()
