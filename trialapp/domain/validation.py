"""The rules of a valid trial record, on the records themselves.

One home for every rule a write or an import applies: each value and the entries within one record
(:mod:`trialapp.domain.value_rules`), and the rules across records — days numbered in order with dates that follow each other and the trial's
start, times after the catheter placement, on their day and not in the future, every time with an
offset or none, goal scores for the trial's goals, the R8 dose errors (the double check among them),
days planned ahead that are not records yet.

A problem names where it is with the record's path, written as the ``itb-trial/1`` format writes it
(``$.trial.days[0].doses[1]``): the records mirror the format key for key, so an import reports the same
path, and a message that refers to another record (an entry "first at …") reads the same wherever it
is shown.

:func:`validate_document` judges a whole trial; :func:`validate_new_assessment` judges one new assessment
against what its trial's rules read of the trial (:class:`TrialContext`), for the bedside's most frequent
save, with the problems and words the whole trial would give. Pure Python: no Qt, no SQL, no files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeVar

from trialapp.domain import dose_records, dosing
from trialapp.domain import vocabulary as v
from trialapp.domain.records import (
    AcknowledgedWarning,
    AdverseEvent,
    Assessment,
    Catheter,
    Day,
    DayPlan,
    Decision,
    Dose,
    Function,
    Goal,
    GoalScore,
    MasEntry,
    Pain,
    Patient,
    ProtocolSettings,
    RomEntry,
    TardieuEntry,
    Trial,
    TrialDocument,
    Vitals,
)
from trialapp.domain.timefmt import reading_date, reading_time
from trialapp.domain.value_rules import (
    ack_twice_problem,
    blood_pressure_problem,
    check_code,
    check_grade,
    check_text,
    format_time,
    goal_count_problem,
    goal_id_twice_problem,
    goal_score_problem,
    pain_score_problem,
    penn_problem,
    range_problem,
    repeated_entry_problem,
    repeated_measure_problem,
    required_message,
    schedule_order_problem,
    show,
    whole_problem,
)

__all__ = [
    "DoseRef",
    "Gathered",
    "Problem",
    "RecordsInvalid",
    "TimeRef",
    "TrialContext",
    "cross_checks",
    "day_problems",
    "is_empty_day",
    "recorded_day_count",
    "settings_read",
    "split_planned_days",
    "validate_document",
    "validate_new_assessment",
]

_R = TypeVar("_R")

MAX_OFFSET = timedelta(hours=14)  # real-world UTC offsets run from −12:00 to +14:00


@dataclass(frozen=True)
class Problem:
    """One problem in a trial: where (a record path such as ``$.trial.days[0].date``) and what to do."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RecordsInvalid(ValueError):
    """The records break a rule; :attr:`problems` lists every problem found, in record order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def child(path: str, key: str) -> str:
    """The path of field ``key`` of the record at ``path``."""
    return f"{path}.{key}"


def item(path: str, index: int) -> str:
    """The path of entry ``index`` (from 0) of the list at ``path``."""
    return f"{path}[{index}]"


# --------------------------------------------------------------------------------------------------
# Rules across records: the days of a trial
# --------------------------------------------------------------------------------------------------


def day_problems(
    path: str, day: Day, index: int, previous_date: date | None, started: date | None
) -> list[Problem]:
    """Day ``index`` (from 0) is numbered ``index + 1``, after the previous day's date and the start."""
    out: list[Problem] = []
    if day.day != index + 1:
        out.append(
            Problem(
                child(path, "day"),
                f"found {day.day}, but this is day {index + 1}: number the days 1, 2, 3… in order without gaps "
                f"(write {index + 1})",
            )
        )
    if previous_date is not None and day.date <= previous_date:
        out.append(
            Problem(
                child(path, "date"),
                f"{reading_date(day.date)} is not after the previous day's date ({reading_date(previous_date)}): "
                "trial days follow each other in time, so correct the date",
            )
        )
    if started is not None and day.date < started:
        out.append(
            Problem(
                child(path, "date"),
                f"is before the trial's start ({reading_date(started)}): check the date or trial.started_on",
            )
        )
    return out


def settings_read(
    mode: str | None,
    ladder: str | None,
    coding: str | None,
    region: str | None,
    threshold: float | None,
    schedule: tuple[float, ...] | None,
    max_dose_mcg: int,
    late_after_minutes: int | None = None,
) -> ProtocolSettings:
    """The settings the dose rules use: those read, and the defaults for those refused or absent."""
    defaults = ProtocolSettings(max_dose_mcg=max_dose_mcg)
    return ProtocolSettings(
        mode=mode or defaults.mode,
        ladder=ladder or defaults.ladder,
        mas_coding=coding or defaults.mas_coding,
        region=region or defaults.region,
        threshold=threshold if threshold is not None else defaults.threshold,
        schedule_hours=schedule if schedule is not None else defaults.schedule_hours,
        max_dose_mcg=max_dose_mcg,
        late_after_minutes=late_after_minutes if late_after_minutes is not None else defaults.late_after_minutes,
    )


# --------------------------------------------------------------------------------------------------
# Rules across the trial: dates, times, doses
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeRef:
    """A recorded time, where it is, and the date of the trial day it belongs to (if any); ``baseline``:
    the time of a baseline assessment, which may precede the catheter's placement (interchange revision 2)."""

    path: str
    value: datetime
    day_date: date | None
    baseline: bool = False


@dataclass(frozen=True)
class DoseRef:
    """A recorded dose, where it is, its trial day's number and its position among the trial's doses."""

    path: str
    day: int
    index: int
    dose: Dose


def _now_local(now: datetime) -> datetime:
    return now if now.tzinfo is None else now.astimezone().replace(tzinfo=None)


def _now_aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.astimezone()


@dataclass
class Gathered:
    """What the rules across the trial read, gathered while each record is judged, in record order."""

    dates: list[tuple[str, date]] = field(default_factory=list)  # judged against "today"
    times: list[TimeRef] = field(default_factory=list)
    doses: list[DoseRef] = field(default_factory=list)
    placed_at: datetime | None = None  # the catheter placement, once read
    settings: ProtocolSettings | None = None  # the trial's settings, once read


def cross_checks(
    found: Gathered,
    birth_date: date | None,
    started_on: date | None,
    *,
    now: datetime,
    max_dose_mcg: int,
) -> list[Problem]:
    """The rules across the trial, on what was gathered: dates and times, then the R8 dose errors."""
    out = _date_problems(found.dates, birth_date, started_on, now)
    placed = found.placed_at
    reference = placed if placed is not None else (found.times[0].value if found.times else None)
    if reference is not None:
        out += _time_problems(found.times, reference, placed, now)
    out += _dose_problems(
        found.doses, found.settings or ProtocolSettings(max_dose_mcg=max_dose_mcg), birth_date
    )
    return out


def _date_problems(
    dates: Sequence[tuple[str, date]], birth_date: date | None, started_on: date | None, now: datetime
) -> list[Problem]:
    today = _now_local(now).date()
    out = [
        Problem(
            path, f"{reading_date(value)} is in the future (today is {reading_date(today)}): check the date"
        )
        for path, value in dates
        if value > today
    ]
    if birth_date is not None and started_on is not None and birth_date > started_on:
        out.append(
            Problem(
                "$.patient.birth_date",
                f"is after the trial's start ({reading_date(started_on)}): check the birth date",
            )
        )
    return out


_PLACED_PATH = "$.trial.catheter.placed_at"


def _time_problems(
    times: Sequence[TimeRef], reference: datetime, placed: datetime | None, now: datetime
) -> list[Problem]:
    """Every time with an offset or none (as the reference), after the placement, not in the future,
    on its day's date or the next day."""
    aware = reference.tzinfo is not None
    ref_path = _PLACED_PATH if placed is not None else times[0].path
    now = _now_aware(now) if aware else _now_local(now)
    out: list[Problem] = []
    for ref in times:
        value = ref.value
        if (value.tzinfo is not None) != aware:
            has = "has an offset" if value.tzinfo is not None else "has no offset"
            out.append(
                Problem(
                    ref.path,
                    f"this time {has} but {ref_path} {'has one' if aware else 'has none'}: give every time in the "
                    "document an offset (e.g. +01:00 or Z), or none, so that hours after a dose can be "
                    "computed; either every time carries an offset or none does",
                )
            )
            continue
        # Interchange revision 2: teams often assess before the procedure, so a baseline may come first
        # (it still precedes the day's dose, which must follow the placement).
        if placed is not None and value < placed and ref.path != _PLACED_PATH and not ref.baseline:
            out.append(
                Problem(
                    ref.path,
                    f"{reading_time(value)} is before the catheter was placed ({reading_time(placed)}): check the "
                    "time, or trial.catheter.placed_at",
                )
            )
        if value > now:
            out.append(
                Problem(
                    ref.path,
                    f"{reading_time(value)} is in the future (now is {reading_time(now)}): check the date and time",
                )
            )
        out += _day_date_problems(ref)
    return out


def _day_date_problems(ref: TimeRef) -> list[Problem]:
    if ref.day_date is None:
        return []
    local_day = ref.value.date()
    if local_day < ref.day_date:
        return [
            Problem(
                ref.path,
                f"{reading_time(ref.value)} is before this trial day's date ({reading_date(ref.day_date)}): record "
                "it under the right day, or correct the time",
            )
        ]
    if local_day > ref.day_date + timedelta(days=1):
        return [
            Problem(
                ref.path,
                f"{reading_time(ref.value)} is more than a day after this trial day's date "
                f"({reading_date(ref.day_date)}): record it under the right day, or correct the time",
            )
        ]
    return []


def _dose_problems(
    doses: Sequence[DoseRef], settings: ProtocolSettings, birth_date: date | None
) -> list[Problem]:
    """R8 errors for every dose judged valid on its own, via :mod:`~trialapp.domain.dosing` (warnings are
    acknowledged at the bedside, not errors of a record)."""
    # The birth date only feeds the age warning, which is not an error; any date will do when the
    # birth date itself is invalid (its problem is already reported).
    birth = birth_date if birth_date is not None else date(1900, 1, 1)
    out: list[Problem] = []
    for group in (
        [r for r in doses if r.dose.given_at.tzinfo is None],
        [r for r in doses if r.dose.given_at.tzinfo is not None],
    ):
        ordered = sorted(group, key=lambda r: (r.dose.given_at, r.day, r.index))
        prior: list[dosing.PriorDose] = []
        for ref in ordered:
            ctx = dosing.DoseContext(settings=settings, birth_date=birth, prior_doses=tuple(prior))
            result = dosing.check_dose(dose_records.dose_entry_from_record(ref.dose, ref.day), ctx)
            out += [Problem(ref.path, finding.message) for finding in result.errors]
            prior.append(dosing.PriorDose(ref.day, ref.dose.given_at, ref.dose.dose_mcg))
    return out


# --------------------------------------------------------------------------------------------------
# Judging records: every value, then the rules across them
# --------------------------------------------------------------------------------------------------


class ProblemCollector:
    """What judging a document collects, whichever form it comes in (records here, JSON in the import):
    every problem at its path, the times, dates and doses gathered for the rules across records, and the
    trial day being judged."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.found = Gathered()
        self.day_date: date | None = None  # the trial day being judged

    def add(self, path: str, message: str | None) -> bool:
        """Report ``message`` at ``path`` when there is one; whether there was."""
        if message is None:
            return False
        self.problems.append(Problem(path, message))
        return True

    def baseline_time(self, path: str) -> None:
        """The time just gathered at ``path`` is a baseline assessment's: it may precede the catheter's
        placement (interchange revision 2)."""
        times = self.found.times
        if times and times[-1].path == path:
            times[-1] = replace(times[-1], baseline=True)


class _Judge(ProblemCollector):
    """Judges records field by field, in record order, and gives them back tidied (text trimmed, blank
    text absent, times to the minute); a record with a problem gives None."""

    # -- values --------------------------------------------------------------------------------

    def text(
        self,
        value: str | None,
        path: str,
        *,
        required: bool = False,
        free_text: bool = False,
        max_len: int | None = None,
        code: bool = False,
    ) -> str | None:
        if value is None:
            tidy, problem = None, None
        else:
            limit = max_len if max_len is not None else (v.MAX_TEXT_LEN if free_text else v.MAX_NAME_LEN)
            tidy, problem = check_text(value, free_text=free_text, max_len=limit, code=code)
        self.add(path, problem)
        if tidy is None and required and problem is None:
            self.add(path, required_message(path.rsplit(".", 1)[-1]))
        return tidy

    def code(
        self, value: str | None, path: str, choices: Sequence[str], what: str, *, required: bool = False
    ) -> str | None:
        tidy, problem = (None, None) if value is None else check_code(value, choices, what)
        self.add(path, problem)
        if tidy is None and required and problem is None:
            self.add(path, required_message(path.rsplit(".", 1)[-1]))
        return tidy

    def number(self, value: float | None, path: str, rng: v.Range, *, required: bool = False) -> float | None:
        if value is None:
            if required:
                self.add(path, required_message(path.rsplit(".", 1)[-1]))
            return None
        return None if self.add(path, range_problem(value, rng)) else value

    def whole(self, value: int | None, path: str, spec: v.Whole, *, required: bool = False) -> int | None:
        if value is None:
            if required:
                self.add(path, required_message(path.rsplit(".", 1)[-1]))
            return None
        return None if self.add(path, whole_problem(value, spec)) else value

    def day_of(self, value: date, path: str) -> date:
        self.found.dates.append((path, value))
        return value

    def moment(self, value: datetime, path: str) -> datetime | None:
        tidy = value.replace(second=0, microsecond=0)
        offset = value.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds() / 60)
            if abs(offset) > MAX_OFFSET:
                sign, (hours, mins) = ("-" if minutes < 0 else "+"), divmod(abs(minutes), 60)
                self.add(
                    path,
                    f"{show(format_time(value))} is not a time: the offset {sign}{hours:02d}:{mins:02d} is not a "
                    "real UTC offset; use -12:00 to +14:00 (minutes 00-59)",
                )
                return None
            tidy = tidy.replace(tzinfo=UTC if minutes == 0 else timezone(timedelta(minutes=minutes)))
        self.found.times.append(TimeRef(path, tidy, self.day_date))
        return tidy

    def names(self, values: Sequence[str], path: str, what: str) -> tuple[str, ...]:
        out: list[str] = []
        for i, value in enumerate(values):
            here = item(path, i)
            before = len(self.problems)
            tidy = self.text(value, here)
            if tidy is None:
                if len(self.problems) == before:
                    self.add(here, f"is empty: write {what} or remove the entry")
                continue
            out.append(tidy)
        return tuple(out)

    # -- the trial -----------------------------------------------------------------------------

    def document(self, doc: TrialDocument) -> TrialDocument | None:
        patient = self.patient(doc.patient, "$.patient")
        trial = self.trial(doc.trial, "$.trial")
        if patient is None or trial is None:
            return None
        return TrialDocument(patient=patient, trial=trial)

    def patient(self, p: Patient, path: str) -> Patient | None:
        mrn = self.text(p.mrn, child(path, "mrn"), required=True, max_len=v.MAX_CODE_LEN, code=True)
        tidy = Patient(
            mrn=mrn or "",
            given_name=self.text(p.given_name, child(path, "given_name")),
            family_name=self.text(p.family_name, child(path, "family_name")),
            birth_date=self.day_of(p.birth_date, child(path, "birth_date")),
            sex=self.code(p.sex, child(path, "sex"), v.SEXES, "a sex code"),
            weight_kg=self.number(p.weight_kg, child(path, "weight_kg"), v.WEIGHT_KG),
            height_cm=self.number(p.height_cm, child(path, "height_cm"), v.HEIGHT_CM),
            gmfcs_level=self.whole(p.gmfcs_level, child(path, "gmfcs_level"), v.GMFCS_LEVEL),
            diagnosis=self.text(p.diagnosis, child(path, "diagnosis"), free_text=True),
            tone_pattern=self.code(
                p.tone_pattern, child(path, "tone_pattern"), v.TONE_PATTERNS, "a tone pattern"
            ),
            allergies=self.names(p.allergies, child(path, "allergies"), "the allergy"),
            language=self.code(p.language, child(path, "language"), v.LANGUAGES, "a supported language"),
        )
        return tidy if mrn is not None else None

    def settings(self, s: ProtocolSettings, path: str, max_dose_mcg: int) -> None:
        """Judge the settings the format carries; the dose rules use them (defaults for refused ones)."""
        mode = self.code(s.mode, child(path, "mode"), v.MODES, "a trial mode")
        ladder = self.code(s.ladder, child(path, "ladder"), v.LADDERS, "a dose ladder")
        coding = self.code(s.mas_coding, child(path, "mas_coding"), v.MAS_CODINGS, "a MAS coding")
        region = self.code(s.region, child(path, "region"), v.REGIONS, "a region")
        threshold = self.number(s.threshold, child(path, "threshold"), v.THRESHOLD)
        schedule = self.schedule(s.schedule_hours, child(path, "schedule_hours"))
        self.found.settings = settings_read(
            mode, ladder, coding, region, threshold, schedule, max_dose_mcg, s.late_after_minutes
        )

    def schedule(self, hours: Sequence[float], path: str) -> tuple[float, ...] | None:
        before = len(self.problems)
        previous: float | None = None
        for i, value in enumerate(hours):
            here = item(path, i)
            if self.number(value, here, v.SCHEDULE_HOURS) is None:
                continue
            self.add(here, schedule_order_problem(value, previous))
            previous = value
        return tuple(hours) if len(self.problems) == before else None

    def trial(self, t: Trial, path: str) -> Trial | None:
        started = self.day_of(t.started_on, child(path, "started_on"))
        self.settings(t.settings, path, t.settings.max_dose_mcg)
        catheter = self.catheter(t.catheter, child(path, "catheter"))
        goals, goal_ids = self.goals(t.goals, child(path, "goals"))
        days = self.days(t.days, child(path, "days"), goal_ids, started)
        decision = None if t.decision is None else self.decision(t.decision, child(path, "decision"))
        if catheter is None or goals is None or days is None:
            return None
        return replace(t, catheter=catheter, goals=goals, days=days, decision=decision)

    def catheter(self, c: Catheter, path: str) -> Catheter | None:
        placed = self.moment(c.placed_at, child(path, "placed_at"))
        method = self.code(c.method, child(path, "method"), v.CATHETER_METHODS, "a method", required=True)
        level = self.text(c.level, child(path, "level"), max_len=v.MAX_CODE_LEN)
        if placed is None or method is None:
            return None
        self.found.placed_at = placed
        return Catheter(placed_at=placed, method=method, level=level)

    def goals(self, goals: Sequence[Goal], path: str) -> tuple[tuple[Goal, ...] | None, set[str] | None]:
        """The trial's goals, and their ids (None when an id could not be read, to skip the scores' check)."""
        before = len(self.problems)
        self.add(path, goal_count_problem(len(goals)))
        out: list[Goal] = []
        ids: set[str] = set()
        complete = True
        for i, g in enumerate(goals):
            here = item(path, i)
            gid = self.text(g.id, child(here, "id"), required=True, max_len=v.MAX_CODE_LEN, code=True)
            text = self.text(
                g.text, child(here, "text"), required=True, free_text=True, max_len=v.MAX_GOAL_TEXT_LEN
            )
            baseline = self.whole(g.baseline_gas, child(here, "baseline_gas"), v.GAS)
            if gid is None:
                complete = False
            else:
                self.add(child(here, "id"), goal_id_twice_problem(gid, ids))
            if gid is not None and text is not None:
                out.append(Goal(id=gid, text=text, baseline_gas=baseline))
        known = ids if complete else None
        return (tuple(out) if len(self.problems) == before else None), known

    def days(
        self, days: Sequence[Day], path: str, goal_ids: set[str] | None, started: date
    ) -> tuple[Day, ...] | None:
        if not days:
            self.add(path, "the trial needs at least one day: add day 1 with its date")
            return None
        out: list[Day] = []
        ok = True
        previous: date | None = None
        for index, d in enumerate(days):
            here = item(path, index)
            day = self.day(d, here, goal_ids, index)
            if day is None:
                ok, previous = False, None
                continue
            self.problems += day_problems(here, day, index, previous, started)
            previous = day.date
            out.append(day)
        return tuple(out) if ok else None

    def day(self, d: Day, path: str, goal_ids: set[str] | None, index: int) -> Day | None:
        number = self.whole(d.day, child(path, "day"), v.DAY_NUMBER, required=True)
        on = self.day_of(d.date, child(path, "date"))
        self.day_date = on
        assessments = self.entries(
            d.assessments, child(path, "assessments"), lambda a, p: self.assessment(a, p, goal_ids)
        )
        day = number or index + 1
        doses = self.entries(d.doses, child(path, "doses"), lambda x, p: self.dose(x, p, day))
        events = self.entries(d.adverse_events, child(path, "adverse_events"), self.adverse_event)
        self.day_date = None
        plan = None if d.plan is None else self.plan(d.plan, child(path, "plan"))
        if number is None or assessments is None or doses is None or events is None:
            return None
        return Day(
            day=number, date=on, assessments=assessments, doses=doses, adverse_events=events, plan=plan
        )

    def entries(
        self, records: Sequence[_R], path: str, judge: Callable[[_R, str], _R | None]
    ) -> tuple[_R, ...] | None:
        out = [judge(r, item(path, i)) for i, r in enumerate(records)]
        kept = [r for r in out if r is not None]
        return tuple(kept) if len(kept) == len(out) else None

    # -- an assessment -------------------------------------------------------------------------

    def assessment(self, a: Assessment, path: str, goal_ids: set[str] | None) -> Assessment | None:
        before = len(self.problems)
        kind = self.code(a.kind, child(path, "kind"), v.ASSESSMENT_KINDS, "an assessment kind", required=True)
        at = self.moment(a.at, child(path, "at"))
        if kind == "baseline":
            self.baseline_time(child(path, "at"))
        assessor = self.text(a.assessor, child(path, "assessor"))
        mas = self.mas(a.mas, child(path, "mas"))
        tardieu = self.tardieu(a.tardieu, child(path, "tardieu"))
        rom = self.rom(a.rom, child(path, "rom"))
        function = None if a.function is None else self.function(a.function, child(path, "function"))
        penn_f = self.whole(a.penn_frequency, child(path, "penn_frequency"), v.PENN_FREQUENCY)
        penn_s = self.whole(a.penn_severity, child(path, "penn_severity"), v.PENN_SEVERITY)
        self.add(child(path, "penn_severity"), penn_problem(penn_f, penn_s, a.penn_frequency is not None))
        pain = None if a.pain is None else self.pain(a.pain, child(path, "pain"))
        umss = self.whole(a.sedation_umss, child(path, "sedation_umss"), v.SEDATION_UMSS)
        vitals = None if a.vitals is None else self.vitals(a.vitals, child(path, "vitals"))
        goals = self.goal_scores(a.goals, child(path, "goals"), goal_ids)
        notes = self.text(a.notes, child(path, "notes"), free_text=True)
        if len(self.problems) != before or kind is None or at is None:
            return None
        return Assessment(
            kind=kind,
            at=at,
            assessor=assessor,
            mas=mas,
            tardieu=tardieu,
            rom=rom,
            function=function,
            penn_frequency=penn_f,
            penn_severity=penn_s,
            pain=pain,
            sedation_umss=umss,
            vitals=vitals,
            goals=goals,
            notes=notes,
        )

    def muscle_side(
        self, muscle: str, side: str, path: str, seen: dict[tuple[str, str], str], what: str
    ) -> tuple[str, str] | None:
        m = self.code(muscle, child(path, "muscle"), v.MUSCLES, "a muscle code (RULES.md R2)", required=True)
        s = self.code(side, child(path, "side"), v.SIDES, "a side", required=True)
        if m is None or s is None:
            return None
        self.add(path, repeated_entry_problem((m, s), path, seen, what))
        return m, s

    def mas(self, entries: Sequence[MasEntry], path: str) -> tuple[MasEntry, ...]:
        out: list[MasEntry] = []
        seen: dict[tuple[str, str], str] = {}
        for i, e in enumerate(entries):
            here = item(path, i)
            key = self.muscle_side(e.muscle, e.side, here, seen, "MAS grades")
            grade, problem = check_grade(e.grade)
            self.add(child(here, "grade"), problem)
            if key is not None and grade is not None:
                out.append(MasEntry(muscle=key[0], side=key[1], grade=grade))
        return tuple(out)

    def tardieu(self, entries: Sequence[TardieuEntry], path: str) -> tuple[TardieuEntry, ...]:
        out: list[TardieuEntry] = []
        seen: dict[tuple[str, str], str] = {}
        for i, e in enumerate(entries):
            here = item(path, i)
            key = self.muscle_side(e.muscle, e.side, here, seen, "Tardieu entries")
            r1 = self.number(e.r1_deg, child(here, "r1_deg"), v.DEGREES)
            r2 = self.number(e.r2_deg, child(here, "r2_deg"), v.DEGREES)
            quality = self.whole(e.quality, child(here, "quality"), v.TARDIEU_QUALITY)
            if key is not None:
                out.append(TardieuEntry(muscle=key[0], side=key[1], r1_deg=r1, r2_deg=r2, quality=quality))
        return tuple(out)

    def rom(self, entries: Sequence[RomEntry], path: str) -> tuple[RomEntry, ...]:
        out: list[RomEntry] = []
        seen: dict[tuple[str, str], str] = {}
        for i, e in enumerate(entries):
            here = item(path, i)
            measure = self.code(
                e.measure, child(here, "measure"), v.ROM_CODES, "a range-of-motion measure", required=True
            )
            side = self.code(e.side, child(here, "side"), v.SIDES, "a side", required=True)
            deg = self.number(e.deg, child(here, "deg"), v.DEGREES, required=True)
            if measure is None or side is None or deg is None:
                continue
            if not self.add(here, repeated_measure_problem((measure, side), here, seen)):
                out.append(RomEntry(measure=measure, side=side, deg=deg))
        return tuple(out)

    def function(self, f: Function, path: str) -> Function:
        return Function(
            fms_5m=self.code(f.fms_5m, child(path, "fms_5m"), v.FMS_5M, "a 5 m FMS rating"),
            fms_50m=self.code(
                f.fms_50m, child(path, "fms_50m"), v.FMS_LONG, "a 50 m FMS rating (C is for 5 m only)"
            ),
            fms_500m=self.code(
                f.fms_500m, child(path, "fms_500m"), v.FMS_LONG, "a 500 m FMS rating (C is for 5 m only)"
            ),
            ten_m_walk_s=self.number(f.ten_m_walk_s, child(path, "ten_m_walk_s"), v.WALK_SECONDS),
            tug_s=self.number(f.tug_s, child(path, "tug_s"), v.WALK_SECONDS),
            six_min_walk_m=self.number(f.six_min_walk_m, child(path, "six_min_walk_m"), v.SIX_MIN_WALK_M),
            gait_notes=self.text(f.gait_notes, child(path, "gait_notes"), free_text=True),
        )

    def pain(self, p: Pain, path: str) -> Pain | None:
        scale = self.code(p.scale, child(path, "scale"), tuple(v.PAIN_SCORES), "a pain scale", required=True)
        score = self.whole(p.score, child(path, "score"), v.PAIN_SCORE, required=True)
        if score is None or self.add(child(path, "score"), pain_score_problem(scale, score)) or scale is None:
            return None
        return Pain(scale=scale, score=score)

    def vitals(self, x: Vitals, path: str) -> Vitals:
        values = {key: self.number(getattr(x, key), child(path, key), rng) for key, rng in v.VITALS.items()}
        self.add(child(path, "dbp"), blood_pressure_problem(values["sbp"], values["dbp"]))
        return Vitals(**values)

    def goal_scores(
        self, scores: Sequence[GoalScore], path: str, goal_ids: set[str] | None
    ) -> tuple[GoalScore, ...]:
        out: list[GoalScore] = []
        seen: set[str] = set()
        for i, g in enumerate(scores):
            here = item(path, i)
            gid = self.text(g.id, child(here, "id"), required=True, max_len=v.MAX_CODE_LEN, code=True)
            gas = self.whole(g.gas, child(here, "gas"), v.GAS, required=True)
            if gid is not None:
                self.add(child(here, "id"), goal_score_problem(gid, goal_ids, seen))
            if gid is not None and gas is not None:
                out.append(GoalScore(id=gid, gas=gas))
        return tuple(out)

    # -- doses, events, plans, the decision ----------------------------------------------------

    def dose(self, x: Dose, path: str, day: int) -> Dose | None:
        before = len(self.problems)
        given_at = self.moment(x.given_at, child(path, "given_at"))
        dose_mcg = self.whole(x.dose_mcg, child(path, "dose_mcg"), v.DOSE_MCG, required=True)
        concentration = self.whole(
            x.concentration_mcg_per_ml,
            child(path, "concentration_mcg_per_ml"),
            v.CONCENTRATION_MCG_PER_ML,
            required=True,
        )
        volume = self.number(x.volume_ml, child(path, "volume_ml"), v.VOLUME_ML, required=True)
        via = self.code(x.via, child(path, "via"), v.CATHETER_METHODS, "a route")
        lot = self.text(x.lot, child(path, "lot"), max_len=v.MAX_CODE_LEN)
        given_by = self.text(x.given_by, child(path, "given_by"))
        checked_by = self.text(x.checked_by, child(path, "checked_by"))
        acks_path = child(path, "warnings_acknowledged")
        acks = self.entries(x.warnings_acknowledged, acks_path, self.acknowledged)
        if acks is not None:
            first: dict[str, int] = {}
            for i, ack in enumerate(acks):
                self.add(item(acks_path, i), ack_twice_problem(ack.code, first.get(ack.code)))
                first.setdefault(ack.code, i)
        if len(self.problems) != before or given_at is None or acks is None:
            return None
        assert dose_mcg is not None and concentration is not None and volume is not None
        record = Dose(
            given_at=given_at,
            dose_mcg=dose_mcg,
            concentration_mcg_per_ml=concentration,
            volume_ml=volume,
            via=via,
            lot=lot,
            given_by=given_by,
            checked_by=checked_by,
            warnings_acknowledged=acks,
        )
        self.found.doses.append(DoseRef(path, day, len(self.found.doses), record))
        return record

    def acknowledged(self, w: AcknowledgedWarning, path: str) -> AcknowledgedWarning | None:
        code = self.text(w.code, child(path, "code"), required=True, max_len=v.MAX_CODE_LEN, code=True)
        reason = self.text(
            w.reason, child(path, "reason"), required=True, free_text=True, max_len=v.MAX_ACK_REASON_LEN
        )
        by = self.text(w.by, child(path, "by"))
        if code is None or reason is None:
            return None
        return AcknowledgedWarning(code=code, reason=reason, by=by)

    def adverse_event(self, e: AdverseEvent, path: str) -> AdverseEvent | None:
        before = len(self.problems)
        at = self.moment(e.at, child(path, "at"))
        kind = self.code(
            e.kind, child(path, "kind"), v.ADVERSE_EVENT_KINDS, "an adverse event kind", required=True
        )
        severity = self.code(e.severity, child(path, "severity"), v.SEVERITIES, "a severity", required=True)
        notes = self.text(e.notes, child(path, "notes"), free_text=True)
        action = self.text(e.action, child(path, "action"), free_text=True)
        if len(self.problems) != before or at is None or kind is None or severity is None:
            return None
        return AdverseEvent(at=at, kind=kind, severity=severity, notes=notes, action=action)

    def plan(self, p: DayPlan, path: str) -> DayPlan:
        return DayPlan(
            next_dose_mcg=self.whole(p.next_dose_mcg, child(path, "next_dose_mcg"), v.NEXT_DOSE_MCG),
            decided_by=self.names(p.decided_by, child(path, "decided_by"), "who took part in the decision"),
            reason=self.text(p.reason, child(path, "reason"), free_text=True),
            notes=self.text(p.notes, child(path, "notes"), free_text=True),
        )

    def decision(self, d: Decision, path: str) -> Decision | None:
        outcome = self.code(
            d.outcome, child(path, "outcome"), v.OUTCOMES, "a decision outcome", required=True
        )
        decided_at = None if d.decided_at is None else self.moment(d.decided_at, child(path, "decided_at"))
        decided_by = self.text(d.decided_by, child(path, "decided_by"))
        rationale = self.text(d.rationale, child(path, "rationale"), free_text=True)
        daily = self.whole(d.initial_daily_dose_mcg, child(path, "initial_daily_dose_mcg"), v.DAILY_DOSE_MCG)
        if outcome is None:
            return None
        return Decision(
            outcome=outcome,
            decided_at=decided_at,
            decided_by=decided_by,
            rationale=rationale,
            initial_daily_dose_mcg=daily,
        )


# --------------------------------------------------------------------------------------------------
# Planned days
# --------------------------------------------------------------------------------------------------


def is_empty_day(day: Day) -> bool:
    """Nothing recorded on the day: no assessment, dose, adverse event or plan."""
    return not (day.assessments or day.doses or day.adverse_events or day.plan)


def recorded_day_count(days: Sequence[tuple[date, bool]], now: datetime | None) -> int:
    """How many of a trial's days, (date, holds a record) in order, are records; the rest are planned.

    Planned days are the last days dated after today with nothing recorded yet; day 1 always counts.
    """
    today = (now or datetime.now()).date()
    keep = len(days)
    while keep > 1 and days[keep - 1][0] > today and not days[keep - 1][1]:
        keep -= 1
    return keep


def split_planned_days(doc: TrialDocument, now: datetime | None) -> tuple[TrialDocument, tuple[Day, ...]]:
    """The document without its planned days (after today, still empty), and those days.

    Day 1 always stays (a trial has at least one day), so a trial dated in the future is still refused.
    """
    days = doc.trial.days
    keep = recorded_day_count([(d.date, not is_empty_day(d)) for d in days], now)
    return replace(doc, trial=replace(doc.trial, days=days[:keep])), days[keep:]


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def validate_document(doc: TrialDocument, *, now: datetime | None = None) -> TrialDocument:
    """The trial as it will be stored (text trimmed, blank text absent, times to the minute), or
    :class:`RecordsInvalid` listing every problem, in record order.

    Days planned ahead (dated after today, nothing recorded yet) are plans, not records: the rules
    apply to them once something is recorded on them, and they come back as they are. The settings
    come back as the trial has them.
    """
    when = now if now is not None else datetime.now()
    recorded, planned = split_planned_days(doc, when)
    judge = _Judge()
    tidy = judge.document(recorded)
    judge.problems += cross_checks(
        judge.found,
        recorded.patient.birth_date,
        recorded.trial.started_on,
        now=when,
        max_dose_mcg=doc.trial.settings.max_dose_mcg,
    )
    if judge.problems or tidy is None:
        raise RecordsInvalid(judge.problems or [Problem("$", "the trial could not be read")])
    return replace(
        tidy, trial=replace(tidy.trial, settings=doc.trial.settings, days=tidy.trial.days + planned)
    )


@dataclass(frozen=True)
class TrialContext:
    """What the rules of a new assessment read of its (valid, stored) trial, and where it goes.

    ``day_index`` and ``index`` are positions from 0 in the trial's days and in that day's assessments
    (the new assessment comes last). ``newly_recorded_days`` lists (position, date) of the days this
    assessment turns from planned ahead into recorded, so that their dates must not be in the future.
    """

    day_index: int
    day_date: date
    index: int
    placed_at: datetime
    goal_ids: frozenset[str]
    newly_recorded_days: tuple[tuple[int, date], ...] = ()


def validate_new_assessment(
    assessment: Assessment, context: TrialContext, *, now: datetime | None = None
) -> Assessment:
    """One assessment added to a valid trial, as :func:`validate_document` would store it; or
    :class:`RecordsInvalid` with the problems (paths and words) the whole trial would give.

    The rest of the trial is valid already (every write is judged), so only the rules that concern the
    assessment run: its values, goal scores for the trial's goals, its time against the catheter
    placement (and its offset convention), its day's date and now, and the dates of the days it brings
    into the record. The trial is not read again.
    """
    judge = _Judge()
    days = "$.trial.days"
    for day_index, on in context.newly_recorded_days:
        judge.found.dates.append((child(item(days, day_index), "date"), on))
    judge.found.placed_at = context.placed_at
    judge.day_date = context.day_date
    path = item(child(item(days, context.day_index), "assessments"), context.index)
    record = judge.assessment(assessment, path, set(context.goal_ids))
    judge.day_date = None
    when = now if now is not None else datetime.now()
    judge.problems += cross_checks(
        judge.found, None, None, now=when, max_dose_mcg=dosing.DEFAULT_MAX_DOSE_MCG
    )
    if judge.problems or record is None:
        raise RecordsInvalid(judge.problems or [Problem(path, "the assessment could not be read")])
    return record
