"""The command table (``cli.COMMAND_MODULES``): a command imports only its own module, and ``summary`` and
``report`` load neither Qt nor the chart library (issue 22: each is a whole process on a budget). Checked in
real processes by what they imported, never by how long they took."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from trialapp.cli import COMMAND_MODULES, build_parser, command_word
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.context import open_app, os_actor
from trialapp.services.demo import demo_text
from trialapp.services.trials import import_document

ROOT = Path(__file__).resolve().parents[2]
NEVER_FOR_A_SUMMARY = ("PySide6", "pyqtgraph", "shiboken6", "numpy", "alembic", *COMMAND_MODULES)


@pytest.mark.parametrize("module_name", list(COMMAND_MODULES))
def test_each_module_adds_exactly_the_commands_the_table_names(module_name: str) -> None:
    added: list[str] = []
    sub = argparse.ArgumentParser().add_subparsers()

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        added.append(name)
        return sub.add_parser(name, help=help_text)

    importlib.import_module(module_name).register(add)
    assert tuple(added) == COMMAND_MODULES[module_name]


def test_no_command_is_named_twice() -> None:
    names = [name for names in COMMAND_MODULES.values() for name in names]
    assert len(names) == len(set(names))
    assert not set(names) & _commands(build_parser(command="summary"))


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    return set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_each_command_builds_only_its_own_module() -> None:
    every = _commands(build_parser())
    feature = {name for names in COMMAND_MODULES.values() for name in names}
    for command in sorted(every):
        built = _commands(build_parser(command=command))
        own = next((set(names) for names in COMMAND_MODULES.values() if command in names), set())
        assert built == (every - feature) | own, command


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "x.sqlite", "summary", "T1", "--json"],
        ["check"],
        ["--user", "ada", "users", "list"],
        ["report", "T1", "--kind", "family", "--lang", "es", "--out", "s.pdf"],
        ["qi", "summary"],
        ["--portable", "review", "--json"],
        ["key", "export", "k.bin"],
    ],
)
def test_a_command_parses_as_with_every_module(argv: list[str]) -> None:
    word = command_word(argv)
    assert vars(build_parser(command=word).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_an_unknown_command_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser(command="sumary").parse_args(["sumary"])
    err = capsys.readouterr().err
    assert "invalid choice: 'sumary'" in err
    assert all(name in err for names in COMMAND_MODULES.values() for name in names)


@pytest.fixture
def trial_id(db_path: Path) -> str:
    app = open_app(db_path)
    try:
        return import_document(app, os_actor(), load_trial_document(demo_text("demo_responder.json")))
    finally:
        app.close()


def _modules_after(db_path: Path, *argv: str) -> tuple[set[str], bool]:
    """Run the command in a new process: the modules it had imported when it ended, and whether it had
    configured the ORM's mappers (tens of milliseconds that a read through plain queries does not need)."""
    code = (
        "import json, sys\nfrom trialapp.cli import main\n"
        f"code = main({['--db', str(db_path), *argv]!r})\n"
        "models = sys.modules.get('trialapp.storage.models')\n"
        "configured = models is not None and models.TrialRow.__mapper__.configured\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules), 'configured': configured}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr[-2000:]
    return set(result["modules"]), bool(result["configured"])


def _unwanted(names: set[str]) -> list[str]:
    return sorted(n for n in names if any(n == u or n.startswith(u + ".") for u in NEVER_FOR_A_SUMMARY))


def test_summary_loads_no_qt_no_charts_and_no_other_command(db_path: Path, trial_id: str) -> None:
    names, configured = _modules_after(db_path, "summary", trial_id)
    assert "trialapp.services.trials" in names  # the command did run
    assert not _unwanted(names), _unwanted(names)
    assert not any(n == "argon2" or n.startswith("argon2.") for n in names)  # no password asked
    assert not configured  # the trial is read with plain queries (repositories.load_document)


def test_report_loads_no_qt_no_charts_and_no_other_command(
    db_path: Path, trial_id: str, tmp_path: Path
) -> None:
    out = tmp_path / "clinical.pdf"
    names, _ = _modules_after(db_path, "report", trial_id, "--kind", "clinical", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    unwanted = _unwanted(names - {"trialapp.cli_reports"})  # its own module, and only that one
    unwanted += [n for n in names if n in ("trialapp.reports.family", "babel")]  # the family copy's
    assert "trialapp.cli_reports" in names and not unwanted, unwanted
