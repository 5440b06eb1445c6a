"""The audit key carried to another laptop under a passphrase (`trialapp key export|import`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trialapp.storage.audit import KEY_FILE_NAME, AuditKey, load_or_create_key
from trialapp.storage.key_transfer import (
    KeyTransferError,
    export_key,
    install_exported_key,
    open_exported_key,
)

PASSPHRASE = "blue heron at dawn"


def _cli(home: Path, db: str, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trialapp", "--db", db, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TRIALAPP_HOME": str(home)},
    )


def test_the_file_holds_no_key_in_the_clear_and_opens_only_with_the_passphrase(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "config")
    out = tmp_path / "ward.trialapp-key"
    assert export_key(key, PASSPHRASE, out) == key.key_id
    text = out.read_text(encoding="ascii")
    assert key.secret.hex() not in text
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert open_exported_key(out, PASSPHRASE) == key
    with pytest.raises(KeyTransferError, match="passphrase does not open"):
        open_exported_key(out, PASSPHRASE + "!")
    tampered = json.loads(text)
    tampered["sealed_key"] = ("00" if tampered["sealed_key"][:2] != "00" else "11") + tampered["sealed_key"][2:]
    (tmp_path / "tampered").write_text(json.dumps(tampered), encoding="ascii")
    with pytest.raises(KeyTransferError, match="passphrase does not open this key file \\(or the file was changed\\)"):
        open_exported_key(tmp_path / "tampered", PASSPHRASE)


def test_refusals_say_what_to_do(tmp_path: Path) -> None:
    key = AuditKey(b"k" * 32)
    with pytest.raises(KeyTransferError, match="at least 12 characters"):
        export_key(key, "short", tmp_path / "a")
    (tmp_path / "exists").write_text("keep me", encoding="utf-8")
    with pytest.raises(KeyTransferError, match="already exists"):
        export_key(key, PASSPHRASE, tmp_path / "exists")
    assert (tmp_path / "exists").read_text(encoding="utf-8") == "keep me"
    (tmp_path / "other.json").write_text('{"format": "something-else"}', encoding="ascii")
    with pytest.raises(KeyTransferError, match="not a key exported"):
        open_exported_key(tmp_path / "other.json", PASSPHRASE)


def test_a_different_key_is_never_overwritten_without_replace(tmp_path: Path) -> None:
    config = tmp_path / "config"
    mine = load_or_create_key(config)
    theirs = AuditKey(b"t" * 32)
    with pytest.raises(KeyTransferError, match="already has another audit key"):
        install_exported_key(theirs, config)
    assert load_or_create_key(config) == mine
    aside = install_exported_key(theirs, config, replace=True)
    assert aside is not None and bytes.fromhex(aside.read_text(encoding="ascii")) == mine.secret
    assert load_or_create_key(config) == theirs
    assert install_exported_key(theirs, config) is None  # the same key again: nothing to do


def test_a_second_laptop_joins_with_the_exported_key(tmp_path: Path) -> None:
    """Laptop A made the database; laptop B (its own config folder) is refused until it imports A's key."""
    db = str(tmp_path / "ward.sqlite")
    laptop_a, laptop_b = tmp_path / "a", tmp_path / "b"
    assert _cli(laptop_a, db, "demo").returncode == 0
    exported = tmp_path / "ward.trialapp-key"
    done = _cli(laptop_a, db, "key", "export", str(exported), stdin=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    assert "never with the file" in done.stdout
    refused = _cli(laptop_b, db, "check")  # laptop B's first start made a key of its own
    assert refused.returncode != 0
    assert "'trialapp key import FILE --replace'" in refused.stdout + refused.stderr
    done = _cli(laptop_b, db, "key", "import", str(exported), "--replace", stdin=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    assert (laptop_b / "config" / KEY_FILE_NAME).is_file()
    check = _cli(laptop_b, db, "check")
    assert check.returncode == 0, check.stderr
    assert "audit trail verified" in check.stdout
