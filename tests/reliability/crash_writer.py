"""Child process for the crash-safety test: saves through the services in a loop, reporting each confirmed save.

Usage: python crash_writer.py DB_PATH START_INDEX
Prints one line per save *after* the service returned (= committed): "trial <id>", "assessment <row id>",
"dose <row id>". The parent kills this process with SIGKILL at random moments.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher

from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import Assessment, Catheter, MasEntry, Patient, ProtocolSettings
from trialapp.services import assessments, dosing, trials, users
from trialapp.services.context import open_app

PASSWORD = "crash-test-password"


def main() -> None:
    db_path, start = sys.argv[1], int(sys.argv[2])
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # fast, still Argon2id
    app = open_app(db_path)
    neuro = users.authenticate(app, "dr.crash", PASSWORD)
    pt = users.authenticate(app, "pt.crash", PASSWORD)
    mas = tuple(MasEntry(m, s, "2") for m in LOWER_MUSCLES for s in SIDES)
    for i in range(start, start + 100_000):
        started = date(2026, 1, 1) + timedelta(days=i % 300)
        placed = datetime.combine(started, datetime.min.time()).replace(hour=7)
        trial_id = trials.start_trial(
            app,
            pt,
            Patient(mrn=f"CRASH-{i}", birth_date=date(2015, 1, 1)),
            started_on=started,
            catheter=Catheter(placed, "catheter"),
            settings=ProtocolSettings(),
        )
        print(f"trial {trial_id}", flush=True)
        baseline = Assessment(kind="baseline", at=placed + timedelta(hours=1), mas=mas, notes=f"crash {i}")
        saved = assessments.record_assessment(app, pt, trial_id, 1, baseline)
        print(f"assessment {saved.assessment_id}", flush=True)
        order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, placed + timedelta(hours=2), "catheter", f"L{i}")
        # R8 revision 2 warns (for example, no weight here): each warning gets a reason.
        warnings = dosing.preview_dose(app, neuro, order).warnings
        order = replace(order, warning_reasons={w.code: "Acknowledged in the test" for w in warnings})
        dose_id = dosing.give_dose(
            app, neuro, PASSWORD, order, dosing.BlindCheck("pt.crash", PASSWORD, 50, 50)
        )
        print(f"dose {dose_id}", flush=True)


if __name__ == "__main__":
    main()
