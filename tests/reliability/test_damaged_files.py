"""Damaged and empty files, damaged audit keys (issue 18, items 5, 6 and 8): refused or opened read-only in
plain words, with the way forward; never a traceback, never a write into a damaged file."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import file_digest
from trialapp.cli import main
from trialapp.services.demo import demo_text
from trialapp.storage.audit import AuditKeyInvalid, load_or_create_key

TRACEBACK = "Traceback"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert TRACEBACK not in out + err
    return code, out, err


@pytest.fixture
def demo_db(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["--db", str(db_path), "demo"]) == 0
    capsys.readouterr()
    return db_path


@pytest.fixture
def document(tmp_path: Path) -> str:
    path = tmp_path / "another.json"
    path.write_text(demo_text("demo_responder.json").replace('"DEMO-', '"DEMOX-'), encoding="utf-8")
    return str(path)


def _trial_id(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        trial_id = str(conn.execute("SELECT public_id FROM trials LIMIT 1").fetchone()[0])
    conn.close()
    return trial_id


# ------------------------------------------------------------------------------------------------ item 8


@pytest.mark.parametrize(
    "content, words",
    [(b"", "is empty"), (b"\n", "is empty"), (b"\xff\xfe not a key \x00", "is damaged"), (b"abcd\n", "is damaged")],
    ids=["empty", "newline", "garbage", "short"],
)
def test_an_empty_or_garbage_audit_key_is_refused_plainly_by_every_command(
    content: bytes,
    words: str,
    demo_db: Path,
    document: str,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_file = isolated_home / "config" / "audit-chain.key"
    key_file.write_bytes(content)
    before = file_digest(demo_db)
    with pytest.raises(AuditKeyInvalid):
        load_or_create_key(key_file.parent)  # never a zero-length (or any wrong-length) HMAC key
    for argv in (["list"], ["check"], ["summary", _trial_id(demo_db)], ["import", document], ["demo"]):
        code, _out, err = _run(capsys, "--db", str(demo_db), *argv)
        assert code == 2, argv
        assert str(key_file) in err and words in err and "from your backups" in err, err
    assert key_file.read_bytes() == content and file_digest(demo_db) == before


# ------------------------------------------------------------------------------------------------ item 6


def test_a_zero_byte_database_is_refused_and_left_empty(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_path.write_bytes(b"")
    for argv in (["list"], ["demo"], ["check"]):
        code, _out, err = _run(capsys, "--db", str(db_path), *argv)
        assert code == 2 and "empty file (0 bytes)" in err and "left untouched" in err
    assert db_path.read_bytes() == b"" and not (db_path.parent / "backups").exists()


# ------------------------------------------------------------------------------------------------ item 5


def _btree_pages(data: bytes) -> tuple[int, list[int]]:
    page_size = int.from_bytes(data[16:18], "big") or 65536
    pages = [
        n
        for n in range(2, len(data) // page_size + 1)
        if data[(n - 1) * page_size] in (0x02, 0x05, 0x0A, 0x0D)
    ]
    return page_size, pages


def damage_a_page(path: Path, seed: int) -> None:
    """Flip bytes in the header and cell pointers of one b-tree page, as a failing disk sector would."""
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    page_size, pages = _btree_pages(bytes(data))
    start = (rng.choice(pages) - 1) * page_size
    for offset in rng.sample(range(start, start + 48), 12):
        data[offset] ^= rng.randrange(1, 256)
    path.write_bytes(bytes(data))


def _quick_check(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_damaged_database_opens_read_only_with_the_way_forward_and_check_reports(
    seed: int, demo_db: Path, document: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trial_id = _trial_id(demo_db)
    assert main(["--db", str(demo_db), "list"]) == 0  # today's backup: the way forward names it
    capsys.readouterr()
    damage_a_page(demo_db, seed)
    assert _quick_check(demo_db) != ["ok"]  # the damage is real
    before = file_digest(demo_db)
    code, _out, err = _run(capsys, "--db", str(demo_db), "list")
    assert "damaged" in err and "trialapp restore" in err, err
    code, _out, err = _run(capsys, "--db", str(demo_db), "import", document)
    assert code == 2 and "damaged" in err
    for argv in (["summary", trial_id], ["export", trial_id], ["users", "list"]):
        code, _out, err = _run(capsys, "--db", str(demo_db), *argv)
        assert code in (0, 2), argv
    code, _out, err = _run(capsys, "--db", str(demo_db), "check")
    assert code == 1 and "damaged" in err, err
    assert file_digest(demo_db) == before  # nothing was written into the damaged file


def test_undecodable_text_in_the_database_is_a_plain_message(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = demo_text("demo_responder.json")
    source = tmp_path / "patient.json"
    import json

    data = json.loads(doc)
    data["patient"]["family_name"] = "Zqxjkvwy"
    source.write_text(json.dumps(data), encoding="utf-8")
    assert main(["--db", str(db_path), "import", str(source)]) == 0
    trial_id = capsys.readouterr().out.strip().splitlines()[-1]
    raw = db_path.read_bytes()
    assert b"Zqxjkvwy" in raw
    db_path.write_bytes(raw.replace(b"Zqxjkvwy", b"Zq\xff\xfejkvw"))  # not UTF-8 any more
    for argv in (["list"], ["summary", trial_id], ["export", trial_id]):
        code, _out, err = _run(capsys, "--db", str(db_path), *argv)
        assert code == 2 and "damaged" in err and "trialapp restore" in err, (argv, err)
    code, _out, err = _run(capsys, "--db", str(db_path), "check")
    assert code == 1 and "damaged" in err, err
