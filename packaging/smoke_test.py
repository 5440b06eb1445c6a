"""Smoke test of the BUILT program (not the source tree): every command a ward uses, offscreen.

    .venv/bin/python packaging/smoke_test.py [dist/trialapp]      (make package-test builds, then runs this)

Runs the executable on a temporary database and temporary user folders (the real ones are never touched),
then again as a portable copy with its data beside it. Fails (exit 1) on a non-zero exit, a missing
module, a Qt plugin that does not load, a Python traceback, or an output that is not what it should be.
Uses only the standard library, so it runs with any Python 3.11+.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 180  # generous: the first start of a cold build on a busy 2-core machine is slow

# Any of these in a command's output means the build is broken even if the command exited 0.
BAD_OUTPUT: tuple[str, ...] = (
    "Traceback (most recent call last)",
    "ModuleNotFoundError",
    "No module named",
    "ImportError",
    "Could not load the Qt platform plugin",
    "Could not find the Qt platform plugin",
    "qt.qpa.plugin:",
    "Failed to execute script",  # PyInstaller's bootloader before 6.0
    "[PYI-",  # PyInstaller's bootloader messages since 6.0
    "Cannot load library",
)
CHAIN_HEAD = re.compile(r"[0-9a-f]{64}")
REQUIRED_COMMANDS = ("gui", "demo", "list", "summary", "report", "check", "paths", "backup", "restore")
# Being added by other work: tested when `trialapp --help` lists them.
OPTIONAL_COMMANDS = ("chart", "export")


class SmokeFailure(Exception):
    pass


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float


def problems_in_output(text: str) -> list[str]:
    """The markers of a broken build found in ``text`` (stdout and stderr of one command)."""
    return [marker for marker in BAD_OUTPUT if marker in text]


def chain_head(stdout: str) -> str | None:
    """The audit chain head that ``trialapp check`` prints as its last line, or None."""
    lines = [line.strip() for line in stdout.strip().splitlines()]
    if lines and CHAIN_HEAD.fullmatch(lines[-1]):
        return lines[-1]
    return None


def commands_in_help(help_text: str) -> set[str]:
    """The command names listed by ``trialapp --help`` (argparse's sub-command block)."""
    names: set[str] = set()
    in_commands = False
    for line in help_text.splitlines():
        if line.strip() == "COMMAND" or line.startswith("positional arguments"):
            in_commands = True
            continue
        if in_commands and line and not line.startswith(" "):
            in_commands = False
        match = re.match(r"^ {4}([a-z][a-z0-9-]*)(\s|$)", line) if in_commands else None
        if match:
            names.add(match.group(1))
    return names


def executable(dist: Path) -> Path:
    name = "trialapp.exe" if sys.platform.startswith("win") else "trialapp"
    return dist / name


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


class Runner:
    """Runs one built executable with a clean, temporary environment and checks each run."""

    def __init__(self, exe: Path, work: Path) -> None:
        self.exe = exe
        self.users = work / "user"  # stands in for the user's home and profile folders
        self.env = dict(os.environ)
        for var in ("TRIALAPP_DB", "TRIALAPP_HOME", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            self.env.pop(var, None)
        self.env["QT_QPA_PLATFORM"] = "offscreen"
        self.env["PYTHONUNBUFFERED"] = "1"
        user_vars = {
            "HOME": "home",
            "XDG_DATA_HOME": "xdg-data",
            "XDG_CONFIG_HOME": "xdg-config",
            "XDG_STATE_HOME": "xdg-state",
            "XDG_CACHE_HOME": "xdg-cache",
            "APPDATA": "appdata-roaming",
            "LOCALAPPDATA": "appdata-local",
            "USERPROFILE": "home",
        }
        for var, folder in user_vars.items():
            (self.users / folder).mkdir(parents=True, exist_ok=True)
            self.env[var] = str(self.users / folder)

    def run(self, *args: str, expect: int = 0, exe: Path | None = None, home: Path | None = None) -> Result:
        env = dict(self.env)
        if home is not None:
            env["TRIALAPP_HOME"] = str(home)
        started = time.monotonic()
        command = [str(exe or self.exe), *args]
        try:
            done = subprocess.run(
                command,
                env=env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=TIMEOUT_S,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SmokeFailure(f"'{' '.join(args)}' did not finish within {TIMEOUT_S} s") from exc
        result = Result(tuple(args), done.returncode, done.stdout, done.stderr, time.monotonic() - started)
        found = problems_in_output(result.stdout + result.stderr)
        if result.code != expect or found:
            why = f"exit {result.code}, expected {expect}" if result.code != expect else f"found {found}"
            raise SmokeFailure(
                f"'trialapp {' '.join(args)}': {why}\n--- stdout\n{result.stdout[-3000:]}\n"
                f"--- stderr\n{result.stderr[-3000:]}"
            )
        return result


def _ok(label: str, result: Result | None = None, detail: str = "") -> None:
    timing = f"{result.seconds:5.1f} s" if result else "       "
    print(f"ok  {timing}  {label}{'  — ' + detail if detail else ''}", flush=True)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def check_pdf(path: Path) -> str:
    data = path.read_bytes() if path.is_file() else b""
    _require(data.startswith(b"%PDF-"), f"{path.name} is not a PDF (does not start with %PDF-)")
    _require(data.rstrip().endswith(b"%%EOF"), f"{path.name} is cut short (no %%EOF at the end)")
    # The reports embed the bundled DejaVu fonts; without them reportlab would fail or fall back.
    _require(b"/FontFile2" in data, f"{path.name} embeds no TrueType font: the bundled fonts were not used")
    return f"{len(data) // 1024} KiB, fonts embedded"


def trial_ids(
    runner: Runner, db_args: Sequence[str], home: Path | None = None, exe: Path | None = None
) -> list[str]:
    listed = runner.run(*db_args, "list", "--json", home=home, exe=exe)
    rows = json.loads(listed.stdout)
    ids = [row["trial_id"] for row in rows]
    _require(len(ids) >= 3, f"list --json shows {len(ids)} trial(s) after 'demo'; expected the 3 demo trials")
    return ids


def main_checks(runner: Runner, work: Path) -> None:
    home = work / "trialapp-home"
    db = work / "ward.sqlite"
    d = ("--db", str(db))

    r = runner.run("--version", home=home)
    expected = f"trialapp {project_version()}"
    _require(r.stdout.strip() == expected, f"--version printed {r.stdout.strip()!r}, expected {expected!r}")
    _ok("--version", r, r.stdout.strip())

    r = runner.run("--help", home=home)
    commands = commands_in_help(r.stdout)
    missing = [c for c in REQUIRED_COMMANDS if c not in commands]
    _require(not missing, f"--help does not list {missing}")
    _ok("--help", r, f"{len(commands)} commands")

    r = runner.run(*d, "paths", home=home)
    _require(str(db) in r.stdout, f"'paths' does not show the database {db}:\n{r.stdout}")
    _ok("paths", r)

    r = runner.run(*d, "gui", "--exit-after-ready", home=home)
    _ok("gui --exit-after-ready (the sign-in page paints; the database opens behind it)", r)
    r = runner.run(*d, "gui", "--exit-after-database", home=home)
    _require(db.is_file(), "the first start of the window did not create the database")
    _ok("gui --exit-after-database (first start: creates the database, runs the migrations)", r)

    r = runner.run(*d, "demo", home=home)
    _ok("demo", r)
    ids = trial_ids(runner, d, home)
    _ok("list --json", None, " ".join(ids))
    trial = ids[0]

    r = runner.run(*d, "summary", trial, "--json", home=home)
    try:
        summary = json.loads(r.stdout)
    except json.JSONDecodeError as exc:
        raise SmokeFailure(f"summary --json is not JSON: {exc}\n{r.stdout[:500]}") from exc
    _require(
        summary.get("trial_id") == trial, f"summary --json is for {summary.get('trial_id')!r}, not {trial}"
    )
    _require(isinstance(summary.get("days"), list) and summary["days"], "summary --json has no days")
    _ok("summary --json", r, f"{len(summary['days'])} day(s)")
    r = runner.run(*d, "summary", trial, home=home)
    _require("mcg" in r.stdout, "the summary table shows no dose in mcg")
    _ok("summary", r)

    for kind in ("family", "clinical"):
        pdf = work / f"{kind}.pdf"
        r = runner.run(*d, "report", trial, "--kind", kind, "--out", str(pdf), home=home)
        _ok(f"report --kind {kind}", r, check_pdf(pdf))

    if "chart" in commands:
        png = work / "tone.png"
        r = runner.run(*d, "chart", trial, "--kind", "tone", "--out", str(png), home=home)
        head = png.read_bytes()[:8] if png.is_file() else b""
        _require(head == b"\x89PNG\r\n\x1a\n", "chart --kind tone did not write a PNG")
        _ok("chart --kind tone", r, f"{png.stat().st_size // 1024} KiB PNG")
    if "export" in commands and "fhir" in runner.run("export", "--help", home=home).stdout:
        out = work / "trial.fhir.json"
        r = runner.run(*d, "export", trial, "--format", "fhir", "--out", str(out), home=home)
        bundle = json.loads(out.read_text(encoding="utf-8"))
        _require(bundle.get("resourceType") == "Bundle", "export --format fhir did not write a FHIR Bundle")
        _ok("export --format fhir", r, f"{len(bundle.get('entry', []))} resources")

    backup = work / "ward-backup.sqlite"
    r = runner.run(*d, "backup", "--out", str(backup), home=home)
    _require(backup.read_bytes()[:16] == b"SQLite format 3\x00", "backup did not write a SQLite file")
    _ok("backup --out", r)

    r = runner.run(*d, "check", home=home)
    head = chain_head(r.stdout)
    _require(head is not None, f"check did not print a 64-hex chain head last:\n{r.stdout}")
    _ok("check", r, f"chain head {head}")

    r = runner.run(*d, "gui", "--exit-after-database", home=home)
    _ok("gui --exit-after-database (with the demo trials)", r)
    windowed = runner.exe.with_name("trialapp-gui.exe")  # Windows only: the Start-menu shortcut's program
    if windowed.is_file():
        r = runner.run(*d, "gui", "--exit-after-ready", home=home, exe=windowed)
        _ok("trialapp-gui.exe gui --exit-after-ready", r)

    upgrade_checks(runner, work)

    # A database from a newer app is refused, unchanged: proves the bundled revisions are read.
    newer = work / "newer.sqlite"
    shutil.copyfile(backup, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    before = newer.read_bytes()
    r = runner.run("--db", str(newer), "check", expect=2, home=home)
    _require("newer version" in r.stderr, f"a newer database was not refused plainly:\n{r.stderr}")
    _require(newer.read_bytes() == before, "the newer database was changed")
    _ok("a database newer than the app is refused, unchanged", r)


def upgrade_checks(runner: Runner, work: Path) -> None:
    """The oldest schema the tests keep (with data and its audit key) is backed up, then upgraded."""
    fixtures = sorted((ROOT / "tests" / "fixtures").glob("schema-*.sqlite"))
    _require(bool(fixtures), "no tests/fixtures/schema-*.sqlite to test the upgrade with")
    oldest = fixtures[0]
    revision = oldest.name[len("schema-") : -len(".sqlite")]
    home = work / "upgrade-home"
    shutil.copytree(oldest.with_name(f"schema-{revision}-config"), home / "config")
    db = work / "upgrade" / "old.sqlite"
    db.parent.mkdir()
    shutil.copyfile(oldest, db)
    r = runner.run("--db", str(db), "check", home=home)
    backups = [p.name for p in (db.parent / "backups").glob("*.sqlite")]
    _require(
        any(f"before-upgrade-from-{revision}" in name for name in backups),
        f"no backup was taken before upgrading from {revision}: {backups}",
    )
    _require(chain_head(r.stdout) is not None, "check after the upgrade printed no chain head")
    ids = trial_ids(runner, ["--db", str(db)], home)
    _ok(f"upgrade from schema {revision}: backup first, data and audit chain intact", r, f"{len(ids)} trials")


def _copy_build(dist: Path, target: Path) -> None:
    """Copy the build folder, hard-linking files where the file system allows (fast, no extra space)."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(dist, target, symlinks=True, copy_function=link_or_copy)


def portable_checks(runner: Runner, dist: Path, work: Path) -> None:
    """The program copied to a folder of its own (a laptop without install rights): data stays beside it."""
    folder = work / "portable" / "trialapp"
    started = time.monotonic()
    _copy_build(dist, folder)
    _ok("copied the build for the portable run", None, f"{time.monotonic() - started:.1f} s")
    exe = executable(folder)
    data = folder / "trialapp-data"

    r = runner.run("--portable", "paths", exe=exe)
    _require(
        str(data) in r.stdout, f"--portable paths does not point beside the program ({data}):\n{r.stdout}"
    )
    _ok("--portable paths", r)
    r = runner.run("--portable", "demo", exe=exe)
    _ok("--portable demo", r)
    ids = trial_ids(runner, ["--portable"], exe=exe)
    _require(len(ids) >= 3, "the portable database has no demo trials")
    r = runner.run("--portable", "check", exe=exe)
    _require(chain_head(r.stdout) is not None, "--portable check printed no chain head")
    _ok("--portable check", r)
    r = runner.run("--portable", "gui", "--exit-after-database", exe=exe)
    _ok("--portable gui --exit-after-database", r)

    _require((data / "data" / "trialapp.sqlite").is_file(), f"no database in {data / 'data'}")
    _require((data / "config" / "audit-chain.key").is_file(), f"no audit key in {data / 'config'}")
    leaked = sorted(str(p) for p in runner.users.rglob("*trialapp*"))
    _require(not leaked, f"portable mode wrote into the user's folders: {leaked}")
    _ok("portable data stays beside the program", None, "database, audit key; nothing in the user folders")


def server_checks(runner: Runner, work: Path) -> None:
    """Ward server mode from the built program (psycopg and its libpq are in the bundle): a new database on
    the throwaway PostgreSQL server takes the demo trials and its audit trail verifies."""
    base = os.environ.get("TRIALAPP_TEST_POSTGRES_URL")
    if not base:
        _require(os.environ.get("CI") != "true", "CI=true but TRIALAPP_TEST_POSTGRES_URL is not set")
        print("skip  ward server checks (no TRIALAPP_TEST_POSTGRES_URL; make package-test starts a server)")
        return
    import psycopg  # the build environment's, only to make an empty database for the built program
    from sqlalchemy.engine import make_url

    name = f"smoke_{os.getpid()}"
    admin = base.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        home = work / "server-home"
        r = runner.run("--db", url, "demo", home=home)
        _ok("ward server: demo on PostgreSQL", r)
        ids = trial_ids(runner, ["--db", url], home)
        _require(len(ids) >= 3, f"list --json on the server shows {len(ids)} trial(s); expected 3")
        r = runner.run("--db", url, "check", home=home)
        _require(chain_head(r.stdout) is not None, f"check on the server printed no chain head:\n{r.stdout}")
        _ok("ward server: list and check on PostgreSQL", r, f"{len(ids)} trials")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    dist = Path(args[0] if args else ROOT / "dist" / "trialapp").resolve()
    exe = executable(dist)
    if not exe.is_file():
        print(f"smoke test: no built program at {exe}. Run 'make package' first.", file=sys.stderr)
        return 2
    size = sum(p.stat().st_size for p in dist.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"smoke test of {exe} ({size / 2**20:.0f} MiB in {dist})", flush=True)
    started = time.monotonic()
    # Beside dist/ (same file system), so the portable copy can hard-link.
    with tempfile.TemporaryDirectory(prefix="trialapp-smoke-", dir=dist.parent) as tmp:
        work = Path(tmp)
        runner = Runner(exe, work)
        try:
            main_checks(runner, work)
            server_checks(runner, work)
            portable_checks(runner, dist, work)
        except SmokeFailure as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    print(f"smoke test passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
