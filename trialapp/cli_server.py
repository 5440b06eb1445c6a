"""Commands for hospital IT running the ward server (docs/server.md): `upgrade` and `server grant`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

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
