"""Restore and backups never lose a file (issue 18, items 1–3): names never collide, a restore is one
rename of a verified copy, and an unsuitable backup is refused with the database left byte-for-byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from tests.helpers import file_digest
from trialapp.cli import main
from trialapp.config import resolve_paths
from trialapp.services import users
from trialapp.services.backups import restore_backup
from trialapp.services.context import open_app, os_actor
from trialapp.storage import backup
from trialapp.storage.backup import BackupFailed, copy_database

PASSWORD = "long-enough-password"


def _with_users(db_path: Path, *names: str) -> None:
    app = open_app(db_path)
    try:
        for name in names:
            users.add_user(app, os_actor(), name, "pt", name.title(), PASSWORD)
    finally:
        app.close()


def _usernames(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        names = [r[0] for r in conn.execute("SELECT username FROM users ORDER BY username")]
    conn.close()
    return names


def _siblings(db_path: Path) -> set[str]:
    """The database's own files (the database, its WAL, kept-aside copies, a restore's temporary copy)."""
    return {p.name for p in db_path.parent.iterdir() if p.name.startswith(db_path.stem)}


# ------------------------------------------------------------------------------------------------ item 1


def test_two_restores_within_one_second_keep_both_kept_aside_copies(db_path: Path, tmp_path: Path) -> None:
    _with_users(db_path, "first")
    good = tmp_path / "good.sqlite"
    copy_database(db_path, good)
    _with_users(db_path, "second")  # the live database now holds more than the backup
    now = datetime(2026, 12, 7, 9, 0, 0)
    aside_1 = backup.restore(good, db_path, now=now)
    _with_users(db_path, "third")
    aside_2 = backup.restore(good, db_path, now=now)
    assert aside_1 != aside_2 and aside_1.exists() and aside_2.exists()
    assert _usernames(aside_1) == ["first", "second"]
    assert _usernames(aside_2) == ["first", "third"]


def test_two_backups_within_the_same_instant_never_collide(db_path: Path) -> None:
    _with_users(db_path, "first")
    now = datetime(2026, 12, 7, 9, 0, 0)
    one = backup.take_backup(db_path, "manual", now=now).path
    two = backup.take_backup(db_path, "manual", now=now).path
    assert one != two and one.exists() and two.exists()


# ------------------------------------------------------------------------------------------------ item 2


def test_a_damaged_database_is_kept_aside_byte_for_byte(db_path: Path, tmp_path: Path) -> None:
    _with_users(db_path, "first")
    good = tmp_path / "good.sqlite"
    copy_database(db_path, good)
    db_path.write_bytes(b"damaged beyond repair" * 500)
    aside = restore_backup(good, db_path)
    assert aside.read_bytes() == b"damaged beyond repair" * 500 and _usernames(db_path) == ["first"]


def test_restoring_the_database_onto_itself_is_refused_and_keeps_it(db_path: Path, tmp_path: Path) -> None:
    _with_users(db_path, "first")
    before = file_digest(db_path)
    with pytest.raises(BackupFailed, match="is the database itself"):
        restore_backup(db_path, db_path)
    link = tmp_path / "same-inode.sqlite"
    os.link(db_path, link)
    with pytest.raises(BackupFailed, match="is the database itself"):
        restore_backup(link, db_path)
    assert file_digest(db_path) == before and _usernames(db_path) == ["first"]


def test_a_restore_cut_short_is_cleaned_up_by_the_next_start(db_path: Path) -> None:
    _with_users(db_path, "first")
    leftover = db_path.with_name(db_path.name + backup.RESTORING_SUFFIX)
    leftover.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)  # what a kill mid-copy leaves
    staged = db_path.with_name(f"{db_path.stem}-replaced-20261207-090000{db_path.suffix}.partial")
    os.link(db_path, staged)  # what a kill while keeping the database aside leaves
    app = open_app(db_path)
    app.close()
    assert not leftover.exists() and not staged.exists() and _usernames(db_path) == ["first"]


def test_a_missing_database_with_a_restore_cut_short_is_refused_not_created(db_path: Path) -> None:
    from trialapp.storage.errors import DatabaseUnreadable

    leftover = db_path.with_name(db_path.name + backup.RESTORING_SUFFIX)
    leftover.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(DatabaseUnreadable, match="restore was interrupted"):
        open_app(db_path)
    assert not db_path.exists()


# ------------------------------------------------------------------------------------------------ item 3


def _other_installation_db(tmp_path: Path) -> tuple[Path, Path]:
    other = tmp_path / "other.sqlite"
    paths = resolve_paths(str(other), environ={"TRIALAPP_HOME": str(tmp_path / "other-home")})
    app = open_app(paths=paths)
    try:
        users.add_user(app, os_actor(), "elsewhere", "pt", "Elsewhere", PASSWORD)
    finally:
        app.close()
    return other, paths.config_dir / "audit-chain.key"


def _unsuitable(kind: str, tmp_path: Path, db_path: Path) -> tuple[Path, str]:
    """A file a restore must refuse, and words its refusal must contain."""
    target = tmp_path / f"{kind}.sqlite"
    if kind == "empty":
        target.write_bytes(b"")
        return target, "empty"
    if kind == "unrelated":
        with sqlite3.connect(target) as conn:
            conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.close()
        return target, "not a trialapp database"
    copy_database(db_path, target)
    if kind == "newer":
        with sqlite3.connect(target) as conn:
            conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
        conn.close()
        return target, "newer trialapp"
    if kind == "tampered":
        with sqlite3.connect(target) as conn:
            conn.execute("DROP TRIGGER audit_log_no_update")
            conn.execute("UPDATE audit_log SET new_value = '\"mallory\"' WHERE id = 1")
        conn.close()
        return target, "audit trail does not verify"
    other, _key = _other_installation_db(tmp_path)
    return other, "audit key"


@pytest.mark.parametrize("kind", ["empty", "unrelated", "newer", "other-installation", "tampered"])
def test_an_unsuitable_backup_is_refused_and_the_database_is_unchanged(
    kind: str, db_path: Path, tmp_path: Path
) -> None:
    _with_users(db_path, "first")
    candidate, words = _unsuitable(kind, tmp_path, db_path)
    before, files = file_digest(db_path), _siblings(db_path)
    with pytest.raises(BackupFailed) as info:
        restore_backup(candidate, db_path)
    assert words in str(info.value)
    assert file_digest(db_path) == before and _siblings(db_path) == files


def test_a_backup_of_another_installation_is_restored_when_its_key_is_named(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_users(db_path, "first")
    app = open_app(db_path)
    users.add_user(app, os_actor(), "ada", "admin", "Ada", PASSWORD)
    app.close()
    other, other_key = _other_installation_db(tmp_path)
    monkeypatch.setenv("TRIALAPP_PASSWORD", PASSWORD)
    restore = ["--db", str(db_path), "--user", "ada", "restore", str(other), "--reason", "moved laptops"]
    assert main(restore) == 2
    assert "--key" in capsys.readouterr().err
    assert main([*restore, "--key", str(other_key)]) == 0
    assert _usernames(db_path) == ["elsewhere"]
    assert main(["--db", str(db_path), "check"]) == 0  # the named key now keys this installation


def test_restore_says_what_the_backup_holds_before_replacing(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--db", str(db_path), "demo"]) == 0
    good = tmp_path / "good.sqlite"
    assert main(["--db", str(db_path), "backup", "--out", str(good)]) == 0
    capsys.readouterr()
    monkeypatch.setenv("TRIALAPP_PASSWORD", "demo-admin-2026")  # the demo admin's synthetic password
    assert main(["--db", str(db_path), "--user", "demo.admin", "restore", str(good), "--reason", "test"]) == 0
    out = capsys.readouterr().out
    holds = out.index("holds")
    assert "patient" in out[holds:] and "trial" in out[holds:] and "last change" in out[holds:]
    assert holds < out.index("Restored")
