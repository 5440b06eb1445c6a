"""FHIR R4 export of one trial: a ``collection`` Bundle (mapping in ``docs/fhir.md``).

The bundle is built as plain JSON data, then validated twice before anyone sees it: by the
``fhir.resources`` R4B models (the package's R4-compatible set; its default models are R5), and by
the export's own checks (:mod:`trialapp.interchange.fhir_checks`: codes, required bindings, references,
the dose), which check what the models do not.

Resource ids are UUIDs derived from the trial's id (or, de-identified, from the random study record
id) and the record's place in the trial, so exporting the same trial twice gives the same bundle.

Times: ``itb-trial/1`` times without an offset are local wall-clock times; FHIR needs an offset, so the
export reads them in ``tz`` (default: the machine's time zone). A de-identified bundle is written from a
:class:`~trialapp.interchange.deidentify.DeidentifiedTrial`, whose times lie on a fictitious timeline
(catheter placement = 2000-01-01T00:00:00+00:00); it has no name, MRN, birth date or note.

No SQL, no Qt, no files.
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

from trialapp.domain.dosing import format_concentration, format_dose, format_volume
from trialapp.domain.muscles import MUSCLE_LABELS
from trialapp.domain.records import Assessment, Day, Dose, TrialDocument
from trialapp.domain.response import (
    DayResponse,
    PairedChange,
    day_baseline,
    day_dose,
    day_reassessments,
    round2,
)
from trialapp.domain.summary import TrialSummary, summarize_trial
from trialapp.interchange import fhir_codes as c
from trialapp.interchange.deidentify import (
    FAMILY_LABEL,
    FAMILY_WORDS,
    DeidentifiedTrial,
    age_at_trial,
    elapsed,
)
from trialapp.interchange.fhir_checks import check_bundle

__all__ = [
    "FhirExportError",
    "deidentified_bundle",
    "dumps_bundle",
    "resource_counts",
    "trial_bundle",
    "validate_bundle",
]

_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, c.LOCAL_BASE)
_XHTML: Final = "http://www.w3.org/1999/xhtml"

JsonDict = dict[str, Any]


class FhirExportError(ValueError):
    """The bundle failed validation: an export bug, never the user's input. Lists every problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        shown = "\n".join(f"- {p}" for p in self.problems[:20])
        more = f"\n… and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(
            f"The FHIR bundle did not validate ({len(self.problems)} problem(s)):\n{shown}{more}"
        )


# ------------------------------------------------------------------------------------------- builder


def _number(value: float | int) -> float | int:
    """Whole numbers as int, so that 20 is written 20, not 20.0."""
    return int(value) if float(value).is_integer() else value


def _quantity(value: float | int, unit_code: str) -> JsonDict:
    return {"value": _number(value), "unit": c.UNITS[unit_code], "system": c.UCUM, "code": unit_code}


def _narrative(lines: Sequence[str]) -> JsonDict:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return {"status": "additional", "div": f'<div xmlns="{_XHTML}">{body}</div>'}


def _notes(*texts: str | None) -> list[JsonDict]:
    return [{"text": t.strip()} for t in texts if t is not None and t.strip()]


class _Builder:
    """Builds one bundle. ``deid`` set means the document is already de-identified (scrubbed)."""

    def __init__(
        self,
        doc: TrialDocument,
        *,
        key: str,
        record_id: str,
        deid: DeidentifiedTrial | None,
        tz: tzinfo | None,
    ) -> None:
        self.doc = doc
        self.key = key
        self.record_id = record_id
        self.deid = deid
        self.tz = tz
        self.entries: list[JsonDict] = []
        self.summary: TrialSummary = summarize_trial(doc.trial)
        self.patient: JsonDict = {}
        self.encounters: dict[int, JsonDict] = {}
        self.dose_refs: dict[int, JsonDict] = {}  # id(Dose) -> reference
        self.panel_refs: dict[int, JsonDict] = {}  # id(Assessment) -> reference
        self.goal_refs: dict[str, JsonDict] = {}
        self.response_refs: list[JsonDict] = []

    # --- plumbing

    def uid(self, *parts: object) -> str:
        return str(uuid.uuid5(_NAMESPACE, "/".join([self.key, *(str(p) for p in parts)])))

    def add(self, resource: JsonDict, *key: object) -> JsonDict:
        """Append ``resource`` (its type first, then id and meta) and return a reference to it."""
        kind = resource.pop("resourceType")
        uid = self.uid(kind, *key)
        head: JsonDict = {"resourceType": kind, "id": uid}
        if self.deid is not None:
            head["meta"] = {"security": [c.PSEUDONYMIZED.coding()]}
        self.entries.append({"fullUrl": f"urn:uuid:{uid}", "resource": head | resource})
        return {"reference": f"urn:uuid:{uid}"}

    def time(self, t: datetime) -> str:
        if self.deid is not None:
            # The fictitious timeline of a de-identified trial: written as UTC, never a real time.
            return t.replace(tzinfo=UTC).isoformat(timespec="seconds")
        if t.tzinfo is None:
            t = t.replace(tzinfo=self.tz) if self.tz is not None else t.astimezone()
        return t.isoformat(timespec="seconds")

    def person(self, name: str | None) -> JsonDict | None:
        if name is None or not name.strip():
            return None
        if " ".join(name.split()).casefold() in FAMILY_WORDS:
            return {"type": "RelatedPerson", "display": FAMILY_LABEL if self.deid is not None else name}
        system = c.PSEUDONYM_SYSTEM if self.deid is not None else c.USERNAME_SYSTEM
        return {"type": "Practitioner", "identifier": {"system": system, "value": name}, "display": name}

    def notes(self, *texts: str | None) -> list[JsonDict]:
        # A scrubbed document has no notes; the guard keeps a future field from slipping through.
        return [] if self.deid is not None else _notes(*texts)

    def body_site(self, code: str, side: str, label: str) -> JsonDict:
        site: JsonDict = {}
        concept = c.BODY_SITES.get(code)
        if concept is not None:
            site["coding"] = [concept.coding()]
        site["text"] = f"{label}, {side}"
        laterality = c.LATERALITY.get(side)
        if laterality is not None:
            site["extension"] = [
                {"url": c.LATERALITY_EXTENSION, "valueCodeableConcept": laterality.concept()}
            ]
        return site

    def observation(
        self,
        code: JsonDict,
        key: Sequence[object],
        *,
        value: JsonDict | None = None,
        category: Sequence[c.Concept] = (),
        effective: datetime | None = None,
        encounter: JsonDict | None = None,
        performers: Sequence[JsonDict | None] = (),
        body_site: JsonDict | None = None,
        part_of: JsonDict | None = None,
        derived_from: Sequence[JsonDict] = (),
        focus: JsonDict | None = None,
        components: Sequence[JsonDict] = (),
        has_member: Sequence[JsonDict] = (),
        notes: Sequence[JsonDict] = (),
        absent: c.Concept | None = None,
    ) -> JsonDict:
        obs: JsonDict = {"resourceType": "Observation", "status": "final"}
        if part_of is not None:
            obs["partOf"] = [part_of]
        if category:
            obs["category"] = [x.concept() for x in category]  # one concept each: they are different things
        obs["code"] = code
        obs["subject"] = self.patient
        if focus is not None:
            obs["focus"] = [focus]
        if encounter is not None:
            obs["encounter"] = encounter
        if effective is not None:
            obs["effectiveDateTime"] = self.time(effective)
        people = [p for p in performers if p is not None]
        if people:
            obs["performer"] = people
        if value is not None:
            obs.update(value)
        elif not components and not has_member:
            obs["dataAbsentReason"] = (absent or c.UNKNOWN).concept()
        elif absent is not None:
            obs["dataAbsentReason"] = absent.concept()
        if notes:
            obs["note"] = list(notes)
        if body_site is not None:
            obs["bodySite"] = body_site
        if has_member:
            obs["hasMember"] = list(has_member)
        if derived_from:
            obs["derivedFrom"] = list(derived_from)
        if components:
            obs["component"] = list(components)
        return self.add(obs, *key)

    # --- resources

    def build(self, chain_head: str | None) -> JsonDict:
        doc = self.doc
        t = doc.trial
        self.patient = self.add_patient()
        condition = self.add_condition()
        episode = self.add_episode(condition)
        days = sorted(t.days, key=lambda d: d.day)
        for i, day in enumerate(days):
            self.encounters[day.day] = self.add_encounter(day, episode, last=i == len(days) - 1)
        placement_encounter = self.encounter_for_date(t.catheter.placed_at, days)
        self.add_procedure(placement_encounter)
        self.add_goals()
        for day in days:
            for j, dose in enumerate(day.doses):
                self.dose_refs[id(dose)] = self.add_dose(day, j, dose)
        self.add_patient_observations(placement_encounter)
        responses = {r.day: r for r in self.summary.days}
        for day in days:
            for j, assessment in enumerate(day.assessments):
                self.add_assessment(day, j, assessment)
            response = responses.get(day.day)
            if response is not None and response.dose_mcg is not None:
                self.add_day_response(day, response)
            if day.plan is not None:
                self.add_plan(day)
            for j, event in enumerate(day.adverse_events):
                self.add_adverse_event(day, j, event)
        self.add_decision(days)

        meta: JsonDict = {}
        if chain_head:
            meta["extension"] = [{"url": c.AUDIT_CHAIN_HEAD_EXTENSION, "valueString": chain_head}]
        if self.deid is not None:
            meta["security"] = [c.PSEUDONYMIZED.coding()]
        bundle: JsonDict = {"resourceType": "Bundle", "id": self.uid("Bundle")}
        if meta:
            bundle["meta"] = meta
        system = c.STUDY_RECORD_SYSTEM if self.deid is not None else c.TRIAL_ID_SYSTEM
        bundle["identifier"] = {"system": system, "value": self.record_id}
        bundle["type"] = "collection"
        bundle["entry"] = self.entries
        return bundle

    def add_patient(self) -> JsonDict:
        p = self.doc.patient
        patient: JsonDict = {"resourceType": "Patient"}
        if self.deid is not None:
            patient["identifier"] = [{"system": c.STUDY_ID_SYSTEM, "value": self.deid.study_id}]
        else:
            patient["identifier"] = [
                {"type": c.MEDICAL_RECORD_NUMBER.concept(), "system": c.MRN_SYSTEM, "value": p.mrn}
            ]
            if p.given_name or p.family_name:
                name: JsonDict = {"use": "official"}
                if p.family_name:
                    name["family"] = p.family_name
                if p.given_name:
                    name["given"] = [p.given_name]
                patient["name"] = [name]
        if p.sex:
            patient["gender"] = p.sex  # the format's codes are FHIR's administrative-gender codes
        if self.deid is None:
            patient["birthDate"] = p.birth_date.isoformat()
        if p.language:
            patient["communication"] = [
                {"language": {"coding": [{"system": c.BCP47, "code": p.language}]}, "preferred": True}
            ]
        return self.add(patient)

    def add_condition(self) -> JsonDict | None:
        p = self.doc.patient
        if self.deid is not None:
            is_cp, icd = self.deid.cerebral_palsy, self.deid.icd10
            text = None
        else:
            coded = c.classify_cerebral_palsy(p.diagnosis, p.tone_pattern)
            is_cp, icd = coded.cerebral_palsy, coded.icd10.code if coded.icd10 else None
            text = p.diagnosis
        codings = []
        if is_cp:
            codings.append(c.CEREBRAL_PALSY.coding())
        if icd is not None:
            codings.append(c.ICD10_CP[icd].coding())
        if not codings and not text:
            return None
        code: JsonDict = {}
        if codings:
            code["coding"] = codings
        code["text"] = text or (c.ICD10_CP[icd].display if icd else c.CEREBRAL_PALSY.display)
        return self.add(
            {
                "resourceType": "Condition",
                "clinicalStatus": c.CONDITION_ACTIVE.concept(),
                "verificationStatus": c.CONDITION_CONFIRMED.concept(),
                "category": [c.PROBLEM_LIST_ITEM.concept()],
                "code": code,
                "subject": self.patient,
            }
        )

    def add_episode(self, condition: JsonDict | None) -> JsonDict:
        t = self.doc.trial
        decided = t.decision is not None and t.decision.outcome != "undecided"
        system = c.STUDY_RECORD_SYSTEM if self.deid is not None else c.TRIAL_ID_SYSTEM
        period: JsonDict = {"start": self.time(t.catheter.placed_at)}
        if decided and t.decision is not None and t.decision.decided_at is not None:
            period["end"] = self.time(t.decision.decided_at)
        episode: JsonDict = {
            "resourceType": "EpisodeOfCare",
            "identifier": [{"system": system, "value": self.record_id}],
            "status": "finished" if decided else "active",
            "type": [c.CARE["itb-screening-trial"].concept()],
        }
        if condition is not None:
            episode["diagnosis"] = [{"condition": condition, "rank": 1}]
        episode["patient"] = self.patient
        episode["period"] = period
        return self.add(episode)

    def add_encounter(self, day: Day, episode: JsonDict, *, last: bool) -> JsonDict:
        t = self.doc.trial
        decided = t.decision is not None and t.decision.outcome != "undecided"
        times = (
            [a.at for a in day.assessments]
            + [x.given_at for x in day.doses]
            + [e.at for e in day.adverse_events]
        )
        if t.catheter.placed_at.date() == day.date:
            times.append(t.catheter.placed_at)
        encounter: JsonDict = {
            "resourceType": "Encounter",
            "status": "in-progress" if last and not decided else "finished",
            "class": c.INPATIENT_CLASS.coding(),
            "type": [c.CARE["itb-trial-day"].concept(f"ITB trial day {day.day}")],
            "subject": self.patient,
            "episodeOfCare": [episode],
        }
        if times:
            first = min(times, key=lambda x: elapsed(times[0], x))
            final = max(times, key=lambda x: elapsed(times[0], x))
            encounter["period"] = {"start": self.time(first), "end": self.time(final)}
        elif self.deid is None:
            encounter["period"] = {"start": day.date.isoformat()}
        return self.add(encounter, "day", day.day)

    def encounter_for_date(self, t: datetime, days: Sequence[Day]) -> JsonDict | None:
        for day in days:
            if day.date == t.date():
                return self.encounters[day.day]
        return self.encounters[days[0].day] if days else None

    def add_procedure(self, encounter: JsonDict | None) -> None:
        catheter = self.doc.trial.catheter
        concept = c.CARE.get(catheter.method, c.CARE["catheter"])
        procedure: JsonDict = {
            "resourceType": "Procedure",
            "status": "completed",
            "code": concept.concept(),
            "subject": self.patient,
        }
        if encounter is not None:
            procedure["encounter"] = encounter
        procedure["performedDateTime"] = self.time(catheter.placed_at)
        if catheter.level:
            procedure["bodySite"] = [{"text": f"lumbar spine, {catheter.level}"}]
        self.add(procedure)

    def add_goals(self) -> None:
        for i, goal in enumerate(self.doc.trial.goals, start=1):
            ref = self.add(
                {
                    "resourceType": "Goal",
                    "identifier": [{"system": f"{c.LOCAL_BASE}/NamingSystem/goal-id", "value": goal.id}],
                    "lifecycleStatus": "active",
                    "description": {"text": goal.text if self.deid is None else f"goal {i}"},
                    "subject": self.patient,
                    "expressedBy": {"type": "RelatedPerson", "display": FAMILY_LABEL},
                },
                "goal",
                i,
            )
            self.goal_refs[goal.id] = ref
            if goal.baseline_gas is not None:
                self.observation(
                    c.SCALES["gas-baseline"].concept(),
                    ("goal", i, "baseline-gas"),
                    value={"valueInteger": goal.baseline_gas},
                    category=(c.SURVEY_CATEGORY,),
                    focus=ref,
                )

    def add_dose(self, day: Day, index: int, dose: Dose) -> JsonDict:
        medication: JsonDict = {
            "resourceType": "Medication",
            "id": "baclofen",
            "code": c.BACLOFEN.concept("baclofen intrathecal injection"),
            "ingredient": [
                {
                    "itemCodeableConcept": c.BACLOFEN.concept(),
                    "strength": {
                        "numerator": _quantity(dose.concentration_mcg_per_ml, "ug"),
                        "denominator": _quantity(1, "mL"),
                    },
                }
            ],
        }
        if dose.lot and self.deid is None:
            medication["batch"] = {"lotNumber": dose.lot}
        administration: JsonDict = {"resourceType": "MedicationAdministration", "contained": [medication]}
        warnings = [
            {
                "url": c.DOSE_WARNING_EXTENSION,
                "valueCoding": c.DOSE_WARNINGS.get(w.code, c.DOSE_WARNINGS["other"]).coding(),
            }
            for w in dose.warnings_acknowledged
        ]
        if warnings:
            administration["extension"] = warnings
        administration["status"] = "completed"
        administration["medicationReference"] = {
            "reference": "#baclofen",
            "display": f"baclofen {format_concentration(dose.concentration_mcg_per_ml)}",
        }
        administration["subject"] = self.patient
        administration["context"] = self.encounters[day.day]
        administration["effectiveDateTime"] = self.time(dose.given_at)
        performers = []
        given_by = self.person(dose.given_by)
        if given_by is not None:
            performers.append({"function": c.PERFORMER.concept(), "actor": given_by})
        checked_by = self.person(dose.checked_by)
        if checked_by is not None:
            # The independent double check (ISMP): the second clinician who verified dose and strength.
            performers.append({"function": c.VERIFIER.concept(), "actor": checked_by})
        if performers:
            administration["performer"] = performers
        notes = self.notes(
            *(
                f"Warning acknowledged ({w.code}){' by ' + w.by if w.by else ''}: {w.reason}"
                for w in dose.warnings_acknowledged
            )
        )
        if notes:
            administration["note"] = notes
        administration["dosage"] = {
            "text": (
                f"{format_dose(dose.dose_mcg)} intrathecal bolus: {format_volume(dose.volume_ml)} of "
                f"{format_concentration(dose.concentration_mcg_per_ml)}"
            ),
            "route": c.INTRATHECAL_ROUTE.concept("intrathecal"),
            "dose": _quantity(dose.dose_mcg, "ug"),
        }
        return self.add(administration, "day", day.day, "dose", index)

    def add_patient_observations(self, encounter: JsonDict | None) -> None:
        p = self.doc.patient
        at = self.doc.trial.catheter.placed_at
        common: dict[str, Any] = {"effective": at, "encounter": encounter}
        if p.weight_kg is not None:
            self.observation(
                c.BODY_WEIGHT.concept(),
                ("weight",),
                value={"valueQuantity": _quantity(p.weight_kg, "kg")},
                category=(c.VITAL_SIGNS_CATEGORY,),
                **common,
            )
        if p.height_cm is not None:
            self.observation(
                c.BODY_HEIGHT.concept(),
                ("height",),
                value={"valueQuantity": _quantity(p.height_cm, "cm")},
                category=(c.VITAL_SIGNS_CATEGORY,),
                **common,
            )
        if p.gmfcs_level is not None:
            self.observation(
                c.SCALES["gmfcs"].concept(),
                ("gmfcs",),
                value={"valueInteger": p.gmfcs_level},
                category=(c.EXAM_CATEGORY,),
                **common,
            )
        if p.tone_pattern is not None and p.tone_pattern in c.TONE:
            self.observation(
                c.SCALES["tone-pattern"].concept(),
                ("tone",),
                value={"valueCodeableConcept": c.TONE[p.tone_pattern].concept()},
                category=(c.EXAM_CATEGORY,),
                **common,
            )
        if self.deid is not None:
            age: JsonDict = _quantity(self.deid.age_years, "a")
            if self.deid.age_over_89:
                age["comparator"] = ">="
            self.observation(
                c.SCALES["age-at-trial"].concept(), ("age",), value={"valueQuantity": age}, **common
            )
        elif p.birth_date <= at.date():
            self.observation(
                c.SCALES["age-at-trial"].concept(),
                ("age",),
                value={"valueQuantity": _quantity(age_at_trial(p.birth_date, at), "a")},
                **common,
            )

    def add_assessment(self, day: Day, index: int, a: Assessment) -> None:
        dose = day_dose(day)
        after_dose = any(x is a for x in day_reassessments(day))
        part_of = self.dose_refs.get(id(dose)) if after_dose and dose is not None else None
        common: dict[str, Any] = {
            "effective": a.at,
            "encounter": self.encounters[day.day],
            "performers": (self.person(a.assessor),),
            "part_of": part_of,
        }
        key = ("day", day.day, "assessment", index)
        members: list[JsonDict] = []

        for j, m in enumerate(a.mas):
            grade = c.MAS_GRADES.get(m.grade)
            members.append(
                self.observation(
                    {
                        "coding": [c.MAS_SNOMED.coding(), c.SCALES["mas"].coding()],
                        "text": "Modified Ashworth Scale",
                    },
                    (*key, "mas", j),
                    value=None if grade is None else {"valueCodeableConcept": grade.concept()},
                    absent=c.NOT_PERFORMED if grade is None else None,
                    category=(c.EXAM_CATEGORY,),
                    body_site=self.body_site(m.muscle, m.side, MUSCLE_LABELS.get(m.muscle, m.muscle)),
                    **common,
                )
            )
        for j, x in enumerate(a.tardieu):
            parts: list[JsonDict] = []
            if x.r1_deg is not None:
                parts.append(
                    {"code": c.SCALES["tardieu-r1"].concept(), "valueQuantity": _quantity(x.r1_deg, "deg")}
                )
            if x.r2_deg is not None:
                parts.append(
                    {"code": c.SCALES["tardieu-r2"].concept(), "valueQuantity": _quantity(x.r2_deg, "deg")}
                )
            if x.quality is not None:
                parts.append({"code": c.SCALES["tardieu-quality"].concept(), "valueInteger": x.quality})
            members.append(
                self.observation(
                    c.SCALES["tardieu"].concept(),
                    (*key, "tardieu", j),
                    category=(c.EXAM_CATEGORY,),
                    body_site=self.body_site(x.muscle, x.side, MUSCLE_LABELS.get(x.muscle, x.muscle)),
                    components=parts,
                    **common,
                )
            )
        for j, r in enumerate(a.rom):
            concept = c.SCALES.get(f"rom-{r.measure}")
            joint = c.ROM_JOINTS.get(r.measure, r.measure)
            members.append(
                self.observation(
                    concept.concept() if concept is not None else {"text": r.measure},
                    (*key, "rom", j),
                    value={"valueQuantity": _quantity(r.deg, "deg")},
                    category=(c.EXAM_CATEGORY, c.RANGE_OF_JOINT_MOVEMENT),
                    body_site=self.body_site(
                        joint, r.side, c.BODY_SITES[joint].display if joint in c.BODY_SITES else joint
                    ),
                    **common,
                )
            )
        f = a.function
        if f is not None:
            for name, level in (("fms-5m", f.fms_5m), ("fms-50m", f.fms_50m), ("fms-500m", f.fms_500m)):
                if level is not None and level in c.FMS_LEVELS:
                    members.append(
                        self.observation(
                            c.SCALES[name].concept(),
                            (*key, name),
                            value={"valueCodeableConcept": c.FMS_LEVELS[level].concept()},
                            category=(c.ACTIVITY_CATEGORY,),
                            **common,
                        )
                    )
            for name, number, unit in (
                ("ten-metre-walk-time", f.ten_m_walk_s, "s"),
                ("timed-up-and-go", f.tug_s, "s"),
                ("six-minute-walk-distance", f.six_min_walk_m, "m"),
            ):
                if number is not None:
                    members.append(
                        self.observation(
                            c.SCALES[name].concept(),
                            (*key, name),
                            value={"valueQuantity": _quantity(number, unit)},
                            category=(c.ACTIVITY_CATEGORY,),
                            **common,
                        )
                    )
        for name, score in (
            ("penn-spasm-frequency", a.penn_frequency),
            ("penn-spasm-severity", a.penn_severity),
        ):
            if score is not None:
                members.append(
                    self.observation(
                        c.SCALES[name].concept(),
                        (*key, name),
                        value={"valueInteger": score},
                        category=(c.SURVEY_CATEGORY,),
                        **common,
                    )
                )
        if a.pain is not None:
            pain_code = {"flacc": c.SCALES["flacc"], "wong_baker": c.WONG_BAKER}.get(
                a.pain.scale, c.SCALES["numeric-pain-rating"]
            )
            members.append(
                self.observation(
                    pain_code.concept(),
                    (*key, "pain"),
                    value={"valueInteger": a.pain.score},
                    category=(c.SURVEY_CATEGORY,),
                    **common,
                )
            )
        if a.sedation_umss is not None:
            members.append(
                self.observation(
                    c.SCALES["umss"].concept(),
                    (*key, "umss"),
                    value={"valueInteger": a.sedation_umss},
                    category=(c.EXAM_CATEGORY,),
                    **common,
                )
            )
        v = a.vitals
        if v is not None:
            for name, concept, number, unit in (
                ("hr", c.HEART_RATE, v.hr, "/min"),
                ("rr", c.RESPIRATORY_RATE, v.rr, "/min"),
                ("spo2", c.SPO2, v.spo2, "%"),
                ("temp", c.BODY_TEMPERATURE, v.temp_c, "Cel"),
            ):
                if number is not None:
                    members.append(
                        self.observation(
                            concept.concept(),
                            (*key, name),
                            value={"valueQuantity": _quantity(number, unit)},
                            category=(c.VITAL_SIGNS_CATEGORY,),
                            **common,
                        )
                    )
            if v.sbp is not None or v.dbp is not None:
                parts = [
                    {"code": concept.concept(), "valueQuantity": _quantity(number, "mm[Hg]")}
                    for concept, number in ((c.SYSTOLIC, v.sbp), (c.DIASTOLIC, v.dbp))
                    if number is not None
                ]
                members.append(
                    self.observation(
                        c.BLOOD_PRESSURE_PANEL.concept(),
                        (*key, "bp"),
                        category=(c.VITAL_SIGNS_CATEGORY,),
                        components=parts,
                        **common,
                    )
                )
        for j, g in enumerate(a.goals):
            members.append(
                self.observation(
                    c.SCALES["gas"].concept(),
                    (*key, "gas", j),
                    value={"valueInteger": g.gas},
                    category=(c.SURVEY_CATEGORY,),
                    focus=self.goal_refs.get(g.id),
                    **common,
                )
            )
        panel = "itb-baseline-assessment" if a.kind == "baseline" else "itb-reassessment"
        self.panel_refs[id(a)] = self.observation(
            c.SCALES[panel].concept(),
            (*key, "panel"),
            category=(c.EXAM_CATEGORY,),
            has_member=members,
            notes=self.notes(
                a.notes, f"Gait: {a.function.gait_notes}" if a.function and a.function.gait_notes else None
            ),
            **common,
        )

    def add_day_response(self, day: Day, response: DayResponse) -> None:
        dose = day_dose(day)
        dose_ref = self.dose_refs.get(id(dose)) if dose is not None else None
        encounter = self.encounters[day.day]
        baseline = day_baseline(day)
        baseline_ref = self.panel_refs.get(id(baseline)) if baseline is not None else None
        settings = self.doc.trial.settings
        reductions: list[JsonDict] = []
        for j, (assessment, change) in enumerate(
            _pair_changes(day_reassessments(day), response.reassessments)
        ):
            if change.reduction is None:
                continue
            parts: list[JsonDict] = [
                {"code": c.SCALES["paired-muscle-sides"].concept(), "valueInteger": change.paired}
            ]
            if change.hours is not None:
                parts.insert(
                    0,
                    {
                        "code": c.SCALES["hours-after-dose"].concept(),
                        "valueQuantity": _quantity(change.hours, "h"),
                    },
                )
            reductions.append(
                self.observation(
                    c.SCALES["mas-mean-reduction"].concept(
                        f"Mean MAS reduction from the day's baseline ({settings.region} limbs, "
                        f"{settings.mas_coding} coding)"
                    ),
                    ("day", day.day, "reduction", j),
                    value={"valueQuantity": _quantity(round2(change.reduction), "{score}")},
                    effective=assessment.at,
                    encounter=encounter,
                    part_of=dose_ref,
                    derived_from=[ref for ref in (baseline_ref, self.panel_refs.get(id(assessment))) if ref],
                    components=parts,
                )
            )
        parts = []
        if response.dose_mcg is not None:
            parts.append(
                {"code": c.SCALES["dose"].concept(), "valueQuantity": _quantity(response.dose_mcg, "ug")}
            )
        for name, number, unit in (
            ("peak-mas-reduction", response.peak_reduction, "{score}"),
            ("peak-hours", response.peak_hours, "h"),
            ("effect-hours", response.effect_hours, "h"),
        ):
            if number is not None:
                parts.append(
                    {"code": c.SCALES[name].concept(), "valueQuantity": _quantity(round2(number), unit)}
                )
        if response.responder is not None:
            parts.append(
                {"code": c.SCALES["effect-censored"].concept(), "valueBoolean": response.effect_censored}
            )
            parts.append(
                {"code": c.SCALES["effect-over-8h"].concept(), "valueBoolean": response.effect_over_8h}
            )
        parts.append(
            {
                "code": c.SCALES["significant-adverse-effect"].concept(),
                "valueBoolean": response.significant_adverse_effect,
            }
        )
        self.response_refs.append(
            self.observation(
                c.SCALES["itb-day-response"].concept(f"Responder on trial day {day.day} (RULES.md R4)"),
                ("day", day.day, "response"),
                value=None if response.responder is None else {"valueBoolean": response.responder},
                absent=c.UNKNOWN if response.responder is None else None,
                effective=dose.given_at if dose is not None else None,
                encounter=encounter,
                part_of=dose_ref,
                derived_from=reductions,
                components=parts,
                notes=self.notes(response.explanation),
            )
        )

    def add_plan(self, day: Day) -> None:
        plan = day.plan
        if plan is None:
            return
        self.observation(
            c.SCALES["itb-next-dose-plan"].concept(),
            ("day", day.day, "plan"),
            value=None
            if plan.next_dose_mcg is None
            else {"valueQuantity": _quantity(plan.next_dose_mcg, "ug")},
            absent=c.NOT_APPLICABLE if plan.next_dose_mcg is None else None,
            category=(c.THERAPY_CATEGORY,),
            encounter=self.encounters[day.day],
            performers=[self.person(name) for name in plan.decided_by],
            notes=self.notes(plan.notes, f"Reason: {plan.reason}" if plan.reason else None),
        )

    def add_adverse_event(self, day: Day, index: int, event: Any) -> None:
        concept = c.ADVERSE_EVENTS.get(event.kind, c.ADVERSE_EVENTS["other"])
        resource: JsonDict = {"resourceType": "AdverseEvent"}
        lines = [x for x in (event.notes, f"Action: {event.action}" if event.action else None) if x]
        if lines and self.deid is None:
            resource["text"] = _narrative([f"{concept.display} ({event.severity})", *lines])
        resource["actuality"] = "actual"
        resource["event"] = concept.concept()
        resource["subject"] = self.patient
        resource["encounter"] = self.encounters[day.day]
        resource["date"] = self.time(event.at)
        if event.severity in c.AE_SEVERITIES:
            resource["severity"] = c.AE_SEVERITIES[event.severity].concept()
        suspect = self.dose_before(event.at)
        if suspect is not None:
            resource["suspectEntity"] = [{"instance": suspect}]
        self.add(resource, "day", day.day, "adverse-event", index)

    def dose_before(self, t: datetime) -> JsonDict | None:
        """The last dose given at or before ``t`` (the suspected cause of an adverse event)."""
        best: tuple[float, JsonDict] | None = None
        for day in self.doc.trial.days:
            for dose in day.doses:
                gap = elapsed(dose.given_at, t).total_seconds()
                if gap >= 0 and (best is None or gap < best[0]):
                    best = (gap, self.dose_refs[id(dose)])
        return best[1] if best is not None else None

    def add_decision(self, days: Sequence[Day]) -> None:
        d = self.doc.trial.decision
        if d is None:
            return
        rec = self.summary.recommendation
        parts: list[JsonDict] = []
        if d.initial_daily_dose_mcg is not None:
            parts.append(
                {
                    "code": c.SCALES["initial-daily-dose"].concept(),
                    "valueQuantity": _quantity(d.initial_daily_dose_mcg, "ug/d"),
                }
            )
        if rec.recommended_daily_dose_mcg is not None:
            parts.append(
                {
                    "code": c.SCALES["recommended-daily-dose"].concept(),
                    "valueQuantity": _quantity(rec.recommended_daily_dose_mcg, "ug/d"),
                }
            )
        if rec.basis:
            parts.append({"code": c.SCALES["recommendation-basis"].concept(), "valueString": rec.basis})
        outcome = c.DECISION_OUTCOMES.get(d.outcome)
        notes = self.notes(d.rationale)
        if rec.note:
            notes.append({"text": rec.note})  # the label rule's own words (R6), never patient text
        self.observation(
            c.SCALES["itb-candidacy-decision"].concept(),
            ("decision",),
            value=None if outcome is None else {"valueCodeableConcept": outcome.concept()},
            effective=d.decided_at,
            encounter=self.encounters[days[-1].day] if days else None,
            performers=(self.person(d.decided_by),),
            derived_from=self.response_refs,
            components=parts,
            notes=notes,
        )


def _pair_changes(
    reassessments: Sequence[Assessment], changes: Sequence[PairedChange]
) -> Iterator[tuple[Assessment, PairedChange]]:
    """Each reassessment after the dose with its R3 change (the domain returns them in the same order;
    fall back to matching times if it ever did not)."""
    if len(reassessments) == len(changes) and all(
        a.at == ch.at for a, ch in zip(reassessments, changes, strict=True)
    ):
        yield from zip(reassessments, changes, strict=True)
        return
    by_time = {ch.at: ch for ch in changes}
    for a in reassessments:
        if a.at in by_time:
            yield a, by_time[a.at]


# --------------------------------------------------------------------------------------- public API


def trial_bundle(
    doc: TrialDocument, trial_id: str, *, tz: tzinfo | None = None, chain_head: str | None = None
) -> JsonDict:
    """The trial as a FHIR R4 ``collection`` Bundle (JSON data, not yet validated: see
    :func:`validate_bundle`). ``trial_id`` identifies the EpisodeOfCare and seeds the resource ids;
    ``chain_head`` (the audit chain head at export) is written in ``Bundle.meta``."""
    return _Builder(doc, key=f"trial/{trial_id}", record_id=trial_id, deid=None, tz=tz).build(chain_head)


def deidentified_bundle(deid: DeidentifiedTrial, *, chain_head: str | None = None) -> JsonDict:
    """The de-identified trial as a FHIR R4 ``collection`` Bundle: study id instead of MRN, no names,
    birth date or notes, times on the fictitious timeline, every resource labelled PSEUDED."""
    return _Builder(
        deid.doc, key=f"study/{deid.record_id}", record_id=deid.record_id, deid=deid, tz=None
    ).build(chain_head)


def dumps_bundle(bundle: Mapping[str, Any]) -> str:
    """The bundle as JSON text: UTF-8 characters kept, 2-space indent, final newline."""
    return json.dumps(bundle, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def resource_counts(bundle: Mapping[str, Any]) -> dict[str, int]:
    """How many resources of each type the bundle holds."""
    counts: dict[str, int] = {}
    for entry in bundle.get("entry", []):
        kind = entry["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Validate with the R4B models and :func:`check_bundle`; raise :class:`FhirExportError` listing
    every problem."""
    # Loaded here, not at import: the models are heavy and only exports need them.
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    problems: list[str] = []
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(x) for x in error["loc"])
            problems.append(f"{where}: {error['msg']}")
    problems.extend(check_bundle(bundle))
    if problems:
        raise FhirExportError(problems)
