"""Issue 18 item 14: export-dataset streams (bounded memory, short transactions) and the long commands say how
far they are (plain lines when not on a terminal). Real processes on generated databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.context import open_app, os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.trials import import_document

ROOT = Path(__file__).resolve().parents[2]
SMALL = 40

# Runs the command line in this process, then prints its peak resident memory (kB) on the last line.
PEAK = """
import sys
from trialapp.cli import main
code = main(sys.argv[1:])
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("PEAK", line.split()[1])
sys.exit(code)
"""


HOME: dict[str, str] = {}  # the generated databases' installation (audit key), for the processes too


def _add_trials(db: Path, start: int, count: int) -> None:
    from trialapp.config import resolve_paths

    docs = [load_trial_document(demo_text(name)) for name in demo_files()]
    app = open_app(db, paths=resolve_paths(str(db), environ=HOME))
    try:
        for n in range(start, start + count):
            doc = docs[n % len(docs)]
            import_document(app, os_actor(), replace(doc, patient=replace(doc.patient, mrn=f"GEN-{n:05d}")))
    finally:
        app.close()


def _run(*argv: str, peak: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", PEAK, *argv] if peak else [sys.executable, "-m", "trialapp", *argv]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **HOME, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("generated")
    HOME["TRIALAPP_HOME"] = str(folder / "home")
    small, large = folder / "small.sqlite", folder / "large.sqlite"
    _add_trials(small, 0, SMALL)
    shutil.copy(small, large)
    _add_trials(large, SMALL, 3 * SMALL)
    return small, large


def _peak_kb(db: Path, out: Path) -> int:
    done = _run("--db", str(db), "export-dataset", "--deidentify", "--out", str(out), peak=True)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1].split()[1])


def test_export_dataset_memory_stays_bounded(databases: tuple[Path, Path], tmp_path: Path) -> None:
    small, large = databases
    small_kb = _peak_kb(small, tmp_path / "small")
    large_kb = _peak_kb(large, tmp_path / "large")
    assert len(list((tmp_path / "large").glob("*.json"))) == 4 * SMALL + 1  # the records and the manifest
    # 4 x the trials: the peak may not grow with them (before: every document and file held at once).
    print(f"peak RSS: {SMALL} trials {small_kb / 1024:.1f} MB, {4 * SMALL} trials {large_kb / 1024:.1f} MB")
    assert large_kb - small_kb < 8 * 1024, (small_kb, large_kb)


def test_long_commands_print_progress_lines_when_not_on_a_terminal(databases: tuple[Path, Path], tmp_path: Path) -> None:
    _small, large = databases
    done = _run("--db", str(large), "export-dataset", "--deidentify", "--out", str(tmp_path / "ds"))
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("Exporting trials:")]
    assert len(lines) >= 3 and lines[-1] == f"Exporting trials: {4 * SMALL} of {4 * SMALL}", done.stderr
    assert "\r" not in done.stderr  # no bar: not a terminal
    done = _run("--db", str(large), "check")
    assert done.returncode == 0, done.stderr
    assert "Checking: clinical records" in done.stderr, done.stderr
    done = _run("--db", str(large), "backup", "--out", str(tmp_path / "copy.sqlite"))
    assert done.returncode == 0, done.stderr
    assert "Backing up" in done.stderr, done.stderr
    done = _run("--db", str(large), "list", "--json")
    assert done.returncode == 0 and done.stderr == "", done.stderr  # never on --json output


def test_on_a_terminal_progress_is_one_bar_redrawn_in_place() -> None:
    import io

    from trialapp.cli import ProgressReport

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    report = ProgressReport("Exporting trials", screen)
    for done in range(0, 101, 25):
        report(done, 100)
    text = screen.getvalue()
    assert text.count("\r") == 5 and text.count("\n") == 1 and text.endswith("] 100 of 100\n")
    assert f"[{'#' * ProgressReport.WIDTH}]" in text
