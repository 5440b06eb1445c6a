"""Commands for hospital IT running the ward server (docs/server.md): `upgrade`, `server grant` and
`key export|import` (the one audit key every laptop of the ward shares)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from trialapp.cli import EXIT_OK, CliError
from trialapp.config import redact_url, resolve_paths

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def cmd_upgrade(args: argparse.Namespace) -> int:
    from trialapp.services.server_admin import upgrade_database

    paths = resolve_paths(args.db, portable=args.portable)
    revision = upgrade_database(paths)
    print(f"{redact_url(paths.database)} is at schema revision {revision} (this app's).")
    return EXIT_OK


def cmd_server(args: argparse.Namespace) -> int:
    from trialapp.services.server_admin import grant_app_role

    paths = resolve_paths(args.db, portable=args.portable)
    if paths.database_is_file:
        raise CliError("'server grant' is for the ward server: give --db the owner's PostgreSQL URL.")
    statements = grant_app_role(paths, args.role)
    print(f"Granted role {args.role} what trialapp needs ({len(statements)} statements); the audit trail is")
    print("read and append only for it. Run this again after each 'upgrade'.")
    return EXIT_OK


def cmd_key(args: argparse.Namespace) -> int:
    from trialapp.cli import _read_password
    from trialapp.services.server_admin import export_audit_key, import_audit_key

    paths = resolve_paths(args.db, portable=args.portable)
    if args.key_command == "export":
        passphrase = _read_password("Passphrase", twice=True)
        key_id = export_audit_key(paths, passphrase, Path(args.file))
        print(f"Audit key {key_id} written to {args.file}, encrypted. Give the passphrase by another way")
        print("(in person or by phone), never with the file.")
        return EXIT_OK
    passphrase = _read_password("Passphrase", twice=False)
    key_id, aside = import_audit_key(paths, Path(args.file), passphrase, replace=args.replace)
    if aside is not None:
        print(f"The key that was here is kept as {aside}.")
    print(f"Audit key {key_id} installed in {paths.config_dir}.")
    return EXIT_OK


def register(add: AddCommand) -> None:
    add(
        "upgrade",
        cmd_upgrade,
        "bring the database's schema to this app's version (on the ward server: as the owner role)",
    )
    server = add("server", cmd_server, "ward server administration (PostgreSQL): roles")
    sub = server.add_subparsers(dest="server_command", metavar="ACTION", required=True, parser_class=type(server))
    grant = sub.add_parser("grant", help="grant the app role what it needs (run as the database owner)")
    grant.add_argument("role", help="the role every laptop signs in with, e.g. trialapp_ward")
    key = add("key", cmd_key, "carry the audit key to another computer, encrypted under a passphrase")
    ksub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True, parser_class=type(key))
    kexp = ksub.add_parser("export", help="write this computer's audit key to a new file, encrypted")
    kexp.add_argument("file")
    kimp = ksub.add_parser("import", help="install the audit key of an exported file on this computer")
    kimp.add_argument("file")
    kimp.add_argument(
        "--replace", action="store_true", help="keep this computer's different key aside and use the imported one"
    )
