"""What ``trialapp gui`` loads before its window paints (DESIGN.md: cold start ≤ 2 × a bare PySide6 window).

The window paints before the database opens (``ui/startup.py``): nothing of SQLAlchemy, Alembic, Argon2 or
the heavy report and chart libraries may be imported on the way to the first paint, and Alembic not at all
when the database is already at this app's schema. Checked in real processes, by what they imported, never
by how long they took.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trialapp.cli import build_parser, opens_the_window

ROOT = Path(__file__).resolve().parents[2]
NOT_BEFORE_THE_WINDOW = (
    "sqlalchemy",
    "alembic",
    "argon2",
    "reportlab",
    "pyqtgraph",
    "numpy",
    "pypdfium2",
    "fhir",
    "importlib.metadata",
    "trialapp.storage.db",
    "trialapp.storage.models",
    "trialapp.services.users",
    "trialapp.ui.views.home",
)


def _imported(args: list[str], home: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIALAPP_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "trialapp", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return done, names


def _heavy(names: set[str]) -> list[str]:
    return sorted(n for n in names if any(n == h or n.startswith(h + ".") for h in NOT_BEFORE_THE_WINDOW))


def test_the_window_paints_without_the_database_layer(tmp_path: Path) -> None:
    db = tmp_path / "ward.sqlite"
    done, names = _imported(["--db", str(db), "gui", "--exit-after-ready"], tmp_path / "home")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "trialapp.ui.main_window" in names and "trialapp.ui.views.login" in names
    assert not _heavy(names), f"imported before the first paint: {_heavy(names)}"
    assert not db.exists()  # --exit-after-ready exits before the database is opened


def test_a_database_at_this_schema_opens_without_alembic(tmp_path: Path) -> None:
    db = tmp_path / "ward.sqlite"
    home = tmp_path / "home"
    first, names = _imported(["--db", str(db), "gui", "--exit-after-database"], home)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "alembic" in names  # a new file: the migrations create the schema
    again, names = _imported(["--db", str(db), "gui", "--exit-after-database"], home)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "sqlalchemy" in names and "trialapp.services.users" in names  # opened, ready to sign in
    assert not any(n == "alembic" or n.startswith("alembic.") for n in names)


def test_exit_after_database_says_why_a_file_cannot_be_opened(tmp_path: Path) -> None:
    db = tmp_path / "shopping-list.sqlite"
    db.write_text("eggs, milk, bread\n" * 100, encoding="utf-8")
    done, _ = _imported(["--db", str(db), "gui", "--exit-after-database"], tmp_path / "home")
    assert done.returncode == 2
    assert "is not a trialapp database, or it is damaged" in done.stderr
    assert db.read_text(encoding="utf-8").startswith("eggs")  # left untouched


@pytest.mark.parametrize(
    ("argv", "window"),
    [
        ([], True),
        (["gui"], True),
        (["--db", "x.sqlite", "gui", "--exit-after-ready"], True),
        (["--portable", "--db=x.sqlite", "gui"], True),
        (["--db", "x.sqlite"], True),
        (["gui", "--help"], False),
        (["--help"], False),
        (["--version"], False),
        (["list"], False),
        (["--db", "gui", "list"], False),  # "gui" is the database's name here
        (["--portable", "check"], False),
    ],
)
def test_only_window_arguments_take_the_short_parser(argv: list[str], window: bool) -> None:
    assert opens_the_window(argv) is window


@pytest.mark.parametrize(
    "argv",
    [
        ["gui"],
        ["--db", "x.sqlite", "gui", "--exit-after-ready"],
        ["--portable", "gui", "--exit-after-database"],
        ["--db=y.sqlite"],
    ],
)
def test_the_short_parser_reads_window_arguments_as_the_full_one(argv: list[str]) -> None:
    short = vars(build_parser(gui_only=True).parse_args(argv))
    full = vars(build_parser().parse_args(argv))
    assert short == full
