"""``trialapp qi ...``: the infection quality-improvement commands.

trialapp qi import FILE.csv
trialapp qi export --out FILE.csv
trialapp qi summary [--as-of DATE] [--period month|quarter] [--json] [--site S] [--surgeon S]
trialapp qi report --out FILE.pdf [--as-of DATE] [--period month|quarter] [--site S] [--surgeon S]
trialapp qi followup [--as-of DATE]
trialapp qi bundle show [--json] [--version N]
trialapp qi bundle import FILE.json [--effective DATE] [--note TEXT]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from trialapp import cli

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _date(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-03-31"
        ) from None


def _read_text(path_text: str) -> str:
    path = Path(path_text)
    raw = cli.read_input_file(path, "a QI CSV file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise cli.CliError(
            f"'{path}' is not UTF-8 text (byte {exc.start}). Save it as 'CSV UTF-8' or UTF-8 JSON and try again."
        ) from exc


def _filter(args: argparse.Namespace) -> Any:
    from trialapp.domain.qi_procedures import QiFilter

    return QiFilter(site=args.site, surgeon=args.surgeon, date_from=args.date_from, date_to=args.date_to)


def cmd_import(args: argparse.Namespace) -> int:
    from trialapp.services.qi import import_csv

    text = _read_text(args.file)
    app = cli.open_from_args(args)
    try:
        result = import_csv(app, cli.cli_actor(args), text)
    finally:
        app.close()
    print(
        f"Imported {len(result.added)} new procedure(s); {len(result.unchanged)} already on file, unchanged."
    )
    return cli.EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from trialapp.services.qi import export_csv

    if args.out is not None:
        cli.check_out_file(args.out, args)
    app = cli.open_from_args(args)
    try:
        text = export_csv(app, cli.cli_actor(args), _filter(args))
    finally:
        app.close()
    cli.write_output(text, args.out, args)
    return cli.EXIT_OK


def _summary_text(summary: Any) -> str:
    from trialapp.domain.qi_bundle import PHASES
    from trialapp.domain.qi_procedures import format_pct

    lines = [
        f"Infection QI summary as of {summary.as_of.isoformat()} ({summary.filter.describe()})",
        f"Procedures: {summary.procedures}; bundle version(s) used: "
        f"{', '.join(map(str, summary.bundle_versions)) or '–'}",
        "",
        "R11 step compliance (yes ÷ (yes + no); goal 80 %)",
    ]
    for phase, name in PHASES.items():
        lines.append(f"  {name}")
        for s in summary.steps:
            if s.phase == phase:
                mark = "" if s.meets_goal is not False else "  below goal"
                lines.append(f"    {s.code:<28} {format_pct(s.pct):>8}  ({s.yes}/{s.yes + s.no}){mark}")
    lines.append(f"  Full compliance: {summary.full.explanation}")
    lines += [
        "",
        f"R12 90-day infections: {summary.ssi.explanation}",
    ]
    if summary.ssi.open_window_infections:
        from trialapp.domain.qi_surveillance import open_window_infection_words

        lines.append("  Infections in windows still open (not in the rate yet):")
        lines += [f"    {open_window_infection_words(p)}" for p in summary.ssi.open_window_infections]
    lines += [
        "",
        f"R13 p-chart: {summary.p_chart.explanation}",
    ]
    for pt in summary.p_chart.points:
        lines.append(f"  {pt.explanation}")
    lines += ["", f"Compliance run chart: {summary.run_chart.explanation}"]
    for rp in summary.run_chart.points:
        flag = "  (run of 8)" if rp.in_run else ""
        lines.append(f"  {rp.period}: {rp.full} of {rp.scored} fully compliant = {rp.pct:.1f} %{flag}")
    return "\n".join(lines) + "\n"


def cmd_summary(args: argparse.Namespace) -> int:
    from trialapp.services.qi import qi_summary, qi_summary_json

    app = cli.open_from_args(args)
    try:
        if args.json:
            data = qi_summary_json(app, cli.cli_actor(args), args.as_of, args.period, _filter(args))
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            sys.stdout.write(
                _summary_text(qi_summary(app, cli.cli_actor(args), args.as_of, args.period, _filter(args)))
            )
    finally:
        app.close()
    return cli.EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from trialapp.services.qi_report import write_qi_report

    target = cli.check_out_file(args.out, args)
    app = cli.open_from_args(args)
    try:
        write_qi_report(
            app, cli.cli_actor(args), target, as_of=args.as_of, period=args.period, qi_filter=_filter(args)
        )
    except OSError as exc:
        raise cli.CliError(
            f"Cannot write '{target}': {exc.strerror or exc}. Check the folder's permissions and free space, "
            "or choose another --out."
        ) from exc
    finally:
        app.close()
    print(f"Wrote {target}", file=sys.stderr)
    return cli.EXIT_OK


def cmd_followup(args: argparse.Namespace) -> int:
    from trialapp.services.qi import follow_up

    app = cli.open_from_args(args)
    try:
        items = follow_up(app, cli.cli_actor(args), args.as_of)
    finally:
        app.close()
    if not items:
        print("No procedure is inside its 90-day window.")
    for item in items:
        p = item.procedure
        print(f"{p.procedure_id:<12} {p.surgery_date.isoformat()}  {p.site:<14} {item.explanation}")
    return cli.EXIT_OK


def cmd_bundle(args: argparse.Namespace) -> int:
    from trialapp.domain.qi_bundle import PHASES, PROCEDURE_KINDS, bundle_to_dict
    from trialapp.services.qi import bundle_from_json, bundle_history, save_bundle

    if args.bundle_command == "import":
        bundle = bundle_from_json(_read_text(args.file))
        app = cli.open_from_args(args)
        try:
            version = save_bundle(
                app, cli.cli_actor(args), bundle, args.effective or date.today(), args.note or ""
            )
        finally:
            app.close()
        print(
            f"Saved bundle version {version.version} ({len(bundle.steps)} steps), in force from "
            f"{version.effective_from.isoformat()}."
        )
        return cli.EXIT_OK
    app = cli.open_from_args(args)
    try:
        history = bundle_history(app, cli.cli_actor(args))
    finally:
        app.close()
    chosen = history.current
    if args.version is not None:
        found = [v for v in history.versions if v.version == args.version]
        if not found:
            known = ", ".join(str(v.version) for v in history.versions)
            raise cli.CliError(f"There is no bundle version {args.version}; versions: {known}.")
        chosen = found[0]
    if args.json:
        print(json.dumps(bundle_to_dict(chosen.bundle), ensure_ascii=False, indent=2))
        return cli.EXIT_OK
    print(f"Bundle version {chosen.version}, {_in_force_text(history, chosen)}: {chosen.bundle.title}")
    for phase, name in PHASES.items():
        print(f"\n{name}")
        for s in chosen.bundle.steps:
            if s.phase != phase:
                continue
            kinds = (
                "all kinds"
                if s.applies_to == set(PROCEDURE_KINDS)
                else ", ".join(PROCEDURE_KINDS[k] for k in PROCEDURE_KINDS if k in s.applies_to)
            )
            status = "confirmed" if s.confirmed else "UNCONFIRMED"
            print(f"  {s.code:<28} {s.text}\n  {'':<28} applies to: {kinds}; {status}: {s.source}")
    others = ", ".join(f"{v.version} ({_in_force_text(history, v)})" for v in history.versions)
    print(
        f"\nVersions: {others}. 'qi bundle show --json' writes the file to edit; 'qi bundle import' saves it."
    )
    return cli.EXIT_OK


def _in_force_text(history: Any, version: Any) -> str:
    start = history.starts_on(version)
    return "in force from the start" if start is None else f"in force from {start.isoformat()}"


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", help="only this site")
    p.add_argument("--surgeon", help="only this surgeon")
    p.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="surgery on or after DATE")
    p.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="surgery on or before DATE")


def _add_period(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-of", type=_date, metavar="DATE", help="count 90-day windows as of DATE (default today)"
    )
    p.add_argument(
        "--period", choices=["month", "quarter"], default="quarter", help="p-chart period (default quarter)"
    )


def register(add: AddCommand) -> None:
    """Add ``trialapp qi`` and its sub-commands."""
    qi_parser = add(
        "qi", lambda args: cli.EXIT_OK, "infection quality improvement: bundle, procedures, R11–R13"
    )
    sub = qi_parser.add_subparsers(
        dest="qi_command", metavar="ACTION", required=True, parser_class=type(qi_parser)
    )

    def action(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = action("import", cmd_import, "import procedures from a QI CSV file (all or nothing)")
    p.add_argument("file", help="the CSV file ('-' for standard input)")
    p = action("export", cmd_export, "export procedures as QI CSV")
    p.add_argument("--out", help="file to write (default: standard output)")
    cli.add_out_force(p)
    _add_filters(p)
    p = action("summary", cmd_summary, "compliance (R11), 90-day infection rate (R12) and p-chart (R13)")
    _add_period(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_filters(p)
    p = action("report", cmd_report, "the QI report as PDF, with the run and control charts")
    p.add_argument("--out", required=True, help="the PDF file to write")
    cli.add_out_force(p)
    _add_period(p)
    _add_filters(p)
    p = action("followup", cmd_followup, "procedures inside their 90-day window, with check-ins due")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="default today")
    p = action("bundle", cmd_bundle, "show or import the bundle checklist")
    bsub = p.add_subparsers(
        dest="bundle_command", metavar="ACTION", required=True, parser_class=type(qi_parser)
    )
    show = bsub.add_parser("show", help="the bundle in force now (or --version N)")
    show.add_argument(
        "--json", action="store_true", help="the bundle file (edit it, then 'qi bundle import')"
    )
    show.add_argument("--version", type=int, help="a saved version")
    imp = bsub.add_parser("import", help="save a bundle file as a new version")
    imp.add_argument("file", help="the bundle JSON file")
    imp.add_argument("--effective", type=_date, metavar="DATE", help="in force from DATE (default today)")
    imp.add_argument("--note", help="what changed, kept with the version")
