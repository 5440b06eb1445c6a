"""Reading an ``itb-trial/1`` document: its JSON shape, then the record rules.

This module knows the format's shape only: which values are objects, lists, text, numbers, dates and
times, and the JSON paths where problems are reported (:mod:`trialapp.interchange.trial_json_values`).
What a value must be (codes, ranges, text) and the rules across records (days, times, doses, goals)
are the domain's (:mod:`trialapp.domain.value_rules`, :mod:`trialapp.domain.validation`): the reader
hands them each value once its JSON type is right, and gathers what the rules across the document
read. Records mirror the format key for key, so the domain's record paths are the document's JSON
paths.

Pure Python: no SQL, no Qt, no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from trialapp.domain import vocabulary as v
from trialapp.domain.records import (
    FORMAT_ID,
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
    RomEntry,
    TardieuEntry,
    Trial,
    TrialDocument,
    Vitals,
)
from trialapp.domain.validation import (
    DoseRef,
    Problem,
    cross_checks,
    day_problems,
    settings_read,
)
from trialapp.domain.value_rules import (
    ack_twice_problem,
    blood_pressure_problem,
    check_grade,
    goal_count_problem,
    goal_id_twice_problem,
    goal_score_problem,
    pain_score_problem,
    penn_problem,
    repeated_entry_problem,
    repeated_measure_problem,
    schedule_order_problem,
    show,
)
from trialapp.interchange.trial_json_values import JsonValues, child, is_number, item, type_name

__all__ = ["read_document"]


class _Reader(JsonValues):
    """Reads a decoded document object by object, in document order."""

    def __init__(self, max_dose_mcg: int) -> None:
        super().__init__()
        self.max_dose_mcg = max_dose_mcg

    def document(self, data: object) -> tuple[Patient | None, Trial | None]:
        if not isinstance(data, dict):
            self.add(
                "$",
                "the document must be a JSON object {…} with the keys format, patient and trial; found "
                f"{type_name(data)}",
            )
            return None, None
        d = self.obj(data, "$", "document")
        assert d is not None
        fmt = d.get("format")
        if fmt is None:
            self.missing("$", "format")
        elif not isinstance(fmt, str) or fmt.strip() != FORMAT_ID:
            newer = isinstance(fmt, str) and fmt.strip().startswith("itb-trial/")
            hint = " (a different version of the format: export it again as itb-trial/1)" if newer else ""
            self.add(
                "$.format", f'must be "{FORMAT_ID}"; found {show(fmt)}{hint}. Write "format": "{FORMAT_ID}"'
            )
        patient = self.sub(d, "patient", "$", self.patient, required=True)
        trial = self.sub(d, "trial", "$", self.trial, required=True)
        return patient, trial

    def patient(self, raw: object, path: str) -> Patient | None:
        p = self.obj(raw, path, "patient")
        if p is None:
            return None
        mrn = self.text(p, "mrn", path, required=True, max_len=v.MAX_CODE_LEN, code=True)
        given = self.text(p, "given_name", path)
        family = self.text(p, "family_name", path)
        birth = self.date_key(p, "birth_date", path, required=True)
        sex = self.enum(p, "sex", path, v.SEXES, what="a sex code")
        weight = self.number(p, "weight_kg", path, v.WEIGHT_KG)
        height = self.number(p, "height_cm", path, v.HEIGHT_CM)
        gmfcs = self.integer(p, "gmfcs_level", path, v.GMFCS_LEVEL)
        diagnosis = self.text(p, "diagnosis", path, free_text=True)
        tone = self.enum(p, "tone_pattern", path, v.TONE_PATTERNS, what="a tone pattern")
        allergies = self.names(p, "allergies", path, "the allergy")
        language = self.enum(p, "language", path, v.LANGUAGES, what="a supported language")
        if mrn is None or birth is None:
            return None
        return Patient(
            mrn=mrn,
            birth_date=birth,
            given_name=given,
            family_name=family,
            sex=sex,
            weight_kg=weight,
            height_cm=height,
            gmfcs_level=gmfcs,
            diagnosis=diagnosis,
            tone_pattern=tone,
            allergies=allergies,
            language=language,
        )

    def trial(self, raw: object, path: str) -> Trial | None:
        t = self.obj(raw, path, "trial")
        if t is None:
            return None
        started = self.date_key(t, "started_on", path, required=True)
        mode = self.enum(t, "mode", path, v.MODES, what="a trial mode")
        ladder = self.enum(t, "ladder", path, v.LADDERS, what="a dose ladder")
        coding = self.enum(t, "mas_coding", path, v.MAS_CODINGS, what="a MAS coding")
        region = self.enum(t, "region", path, v.REGIONS, what="a region")
        threshold = self.number(t, "threshold", path, v.THRESHOLD)
        schedule = self.schedule(t, path)
        # Revision 2: the protocol values frozen on the trial travel with it (absent: the defaults).
        max_dose = self.integer(t, "max_dose_mcg", path, v.MAX_DOSE_MCG)
        late = self.integer(t, "late_after_minutes", path, v.LATE_AFTER_MINUTES)
        settings = settings_read(
            mode,
            ladder,
            coding,
            region,
            threshold,
            schedule,
            max_dose if max_dose is not None else self.max_dose_mcg,
            late,
        )
        self.found.settings = settings
        catheter = self.sub(t, "catheter", path, self.catheter, required=True)
        goals, goal_ids = self.goals(t, path)
        days = self.days(t, path, goal_ids, started)
        decision = self.sub(t, "decision", path, self.decision)
        if started is None or catheter is None or goals is None or days is None:
            return None
        return Trial(
            started_on=started,
            catheter=catheter,
            settings=settings,
            goals=goals,
            days=days,
            decision=decision,
        )

    def schedule(self, t: Mapping[str, object], path: str) -> tuple[float, ...] | None:
        raw = t.get("schedule_hours")
        if raw is None:
            return None
        before = len(self.problems)
        hours: list[float] = []
        previous: float | None = None
        for value_raw, item_path in self.items(t, "schedule_hours", path):
            value = self.number_value(value_raw, item_path, v.SCHEDULE_HOURS)
            if value is None:
                if value_raw is None:
                    self.add(
                        item_path, "is null: write the hours after the dose (e.g. 4) or remove the entry"
                    )
                continue
            self.add(item_path, schedule_order_problem(value, previous))
            previous = value
            hours.append(value)
        if len(self.problems) != before or not isinstance(raw, list):
            return None
        return tuple(hours)

    def catheter(self, raw: object, path: str) -> Catheter | None:
        c = self.obj(raw, path, "catheter")
        if c is None:
            return None
        placed = self.time_key(c, "placed_at", path, required=True)
        method = self.enum(c, "method", path, v.CATHETER_METHODS, required=True, what="a method")
        level = self.text(c, "level", path, max_len=v.MAX_CODE_LEN)
        if placed is None or method is None:
            return None
        self.found.placed_at = placed
        return Catheter(placed_at=placed, method=method, level=level)

    def goals(self, t: Mapping[str, object], path: str) -> tuple[tuple[Goal, ...] | None, set[str] | None]:
        """The trial's goals, and their ids (None when the goals could not be read, to skip checks)."""
        items = self.items(t, "goals", path)
        before = len(self.problems)
        self.add(child(path, "goals"), goal_count_problem(len(items)))
        goals: list[Goal] = []
        ids: set[str] = set()
        ids_complete = True
        for raw, here in items:
            g = self.obj(raw, here, "goal")
            if g is None:
                if raw is None:
                    self.add(here, "is null: write the goal or remove the entry")
                ids_complete = False
                continue
            gid = self.text(g, "id", here, required=True, max_len=v.MAX_CODE_LEN, code=True)
            text = self.text(g, "text", here, required=True, free_text=True, max_len=v.MAX_GOAL_TEXT_LEN)
            baseline = self.integer(g, "baseline_gas", here, v.GAS)
            if gid is None:
                ids_complete = False
            else:
                self.add(child(here, "id"), goal_id_twice_problem(gid, ids))
            if gid is not None and text is not None:
                goals.append(Goal(id=gid, text=text, baseline_gas=baseline))
        # Goal scores are checked against the ids only when every goal's id could be read.
        known = ids if ids_complete and isinstance(t.get("goals", []), list | None) else None
        if len(self.problems) != before:
            return None, known
        return tuple(goals), known

    def days(
        self, t: Mapping[str, object], path: str, goal_ids: set[str] | None, started: date | None
    ) -> tuple[Day, ...] | None:
        here = child(path, "days")
        raw = t.get("days")
        if raw is None:
            self.missing(path, "days")
            return None
        items = self.items(t, "days", path)
        if isinstance(raw, list) and not raw:
            self.add(here, "the trial needs at least one day: add day 1 with its date")
            return None
        out: list[Day] = []
        ok = isinstance(raw, list)
        previous_date: date | None = None
        for index, (day_raw, item_path) in enumerate(items):
            day = self.day(day_raw, item_path, goal_ids, index)
            if day is None:
                ok = False
                previous_date = None
                continue
            self.problems += day_problems(item_path, day, index, previous_date, started)
            previous_date = day.date
            out.append(day)
        return tuple(out) if ok else None

    def day(self, raw: object, path: str, goal_ids: set[str] | None, index: int) -> Day | None:
        if raw is None:
            self.add(path, "is null: write the day's record or remove the entry")
            return None
        d = self.obj(raw, path, "day")
        if d is None:
            return None
        number = self.integer(d, "day", path, v.DAY_NUMBER, required=True)
        on = self.date_key(d, "date", path, required=True)
        self.day_date = on
        assessments = self.list_of(d, "assessments", path, lambda r, p: self.assessment(r, p, goal_ids))
        doses = self.list_of(d, "doses", path, lambda r, p: self.dose(r, p, number or index + 1))
        events = self.list_of(d, "adverse_events", path, self.adverse_event)
        self.day_date = None
        plan = self.sub(d, "plan", path, self.plan)
        if number is None or on is None or assessments is None or doses is None or events is None:
            return None
        return Day(
            day=number, date=on, assessments=assessments, doses=doses, adverse_events=events, plan=plan
        )

    # -- an assessment -----------------------------------------------------------------------------

    def assessment(self, raw: object, path: str, goal_ids: set[str] | None) -> Assessment | None:
        a = self.obj(raw, path, "assessment")
        if a is None:
            return None
        before = len(self.problems)
        kind = self.enum(a, "kind", path, v.ASSESSMENT_KINDS, required=True, what="an assessment kind")
        at = self.time_key(a, "at", path, required=True)
        if kind == "baseline":
            self.baseline_time(child(path, "at"))
        assessor = self.text(a, "assessor", path)
        mas = self.mas(a, path)
        tardieu = self.tardieu(a, path)
        rom = self.rom(a, path)
        function = self.sub(a, "function", path, self.function)
        penn_f = self.integer(a, "penn_frequency", path, v.PENN_FREQUENCY)
        penn_s = self.integer(a, "penn_severity", path, v.PENN_SEVERITY)
        self.add(
            child(path, "penn_severity"), penn_problem(penn_f, penn_s, a.get("penn_frequency") is not None)
        )
        pain = self.sub(a, "pain", path, self.pain)
        umss = self.integer(a, "sedation_umss", path, v.SEDATION_UMSS)
        vitals = self.sub(a, "vitals", path, self.vitals)
        goals = self.goal_scores(a, path, goal_ids)
        notes = self.text(a, "notes", path, free_text=True)
        if len(self.problems) != before or kind is None or at is None:
            return None
        assert mas is not None and tardieu is not None and rom is not None and goals is not None
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

    def entry(self, raw: object, path: str, kind: str) -> dict[str, object] | None:
        """An entry of a list of an assessment as an object; a null entry is reported."""
        e = self.obj(raw, path, kind)
        if e is None and raw is None:
            self.add(path, "is null: remove the entry")
        return e

    def muscle_side(
        self, e: Mapping[str, object], path: str, seen: dict[tuple[str, str], str], what: str
    ) -> tuple[str, str] | None:
        muscle = self.enum(e, "muscle", path, v.MUSCLES, required=True, what="a muscle code (RULES.md R2)")
        side = self.enum(e, "side", path, v.SIDES, required=True, what="a side")
        if muscle is None or side is None:
            return None
        self.add(path, repeated_entry_problem((muscle, side), path, seen, what))
        return muscle, side

    def mas(self, a: Mapping[str, object], path: str) -> tuple[MasEntry, ...] | None:
        out: list[MasEntry] = []
        seen: dict[tuple[str, str], str] = {}
        ok = True
        for raw, here in self.items(a, "mas", path):
            e = self.entry(raw, here, "mas")
            key = None if e is None else self.muscle_side(e, here, seen, "MAS grades")
            grade = None if e is None else self.mas_grade(e, here)
            if key is None or grade is None:
                ok = False
                continue
            out.append(MasEntry(muscle=key[0], side=key[1], grade=grade))
        return tuple(out) if ok else None

    def mas_grade(self, e: Mapping[str, object], path: str) -> str | None:
        raw = e.get("grade")
        here = child(path, "grade")
        if raw is None:
            self.missing(path, "grade")
            return None
        if is_number(raw):
            grade, problem = check_grade(show(raw))
            self.add(
                here,
                problem
                or f'write the grade as text, in quotes: "{grade}" (grades are 0, 1, 1+, 2, 3, 4 or NT, not numbers)',
            )
            return None
        if not isinstance(raw, str):
            self.add(
                here,
                f'must be a grade in quotes: "0", "1", "1+", "2", "3", "4" or "NT"; found {type_name(raw)}',
            )
            return None
        grade, problem = check_grade(raw)
        self.add(here, problem)
        return grade

    def tardieu(self, a: Mapping[str, object], path: str) -> tuple[TardieuEntry, ...] | None:
        out: list[TardieuEntry] = []
        seen: dict[tuple[str, str], str] = {}
        ok = True
        for raw, here in self.items(a, "tardieu", path):
            e = self.entry(raw, here, "tardieu")
            if e is None:
                ok = False
                continue
            before = len(self.problems)
            key = self.muscle_side(e, here, seen, "Tardieu entries")
            r1 = self.number(e, "r1_deg", here, v.DEGREES)
            r2 = self.number(e, "r2_deg", here, v.DEGREES)
            quality = self.integer(e, "quality", here, v.TARDIEU_QUALITY)
            if key is None or len(self.problems) != before:
                ok = False
                continue
            out.append(TardieuEntry(muscle=key[0], side=key[1], r1_deg=r1, r2_deg=r2, quality=quality))
        return tuple(out) if ok else None

    def rom(self, a: Mapping[str, object], path: str) -> tuple[RomEntry, ...] | None:
        out: list[RomEntry] = []
        seen: dict[tuple[str, str], str] = {}
        ok = True
        for raw, here in self.items(a, "rom", path):
            e = self.entry(raw, here, "rom")
            if e is None:
                ok = False
                continue
            measure = self.enum(
                e, "measure", here, v.ROM_CODES, required=True, what="a range-of-motion measure"
            )
            side = self.enum(e, "side", here, v.SIDES, required=True, what="a side")
            deg = self.number(e, "deg", here, v.DEGREES, required=True)
            if measure is None or side is None or deg is None:
                ok = False
                continue
            if self.add(here, repeated_measure_problem((measure, side), here, seen)):
                ok = False
                continue
            out.append(RomEntry(measure=measure, side=side, deg=deg))
        return tuple(out) if ok else None

    def function(self, raw: object, path: str) -> Function | None:
        f = self.obj(raw, path, "function")
        if f is None:
            return None
        return Function(
            fms_5m=self.enum(f, "fms_5m", path, v.FMS_5M, what="a 5 m FMS rating"),
            fms_50m=self.enum(f, "fms_50m", path, v.FMS_LONG, what="a 50 m FMS rating (C is for 5 m only)"),
            fms_500m=self.enum(
                f, "fms_500m", path, v.FMS_LONG, what="a 500 m FMS rating (C is for 5 m only)"
            ),
            ten_m_walk_s=self.number(f, "ten_m_walk_s", path, v.WALK_SECONDS),
            tug_s=self.number(f, "tug_s", path, v.WALK_SECONDS),
            six_min_walk_m=self.number(f, "six_min_walk_m", path, v.SIX_MIN_WALK_M),
            gait_notes=self.text(f, "gait_notes", path, free_text=True),
        )

    def pain(self, raw: object, path: str) -> Pain | None:
        p = self.obj(raw, path, "pain")
        if p is None:
            return None
        scale = self.enum(p, "scale", path, tuple(v.PAIN_SCORES), required=True, what="a pain scale")
        score = self.integer(p, "score", path, v.PAIN_SCORE, required=True)
        if score is not None and self.add(child(path, "score"), pain_score_problem(scale, score)):
            return None
        if scale is None or score is None:
            return None
        return Pain(scale=scale, score=score)

    def vitals(self, raw: object, path: str) -> Vitals | None:
        x = self.obj(raw, path, "vitals")
        if x is None:
            return None
        values = {key: self.number(x, key, path, rng) for key, rng in v.VITALS.items()}
        self.add(child(path, "dbp"), blood_pressure_problem(values["sbp"], values["dbp"]))
        return Vitals(**values)

    def goal_scores(
        self, a: Mapping[str, object], path: str, goal_ids: set[str] | None
    ) -> tuple[GoalScore, ...] | None:
        out: list[GoalScore] = []
        seen: set[str] = set()
        ok = True
        for raw, here in self.items(a, "goals", path):
            g = self.entry(raw, here, "goal_score")
            if g is None:
                ok = False
                continue
            gid = self.text(g, "id", here, required=True, max_len=v.MAX_CODE_LEN, code=True)
            gas = self.integer(g, "gas", here, v.GAS, required=True)
            if gid is not None:
                self.add(child(here, "id"), goal_score_problem(gid, goal_ids, seen))
            if gid is None or gas is None:
                ok = False
                continue
            out.append(GoalScore(id=gid, gas=gas))
        return tuple(out) if ok else None

    # -- doses, events, plans, the decision --------------------------------------------------------

    def dose(self, raw: object, path: str, day: int) -> Dose | None:
        d = self.obj(raw, path, "dose")
        if d is None:
            return None
        before = len(self.problems)
        given_at = self.time_key(d, "given_at", path, required=True)
        dose_mcg = self.integer(d, "dose_mcg", path, v.DOSE_MCG, required=True)
        concentration = self.integer(
            d, "concentration_mcg_per_ml", path, v.CONCENTRATION_MCG_PER_ML, required=True
        )
        volume = self.number(d, "volume_ml", path, v.VOLUME_ML, required=True)
        via = self.enum(d, "via", path, v.CATHETER_METHODS, what="a route")
        lot = self.text(d, "lot", path, max_len=v.MAX_CODE_LEN)
        given_by = self.text(d, "given_by", path)
        checked_by = self.text(d, "checked_by", path)
        acks = self.list_of(d, "warnings_acknowledged", path, self.acknowledged)
        if acks is not None:
            first: dict[str, int] = {}
            for i, ack in enumerate(acks):
                self.add(
                    item(child(path, "warnings_acknowledged"), i),
                    ack_twice_problem(ack.code, first.get(ack.code)),
                )
                first.setdefault(ack.code, i)
        if (
            len(self.problems) != before
            or given_at is None
            or dose_mcg is None
            or concentration is None
            or volume is None
            or acks is None
        ):
            return None
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

    def acknowledged(self, raw: object, path: str) -> AcknowledgedWarning | None:
        w = self.obj(raw, path, "warning_acknowledged")
        if w is None:
            return None
        code = self.text(w, "code", path, required=True, max_len=v.MAX_CODE_LEN, code=True)
        reason = self.text(w, "reason", path, required=True, free_text=True, max_len=v.MAX_ACK_REASON_LEN)
        by = self.text(w, "by", path)
        if code is None or reason is None:
            return None
        return AcknowledgedWarning(code=code, reason=reason, by=by)

    def adverse_event(self, raw: object, path: str) -> AdverseEvent | None:
        e = self.obj(raw, path, "adverse_event")
        if e is None:
            return None
        before = len(self.problems)
        at = self.time_key(e, "at", path, required=True)
        kind = self.enum(e, "kind", path, v.ADVERSE_EVENT_KINDS, required=True, what="an adverse event kind")
        severity = self.enum(e, "severity", path, v.SEVERITIES, required=True, what="a severity")
        notes = self.text(e, "notes", path, free_text=True)
        action = self.text(e, "action", path, free_text=True)
        if len(self.problems) != before or at is None or kind is None or severity is None:
            return None
        return AdverseEvent(at=at, kind=kind, severity=severity, notes=notes, action=action)

    def plan(self, raw: object, path: str) -> DayPlan | None:
        p = self.obj(raw, path, "plan")
        if p is None:
            return None
        return DayPlan(
            next_dose_mcg=self.integer(p, "next_dose_mcg", path, v.NEXT_DOSE_MCG),
            decided_by=self.names(p, "decided_by", path, "who took part in the decision"),
            reason=self.text(p, "reason", path, free_text=True),
            notes=self.text(p, "notes", path, free_text=True),
        )

    def decision(self, raw: object, path: str) -> Decision | None:
        d = self.obj(raw, path, "decision")
        if d is None:
            return None
        outcome = self.enum(d, "outcome", path, v.OUTCOMES, required=True, what="a decision outcome")
        decided_at = self.time_key(d, "decided_at", path)
        decided_by = self.text(d, "decided_by", path)
        rationale = self.text(d, "rationale", path, free_text=True)
        daily = self.integer(d, "initial_daily_dose_mcg", path, v.DAILY_DOSE_MCG)
        if outcome is None:
            return None
        return Decision(
            outcome=outcome,
            decided_at=decided_at,
            decided_by=decided_by,
            rationale=rationale,
            initial_daily_dose_mcg=daily,
        )


def read_document(
    data: object, *, now: datetime, max_dose_mcg: int
) -> tuple[TrialDocument | None, list[Problem]]:
    """A decoded document as records, and every problem found (JSON shape, values, rules across records),
    each at its JSON path, in document order; the records are None when there is any problem."""
    reader = _Reader(max_dose_mcg)
    patient, trial = reader.document(data)
    problems = reader.problems + cross_checks(
        reader.found,
        patient.birth_date if patient is not None else None,
        trial.started_on if trial is not None else None,
        now=now,
        max_dose_mcg=max_dose_mcg,
    )
    if problems or patient is None or trial is None:
        return None, problems
    return TrialDocument(patient=patient, trial=trial), problems
