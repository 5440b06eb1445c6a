"""The command line at the edges (issue 18, items 4, 9, 10 and 15): no room for the daily backup, --out onto
files that must never be overwritten, private files whatever the umask, storage failures in plain words."""

from __future__ import annotations

import os
import resource
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import file_digest
from trialapp.cli import main
from trialapp.services.demo import demo_text

ROOT = Path(__file__).resolve().parents[2]


def _cli(*argv: str, fsize_limit: int | None = None, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m trialapp`` as a user would, in its own process."""

    def limits() -> None:
        if fsize_limit is not None:  # files may not grow past this: a disk with no room left
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [sys.executable, "-m", "trialapp", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        preexec_fn=limits,
    )


@pytest.fixture
def demo_db(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["--db", str(db_path), "demo"]) == 0  # a new database: no daily backup yet
    capsys.readouterr()
    return db_path


def _trial_id(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        trial_id = str(conn.execute("SELECT public_id FROM trials LIMIT 1").fetchone()[0])
    conn.close()
    return trial_id


def _trial_count(db_path: Path) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        count = int(conn.execute("SELECT count(*) FROM trials").fetchone()[0])
    conn.close()
    return count


# ------------------------------------------------------------------------------------------------ item 4


def test_with_no_room_for_the_daily_backup_reading_works_and_the_failure_is_said(
    demo_db: Path, tmp_path: Path
) -> None:
    size = demo_db.stat().st_size
    limit = 96 * 1024
    assert size > limit  # the backup copy cannot fit, small writes still can
    doc = tmp_path / "another.json"
    doc.write_text(demo_text("demo_responder.json").replace('"DEMO-', '"DEMOX-'), encoding="utf-8")
    trials = _trial_count(demo_db)
    trial_id = _trial_id(demo_db)
    reading = (
        ["list"],
        ["list"],  # and again: the failure is said on every command until a backup succeeds
        ["summary", trial_id],
        ["check"],
        ["export", trial_id, "--out", str(tmp_path / "export.json")],
        ["paths"],
    )
    for argv in reading:
        done = _cli("--db", str(demo_db), *argv, fsize_limit=limit)
        assert done.returncode == 0, (argv, done.stderr)
        if argv != ["paths"]:
            assert "backup could not be written" in done.stderr, (argv, done.stderr)
        assert "Traceback" not in done.stderr
    done = _cli("--db", str(demo_db), "import", str(doc), fsize_limit=limit)
    assert done.returncode == 2 and "backup could not be written" in done.stderr and "Traceback" not in done.stderr
    assert _trial_count(demo_db) == trials  # writes of records stay refused without the day's backup
    done = _cli("--db", str(demo_db), "list")  # room again: the backup is taken, the warning stops
    assert done.returncode == 0 and "backup" not in done.stderr, done.stderr
    assert list((demo_db.parent / "backups").glob("*daily*.sqlite"))


# ------------------------------------------------------------------------------------------------ item 9


def _out_commands(trial_id: str, out: Path) -> list[list[str]]:
    return [
        ["export", trial_id, "--out", str(out)],
        ["report", trial_id, "--kind", "family", "--out", str(out.with_suffix(".pdf"))],
        ["chart", trial_id, "--out", str(out.with_suffix(".png"))],
        ["qi", "export", "--out", str(out.with_suffix(".csv"))],
        ["qi", "report", "--out", str(out.with_suffix(".pdf"))],
    ]


def test_out_refuses_an_existing_file_unless_force(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trial_id = _trial_id(demo_db)
    out = tmp_path / "existing.json"
    for argv in _out_commands(trial_id, out):
        target = Path(argv[-1])
        target.write_bytes(b"keep me")
        assert main(["--db", str(demo_db), *argv]) == 2, argv
        err = capsys.readouterr().err
        assert "already exists" in err and "--force" in err, err
        assert target.read_bytes() == b"keep me"
        assert main(["--db", str(demo_db), *argv, "--force"]) == 0, argv
        capsys.readouterr()
        assert target.read_bytes() != b"keep me"


def test_out_never_writes_over_the_database_its_backups_or_the_key_even_with_force(
    demo_db: Path, isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(demo_db), "list"]) == 0  # today's backup
    capsys.readouterr()
    trial_id = _trial_id(demo_db)
    backup = next((demo_db.parent / "backups").glob("*.sqlite"))
    key = isolated_home / "config" / "audit-chain.key"
    Path(str(demo_db) + "-wal").touch()
    link = tmp_path / "link-to-db.json"
    os.link(demo_db, link)
    protected = [demo_db, Path(str(demo_db) + "-wal"), backup, key, link]
    before = {p: p.read_bytes() for p in protected}
    for target in protected:
        for argv in (
            ["export", trial_id, "--out", str(target), "--force"],
            ["qi", "export", "--out", str(target), "--force"],
        ):
            assert main(["--db", str(demo_db), *argv]) == 2, (argv, target)
            err = capsys.readouterr().err
            assert "never writes over" in err, err
    assert {p: p.read_bytes() for p in protected} == before


# ------------------------------------------------------------------------------------------------ item 10


def test_files_with_patient_data_are_private_whatever_the_umask(tmp_path: Path, isolated_home: Path) -> None:
    data = tmp_path / "ward"
    data.mkdir()
    db = data / "trial.sqlite"
    assert _cli("--db", str(db), "demo", umask=0o022).returncode == 0
    assert _cli("--db", str(db), "list", umask=0o022).returncode == 0  # the daily backup
    trial_id = _trial_id(db)
    outs = [tmp_path / "export.json", tmp_path / "summary.pdf", tmp_path / "copy.sqlite", tmp_path / "qi.csv"]
    for argv in (
        ["export", trial_id, "--out", str(outs[0])],
        ["report", trial_id, "--kind", "clinical", "--out", str(outs[1])],
        ["backup", "--out", str(outs[2])],
        ["qi", "export", "--out", str(outs[3])],
    ):
        done = _cli("--db", str(db), *argv, umask=0o022)
        assert done.returncode == 0, (argv, done.stderr)
    files = [db, *outs, *(data / "backups").iterdir(), *(p for p in isolated_home.rglob("*") if p.is_file())]
    dirs = [data / "backups", *(p for p in isolated_home.rglob("*") if p.is_dir())]
    loose = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in files if stat.S_IMODE(p.stat().st_mode) != 0o600}
    assert not loose
    open_dirs = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in dirs if stat.S_IMODE(p.stat().st_mode) != 0o700}
    assert not open_dirs


# ------------------------------------------------------------------------------------------------ item 15


def _damage(db: Path) -> None:
    from tests.reliability.test_damaged_files import damage_a_page

    damage_a_page(db, 1)


def _block_the_wal(db: Path) -> None:
    Path(str(db) + "-wal").unlink(missing_ok=True)
    Path(str(db) + "-wal").mkdir()  # SQLite cannot create its journal: every statement fails


@pytest.mark.parametrize("breakage", [_damage, _block_the_wal], ids=["damaged", "journal-blocked"])
def test_storage_failures_are_plain_messages_with_the_documented_exit_code(
    breakage: object, demo_db: Path, tmp_path: Path
) -> None:
    trial_id = _trial_id(demo_db)
    breakage(demo_db)  # type: ignore[operator]
    for argv in (["list"], ["summary", trial_id], ["check"], ["export", trial_id], ["users", "list"], ["demo"]):
        done = _cli("--db", str(demo_db), *argv)
        assert "Traceback" not in done.stderr, (argv, done.stderr)
        # check finds damage (1); a journal it cannot create is a storage problem it reports as bad input (2)
        expected = ({1} if breakage is _damage else {1, 2}) if argv == ["check"] else {0, 2}
        assert done.returncode in expected, (argv, done.returncode, done.stderr)
        if done.returncode:
            assert done.stderr.startswith("trialapp: ") or "Problems found" in done.stderr, done.stderr


def test_a_read_only_database_is_a_plain_message(demo_db: Path, tmp_path: Path) -> None:
    """Read-only even for root (the tests may run as root, whom file modes do not stop): chattr +i."""
    doc = tmp_path / "another.json"
    doc.write_text(demo_text("demo_responder.json").replace('"DEMO-', '"DEMOX-'), encoding="utf-8")
    assert _cli("--db", str(demo_db), "list").returncode == 0  # today's backup, so only the file matters
    if subprocess.run(["chattr", "+i", str(demo_db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        before = file_digest(demo_db)
        for argv in (["list"], ["check"], ["import", str(doc)], ["users", "list"]):
            done = _cli("--db", str(demo_db), *argv)
            assert "Traceback" not in done.stderr, (argv, done.stderr)
            assert done.returncode in ({0, 2} if argv[0] != "check" else {0, 1}), (argv, done.stderr)
        done = _cli("--db", str(demo_db), "import", str(doc))
        assert done.returncode == 2 and "read-only" in done.stderr, done.stderr
        assert file_digest(demo_db) == before
    finally:
        subprocess.run(["chattr", "-i", str(demo_db)], check=False)


def test_a_database_locked_by_another_program_is_a_plain_message(demo_db: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('PRAGMA journal_mode=DELETE'); c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); "
            "time.sleep(60)",
            str(demo_db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = file_digest(demo_db)
        started = time.monotonic()
        done = _cli("--db", str(demo_db), "list")
        assert "Traceback" not in done.stderr and done.returncode == 2, done.stderr
        assert "locked" in done.stderr and "damaged" not in done.stderr, done.stderr
        assert time.monotonic() - started < 120
        assert file_digest(demo_db) == before
    finally:
        holder.kill()
        holder.wait()
