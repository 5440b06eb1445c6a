"""Command ``trialapp review``: the dose-response review across trials (RULES.md R15).

``trialapp review [--json | --csv | --pdf OUT [--identified] [--paper A4|letter]] [--out FILE] [--force]
[--from DATE] [--to DATE] [--ladder L] [--age-band B] [--gmfcs N] [--region R] [--outcome O]``
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from trialapp.cli import (
    EXIT_OK,
    CliError,
    check_out_file,
    cli_actor,
    open_from_args,
    write_output,
    write_private,
)
from trialapp.domain.dosing import LADDERS
from trialapp.domain.review import AGE_BANDS, OUTCOME_CHOICES, ReviewFilter

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]

REGIONS = ("lower", "upper", "all")


def _check_out(out: str, args: argparse.Namespace, suffix: str | None = None) -> Path:
    """The --out/--pdf file through the one check of every --out (cli.check_out_file), and a PDF's suffix."""
    if suffix and Path(out).suffix.lower() != suffix:
        raise CliError(f"'{out}' does not end in {suffix}. Choose a file name like review{suffix}.")
    return check_out_file(out, args)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"{option} '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31.") from exc


def filters_from_args(args: argparse.Namespace) -> ReviewFilter:
    """The review's filters from the command line (argparse has checked the choices)."""
    started_from = _date(args.started_from, "--from") if args.started_from else None
    started_to = _date(args.started_to, "--to") if args.started_to else None
    if started_from and started_to and started_from > started_to:
        raise CliError("--from is after --to: no trial can have started in between. Swap them.")
    return ReviewFilter(
        started_from=started_from,
        started_to=started_to,
        ladder=args.ladder,
        age_band=args.age_band,
        gmfcs_level=args.gmfcs,
        region=args.region,
        outcome=args.outcome,
    )


def cmd_review(args: argparse.Namespace) -> int:
    from trialapp.domain.review import review_csv_rows, review_to_json
    from trialapp.services.review import review_pdf, run_review

    filters = filters_from_args(args)
    if args.identified and not args.pdf:
        raise CliError("--identified is for the PDF only (--pdf OUT): the JSON and CSV name no trial.")
    if args.pdf:
        target = _check_out(args.pdf, args, ".pdf")
        app = open_from_args(args, read_only_ok=not args.identified)
        try:
            data = review_pdf(app, cli_actor(args), filters, identified=args.identified, paper=args.paper)
        finally:
            app.close()
        write_private(target, data)
        print(f"Wrote {target}" + (" (identified: audited)" if args.identified else ""), file=sys.stderr)
        return EXIT_OK
    if args.out:
        _check_out(args.out, args)
    app = open_from_args(args, read_only_ok=True)
    try:
        run = run_review(app, cli_actor(args), filters)
    finally:
        app.close()
    result = run.review
    if run.recomputed:
        kept = "kept for the next review" if run.cached else "not kept: the database is open read-only"
        print(
            f"Computed the results of {run.recomputed} trial(s) new or changed since the last review ({kept}).",
            file=sys.stderr,
        )
    if args.csv:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(review_csv_rows(result))
        text = buffer.getvalue()
    else:
        text = json.dumps(review_to_json(result), indent=2) + "\n"
    write_output(text, args.out, args)
    return EXIT_OK


def register(add: AddCommand) -> None:
    """Add ``review`` to the command line."""
    p = add(
        "review",
        cmd_review,
        "dose response across trials (R15): responders by dose with Wilson intervals, first responsive dose, "
        "significant adverse effects, signed pump dose against R6",
    )
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--json", action="store_true", help="print the figures as JSON (the default)")
    kind.add_argument("--csv", action="store_true", help="print the figures as one CSV table")
    kind.add_argument("--pdf", metavar="OUT", help="write the review as a PDF for a meeting")
    p.add_argument(
        "--identified", action="store_true", help="PDF only: list trial ids and rationales (audited)"
    )
    p.add_argument("--paper", default="A4", choices=["A4", "letter"], help="PDF paper size")
    p.add_argument("--out", metavar="FILE", help="write the JSON or CSV to FILE instead of the screen")
    p.add_argument("--force", action="store_true", help="replace an existing --out or --pdf file")
    p.add_argument("--from", dest="started_from", metavar="DATE", help="trials started on or after DATE")
    p.add_argument("--to", dest="started_to", metavar="DATE", help="trials started on or before DATE")
    p.add_argument("--ladder", choices=sorted(LADDERS), help="trials on this dose ladder")
    p.add_argument("--age-band", choices=[code for code, *_ in AGE_BANDS], help="age at the trial's start")
    p.add_argument("--gmfcs", type=int, choices=range(1, 6), metavar="1-5", help="GMFCS level")
    p.add_argument("--region", choices=REGIONS, help="the trial's tone region (R2)")
    p.add_argument("--outcome", choices=OUTCOME_CHOICES, help="decision outcome ('none': no decision yet)")
