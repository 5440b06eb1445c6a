"""Child process for the race tests: one laptop saving through the services, told what to do on stdin.

Usage: python race_worker.py DATABASE WORKER_NAME
Reads one command a line and answers one JSON line each, after the service returned (committed) or refused:
  dose TRIAL_ID                give day 1's dose of 50 mcg (checked by the PT)
  assessment TRIAL_ID HOUR     record a reassessment on day 1 at HOUR:00
  import PATH                  import an itb-trial/1 file
Answers: {"ok": …} or {"refused": "<the message a user would read>"} or {"crash": "<type>: <text>"}; a crash
is anything that is not a refusal in words (the test fails on it).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher

from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import Assessment, MasEntry
from trialapp.services import assessments, dosing, users
from trialapp.services.context import open_app
from trialapp.services.errors import ServiceError
from trialapp.storage.errors import StorageError

PASSWORD = "race-test-password"
DAY_ONE = datetime(2026, 3, 2)


def _do(app: object, line: str, pt: object, neuro: object) -> object:
    command, *args = line.split()
    if command == "dose":
        order = dosing.DoseOrder(args[0], 1, 50, 50, 1.0, DAY_ONE.replace(hour=9), "catheter", "L1")
        # R8 revision 2 warns (no baseline, no weight here): each warning gets a reason.
        warnings = dosing.preview_dose(app, neuro, order).warnings  # type: ignore[arg-type]
        order = replace(order, warning_reasons={w.code: "Acknowledged in the test" for w in warnings})
        check = dosing.BlindCheck("pt.race", PASSWORD, 50, 50)
        return dosing.give_dose(app, neuro, PASSWORD, order, check)  # type: ignore[arg-type]
    if command == "assessment":
        mas = tuple(MasEntry(m, s, "1+") for m in LOWER_MUSCLES for s in SIDES)
        item = Assessment(kind="reassessment", at=DAY_ONE.replace(hour=int(args[1])), mas=mas)
        return assessments.record_assessment(app, pt, args[0], 1, item).assessment_id  # type: ignore[arg-type]
    if command == "import":
        from trialapp.interchange.trial_json import load_trial_document
        from trialapp.services.trials import import_document

        return import_document(app, neuro, load_trial_document(Path(args[0]).read_bytes()))  # type: ignore[arg-type]
    raise ValueError(f"unknown command {command!r}")


def main() -> None:
    database = sys.argv[1]
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # fast, still Argon2id
    app = open_app(database)
    pt = users.authenticate(app, "pt.race", PASSWORD)
    neuro = users.authenticate(app, "dr.race", PASSWORD)
    print(json.dumps({"ready": sys.argv[2]}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer: dict[str, object] = {"ok": _do(app, line, pt, neuro)}
        except (ServiceError, StorageError) as exc:
            answer = {"refused": str(exc)}
        except Exception as exc:  # the test fails on any of these: a user would have seen a crash
            answer = {"crash": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer, default=str), flush=True)


if __name__ == "__main__":
    main()
