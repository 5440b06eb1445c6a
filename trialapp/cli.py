"""The command line: ``trialapp [--db PATH] [--portable] [--user NAME] COMMAND``.

Exit codes: 0 success, 1 a failed check, 2 bad input or usage. Messages go to stderr; results to stdout.
A command that changes data runs under a named trialapp user (``--user NAME``, password asked) and is
audited as ``user:NAME``; only a new installation without users accepts it from the operating-system user.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from trialapp import __version__
from trialapp.config import redact_url

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2

# Feature modules that add their own commands: each has ``register(add)`` where ``add(name, func, help)``
# returns the new sub-parser. One line per module, with the commands it adds: a command imports its own
# module only (issue 22: ``summary`` and ``report`` are whole processes on a budget); help, version and an
# unknown command build every one. The module owns its commands and their help.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "trialapp.cli_reports": ("report", "settings"),
    "trialapp.cli_charts": ("chart",),
    "trialapp.cli_exports": ("export-dataset", "study-id"),
    "trialapp.cli_qi": ("qi",),
    "trialapp.cli_server": ("upgrade", "server", "key"),
    "trialapp.cli_review": ("review",),
}


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\nRun '{self.prog} --help' for the commands.\n")


# Commands that change clinical records, users or settings: refused while the day's backup cannot be
# written (every other command runs and says the backup failed). (command, sub-command) pairs; None = any.
RECORD_CHANGING: frozenset[tuple[str, str | None]] = frozenset(
    {
        ("import", None),
        ("demo", None),
        ("users", None),
        ("settings", None),
        ("restore", None),
        ("qi", "import"),
        ("qi", "bundle"),
    }
)


def changes_records(args: argparse.Namespace) -> bool:
    command = getattr(args, "command", None) or ""
    sub = getattr(args, "qi_command", None)
    if command == "qi" and sub == "bundle" and getattr(args, "bundle_command", None) == "show":
        return False
    if (command, getattr(args, "users_command", None) or getattr(args, "settings_command", None)) in (
        ("users", "list"),
        ("settings", "show"),
    ):
        return False
    return (command, None) in RECORD_CHANGING or (command, sub) in RECORD_CHANGING


PASSWORD_VARIABLE = "TRIALAPP_PASSWORD"

NEEDS_A_USER = (
    "This command changes the database, so it is recorded under your own trialapp user name, never the "
    "computer's account. Add --user YOURNAME before the command, e.g. 'trialapp --user {example} {command} "
    "…'; your password is asked. 'trialapp users list' shows the users."
)


def _has_terminal() -> bool:
    """Whether a password can be asked: getpass reads the controlling terminal, even when stdin is a pipe."""
    if sys.platform == "win32":  # pragma: no cover - getpass reads the console there
        return sys.stdin.isatty()
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
    except OSError:
        return False
    return True


def _user_password(username: str) -> str:
    """The password of ``--user``: asked at the terminal (never echoed), or TRIALAPP_PASSWORD in scripts."""
    given = os.environ.get(PASSWORD_VARIABLE)
    if given is not None:
        return given
    if not _has_terminal():
        raise CliError(
            f"The password of '{username}' is asked at the terminal, and there is none here. In a script, give it "
            f"in the {PASSWORD_VARIABLE} environment variable."
        )
    import getpass

    return getpass.getpass(f"Password of {username}: ")


def _acting_user(args: argparse.Namespace, app: Any) -> Any:
    """Who the command acts as: the ``--user`` (signed in with their password), else the operating-system
    user for commands that change nothing — or that change a new installation with no users yet."""
    from trialapp.services.context import os_actor

    # The user rules (and Argon2) are imported only when needed: not by a command that only reads.
    name = getattr(args, "user", None)
    if name:
        from trialapp.services import users

        actor = users.authenticate(app, name, _user_password(name))
        if users.must_change_password(app, actor):
            raise CliError(
                f"'{actor.username}' has a temporary password: sign in to the app and choose your own password "
                "first, then run the command again."
            )
        return actor
    if changes_records(args) and _count_users(app) > 0:
        command = " ".join(
            part
            for part in (args.command, getattr(args, "qi_command", None), getattr(args, "users_command", None))
            if part
        )
        raise CliError(NEEDS_A_USER.format(example="admin.ada", command=command))
    return os_actor()


def _count_users(app: Any) -> int:
    from trialapp.services import users

    return users.count_users(app)


def open_from_args(args: argparse.Namespace, *, read_only_ok: bool | None = None) -> Any:
    """Open the database for a command and decide who acts (``--user``, see ``_acting_user``).

    A command that changes no records (``read_only_ok`` None: judged by ``changes_records``) runs while the
    app is open elsewhere: read-only, its audited reads (an export, a print, a backup) still recorded in the
    audit trail. A command that changes records is then refused, saying where to make the change.
    When the day's backup cannot be written, a command that changes no records still runs and says so on
    stderr (every time, until a backup succeeds); one that changes records is refused.
    """
    from trialapp.services.context import open_app
    from trialapp.storage.writer_lock import DatabaseInUse

    if read_only_ok is None:
        read_only_ok = not changes_records(args)
    try:
        app = open_app(
            args.db,
            portable=args.portable,
            read_only_if_in_use=read_only_ok,
            backup_failure_ok=not changes_records(args),
            audit_if_in_use=True,
        )
    except DatabaseInUse as exc:
        raise CliError(in_use_message(exc)) from exc
    if app.db.audit_only:
        print(f"trialapp: {beside_the_writer(app)}", file=sys.stderr)
    elif app.read_only_reason:
        print(f"trialapp: {app.read_only_reason} (reading only)", file=sys.stderr)
    if app.backup_problem:
        print(
            f"trialapp: {app.backup_problem} Today's backup is missing: reading still works; commands that "
            "change records are refused until a backup succeeds.",
            file=sys.stderr,
        )
    try:
        args.actor = _acting_user(args, app)
    except BaseException:
        app.close()
        raise
    return app


def _holder(owner: Any) -> str:
    return owner.describe() if owner is not None else "another copy of trialapp"


def in_use_message(exc: Any) -> str:
    """A change refused because another copy (the app) holds the database: what the command line can do."""
    return (
        f"The database '{exc.path.name}' is open for writing by {_holder(exc.owner)}, and only one copy of "
        "trialapp may change it at a time. Make this change in that copy, or close it and run the command "
        "again. Commands that only read (list, summary, export, report, chart, check, backup, qi summary, "
        "qi followup, qi export, users list, settings show) run while it is open."
    )


def beside_the_writer(app: Any) -> str:
    """Said on stderr by a reading command that runs while another copy writes."""
    from trialapp.storage.writer_lock import read_owner

    owner = read_owner(app.db.path) if app.db.path is not None else None
    return (
        f"the database is open for writing by {_holder(owner)}; this command only reads, so it runs beside "
        "it (what it audits is added to the audit trail)."
    )


def cli_actor(args: argparse.Namespace) -> Any:
    """Who the command acts as (decided by ``open_from_args``: ``--user``, or the operating-system user)."""
    return args.actor


def _never_written(args: argparse.Namespace | None) -> tuple[list[Path], list[Path]]:
    """The files no --out may replace (the database, its WAL/SHM/lock, the audit key) and the folders whose
    files none may replace (the database's backups, the config folder)."""
    from trialapp.config import resolve_paths
    from trialapp.storage.audit import KEY_FILE_NAME
    from trialapp.storage.backup import backup_dir_for

    paths = resolve_paths(getattr(args, "db", None), portable=getattr(args, "portable", False))
    files = [paths.config_dir / KEY_FILE_NAME]
    folders = [paths.config_dir]
    if paths.database_is_file:
        db = Path(paths.database)
        files += [db, *(Path(f"{db}{suffix}") for suffix in ("-wal", "-shm", "-journal", ".writer-lock"))]
        folders.append(backup_dir_for(db))
    return files, folders


def _protected(target: Path, args: argparse.Namespace | None) -> bool:
    files, folders = _never_written(args)
    resolved = target.resolve()
    if any(resolved == f.resolve() for f in files) or any(resolved.parent == d.resolve() for d in folders):
        return True
    if target.exists():  # another name for the same file (a hard link)
        return any(f.exists() and os.path.samefile(target, f) for f in files)
    return False


def check_out_file(out: str | Path, args: argparse.Namespace | None = None) -> Path:
    """The one check of every --out FILE, before anything is read, audited or written: the folder exists,
    it is not a folder, an existing file is replaced only with --force, and the database, its WAL, its
    backups and the audit key are never written over, even with --force (paths compared resolved, and by
    inode)."""
    target = Path(out)
    if not target.parent.is_dir():
        raise CliError(f"The folder '{target.parent}' does not exist. Create it or choose another --out.")
    if target.is_dir():
        raise CliError(f"'{out}' is a folder. Give a file name for --out.")
    if _protected(target, args):
        raise CliError(
            f"'{out}' is the database, one of its backups or the audit key: trialapp never writes over it, "
            "even with --force. Choose another file for --out."
        )
    if target.exists() and not getattr(args, "force", False):
        raise CliError(f"'{out}' already exists. Choose another file name, or add --force to replace it.")
    return target


def add_out_force(parser: argparse.ArgumentParser) -> None:
    """The --force option of a command with --out FILE."""
    parser.add_argument(
        "--force", action="store_true", help="replace the --out file if it exists (never the database or its key)"
    )


def write_private(target: Path, data: bytes) -> Path:
    """Write ``data`` beside ``target`` (readable by this account only), sync it, then move it into place, so
    a reader never sees half a file."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(
            f"Cannot write '{target}': {exc.strerror}. Check the folder's permissions and free space."
        ) from exc
    return target


def write_output(text: str, out: str | None, args: argparse.Namespace | None = None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    target = write_private(check_out_file(out, args), text.encode("utf-8"))
    print(f"Wrote {target}", file=sys.stderr)


# ----------------------------------------------------------------------------------------------- commands


def cmd_gui(args: argparse.Namespace) -> int:
    from trialapp.ui.app import run_gui

    return run_gui(
        db=args.db,
        portable=args.portable,
        exit_after_ready=args.exit_after_ready,
        exit_after_database=args.exit_after_database,
    )


def cmd_import(args: argparse.Namespace) -> int:
    from trialapp.interchange.trial_json import DocumentInvalid, load_trial_document
    from trialapp.services.trials import import_document

    path = Path(args.file)
    raw = read_input_file(path, "a trial document")
    try:
        doc = load_trial_document(raw)
    except DocumentInvalid as exc:
        raise CliError(
            f"'{args.file}' was not imported: {len(exc.problems)} problem(s). Fix them and import again; "
            f"the database was not changed.\n{exc}"
        ) from exc
    app = open_from_args(args)
    try:
        trial_id = import_document(app, cli_actor(args), doc, update_patient=args.update_patient)
    finally:
        app.close()
    print(f"Imported {doc.patient.mrn}: {len(doc.trial.days)} day(s).")
    print(trial_id)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from trialapp.services.exports import export_trial

    if args.out is not None:
        check_out_file(args.out, args)  # before the export is audited
    app = open_from_args(args)
    try:
        export = export_trial(app, cli_actor(args), args.trial_id, args.format, deidentify=args.deidentify)
        write_output(export.text, args.out, args)
        if export.deidentified:
            print(f"De-identified as study record {export.record_id}", file=sys.stderr)
        print(f"Audit chain head at export: {export.chain_head}", file=sys.stderr)
    finally:
        app.close()
    return EXIT_OK


class ProgressReport:
    """How far a long command is, on standard error: a bar on a terminal, else a plain line at every tenth
    (never on standard output, which ``--json`` and the commands' results own)."""

    WIDTH = 30

    def __init__(self, what: str, stream: Any = None) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.bar = bool(getattr(self.stream, "isatty", lambda: False)())
        self._tenth = -1

    def __call__(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps are done."""
        total = max(total, 1)
        if self.bar:
            filled = self.WIDTH * done // total
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{self.what}: [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done} of {total}{end}")
        else:
            tenth = 10 * done // total
            if tenth == self._tenth:
                return
            self._tenth = tenth
            self.stream.write(f"{self.what}: {done} of {total}\n")
        self.stream.flush()

    def step(self, name: str) -> None:
        """A named step begins (commands whose steps cannot be counted)."""
        self.stream.write(f"{self.what}: {name}\n")
        self.stream.flush()


def read_input_file(path: Path, what: str) -> bytes:
    """A file to import (``-``: standard input), its size checked against the limit before it is read."""
    from trialapp.services.limits import read_import_file

    try:
        return read_import_file(path, what, stdin=sys.stdin.buffer if str(path) == "-" else None)
    except OSError as exc:
        raise CliError(f"Cannot read '{path}': {exc.strerror}. Check the file name.") from exc


def cmd_list(args: argparse.Namespace) -> int:
    from trialapp.services.limits import cap_search
    from trialapp.services.trials import list_trials

    search, cut = cap_search(args.search) if args.search is not None else (None, None)
    if cut:
        print(f"trialapp: {cut}", file=sys.stderr)
    app = open_from_args(args, read_only_ok=True)
    try:
        rows = list_trials(app, cli_actor(args), search=search)
    finally:
        app.close()
    if args.json:
        data = [
            {
                "trial_id": r.trial_id,
                "mrn": r.mrn,
                "given_name": r.given_name,
                "family_name": r.family_name,
                "birth_date": r.birth_date.isoformat(),
                "started_on": r.started_on.isoformat(),
                "days": r.days,
                "state": r.state,
                "decision": r.outcome,
            }
            for r in rows
        ]
        import json

        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows and search:
        print(f"No trial matches '{search}'. The search looks at given and family names and the MRN.")
        return EXIT_OK
    if not rows:
        print("No trials yet. 'trialapp demo' loads demo trials; 'trialapp import FILE' imports one.")
        return EXIT_OK
    print(f"{'TRIAL':<10} {'MRN':<12} {'PATIENT':<26} {'BORN':<10} {'STARTED':<10} {'DAYS':>4}  STATE")
    for r in rows:
        name = " ".join(p for p in (r.given_name, r.family_name) if p) or "(no name)"
        state = r.state + (f" ({r.outcome.replace('_', ' ')})" if r.outcome else "")
        print(
            f"{r.trial_id:<10} {r.mrn:<12} {name[:26]:<26} {r.birth_date.isoformat():<10} "
            f"{r.started_on.isoformat():<10} {r.days:>4}  {state}"
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from trialapp.services.demo import load_demo

    app = open_from_args(args)
    try:
        result = load_demo(app, cli_actor(args))
    finally:
        app.close()
    print("Demo trials (synthetic patients):")
    for name, trial_id, new in result.trials:
        print(f"  {trial_id}  {name}{'' if new else '  (already loaded)'}")
    print("Demo users (synthetic; never use them on a real ward):")
    for username, role, password, new in result.users:
        print(f"  {username:<12} {role:<13} password: {password}{'' if new else '  (already there)'}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from trialapp.services.integrity import check
    from trialapp.storage.opening import DatabaseDamaged

    try:
        app = open_from_args(args, read_only_ok=True)
    except DatabaseDamaged as exc:  # too damaged to open: that is the check's finding, not bad input
        print(f"Problems found:\n  - {exc}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    try:
        report = check(app, progress=ProgressReport("Checking").step)
    finally:
        app.close()
    if report.ok:
        print(f"Database sound; audit trail verified ({report.audit_rows} rows).")
    else:
        print("Problems found:", file=sys.stderr)
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
        if report.first_bad_audit_row is not None:
            print(f"First bad audit row: {report.first_bad_audit_row}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"Not checked here: {skipped}.")
    print(report.chain_head)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def _read_password(label: str = "Password", *, twice: bool = True) -> str:
    """A secret from the terminal (asked twice when it is being set), or one line of standard input."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(f"{label}: ")
        if twice and getpass.getpass(f"{label} again: ") != first:
            raise CliError(f"The two {label.lower()}s differ. Run the command again.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    from trialapp.services import users

    app = open_from_args(args)
    try:
        if args.users_command == "add":
            # Both typings go to the service, which reports every problem of the entries at once.
            password = _read_password(twice=False)
            again = _read_password("Password again", twice=False) if sys.stdin.isatty() else None
            # The first admin of a new installation is recorded under their own name (there is nobody else).
            first = args.role == "admin" and args.user is None and users.count_users(app) == 0
            actor = None if first else cli_actor(args)
            info = users.add_user(app, actor, args.username, args.role, args.name, password, again)
            print(f"Added {info.username} ({info.role}).")
        elif args.users_command == "list":
            for u in users.list_users(app):
                state = "active" if u.active else "disabled"
                print(f"{u.username:<20} {u.role:<13} {state:<9} {u.full_name}")
        elif args.users_command == "disable":
            info = users.set_active(app, cli_actor(args), args.username, False)
            print(f"Disabled {info.username}.")
        elif args.users_command == "enable":
            info = users.set_active(app, cli_actor(args), args.username, True)
            print(f"Enabled {info.username}.")
        elif args.users_command == "reset-password":
            temporary = _read_password("Temporary password")
            info = users.reset_password(app, cli_actor(args), args.username, temporary)
            print(f"Set a temporary password for {info.username}: they choose their own at their next sign-in.")
    finally:
        app.close()
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    from trialapp.services.trials import trial_summary, trial_summary_json

    app = open_from_args(args, read_only_ok=True)
    try:
        if args.json:
            import json

            print(
                json.dumps(trial_summary_json(app, cli_actor(args), args.trial_id), ensure_ascii=False, indent=2)
            )
            return EXIT_OK
        trial_id, summary = trial_summary(app, cli_actor(args), args.trial_id)
    finally:
        app.close()
    from trialapp.reports.text_summary import summary_table

    print(summary_table(summary, trial_id))
    return EXIT_OK


def cmd_protocol(args: argparse.Namespace) -> int:
    from trialapp.domain.protocol import protocol_defaults

    if args.json:
        data = [
            {"key": d.key, "label": d.label, "value": d.value, "source": d.source}
            for d in protocol_defaults()
        ]
        import json

        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    print("Protocol defaults for new trials (each trial keeps the settings it was created with):")
    for d in protocol_defaults():
        print(f"\n{d.label}: {d.value}\n  source: {d.source}")
    return EXIT_OK


def cmd_paths(args: argparse.Namespace) -> int:
    from trialapp.config import resolve_paths

    paths = resolve_paths(args.db, portable=args.portable)
    print(f"database: {redact_url(paths.database)}")
    print(f"data:     {paths.data_dir}")
    print(f"config:   {paths.config_dir}  (holds the audit key: keep it with the backups)")
    print(f"logs:     {paths.log_dir}")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from trialapp.services.backups import backup_to

    app = open_from_args(args)
    try:
        size = app.db.path.stat().st_size if app.db.path is not None and app.db.path.exists() else 0
        ProgressReport("Backing up").step(f"copying and verifying {size / 1024**2:.1f} MB")
        backup_to(app, cli_actor(args), Path(args.out))
    finally:
        app.close()
    print(f"Backup written and verified: {args.out}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from trialapp.config import resolve_paths

    paths = resolve_paths(args.db, portable=args.portable)
    if not paths.database_is_file and paths.database.startswith("postgresql"):
        return _restore_server(paths, Path(args.file))
    if not paths.database_is_file:
        raise CliError("Only a SQLite database file can be restored by trialapp.")
    if not (args.reason or "").strip():
        raise CliError(
            'Say why this backup is restored with --reason "…" (the reason is kept in the audit trail), e.g. '
            "'trialapp --user admin.ada restore FILE --reason \"database damaged after a power cut\"'."
        )
    from trialapp.storage.errors import StorageError
    from trialapp.storage.writer_lock import DatabaseInUse

    app = None
    if Path(paths.database).exists():
        try:
            app = open_from_args(args, read_only_ok=False)
        except StorageError:  # damaged, foreign or too new: what a restore is for
            app = None
    try:
        aside = _restore_open_database(args, app) if app is not None else _restore_unopened(args, paths)
    except DatabaseInUse as exc:
        raise CliError(in_use_message(exc)) from exc
    if aside != Path(paths.database):
        print(f"The previous database was kept as {aside}")
    if args.key:
        print(
            f"The audit key {args.key} is now this installation's key (a previous key, if there was one, is "
            "kept aside as audit-chain.key.replaced-DATE)."
        )
    print(f"Restored {args.file} to {paths.database}")
    return EXIT_OK


def _announce(contents: Any) -> None:
    print(contents.describe(), flush=True)


def _restore_open_database(args: argparse.Namespace, app: Any) -> Path:
    """The restore as the window does it (services/backups_admin.py): the database opened for writing
    (refused while the app holds it), ``--user`` signed in, the restore audited in both databases."""
    from trialapp.services.backups_admin import RestoreFailed, restore_and_reopen

    try:
        done = restore_and_reopen(
            app,
            cli_actor(args),
            Path(args.file),
            args.reason,
            on_verified=_announce,
            other_key_file=Path(args.key) if args.key else None,
            reopen=lambda closed: _open_restored(args),
        )
    except RestoreFailed as exc:
        exc.app.close()
        if isinstance(exc.__cause__, Exception):  # the refusal in its own words (e.g. the key to name)
            raise exc.__cause__ from None
        raise
    done.app.close()
    return done.kept_aside


def _open_restored(args: argparse.Namespace) -> Any:
    from trialapp.services.context import open_app

    return open_app(args.db, portable=args.portable, read_only_if_in_use=True, defer_daily_backup=True)


def _restore_unopened(args: argparse.Namespace, paths: Any) -> Path:
    """No database file yet (a new laptop), or one that cannot be opened (damaged): restore, then record the
    restore in the restored database under ``--user`` signed in there."""
    from trialapp.services.backups import restore_backup
    from trialapp.services.backups_admin import record_restore

    aside = restore_backup(
        Path(args.file),
        Path(paths.database),
        config_dir=paths.config_dir,
        other_key_file=Path(args.key) if args.key else None,
        on_verified=_announce,
    )
    app = open_from_args(args, read_only_ok=False)
    try:
        record_restore(app, cli_actor(args), Path(args.file), aside, args.reason)
    finally:
        app.close()
    return aside


def _restore_server(paths: Any, backup: Path) -> int:
    from trialapp.services.server_admin import restore_server

    entries = restore_server(paths, backup)
    print(
        f"Restored {backup} ({entries} entries) into {redact_url(paths.database)}. Now, as the owner, run "
        "'trialapp server grant ROLE' for the ward role; then 'trialapp check' on a laptop of the ward (its audit "
        "key must be the one that signed the backup: docs/server.md)."
    )
    return EXIT_OK


# ------------------------------------------------------------------------------------------------ parser


def build_parser(*, gui_only: bool = False, command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; ``gui_only`` knows the global options and ``gui`` alone (see main).

    With ``command`` (the command word of the arguments, ``command_word``), the feature modules of other
    commands are not imported: a command of this module adds none, a feature command its own module; a word
    that names no command (or None) adds them all, so that help and the "invalid choice" error list them.
    """
    parser = _Parser(
        prog="trialapp",
        description="Bedside assistant for the intrathecal baclofen (ITB) trial.",
        epilog="Without a command, the app opens its window (gui).",
    )
    parser.add_argument("--version", action="version", version=f"trialapp {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="database file or SQLAlchemy URL (default: TRIALAPP_DB, then the user data folder)",
    )
    parser.add_argument(
        "--portable", action="store_true", help="keep all data in a folder beside the program"
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="your trialapp user name: needed by every command that changes data (the password is asked; "
        f"in scripts, {PASSWORD_VARIABLE})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("gui", cmd_gui, "open the app's window (the default)")
    p.add_argument(
        "--exit-after-ready", action="store_true", help="exit once the sign-in page has painted (smoke tests)"
    )
    p.add_argument(
        "--exit-after-database",
        action="store_true",
        help="exit once the database is open and signing in is possible (2 if it cannot be opened)",
    )
    if gui_only:
        return parser
    p = add("import", cmd_import, "import one itb-trial/1 JSON document; prints the new trial id last")
    p.add_argument("file", help="the JSON file ('-' for standard input)")
    p.add_argument(
        "--update-patient",
        action="store_true",
        help="the MRN is on file with other patient data: take the file's values as a correction (audited)",
    )
    p = add("export", cmd_export, "export one trial")
    p.add_argument("trial_id")
    p.add_argument(
        "--format",
        default="json",
        choices=["json", "fhir", "redcap", "redcap-dictionary"],
        help="json (itb-trial/1), fhir (R4 Bundle), redcap (records CSV), redcap-dictionary",
    )
    p.add_argument(
        "--deidentify",
        action="store_true",
        help="HIPAA Safe Harbor: study id, no names, dates or notes (docs/deidentified-exports.md)",
    )
    p.add_argument("--out", help="file to write (default: standard output)")
    add_out_force(p)
    p = add("list", cmd_list, "patients and their trials, with ids, dates and state")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--search", help="only patients whose name or MRN contains this")
    add("demo", cmd_demo, "load the synthetic demo trials and demo users (idempotent)")
    add("check", cmd_check, "integrity check, foreign keys and audit chain; prints the chain head last")
    p = add("summary", cmd_summary, "the trial's dose response and recommendation (RULES.md R3–R7)")
    p.add_argument("trial_id")
    p.add_argument("--json", action="store_true", help="the exact summary object of RULES.md")
    add("paths", cmd_paths, "where the database, config and logs are")
    protocol = add("protocol", cmd_protocol, "the protocol's defaults and their sources")
    protocol_sub = protocol.add_subparsers(
        dest="protocol_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    show = protocol_sub.add_parser("show", help="print the active protocol defaults and their sources")
    show.add_argument("--json", action="store_true")
    p = add("backup", cmd_backup, "write a verified copy of the database")
    p.add_argument("--out", required=True, help="the backup file to create (must not exist)")
    p = add("restore", cmd_restore, "replace the database by a backup (the current file is kept aside)")
    p.add_argument("file", help="the backup file")
    p.add_argument(
        "--key",
        metavar="OTHER.key",
        help="the audit key file of the installation that wrote the backup (when it is not this one's)",
    )
    p.add_argument("--reason", metavar="TEXT", help="why the backup is restored (required; kept in the audit trail)")

    import importlib

    modules = [module for module, names in COMMAND_MODULES.items() if command in names]
    if not modules and command not in sub.choices and command != "users":  # users: added below
        modules = list(COMMAND_MODULES)  # no command, or an unknown one: help and errors list them all
    for module_name in modules:
        importlib.import_module(module_name).register(add)

    users = add("users", cmd_users, "manage users")
    users_sub = users.add_subparsers(
        dest="users_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    ua = users_sub.add_parser("add", help="add a user (password from the terminal, or one line of stdin)")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=["pt", "nurse", "neurosurgeon", "qi_lead", "admin"])
    ua.add_argument("--name", required=True, help='full name, e.g. "Pat Jones"')
    users_sub.add_parser("list", help="list users")
    ud = users_sub.add_parser("disable", help="disable a user (kept for the audit trail)")
    ud.add_argument("username")
    ue = users_sub.add_parser("enable", help="enable a disabled user")
    ue.add_argument("username")
    ur = users_sub.add_parser(
        "reset-password",
        help="set a temporary password (from the terminal, or one line of stdin); the user changes it at the "
        "next sign-in",
    )
    ur.add_argument("username")
    return parser


def _is_audit_key_mismatch(exc: BaseException) -> bool:
    # Looked up, not imported: the audit module brings SQLAlchemy, which ``trialapp gui`` must not load
    # before its window is up. When the module was never imported, no such error can have been raised.
    audit = sys.modules.get("trialapp.storage.audit")
    return audit is not None and isinstance(exc, audit.AuditKeyMismatch)


def storage_failure_message(exc: BaseException, args: argparse.Namespace) -> str | None:
    """The plain message for a storage failure no command caught (a damaged page, undecodable text, a
    locked or full database, a file that cannot be read or written), or None for any other exception."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    import sqlite3

    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.DBAPIError):
        detail = str(exc.orig)
    elif isinstance(exc, sqlite3.Error | UnicodeDecodeError):
        detail = str(exc)
    elif isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return (
            f"A file could not be read or written{where}: {exc.strerror or exc}. Nothing more was changed. "
            "Check the free disk space and the file's permissions, then run the command again."
        )
    else:
        return None
    from trialapp.config import resolve_paths
    from trialapp.storage.db import DAMAGE_WORDS, database_url, plain_storage_error, sqlite_path

    damaged = isinstance(exc, UnicodeDecodeError) or any(words in detail.lower() for words in DAMAGE_WORDS)

    if damaged:
        from trialapp.storage.opening import damaged_message

        path = sqlite_path(database_url(resolve_paths(args.db, portable=args.portable).database))
        return damaged_message(path, detail) if path is not None else f"The database is damaged ({detail})."
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.OperationalError):
        return str(plain_storage_error(exc))
    return (
        f"The database could not do this ({detail}). Nothing was saved. Run 'trialapp check'; if it reports "
        "damage, restore the newest good backup."
    )


def _after_global_options(argv: Sequence[str]) -> list[str]:
    """The arguments from the command word on (``--db``, ``--portable`` and ``--user`` skipped)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--portable" or arg.startswith(("--db=", "--user=")):
            i += 1
        elif arg in ("--db", "--user"):
            i += 2
        else:
            break
    return list(argv[i:])


def command_word(argv: Sequence[str]) -> str | None:
    """The command these arguments name (its first word), or None when there is none."""
    rest = _after_global_options(argv)
    return rest[0] if rest else None


def opens_the_window(argv: Sequence[str]) -> bool:
    """Whether these arguments only open the window: ``gui`` or no command, and no help or version.

    Then ``main`` parses them with the ``gui`` command alone, without importing every command's module: the
    window's cold start is budgeted (DESIGN.md), and the same arguments parse the same way either way.
    """
    rest = _after_global_options(argv)
    if any(arg in ("-h", "--help", "--version") for arg in rest):
        return False
    return not rest or rest[0] == "gui"


def main(argv: Sequence[str] | None = None) -> int:
    from trialapp.config import keep_files_private

    keep_files_private()  # before any file is created: the database, backups, exports, logs
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(gui_only=opens_the_window(arguments), command=command_word(arguments))
    args = parser.parse_args(arguments)
    if args.command is None:
        args.command = "gui"
        args.func = cmd_gui
        args.exit_after_ready = args.exit_after_database = False
    from trialapp.services.errors import PermissionDenied, ServiceError
    from trialapp.storage.errors import NotFound, StorageError

    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"trialapp: {exc}", file=sys.stderr)
        return exc.code
    except (NotFound, PermissionDenied) as exc:
        print(f"trialapp: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ServiceError, StorageError) as exc:
        print(f"trialapp: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        message = str(exc) if _is_audit_key_mismatch(exc) else storage_failure_message(exc, args)
        if message is None:
            raise
        print(f"trialapp: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("trialapp: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
