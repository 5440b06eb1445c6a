"""Issue 25 §5: while the app (another process) holds the database for writing, the command line's reading
commands run read-only beside it — their audited reads still recorded — and `backup` takes a consistent
copy; commands that change data are refused with what to do. The app is a REAL second process, holding the
database exactly as the window does (``ui.startup.open_services``: the writer lock, the open engine)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from trialapp.cli import main

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys
from trialapp.ui.startup import open_services
app = open_services(sys.argv[1], False)
print("held", "read-only" if app.db.read_only else "writing", flush=True)
sys.stdin.readline()  # until the test is done
app.close()
"""


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trialapp", *argv],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def app_holds(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[subprocess.Popen[str]]:
    assert main(["--db", str(db_path), "demo"]) == 0
    capsys.readouterr()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held writing"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _trial_id(db_path: Path) -> str:
    return str(_rows(db_path, "SELECT public_id FROM trials ORDER BY id LIMIT 1")[0][0])


def test_reading_commands_run_beside_the_app(app_holds, db_path: Path) -> None:
    trial_id = _trial_id(db_path)
    for argv in (
        ["list"],
        ["summary", trial_id],
        ["qi", "followup"],
        ["qi", "summary"],
        ["users", "list"],
        ["settings", "show"],
        ["check"],
    ):
        done = _cli("--db", str(db_path), *argv)
        assert done.returncode == 0, (argv, done.stderr)
        assert "this command only reads, so it runs beside it" in done.stderr, (argv, done.stderr)
        assert "(process " in done.stderr and "Traceback" not in done.stderr
    assert app_holds.poll() is None  # the app still holds the database


def test_audited_reads_are_recorded_and_backup_takes_a_verified_copy(app_holds, db_path: Path, tmp_path) -> None:
    trial_id = _trial_id(db_path)
    before = _rows(db_path, "SELECT count(*) FROM audit_log")[0][0]
    done = _cli("--db", str(db_path), "export", trial_id, "--out", str(tmp_path / "t.json"))
    assert done.returncode == 0 and (tmp_path / "t.json").stat().st_size > 0, done.stderr
    done = _cli("--db", str(db_path), "report", trial_id, "--kind", "clinical", "--out", str(tmp_path / "t.pdf"))
    assert done.returncode == 0, done.stderr
    backup = tmp_path / "copy.sqlite"
    done = _cli("--db", str(db_path), "backup", "--out", str(backup))
    assert done.returncode == 0 and "Backup written and verified" in done.stdout, done.stderr
    actions = [r[0] for r in _rows(db_path, f"SELECT action FROM audit_log WHERE id > {before} ORDER BY id")]
    assert actions == ["export", "print", "backup"]
    con = sqlite3.connect(backup)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM trials").fetchone()[0] == 3
    finally:
        con.close()
    done = _cli("--db", str(db_path), "check")  # the chain, appended by two processes, still verifies
    assert done.returncode == 0 and "audit trail verified" in done.stdout, done.stderr


def test_changes_are_refused_with_what_to_do_and_nothing_changes(app_holds, db_path: Path, tmp_path) -> None:
    copy = tmp_path / "copy.sqlite"
    assert _cli("--db", str(db_path), "backup", "--out", str(copy)).returncode == 0
    before = _rows(db_path, "SELECT count(*) FROM audit_log")[0][0]
    done = _cli("--db", str(db_path), "restore", str(copy), "--reason", "test")
    assert done.returncode == 2 and "Make this change in that copy" in done.stderr, done.stderr
    assert not list(db_path.parent.glob("*-replaced-*"))
    done = _cli(
        "--db", str(db_path), "--user", "demo.admin", "settings", "set", "clinic_name", "North",
        env={"TRIALAPP_PASSWORD": "demo-admin-2026"},
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is open for writing by" in done.stderr and "Make this change in that copy" in done.stderr
    assert "open this one read-only" not in done.stderr  # advice the command line cannot follow
    assert _rows(db_path, "SELECT count(*) FROM audit_log")[0][0] == before


def test_a_new_study_id_is_a_change_and_waits_for_the_app(app_holds, db_path: Path, tmp_path) -> None:
    # A de-identified export gives the trial its study id the first time: a new record, which only the copy
    # that writes may add. SQLite itself refuses it in the reading copy; the message is plain.
    out = tmp_path / "d.json"
    done = _cli("--db", str(db_path), "export", _trial_id(db_path), "--deidentify", "--out", str(out))
    assert done.returncode == 2 and "read-only, so nothing can be saved" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    assert _rows(db_path, "SELECT count(*) FROM study_ids")[0][0] == 0
