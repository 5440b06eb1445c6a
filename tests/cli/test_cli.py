"""The command line, run in-process through main() and, where it matters, as a real process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import demo_json, file_digest
from trialapp.cli import main
from trialapp.services.demo import demo_text


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and "trialapp 0." in capsys.readouterr().out


def test_import_prints_the_trial_id_last_and_export_gives_the_document_back(capsys, db_path, tmp_path) -> None:
    source = tmp_path / "trial.json"
    source.write_text(demo_text("demo_nonresponder.json"), encoding="utf-8")
    code, out, _ = run(capsys, "--db", str(db_path), "import", str(source))
    assert code == 0
    trial_id = out.strip().splitlines()[-1]
    code, out, err = run(capsys, "--db", str(db_path), "export", trial_id, "--format", "json")
    assert code == 0 and json.loads(out) == demo_json("demo_nonresponder.json")
    assert "Audit chain head" in err
    out_file = tmp_path / "out.json"
    assert run(capsys, "--db", str(db_path), "export", trial_id, "--out", str(out_file))[0] == 0
    assert json.loads(out_file.read_text()) == demo_json("demo_nonresponder.json")


def test_bad_document_exits_2_lists_problems_and_leaves_the_database_unchanged(capsys, db_path, tmp_path) -> None:
    assert run(capsys, "--db", str(db_path), "demo")[0] == 0
    before = file_digest(db_path)
    bad = demo_json()
    bad["patient"]["mrn"] = "NEW-1"
    bad["trial"]["days"][0]["doses"][0]["dose_mcg"] = 50.0
    bad["trial"]["days"][0]["doses"][0]["dose_mg"] = 0.05
    bad["trial"]["days"][1]["assessments"][0]["mas"][0]["grade"] = "5"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    code, out, err = run(capsys, "--db", str(db_path), "import", str(path))
    assert code == 2 and out == ""
    assert "3 problem(s)" in err and "dose_mg" in err and "grade" in err and "database was not changed" in err
    assert file_digest(db_path) == before


def test_list_json_and_summary(capsys, db_path) -> None:
    run(capsys, "--db", str(db_path), "demo")
    code, out, _ = run(capsys, "--db", str(db_path), "list", "--json")
    rows = json.loads(out)
    assert code == 0 and {r["mrn"] for r in rows} == {"DEMO-0001", "DEMO-0002", "DEMO-0003"}
    responder = next(r for r in rows if r["mrn"] == "DEMO-0001")
    code, out, _ = run(capsys, "--db", str(db_path), "summary", responder["trial_id"], "--json")
    summary = json.loads(out)
    assert code == 0 and summary["trial_id"] == responder["trial_id"]
    assert [d["responder"] for d in summary["days"]] == [False, True, True]
    code, out, _ = run(capsys, "--db", str(db_path), "summary", responder["trial_id"])
    assert code == 0 and "150 mcg/day" in out


def test_a_search_that_matches_nothing_says_so_and_not_that_the_database_is_empty(capsys, db_path) -> None:
    run(capsys, "--db", str(db_path), "demo")
    code, out, _ = run(capsys, "--db", str(db_path), "list", "--search", "zzqx")
    assert code == 0
    assert out.strip() == "No trial matches 'zzqx'. The search looks at given and family names and the MRN."
    code, out, _ = run(capsys, "--db", str(db_path), "list", "--search", "demo-0001")
    assert code == 0 and "DEMO-0001" in out


def test_demo_is_idempotent(capsys, db_path, monkeypatch) -> None:
    run(capsys, "--db", str(db_path), "demo")
    monkeypatch.setenv("TRIALAPP_PASSWORD", "demo-admin-2026")  # the demo admin's synthetic password
    code, out, _ = run(capsys, "--db", str(db_path), "--user", "demo.admin", "demo")
    assert code == 0 and out.count("already") == 3 + 6
    assert len(json.loads(run(capsys, "--db", str(db_path), "list", "--json")[1])) == 3


def test_unknown_trial_and_bad_usage_exit_2(capsys, db_path) -> None:
    code, _, err = run(capsys, "--db", str(db_path), "summary", "TNOPE123")
    assert code == 2 and "trialapp list" in err
    with pytest.raises(SystemExit) as info:
        main(["--db", str(db_path), "export"])
    assert info.value.code == 2


def test_check_names_the_first_altered_audit_row(capsys, db_path) -> None:
    run(capsys, "--db", str(db_path), "demo")
    code, out, _ = run(capsys, "--db", str(db_path), "check")
    head = out.strip().splitlines()[-1]
    assert code == 0 and len(head) == 64
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor = 'os:someone-else' WHERE id = 3")
    con.commit()
    con.close()
    code, out, err = run(capsys, "--db", str(db_path), "check")
    assert code == 1 and "First bad audit row: 3" in err and "changed after it was written" in err


def test_users_are_added_under_a_named_user_never_the_computers_account(capsys, db_path, monkeypatch) -> None:
    import io

    # A new installation: the first admin needs no --user and is recorded under their own name.
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    code, out, _ = run(capsys, "--db", str(db_path), "users", "add", "ada.admin", "--role", "admin", "--name", "Ada")
    assert code == 0 and "Added ada.admin" in out
    # From then on a change without --user is refused, saying how, and changes nothing.
    before = file_digest(db_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    code, out, err = run(capsys, "--db", str(db_path), "users", "add", "pt.jones", "--role", "pt", "--name", "Pat Jones")
    assert code == 2 and out == ""
    assert "Add --user YOURNAME before the command" in err and "'trialapp --user admin.ada users add …'" in err
    assert "your password is asked" in err and file_digest(db_path) == before
    monkeypatch.setenv("TRIALAPP_PASSWORD", "a-long-password")
    monkeypatch.setattr(sys, "stdin", io.StringIO("another-long-password\n"))
    code, out, _ = run(
        capsys, "--db", str(db_path), "--user", "ada.admin", "users", "add", "pt.jones", "--role", "pt", "--name", "Pat"
    )
    assert code == 0 and "Added pt.jones" in out
    monkeypatch.delenv("TRIALAPP_PASSWORD")
    code, out, _ = run(capsys, "--db", str(db_path), "users", "list")  # reading needs no --user
    assert code == 0 and "pt.jones" in out and "active" in out
    monkeypatch.setenv("TRIALAPP_PASSWORD", "a-long-password")
    assert run(capsys, "--db", str(db_path), "--user", "ada.admin", "users", "disable", "pt.jones")[0] == 0
    assert "disabled" in run(capsys, "--db", str(db_path), "users", "list")[1]
    con = sqlite3.connect(db_path)
    actors = {r[0] for r in con.execute("SELECT actor FROM audit_log WHERE table_name = 'users'")}
    con.close()
    assert actors == {"user:ada.admin"}  # never os:root


def test_a_wrong_password_or_a_role_without_the_right_changes_nothing(capsys, db_path, monkeypatch) -> None:
    run(capsys, "--db", str(db_path), "demo")
    monkeypatch.setenv("TRIALAPP_PASSWORD", "not-the-password")
    code, _, err = run(capsys, "--db", str(db_path), "--user", "demo.admin", "settings", "set", "clinic_name", "X")
    assert code == 2 and "wrong" in err.lower()
    monkeypatch.setenv("TRIALAPP_PASSWORD", "demo-nurse-2026")
    code, _, err = run(capsys, "--db", str(db_path), "--user", "demo.nurse", "settings", "set", "clinic_name", "X")
    assert code == 2 and "A nurse may not change the site settings" in err
    con = sqlite3.connect(db_path)
    settings = con.execute("SELECT count(*) FROM settings WHERE key = 'clinic_name'").fetchone()[0]
    con.close()
    assert settings == 0  # (the wrong password itself is counted towards the lock-out)


def test_without_a_terminal_the_password_comes_from_trialapp_password(tmp_path, db_path) -> None:
    env = {**os.environ, "TRIALAPP_HOME": str(tmp_path / "home")}
    env.pop("TRIALAPP_PASSWORD", None)
    argv = [sys.executable, "-m", "trialapp", "--db", str(db_path)]
    assert subprocess.run([*argv, "demo"], env=env, capture_output=True, timeout=120).returncode == 0
    # A new session has no controlling terminal, as under cron or a service.
    done = subprocess.run(
        [*argv, "--user", "demo.admin", "settings", "set", "clinic_name", "North Ward"],
        env=env, capture_output=True, text=True, timeout=120, start_new_session=True, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and "TRIALAPP_PASSWORD" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(
        [*argv, "--user", "demo.admin", "settings", "set", "clinic_name", "North Ward"],
        env={**env, "TRIALAPP_PASSWORD": "demo-admin-2026"}, capture_output=True, text=True, timeout=120,
        start_new_session=True, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    con = sqlite3.connect(db_path)
    actor = con.execute("SELECT actor FROM audit_log WHERE table_name = 'settings' ORDER BY id DESC").fetchone()
    con.close()
    assert actor == ("user:demo.admin",)


def test_damaged_database_gives_a_way_forward_and_is_untouched(capsys, db_path) -> None:
    db_path.write_bytes(b"garbage" * 100)
    code, _, err = run(capsys, "--db", str(db_path), "list")
    assert code == 2 and "left untouched" in err and "--db" in err
    assert db_path.read_bytes() == b"garbage" * 100


def test_every_command_has_help(capsys) -> None:
    from trialapp.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"gui", "import", "export", "list", "demo", "check", "users", "summary", "protocol"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_protocol_show_lists_defaults_with_sources(capsys) -> None:
    code, out, _ = run(capsys, "protocol", "show", "--json")
    data = {d["key"]: d for d in json.loads(out)}
    assert code == 0 and "50 mcg → 75 mcg → 100 mcg" in data["ladder"]["value"]
    assert "Gilmartin" in data["threshold"]["source"]


def test_console_script_and_gui_exit_after_ready(tmp_path: Path) -> None:
    """A real process: `python -m trialapp gui --exit-after-ready` opens the window and exits 0."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIALAPP_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "trialapp", "--db", str(tmp_path / "gui.sqlite"), "gui", "--exit-after-ready"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_every_command_is_in_the_cli_reference() -> None:
    from trialapp.cli import build_parser

    reference = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    missing = [name for name in commands if f"`{name}" not in reference]
    assert not missing, f"document these commands in docs/cli.md: {missing}"
