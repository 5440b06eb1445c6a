"""The admin's command-line tools of issue 25: `users reset-password NAME` and the QI follow-up days
`settings set qi.checkin_days "14,30,60,90"`, used by the follow-up list."""

from __future__ import annotations

import io
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.helpers import signed_in
from trialapp.cli import main
from trialapp.services import qi, users
from trialapp.services.context import Actor, open_app


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_users_reset_password_sets_a_temporary_password(
    capsys: pytest.CaptureFixture[str], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("admin-password\n"))
    assert run(capsys, "--db", str(db_path), "users", "add", "ada", "--role", "admin", "--name", "Ada")[0] == 0
    monkeypatch.setenv("TRIALAPP_PASSWORD", "admin-password")  # the --user's password (a script's way)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    assert (
        run(
            capsys, "--db", str(db_path), "--user", "ada", "users", "add", "rn.smith", "--role", "nurse",
            "--name", "Rn Smith",
        )[0]
        == 0
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO("temporary-1234\n"))
    code, out, _ = run(capsys, "--db", str(db_path), "--user", "ada", "users", "reset-password", "rn.smith")
    assert code == 0 and "they choose their own at their next sign-in" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "--db", str(db_path), "--user", "ada", "users", "reset-password", "rn.smith")
    assert code == 2 and "at least 8 characters" in err
    app = open_app(db_path)
    try:
        nurse = users.authenticate(app, "rn.smith", "temporary-1234")
        assert users.must_change_password(app, nurse)
    finally:
        app.close()


def test_settings_set_qi_checkin_days_is_used_by_the_follow_up(
    capsys: pytest.CaptureFixture[str], db_path: Path
) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "settings", "set", "qi.checkin_days", "7, 30,90")
    assert code == 0 and "qi.checkin_days   7,30,90" in out
    code, _, err = run(capsys, "--db", str(db_path), "settings", "set", "qi.checkin_days", "14,120")
    assert code == 2 and "whole days from 1 to 90" in err
    assert "qi.checkin_days   7,30,90" in run(capsys, "--db", str(db_path), "settings", "show")[1]
    app = open_app(db_path)
    try:
        nurse = signed_in(app, Actor("demo.nurse", "nurse", "Noor Demo-Nurse"))
        assert qi.checkin_days(app, nurse) == (7, 30, 90)
        surgery = date.today() - timedelta(days=10)
        qi.create_procedure(app, nurse, qi.NewProcedure(surgery, "new_implant", "North", "Dr A"))
        (item,) = qi.follow_up(app, nurse)
        assert [c.day for c in item.checkins] == [7, 30, 90] and [c.day for c in item.due] == [7]
    finally:
        app.close()


def _restore_rows(path: Path) -> list[tuple[str, str, str]]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return list(con.execute("SELECT actor, reason, new_value FROM audit_log WHERE action = 'restore' ORDER BY id"))
    finally:
        con.close()


def test_restore_on_the_command_line_needs_a_named_admin_and_a_reason_and_is_audited(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import file_digest

    monkeypatch.setattr(sys, "stdin", io.StringIO("admin-password\n"))
    assert run(capsys, "--db", str(db_path), "users", "add", "ada", "--role", "admin", "--name", "Ada")[0] == 0
    backup = tmp_path / "good.sqlite"
    assert run(capsys, "--db", str(db_path), "backup", "--out", str(backup))[0] == 0
    before = file_digest(db_path)
    code, out, err = run(capsys, "--db", str(db_path), "restore", str(backup))  # no reason
    assert code == 2 and "--reason" in err and "audit trail" in err and "Traceback" not in err
    code, out, err = run(capsys, "--db", str(db_path), "restore", str(backup), "--reason", "power cut")
    assert code == 2 and "Add --user YOURNAME before the command" in err
    assert file_digest(db_path) == before
    monkeypatch.setenv("TRIALAPP_PASSWORD", "admin-password")
    code, out, err = run(
        capsys, "--db", str(db_path), "--user", "ada", "restore", str(backup), "--reason", "  power cut  "
    )
    assert code == 0, err
    assert "kept as" in out and "Restored" in out
    rows = _restore_rows(db_path)  # the restored database says who restored which backup, and why
    assert [(actor, reason) for actor, reason, _ in rows] == [("user:ada", "power cut")]
    assert backup.name in rows[0][2] and "previous_database_kept_as" in rows[0][2]
    aside = next(db_path.parent.glob("*-replaced-*.sqlite"))
    asked = _restore_rows(aside)  # and so does the one it replaced
    assert [(actor, reason) for actor, reason, _ in asked] == [("user:ada", "power cut")]


def test_restore_onto_a_missing_database_is_recorded_under_the_user_of_the_restored_one(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("admin-password\n"))
    assert run(capsys, "--db", str(db_path), "users", "add", "ada", "--role", "admin", "--name", "Ada")[0] == 0
    backup = tmp_path / "good.sqlite"
    assert run(capsys, "--db", str(db_path), "backup", "--out", str(backup))[0] == 0
    new_laptop = tmp_path / "new" / "trial.sqlite"
    new_laptop.parent.mkdir()
    monkeypatch.setenv("TRIALAPP_PASSWORD", "admin-password")
    code, _, err = run(
        capsys, "--db", str(new_laptop), "--user", "ada", "restore", str(backup), "--reason", "new laptop"
    )
    assert code == 0, err
    assert [(a, r) for a, r, _ in _restore_rows(new_laptop)] == [("user:ada", "new laptop")]


def test_restore_over_a_damaged_database_still_works_and_is_recorded_in_the_restored_one(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("admin-password\n"))
    assert run(capsys, "--db", str(db_path), "users", "add", "ada", "--role", "admin", "--name", "Ada")[0] == 0
    backup = tmp_path / "good.sqlite"
    assert run(capsys, "--db", str(db_path), "backup", "--out", str(backup))[0] == 0
    db_path.write_bytes(b"not a database at all" * 100)  # what a restore is for
    monkeypatch.setenv("TRIALAPP_PASSWORD", "admin-password")
    code, out, err = run(
        capsys, "--db", str(db_path), "--user", "ada", "restore", str(backup), "--reason", "damaged file"
    )
    assert code == 0, err
    assert "kept as" in out and "Traceback" not in err
    assert [(a, r) for a, r, _ in _restore_rows(db_path)] == [("user:ada", "damaged file")]
