"""Build the large synthetic database of the benchmarks: 20,000 patients, 25,000 trials, ~2 M observations.

Usage: ``python -m benchmarks.make_db [OUT] [--patients N] [--seed S] [--home DIR] [--force]``
(default OUT ``benchmarks/large.sqlite``; trials are 1.25 per patient).

Everything is synthetic and marked as such: record numbers are ``SYN-nnnnnn``, every diagnosis says
"synthetic benchmark patient", clinicians are ``syn.*``. The same seed gives the same database.

How it is built: the schema comes from the app's own migrations (``storage.opening.open_database``); the
trials are generated as domain records (``trialapp.domain.records``), flattened to rows and written with
SQLAlchemy Core ``insert`` executemany on the app's tables, a few thousand trials per transaction. Each
patient and trial gets the audit row an import would write, chained with ``storage.audit.row_hash``, so
``trialapp check`` verifies the whole chain. A few users are then added through ``services.users``
(their audit rows extend the same chain). A sample of the generated trials is validated with the app's
own validator, and read back through the repositories to check that the rows mean what was generated.

The audit key is derived from a published constant (:data:`BENCH_KEY`): the database is synthetic, and
anyone can verify it with ``--home``. Never do this with real data.

The mix (documented in benchmarks/README.md), chosen to land near 2 M observation rows:

- 1.25 trials per patient (a quarter of the children have a second trial years later);
- trial length: 1 day (single-bolus screening) 40 %, 2 days 10 %, 3 days 45 %, 4 days 5 %;
- each day: a baseline at 08:30, the bolus at 09:00, reassessments at 1, 2, 4, 6 and 8 h, each recorded
  with probability 0.6 (missed or skipped slots are common on a ward);
- documentation depth: 6 % of trials are fully documented (all 16 lower-limb muscle-sides, 4 Tardieu
  angles and all 6 vital signs at every assessment, 6 ROM measures and function at the baseline: the
  demo trials look like this); the others grade 4 key muscle-sides (hip adductors and gastrocnemius,
  both sides) at every assessment, with 2 Tardieu angles and 2 ROM measures at the baseline, all 6 vital
  signs at the baseline and heart rate and SpO2 at the reassessments;
- goal scores (2-3 goals) on the last assessment of each day;
- 1 % of the trials (the newest) are still active; the others carry a decision.

Observation rows = MAS grades + Tardieu rows + ROM rows + goal scores + recorded vital-sign values.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, select

from trialapp.domain import records as r
from trialapp.domain.muscles import LOWER_MUSCLES
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.audit import GENESIS, KEY_FILE_NAME, AuditKey, row_hash

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "large.sqlite"
DEFAULT_SEED = 20261122
DEFAULT_PATIENTS = 20_000
TRIALS_PER_PATIENT = 1.25
# The newest trial starts on this date: fixed, so that the same seed gives the same database on any day.
NEWEST_START = date(2026, 10, 26)
OLDEST_START = date(2012, 1, 9)

# Published, synthetic: every benchmark database is signed with this key (never use it for real data).
BENCH_KEY = AuditKey(hashlib.sha256(b"trialapp synthetic benchmark database - not a secret").digest())

DAYS_WEIGHTS = ((1, 0.40), (2, 0.10), (3, 0.45), (4, 0.05))
SLOT_HOURS = (1, 2, 4, 6, 8)
SLOT_KEPT = 0.6
FULL_SHARE = 0.06
ACTIVE_SHARE = 0.01
AE_SHARE = 0.05
CHUNK_TRIALS = 2_500

KEY_MUSCLES = ("hip_adductors", "ankle_plantarflexors_gastrocnemius")
GRADES = ("0", "1", "1+", "2", "3", "4")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN = _words(
    "Aiden Alex Amara Amir Ana Aria Ava Ben Camila Carlos Chloe Daniel Diego Elena Eli Emma Ethan Eva "
    "Fatima Finn Gabriel Grace Hana Hugo Isaac Isabel Jack Jamal Jonah Julia Kai Layla Leo Liam Lucas Luna "
    "Maya Mateo Mia Miguel Nadia Noah Nora Olivia Omar Oscar Priya Quinn Rafael Rosa Ruby Sam Sara Sofia "
    "Theo Tomas Valentina Yusuf Zara Zoe"
)
FAMILY = _words(
    "Abbott Acosta Adams Aguilar Ahmed Ali Allen Alvarez Anderson Bailey Baker Banda Barnes Bell Bennett "
    "Brooks Brown Bui Campbell Carter Castillo Castro Chan Chavez Chen Clark Collins Cook Cooper Cruz Davies "
    "Davis Diaz Dubois Edwards Evans Fernandez Fischer Flores Foster Garcia Gomez Gonzalez Gray Green "
    "Gutierrez Hall Harris Hassan Hernandez Hill Hoang Howard Hughes Hussain Jackson James Jimenez Johnson "
    "Jones Kaur Kelly Khan Kim King Kowalski Lee Lewis Lopez Martin Martinez Mendoza Miller Mitchell Moore "
    "Morales Morgan Morris Murphy Nguyen Novak Okafor Ortiz Park Patel Perez Peterson Phillips Price Ramirez "
    "Ramos Reed Reyes Richardson Rivera Roberts Robinson Rodriguez Rogers Ruiz Sanchez Sanders Santos Scott "
    "Shah Silva Singh Smith Stewart Sullivan Taylor Thomas Thompson Torres Tran Turner Vargas Walker Wang "
    "Ward Watson White Williams Wilson Wood Wright Wu Yang Young Zhang"
)
DIAGNOSES = (
    "spastic diplegic cerebral palsy",
    "spastic quadriplegic cerebral palsy",
    "mixed tone cerebral palsy",
    "hereditary spastic paraplegia",
    "acquired brain injury with spasticity",
)
GOAL_TEXTS = (
    "Sit in the wheelchair for 2 hours",
    "Easier dressing and personal care",
    "Sleep through the night without spasms",
    "Stand for transfers with one helper",
    "Walk 10 m with the walker",
    "Less pain during stretches",
)
CLINICIANS_PT = ("syn.pt.adams", "syn.pt.baker", "syn.pt.chen", "syn.pt.diaz")
CLINICIANS_RN = ("syn.rn.evans", "syn.rn.fox", "syn.rn.gill", "syn.rn.hale")
SURGEONS = ("syn.dr.ito", "syn.dr.jain", "syn.dr.kent")
TARDIEU_FULL = (
    ("knee_flexors", "left"),
    ("knee_flexors", "right"),
    ("ankle_plantarflexors_gastrocnemius", "left"),
    ("ankle_plantarflexors_gastrocnemius", "right"),
)
ROM_FULL = (
    ("popliteal_angle", "left"),
    ("popliteal_angle", "right"),
    ("ankle_dorsiflexion_knee_extended", "left"),
    ("ankle_dorsiflexion_knee_extended", "right"),
    ("hip_abduction_flexed", "left"),
    ("hip_abduction_flexed", "right"),
)
SYNTHETIC_USERS = (
    # username, role, full name, password (synthetic accounts of the synthetic database only)
    ("syn.admin", "admin", "Ada Synthetic-Admin (benchmark)", "bench-admin-2026"),
    ("syn.pt.adams", "pt", "Pat Adams (synthetic)", "bench-pt-2026"),
    ("syn.rn.evans", "nurse", "Noor Evans (synthetic)", "bench-nurse-2026"),
    ("syn.dr.ito", "neurosurgeon", "Dr Kai Ito (synthetic)", "bench-neuro-2026"),
)


# ------------------------------------------------------------------------------------------ generation


def _weighted(rng: random.Random, pairs: Sequence[tuple[int, float]]) -> int:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def synthetic_patient(rng: random.Random, number: int, first_start: date) -> r.Patient:
    """One synthetic child, 4 to 17 years old at ``first_start``."""
    age_days = rng.randint(4 * 365 + 30, 17 * 365)
    sex = rng.choice(("female", "male"))
    return r.Patient(
        mrn=f"SYN-{number:06d}",
        birth_date=first_start - timedelta(days=age_days),
        given_name=rng.choice(GIVEN),
        family_name=rng.choice(FAMILY),
        sex=sex,
        weight_kg=round(rng.uniform(14, 60), 1),
        height_cm=round(rng.uniform(95, 170)),
        gmfcs_level=rng.choice((2, 3, 4, 4, 5, 5)),
        diagnosis=f"{rng.choice(DIAGNOSES)} (synthetic benchmark patient, not a real person)",
        tone_pattern=rng.choice(("spastic", "spastic", "mixed")),
        allergies=("cefazolin",) if rng.random() < 0.1 else (),
        language="es" if rng.random() < 0.2 else "en",
    )


def _lower_grade(grade: str, steps: int) -> str:
    if grade == "NT":
        return grade
    return GRADES[max(0, GRADES.index(grade) - steps)]


# The share of a day's peak effect at each hour after the bolus (onset 1-2 h, peak 4 h, waning by 8 h).
EFFECT_SHAPE = {1: 0.4, 2: 0.7, 4: 1.0, 6: 0.75, 8: 0.35}


def _vitals(rng: random.Random, full: bool) -> r.Vitals:
    hr = rng.randint(76, 112)
    spo2 = rng.randint(96, 100)
    if not full:
        return r.Vitals(hr=hr, spo2=spo2)
    return r.Vitals(
        hr=hr,
        rr=rng.randint(18, 24),
        spo2=spo2,
        sbp=rng.randint(98, 112),
        dbp=rng.randint(58, 70),
        temp_c=round(rng.uniform(36.5, 37.2), 1),
    )


def synthetic_trial(
    rng: random.Random, patient: r.Patient, started_on: date, *, active: bool
) -> tuple[r.Trial, bool]:
    """One trial of ``patient`` starting on ``started_on``; returns (trial, fully documented)."""
    ndays = _weighted(rng, DAYS_WEIGHTS)
    full = rng.random() < FULL_SHARE
    responder = rng.random() < 0.6
    muscles = LOWER_MUSCLES if full else KEY_MUSCLES
    sides = [(mu, side) for mu in muscles for side in ("left", "right")]
    baseline_grades = {
        ms: ("NT" if full and ms[0] == "hip_extensors" else rng.choice(("1+", "2", "2", "3", "3", "4")))
        for ms in sides
    }
    goals = tuple(
        r.Goal(f"g{i + 1}", text, -1 if rng.random() < 0.7 else -2)
        for i, text in enumerate(rng.sample(GOAL_TEXTS, rng.choice((2, 3))))
    )
    pt = rng.choice(CLINICIANS_PT)
    surgeon = rng.choice(SURGEONS)
    nurse = rng.choice(CLINICIANS_RN)
    placed = datetime.combine(started_on, datetime.min.time()).replace(hour=7, minute=40)
    ladder = (50, 75, 100)
    step = 0
    days: list[r.Day] = []
    last_dose = 50
    responded_on: int | None = None
    for n in range(1, ndays + 1):
        on = started_on + timedelta(days=n - 1)
        dose_mcg = ladder[min(step, len(ladder) - 1)]
        last_dose = dose_mcg
        dose_at = datetime.combine(on, datetime.min.time()).replace(hour=9)
        # Responders respond from 75 mcg; the day's peak reduction in whole MAS steps, before noise.
        peak = (1.3 if dose_mcg >= 75 else 0.7) if responder else 0.5
        assessments: list[r.Assessment] = []
        kinds: list[tuple[datetime, int | None]] = [(dose_at - timedelta(minutes=30), None)]
        kinds += [(dose_at + timedelta(hours=h), h) for h in SLOT_HOURS if rng.random() < SLOT_KEPT]
        for index, (at, hours) in enumerate(kinds):
            baseline = hours is None
            effect = 0.0 if baseline else peak * EFFECT_SHAPE[hours]
            mas = tuple(
                r.MasEntry(mu, side, _lower_grade(g, max(0, round(rng.gauss(effect, 0.35)))))
                for (mu, side), g in baseline_grades.items()
            )
            tardieu: tuple[r.TardieuEntry, ...] = ()
            if full or baseline:
                pairs = TARDIEU_FULL if full else TARDIEU_FULL[2:]
                tardieu = tuple(
                    r.TardieuEntry(mu, side, float(rng.randint(-20, -5)), float(rng.randint(0, 12)), 3)
                    if mu.startswith("ankle")
                    else r.TardieuEntry(mu, side, float(rng.randint(100, 125)), 150.0, 2)
                    for mu, side in pairs
                )
            rom: tuple[r.RomEntry, ...] = ()
            if baseline:
                pairs = ROM_FULL if full else ROM_FULL[:2]
                rom = tuple(r.RomEntry(code, side, float(rng.randint(20, 65))) for code, side in pairs)
            function = None
            if baseline and full:
                function = r.Function(fms_5m=rng.choice(("1", "2", "C")), fms_50m="1", fms_500m="1")
            last = index == len(kinds) - 1
            assessments.append(
                r.Assessment(
                    kind="baseline" if baseline else "reassessment",
                    at=at,
                    assessor=pt,
                    mas=mas,
                    tardieu=tardieu,
                    rom=rom,
                    function=function,
                    penn_frequency=rng.randint(1, 3) if baseline and full else None,
                    penn_severity=2 if baseline and full else None,
                    pain=r.Pain("flacc", rng.choice((0, 0, 0, 1, 2))),
                    sedation_umss=0,
                    vitals=_vitals(rng, full or baseline),
                    goals=tuple(r.GoalScore(g.id, rng.choice((-1, 0, 0, 1))) for g in goals) if last else (),
                )
            )
        dose = r.Dose(
            given_at=dose_at,
            dose_mcg=dose_mcg,
            concentration_mcg_per_ml=50,
            volume_ml=dose_mcg / 50,
            via="catheter",
            lot=f"SYN-L{rng.randint(1000, 9999)}",
            given_by=surgeon,
            checked_by=nurse,
        )
        adverse: tuple[r.AdverseEvent, ...] = ()
        if rng.random() < AE_SHARE:
            adverse = (
                r.AdverseEvent(
                    dose_at + timedelta(hours=3), rng.choice(("nausea", "headache", "drowsiness")), "mild"
                ),
            )
        day_responded = responder and dose_mcg >= 75
        if day_responded and responded_on is None:
            responded_on = n
        elif not day_responded:
            step += 1
        plan = None
        if n < ndays:
            plan = r.DayPlan(
                next_dose_mcg=ladder[min(step, len(ladder) - 1)],
                decided_by=(surgeon, pt, "parent"),
                notes="Synthetic plan.",
            )
        days.append(r.Day(n, on, tuple(assessments), (dose,), adverse, plan))
    decision = None
    if not active:
        candidate = responded_on is not None
        decision = r.Decision(
            outcome="candidate" if candidate else "not_candidate",
            decided_at=datetime.combine(started_on + timedelta(days=ndays - 1), datetime.min.time()).replace(
                hour=17, minute=30
            ),
            decided_by=surgeon,
            rationale="Synthetic decision of the benchmark database.",
            initial_daily_dose_mcg=2 * last_dose if candidate else None,
        )
    trial = r.Trial(
        started_on=started_on,
        catheter=r.Catheter(placed, "catheter", "L3-L4"),
        settings=r.ProtocolSettings(),
        goals=goals,
        days=tuple(days),
        decision=decision,
    )
    return trial, full


@dataclass
class Plan:
    """Who gets which trial when: (patient number, start date) per trial, oldest first."""

    patients: list[r.Patient]
    trials: list[tuple[int, date]]


def plan(rng: random.Random, n_patients: int) -> Plan:
    n_trials = round(n_patients * TRIALS_PER_PATIENT)
    span = (NEWEST_START - OLDEST_START).days
    first_starts = [OLDEST_START + timedelta(days=rng.randint(0, span - 400)) for _ in range(n_patients)]
    first_starts[-1] = NEWEST_START  # the newest trial is on the fixed date
    patients = [synthetic_patient(rng, i + 1, first_starts[i]) for i in range(n_patients)]
    trials = [(i, first_starts[i]) for i in range(n_patients)]
    for i in rng.sample(range(n_patients), n_trials - n_patients):
        later = first_starts[i] + timedelta(days=rng.randint(180, 1500))
        trials.append((i, min(later, NEWEST_START - timedelta(days=7))))
    trials.sort(key=lambda t: (t[1], t[0]))
    return Plan(patients, trials)


# ----------------------------------------------------------------------------------------------- rows


@dataclass
class Ids:
    values: dict[str, int] = field(default_factory=dict)

    def next(self, table: str) -> int:
        self.values[table] = self.values.get(table, 0) + 1
        return self.values[table]


@dataclass
class Rows:
    by_table: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.by_table.setdefault(table.name, []).append(row)


def patient_values(pid: int, p: r.Patient) -> dict[str, Any]:
    return {"id": pid, **repo.patient_to_row(p)}


def assessment_values(aid: int, day_id: int, a: r.Assessment, recorded_by: str) -> dict[str, Any]:
    columns = repo.assessment_to_row(a, recorded_by=recorded_by, recorded_at=a.at + timedelta(minutes=5))
    return {"id": aid, "day_id": day_id, **columns}


# Columns the records do not carry (the dose's double-check entries, the signatures): the same keys in
# every row of a table, as one executemany needs.
_DOSE_EXTRA = dict.fromkeys(
    (
        "first_entry_dose_mcg",
        "first_entry_concentration",
        "check_entry_dose_mcg",
        "check_entry_concentration",
        "entered_by_user_id",
        "checked_by_user_id",
        "signed_at",
    )
)
_DECISION_EXTRA = dict.fromkeys(("signed_by_user_id", "signed_at"))


def trial_rows(ids: Ids, rows: Rows, trial_id: int, public_id: str, patient_id: int, t: r.Trial) -> None:
    """Flatten one trial (the columns of ``repositories.*_to_row``, as the app writes them)."""
    rows.add(
        m.TrialRow.__table__,
        {
            "id": trial_id,
            "public_id": public_id,
            "patient_id": patient_id,
            **repo.trial_to_row(t),
            "created_at": t.catheter.placed_at - timedelta(minutes=20),
        },
    )
    for i, g in enumerate(t.goals):
        rows.add(
            m.GoalRow.__table__, {"id": ids.next("goals"), "trial_id": trial_id, **repo.goal_to_row(g, i)}
        )
    for day in t.days:
        day_id = ids.next("trial_days")
        rows.add(
            m.TrialDay.__table__,
            {"id": day_id, "trial_id": trial_id, **repo.day_to_row(day), "added_reason": None},
        )
        for a in day.assessments:
            aid = ids.next("assessments")
            rows.add(m.AssessmentRow.__table__, assessment_values(aid, day_id, a, f"user:{a.assessor}"))
            of_it = {"assessment_id": aid}
            for i, x in enumerate(a.mas):
                rows.add(m.MasGrade.__table__, {"id": ids.next("mas"), **of_it, **repo.mas_to_row(x, i)})
            for i, y in enumerate(a.tardieu):
                rows.add(
                    m.TardieuMeasure.__table__,
                    {"id": ids.next("tardieu"), **of_it, **repo.tardieu_to_row(y, i)},
                )
            for i, z in enumerate(a.rom):
                rows.add(m.RomMeasure.__table__, {"id": ids.next("rom"), **of_it, **repo.rom_to_row(z, i)})
            for i, gs in enumerate(a.goals):
                rows.add(
                    m.GoalScoreRow.__table__,
                    {"id": ids.next("goal_scores"), **of_it, **repo.goal_score_to_row(gs, i)},
                )
        for d in day.doses:
            rows.add(
                m.DoseRecord.__table__,
                {"id": ids.next("doses"), "day_id": day_id, **repo.dose_to_row(d), **_DOSE_EXTRA},
            )
        for e in day.adverse_events:
            event = repo.adverse_event_to_row(e, recorded_by=f"user:{CLINICIANS_RN[0]}")
            rows.add(
                m.AdverseEventRecord.__table__, {"id": ids.next("adverse_events"), "day_id": day_id, **event}
            )
        if day.plan is not None:
            plan = repo.plan_to_row(day.plan, suggested_dose_mcg=day.plan.next_dose_mcg)
            rows.add(m.DayPlanRecord.__table__, {"id": ids.next("day_plans"), "day_id": day_id, **plan})
    if t.decision is not None:
        rows.add(
            m.DecisionRow.__table__,
            {
                "id": ids.next("decisions"),
                "trial_id": trial_id,
                **repo.decision_to_row(t.decision),
                **_DECISION_EXTRA,
            },
        )


class AuditChain:
    """Audit rows as the services write them, chained with the app's own ``row_hash``."""

    def __init__(self, key: AuditKey) -> None:
        self.key = key
        self.prev = GENESIS
        self.next_id = 0

    def row(
        self, at: datetime, action: str, table: str, row_id: object, new: dict[str, Any], trial_id: int | None
    ) -> dict[str, Any]:
        self.next_id += 1
        entry = m.AuditEntry(
            at_utc=at.replace(tzinfo=UTC).isoformat(timespec="microseconds"),
            actor="os:synthetic-benchmark-generator",
            action=action,
            table_name=table,
            row_id=str(row_id),
            field=None,
            old_value=None,
            # As AuditTrail.record writes a dict: JSON with sorted keys.
            new_value=json.dumps(new, sort_keys=True, ensure_ascii=False, default=str),
            reason=None,
            trial_id=trial_id,
            prev_hash=self.prev,
        )
        entry.hash = row_hash(self.key, self.prev, entry)
        self.prev = entry.hash
        return {
            "id": self.next_id,
            "at_utc": entry.at_utc,
            "actor": entry.actor,
            "action": entry.action,
            "table_name": entry.table_name,
            "row_id": entry.row_id,
            "field": None,
            "old_value": None,
            "new_value": entry.new_value,
            "reason": None,
            "trial_id": trial_id,
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        }


# Parents before children, so that the foreign keys hold at every statement.
INSERT_ORDER = (
    m.PatientRow.__table__,
    m.TrialRow.__table__,
    m.GoalRow.__table__,
    m.TrialDay.__table__,
    m.AssessmentRow.__table__,
    m.MasGrade.__table__,
    m.TardieuMeasure.__table__,
    m.RomMeasure.__table__,
    m.GoalScoreRow.__table__,
    m.DoseRecord.__table__,
    m.AdverseEventRecord.__table__,
    m.DayPlanRecord.__table__,
    m.DecisionRow.__table__,
    m.AuditEntry.__table__,
)


def _public_ids(rng: random.Random, n: int) -> list[str]:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as repositories.new_public_id
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        value = "T" + "".join(rng.choice(alphabet) for _ in range(7))
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


@dataclass
class BuildReport:
    path: Path
    patients: int
    trials: int
    observations: dict[str, int]
    seconds: float
    sample_ids: dict[str, str]  # named trials the harness uses

    @property
    def observation_total(self) -> int:
        return sum(self.observations.values())


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def generate(conn: Connection, seed: int, n_patients: int, *, log: Any = print) -> dict[str, str]:
    """Write the synthetic patients and trials through ``conn``; return named trial ids for the harness."""
    rng = random.Random(seed)
    layout = plan(rng, n_patients)
    public_ids = _public_ids(rng, len(layout.trials))
    n_active = max(1, round(len(layout.trials) * ACTIVE_SHARE))
    ids = Ids()
    chain = AuditChain(BENCH_KEY)
    with conn.begin():
        conn.execute(
            m.Installation.__table__.insert(),
            [{"id": 1, "audit_key_id": BENCH_KEY.key_id, "created_at": datetime(2012, 1, 2, 8, 0)}],
        )
    patient_ids: dict[int, int] = {}
    named: dict[str, str] = {}
    started = time.perf_counter()
    for chunk_no, chunk in enumerate(_chunks(range(len(layout.trials)), CHUNK_TRIALS)):
        rows = Rows()
        for t_index in chunk:
            p_index, started_on = layout.trials[t_index]
            patient = layout.patients[p_index]
            created = datetime.combine(started_on, datetime.min.time()).replace(hour=7, minute=20)
            if p_index not in patient_ids:
                pid = ids.next("patients")
                patient_ids[p_index] = pid
                rows.add(m.PatientRow.__table__, patient_values(pid, patient))
                rows.add(
                    m.AuditEntry.__table__,
                    chain.row(
                        created, "insert", "patients", pid, {"mrn": patient.mrn, "source": "import"}, None
                    ),
                )
            trial_id = ids.next("trials")
            active = t_index >= len(layout.trials) - n_active
            trial, full = synthetic_trial(rng, patient, started_on, active=active)
            public_id = public_ids[t_index]
            trial_rows(ids, rows, trial_id, public_id, patient_ids[p_index], trial)
            rows.add(
                m.AuditEntry.__table__,
                chain.row(
                    created + timedelta(seconds=1),
                    "import",
                    "trials",
                    public_id,
                    {"format": "itb-trial/1", "days": len(trial.days), "source": "synthetic benchmark"},
                    trial_id,
                ),
            )
            # The harness opens the newest fully documented 3-day trial (the heaviest common case) and
            # the newest focused 3-day one.
            if len(trial.days) == 3 and not active:
                named["full_3day" if full else "focused_3day"] = public_id
        with conn.begin():
            for table in INSERT_ORDER:
                batch = rows.by_table.get(table.name)
                if batch:
                    conn.execute(table.insert(), batch)
        done = min((chunk_no + 1) * CHUNK_TRIALS, len(layout.trials))
        log(f"  {done:>6} / {len(layout.trials)} trials written ({time.perf_counter() - started:.0f} s)")
    return named


def count_observations(conn: Connection) -> dict[str, int]:
    """MAS grades, Tardieu rows, ROM rows, goal scores, and recorded vital-sign values."""
    counts = {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in (
            ("mas_grades", m.MasGrade.__table__),
            ("tardieu_measures", m.TardieuMeasure.__table__),
            ("rom_measures", m.RomMeasure.__table__),
            ("goal_scores", m.GoalScoreRow.__table__),
        )
    }
    a = m.AssessmentRow.__table__.c
    counts["vital_values"] = int(
        conn.execute(
            select(
                func.count(a.hr)
                + func.count(a.rr)
                + func.count(a.spo2)
                + func.count(a.sbp)
                + func.count(a.dbp)
                + func.count(a.temp_c)
            )
        ).scalar_one()
    )
    return counts


def install_key(home: Path) -> Path:
    """Write the benchmark audit key where an app with ``TRIALAPP_HOME=home`` looks for it."""
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    path = config / KEY_FILE_NAME
    path.write_text(BENCH_KEY.secret.hex() + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def _check_sample(app: Any, seed: int, n_patients: int, named: dict[str, str], log: Any) -> None:
    """Validate a sample of trials with the app's validator and compare them with what reads back."""
    from trialapp.services.validation import validate_document

    rng = random.Random(seed)
    layout = plan(rng, n_patients)
    public_ids = _public_ids(rng, len(layout.trials))
    n_active = max(1, round(len(layout.trials) * ACTIVE_SHARE))
    wanted = set(named.values())
    checked = 0
    with app.db.read() as s:
        for t_index, (p_index, started_on) in enumerate(layout.trials):
            trial, _full = synthetic_trial(
                rng, layout.patients[p_index], started_on, active=t_index >= len(layout.trials) - n_active
            )
            public_id = public_ids[t_index]
            if t_index % 97 and public_id not in wanted:
                continue
            doc = r.TrialDocument(patient=layout.patients[p_index], trial=trial)
            validate_document(doc, what="synthetic trial", now=datetime(2026, 11, 1))
            stored = repo.document_record(repo.get_trial(s, public_id))
            if stored != doc:
                raise SystemExit(f"trial {public_id} does not read back as it was generated")
            checked += 1
    log(f"  {checked} sample trials valid and read back unchanged")


def build(
    out: Path, *, seed: int = DEFAULT_SEED, n_patients: int = DEFAULT_PATIENTS, log: Any = print
) -> BuildReport:
    """Build the database at ``out`` (written beside it, then moved into place)."""
    from trialapp.config import resolve_paths
    from trialapp.services import users
    from trialapp.services.context import App, os_actor
    from trialapp.services.integrity import check
    from trialapp.storage.audit import AuditTrail
    from trialapp.storage.opening import open_database

    started = time.perf_counter()
    tmp = out.with_name(out.name + ".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    database = open_database(tmp)
    try:
        with database.engine.connect() as conn:
            named = generate(conn, seed, n_patients, log=log)
        app = App(paths=resolve_paths(str(tmp)), db=database, audit=AuditTrail(BENCH_KEY))
        for username, role, full_name, password in SYNTHETIC_USERS:
            users.add_user(app, os_actor(), username, role, full_name, password)
        _check_sample(app, seed, n_patients, named, log)
        with database.engine.connect() as conn:
            observations = count_observations(conn)
            n_trials = int(conn.execute(select(func.count()).select_from(m.TrialRow.__table__)).scalar_one())
            n_pat = int(conn.execute(select(func.count()).select_from(m.PatientRow.__table__)).scalar_one())
        report = check(app)
        if not report.ok:
            raise SystemExit(
                "the synthetic database does not pass 'trialapp check': " + "; ".join(report.problems)
            )
        log(f"  'trialapp check' passes: audit trail verified ({report.audit_rows} rows)")
        with database.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.dispose()
    tmp.replace(out)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    return BuildReport(out, n_pat, n_trials, observations, time.perf_counter() - started, named)


def named_trials(path: Path) -> dict[str, str]:
    """The trials the harness uses, found in an existing database: the newest completed 3-day trial fully
    documented (16 muscle-sides), the newest completed one with key muscles only, the newest active one."""
    import sqlite3

    three_days = "(SELECT count(*) FROM trial_days d WHERE d.trial_id = t.id) = 3"
    graded = """(SELECT count(*) FROM mas_grades g JOIN assessments a ON a.id = g.assessment_id
                 JOIN trial_days d ON d.id = a.day_id
                 WHERE d.trial_id = t.id AND d.day_number = 1 AND a.kind = 'baseline')"""
    queries = {
        "full_3day": f"t.state = 'completed' AND {three_days} AND {graded} = 16",
        "focused_3day": f"t.state = 'completed' AND {three_days} AND {graded} < 16",
        "active_3day": f"t.state = 'active' AND {three_days}",
    }
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = {
            name: con.execute(
                f"SELECT t.public_id FROM trials t WHERE {where} ORDER BY t.id DESC LIMIT 1"
            ).fetchone()
            for name, where in queries.items()
        }
    finally:
        con.close()
    missing = [name for name, row in found.items() if row is None]
    if missing:
        raise SystemExit(f"{path} has no {', '.join(missing)} trial; rebuild it with benchmarks/make_db.py")
    return {name: row[0] for name, row in found.items() if row is not None}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default=str(DEFAULT_OUT), help="database file to write")
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS, help="number of patients")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--home", help="TRIALAPP_HOME to receive the benchmark audit key (to run 'check')")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.patients < 10:
        parser.error("--patients must be at least 10")
    if args.home:
        install_key(Path(args.home))
        print(f"Audit key of the benchmark databases written for TRIALAPP_HOME={args.home}")
    if out.exists() and not args.force:
        if args.home:
            return 0  # only the key was wanted
        print(f"{out} exists; use --force to rebuild it", file=sys.stderr)
        return 1
    if not out.parent.is_dir():
        parser.error(f"the folder {out.parent} does not exist")
    print(f"Building {out}: {args.patients} synthetic patients, seed {args.seed}")
    report = build(out, seed=args.seed, n_patients=args.patients)
    obs = ", ".join(f"{k} {v:,}" for k, v in report.observations.items())
    print(
        f"Done in {report.seconds:.0f} s: {report.patients:,} patients, {report.trials:,} trials, "
        f"{report.observation_total:,} observation rows ({obs}); {out.stat().st_size / 1e6:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
