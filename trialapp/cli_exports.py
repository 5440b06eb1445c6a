"""Commands ``trialapp export-dataset`` (every trial, de-identified, into one folder for a research
network) and ``trialapp study-id`` (a trial's study record id, and the way back for the site), see
``docs/deidentified-exports.md``. Single-trial exports are ``trialapp export``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from trialapp.cli import EXIT_OK, CliError, ProgressReport, cli_actor, open_from_args

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def cmd_export_dataset(args: argparse.Namespace) -> int:
    from trialapp.services.exports import export_dataset

    if not args.deidentify:
        raise CliError(
            "export-dataset writes de-identified data only: add --deidentify to confirm. "
            "To export one trial with its identifiers, use 'trialapp export TRIAL_ID'."
        )
    app = open_from_args(args)
    try:
        result = export_dataset(app, cli_actor(args), args.out, args.format, progress=ProgressReport("Exporting trials"))
    finally:
        app.close()
    print(f"Wrote {len(result.record_ids)} de-identified trial(s) ({result.format}) to {result.folder}:")
    for path in result.files:
        print(f"  {path.name}")
    print(f"Audit chain head at export: {result.chain_head}", file=sys.stderr)
    return EXIT_OK


def cmd_study_id(args: argparse.Namespace) -> int:
    from trialapp.services.exports import study_record_id, trial_for_study_record

    app = open_from_args(args)
    try:
        if args.find:
            print(trial_for_study_record(app, cli_actor(args), args.id))
        else:
            print(study_record_id(app, cli_actor(args), args.id))
    finally:
        app.close()
    return EXIT_OK


def register(add: AddCommand) -> None:
    p = add(
        "export-dataset",
        cmd_export_dataset,
        "write every trial, de-identified (HIPAA Safe Harbor), to a new or empty folder",
    )
    p.add_argument(
        "--deidentify", action="store_true", help="required: confirms the dataset is de-identified"
    )
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write (new, or empty)")
    p.add_argument(
        "--format",
        default="json",
        choices=["json", "fhir", "redcap"],
        help="json (itb-trial-deid/1, one file per trial), fhir (one R4 Bundle per trial), "
        "redcap (records, data dictionary, events, instrument designations)",
    )
    p = add(
        "study-id",
        cmd_study_id,
        "the study record id of a trial in de-identified exports (assigned on first use), or with --find "
        "the trial behind a study record id (kept only in this database)",
    )
    p.add_argument("id", help="a trial id, or with --find a study record id such as S7KQ2M9XA-1")
    p.add_argument("--find", action="store_true", help="look up the trial behind a study record id (audited)")
