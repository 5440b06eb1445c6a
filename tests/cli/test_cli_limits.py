"""Issue 18 item 12 (outside the JSON reader): file sizes checked before reading, the search text capped, long
numbers and long values refused with their place and cut in messages. Real processes, real files."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from trialapp.cli import main
from trialapp.services.limits import MAX_IMPORT_BYTES, MAX_SEARCH_CHARS

ROOT = Path(__file__).resolve().parents[2]


def _cli(*argv: str, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    def limits() -> None:
        if memory is not None:  # reading the file whole would need more than this
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

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
    assert main(["--db", str(db_path), "demo"]) == 0
    capsys.readouterr()
    return db_path


@pytest.mark.parametrize("command", [("import",), ("qi", "import")])
def test_a_file_over_the_limit_is_refused_before_it_is_read(demo_db: Path, tmp_path: Path, command) -> None:  # type: ignore[no-untyped-def]
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # 4 GiB, sparse: reading it would take seconds and the memory below
        handle.truncate(4 * 1024**3)
    before = demo_db.read_bytes()
    done = _cli("--db", str(demo_db), *command, str(huge), memory=1024**3)
    assert done.returncode == 2, done.stderr
    assert "has 4,294,967,296 bytes (4,295.0 MB)" in done.stderr, done.stderr
    assert f"at most {MAX_IMPORT_BYTES:,} bytes (20.0 MB)" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert demo_db.read_bytes() == before


def test_a_document_the_format_allows_is_not_refused_for_its_size(tmp_path: Path) -> None:
    """The format allows a document up to 20,000,000 bytes (itb-trial/1, Sizes): a file of 18 MB (a valid
    document padded with spaces, which JSON ignores) is read and imported, not refused by a stricter file limit."""
    from trialapp.services.demo import demo_text

    text = json.dumps(json.loads(demo_text("demo_responder.json")))
    doc = tmp_path / "padded.json"
    doc.write_text(text[:-1] + " " * (18_000_000 - len(text)) + "}", encoding="utf-8")
    assert 17 * 1024**2 < doc.stat().st_size <= 20_000_000  # over the old 16 MiB file limit, inside the format's
    done = _cli("--db", str(tmp_path / "ward.sqlite"), "import", str(doc))
    assert done.returncode == 0, done.stderr
    listed = _cli("--db", str(tmp_path / "ward.sqlite"), "list")
    assert json.loads(text)["patient"]["family_name"] in listed.stdout, listed.stdout


def test_a_long_search_is_cut_and_said_not_a_crash(demo_db: Path) -> None:
    done = _cli("--db", str(demo_db), "list", "--search", "x" * 50_000)
    assert done.returncode == 0, done.stderr
    assert f"only its first {MAX_SEARCH_CHARS} characters were searched" in done.stderr
    assert "LIKE pattern" not in done.stderr + done.stdout


def test_a_number_with_thousands_of_digits_is_refused_with_its_place(demo_db: Path, tmp_path: Path) -> None:
    from trialapp.services.demo import demo_text

    text = json.dumps(json.loads(demo_text("demo_responder.json")), indent=1)
    text = re.sub(r'"weight_kg": [0-9.]+', '"weight_kg": ' + "9" * 5000, text, count=1)
    line = text[: text.index("9" * 5000)].count("\n") + 1
    doc = tmp_path / "long-number.json"
    doc.write_text(text, encoding="utf-8")
    done = _cli("--db", str(demo_db), "import", str(doc))
    assert done.returncode != 0
    assert f"a number with 5000 digits at line {line}" in done.stderr, done.stderr
    assert "set_int_max_str_digits" not in done.stderr
    assert len(done.stderr) < 2000  # the value itself is not repeated
