"""The trial's records as plain data, in the clinic's words.

These dataclasses mirror the interchange format ``itb-trial/1`` (``docs/formats/itb-trial-v1.md``):
one :class:`TrialDocument` is one patient and one trial, complete. Storage maps them to tables,
interchange reads and writes them as JSON, and the rules in this package compute on them.

Conventions:
- ``None`` means "not recorded"; lists are never ``None`` (empty means none recorded).
- Times are :class:`datetime.datetime` (naive = local wall-clock time, or aware when the source gave an
  offset); dates are :class:`datetime.date`.
- Doses are whole micrograms (``dose_mcg``); there is no milligram field anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

FORMAT_ID = "itb-trial/1"


@dataclass(frozen=True)
class Patient:
    mrn: str
    birth_date: date
    given_name: str | None = None
    family_name: str | None = None
    sex: str | None = None  # female | male | other | unknown
    weight_kg: float | None = None
    height_cm: float | None = None
    gmfcs_level: int | None = None  # 1..5
    diagnosis: str | None = None
    tone_pattern: str | None = None  # spastic | dystonic | mixed
    allergies: tuple[str, ...] = ()
    language: str | None = None  # en | es


@dataclass(frozen=True)
class Catheter:
    placed_at: datetime
    method: str  # catheter | lumbar_puncture
    level: str | None = None


@dataclass(frozen=True)
class Goal:
    id: str
    text: str
    baseline_gas: int | None = None  # -2..2


@dataclass(frozen=True)
class MasEntry:
    muscle: str
    side: str  # left | right
    grade: str  # 0, 1, 1+, 2, 3, 4 or NT


@dataclass(frozen=True)
class TardieuEntry:
    muscle: str
    side: str
    r1_deg: float | None = None
    r2_deg: float | None = None
    quality: int | None = None  # 0..5


@dataclass(frozen=True)
class RomEntry:
    measure: str
    side: str
    deg: float


@dataclass(frozen=True)
class Function:
    fms_5m: str | None = None  # 1..6, C, N
    fms_50m: str | None = None  # 1..6, N
    fms_500m: str | None = None  # 1..6, N
    ten_m_walk_s: float | None = None
    tug_s: float | None = None
    six_min_walk_m: float | None = None
    gait_notes: str | None = None


@dataclass(frozen=True)
class Pain:
    scale: str  # flacc | wong_baker | numeric
    score: int


@dataclass(frozen=True)
class Vitals:
    hr: float | None = None
    rr: float | None = None
    spo2: float | None = None
    sbp: float | None = None
    dbp: float | None = None
    temp_c: float | None = None


@dataclass(frozen=True)
class GoalScore:
    id: str
    gas: int  # -2..2


@dataclass(frozen=True)
class Assessment:
    kind: str  # baseline | reassessment
    at: datetime
    assessor: str | None = None
    mas: tuple[MasEntry, ...] = ()
    tardieu: tuple[TardieuEntry, ...] = ()
    rom: tuple[RomEntry, ...] = ()
    function: Function | None = None
    penn_frequency: int | None = None  # 0..4
    penn_severity: int | None = None  # 1..3, only when frequency > 0
    pain: Pain | None = None
    sedation_umss: int | None = None  # 0..4
    vitals: Vitals | None = None
    goals: tuple[GoalScore, ...] = ()
    notes: str | None = None


@dataclass(frozen=True)
class AcknowledgedWarning:
    """A dose warning (R8) that a clinician acknowledged, with the reason they gave.

    The code ``above_maximum_override`` records a neurosurgeon's override of the protocol maximum.
    """

    code: str
    reason: str
    by: str | None = None


@dataclass(frozen=True)
class Dose:
    given_at: datetime
    dose_mcg: int
    concentration_mcg_per_ml: int
    volume_ml: float
    via: str | None = None
    lot: str | None = None
    given_by: str | None = None
    checked_by: str | None = None
    warnings_acknowledged: tuple[AcknowledgedWarning, ...] = ()


@dataclass(frozen=True)
class AdverseEvent:
    at: datetime
    kind: str
    severity: str  # mild | moderate | severe
    notes: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class DayPlan:
    next_dose_mcg: int | None = None
    decided_by: tuple[str, ...] = ()
    reason: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Day:
    day: int
    date: date
    assessments: tuple[Assessment, ...] = ()
    doses: tuple[Dose, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    plan: DayPlan | None = None


@dataclass(frozen=True)
class Decision:
    outcome: str  # candidate | not_candidate | undecided
    decided_at: datetime | None = None
    decided_by: str | None = None
    rationale: str | None = None
    initial_daily_dose_mcg: int | None = None


@dataclass(frozen=True)
class ProtocolSettings:
    """Per-trial protocol settings, frozen on the trial when it is created (RULES.md)."""

    mode: str = "bolus"  # bolus | continuous
    ladder: str = "standard"  # standard | small_child
    mas_coding: str = "cprn"  # cprn | ordinal05
    region: str = "lower"  # lower | upper | all
    threshold: float = 1.0
    schedule_hours: tuple[float, ...] = (1, 2, 4, 6, 8)
    max_dose_mcg: int = 100
    late_after_minutes: int = 30


@dataclass(frozen=True)
class Trial:
    started_on: date
    catheter: Catheter
    settings: ProtocolSettings = field(default_factory=ProtocolSettings)
    goals: tuple[Goal, ...] = ()
    days: tuple[Day, ...] = ()
    decision: Decision | None = None


@dataclass(frozen=True)
class TrialDocument:
    patient: Patient
    trial: Trial
