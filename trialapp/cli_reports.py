"""Command-line printing of trial summaries and the site settings they use.

``trialapp report TRIAL_ID --kind family|clinical [--lang en|es] [--paper a4|letter] --out FILE.pdf``
``trialapp settings show`` · ``trialapp settings set KEY VALUE`` · ``trialapp settings clear KEY``
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from trialapp.cli import (
    EXIT_OK,
    CliError,
    add_out_force,
    check_out_file,
    cli_actor,
    open_from_args,
    write_private,
)

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _check_out(args: argparse.Namespace) -> Path:
    """The --out file, or CliError saying how to fix it (checked before anything is printed or audited)."""
    if Path(args.out).suffix.lower() != ".pdf":
        raise CliError(f"'{args.out}' does not end in .pdf. Choose a file name like summary.pdf for --out.")
    return check_out_file(args.out, args)


def _write_pdf(data: bytes, target: Path) -> Path:
    """Write the PDF next to its final name, then move it into place, so a reader never sees half a file."""
    return write_private(target, data)


def cmd_report(args: argparse.Namespace) -> int:
    from trialapp.services.reports import render_report, validate_request

    # Check the choices and the file before opening the database, so bad input writes nothing (not even
    # the audit row of a print).
    validate_request(args.kind, args.lang, args.paper)
    target = _check_out(args)
    app = open_from_args(args)
    try:
        pdf = render_report(app, cli_actor(args), args.trial_id, args.kind, args.lang, args.paper)
    finally:
        app.close()
    written = _write_pdf(pdf, target)
    print(f"Wrote {written} ({args.kind} summary)", file=sys.stderr)
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    from trialapp.services.qi import CHECKIN_DAYS_SETTING, checkin_days, set_checkin_days
    from trialapp.services.site_settings import SITE_KEYS, read_site_settings, set_site_setting

    app = open_from_args(args)
    try:
        if args.settings_command == "set" and args.key == CHECKIN_DAYS_SETTING:
            # The QI follow-up days: a list, kept with the QI rules (not a line printed on summaries).
            set_checkin_days(app, cli_actor(args), args.value)
            print(f"Saved {args.key}.", file=sys.stderr)
            current = read_site_settings(app)
        elif args.settings_command == "show":
            current = read_site_settings(app)
        elif args.settings_command == "set":
            current = set_site_setting(app, cli_actor(args), args.key, args.value)
            print(f"Saved {args.key}.", file=sys.stderr)
        else:
            current = set_site_setting(app, cli_actor(args), args.key, None)
            print(f"Cleared {args.key}.", file=sys.stderr)
        days = checkin_days(app, cli_actor(args))
    finally:
        app.close()
    for key, meaning in SITE_KEYS.items():
        value = getattr(current, key)
        print(f"{key:<17} {value if value is not None else '(not set)'}")
        if args.settings_command == "show" and value is None:
            print(f"{'':<17} not set: {meaning}")
    print(f"{CHECKIN_DAYS_SETTING:<17} {','.join(map(str, days))}")
    return EXIT_OK


def register(add: AddCommand) -> None:
    """Add ``report`` and ``settings`` to the command line."""
    p = add(
        "report",
        cmd_report,
        "print a trial summary to PDF: the family copy (English or Spanish) or the clinical copy",
    )
    p.add_argument("trial_id", help="the trial id ('trialapp list' shows them)")
    p.add_argument("--kind", required=True, help="family (plain language, no identifiers) or clinical")
    p.add_argument("--lang", help="family copy only: en or es (default: the family's preferred language)")
    p.add_argument("--paper", default="A4", help="A4 (default) or letter")
    p.add_argument("--out", required=True, help="the PDF file to write")
    add_out_force(p)

    s = add(
        "settings",
        cmd_settings,
        "the site settings (clinic name and phone, emergency number; the QI follow-up days qi.checkin_days)",
    )
    sub = s.add_subparsers(dest="settings_command", metavar="ACTION", required=True, parser_class=type(s))
    sub.add_parser("show", help="show the site settings")
    ss = sub.add_parser("set", help="set one site setting (audited)")
    ss.add_argument("key", help="clinic_name, clinic_phone, emergency_number or qi.checkin_days")
    ss.add_argument("value", help='the value, in quotes if it has spaces: "+1 (555) 010-4477"')
    sc = sub.add_parser("clear", help="clear one site setting (audited)")
    sc.add_argument("key", help="clinic_name, clinic_phone or emergency_number")
