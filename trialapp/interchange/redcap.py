"""REDCap export: the records CSV, the matching data dictionary, and the project's events
(``docs/redcap.md``).

The project is **longitudinal** with one arm. Each record is one trial; each CSV row is one event of it:

- ``trial_arm_1`` — forms ``patient``, ``trial_setup``, ``decision``;
- ``day_N_arm_1`` — forms ``dose``, ``adverse_events``, ``day_plan``, ``day_response`` of trial day N;
- ``day_N_baseline_arm_1``, ``day_N_4h_arm_1``, … ``day_N_extra_K_arm_1`` — form ``assessment``: the
  day's baseline, each reassessment matched to its scheduled slot (RULES.md R10, the domain's
  matching), and any other assessment as an extra, in time order.

Columns: ``record_id`` first, then ``redcap_event_name``, then every field of the dictionary in order
(one column ``field___code`` per choice of a checkbox field) with ``<form>_complete`` after each form.
Fields are named per muscle-side and measure (``mas_knee_flex_l``, ``tard_gastroc_r_r1``,
``rom_popliteal_l``), at most 26 characters, so that SAS and Stata exports of the project keep them.

The de-identified variant leaves out every field marked as an identifier in the dictionary and every
free-text field, and is written from a scrubbed trial (:mod:`trialapp.interchange.deidentify`).

No SQL, no Qt, no files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from trialapp.domain.muscles import ALL_MUSCLES, MUSCLE_LABELS, ROM_MEASURES, SIDES
from trialapp.domain.records import Assessment, Day, ProtocolSettings, TrialDocument
from trialapp.domain.response import (
    BASIS_ADVERSE_EFFECTS,
    BASIS_EFFECT_OVER_8H,
    BASIS_TWICE,
    NOTE_NO_RESPONSE_TO_100,
    DayResponse,
    PairedChange,
    day_baseline,
    day_dose,
    day_reassessments,
    is_significant,
    round2,
)
from trialapp.domain.schedule import reassessment_schedule
from trialapp.domain.summary import summarize_trial
from trialapp.domain.vocabulary import (
    ADVERSE_EVENT_KINDS,
    CATHETER_METHODS,
    LADDERS,
    LANGUAGES,
    MAX_GOALS,
    MODES,
    OUTCOMES,
    SEVERITIES,
    SEXES,
    TONE_PATTERNS,
    VITAL_RANGES,
)
from trialapp.interchange import fhir_codes
from trialapp.interchange.deidentify import (
    AGE_CAP,
    FAMILY_WORDS,
    DeidentifiedTrial,
    age_at_trial,
    age_text,
    hours_since,
)

__all__ = [
    "DICTIONARY_COLUMNS",
    "Field",
    "RedcapEvent",
    "RedcapTrial",
    "designations_csv",
    "dictionary_csv",
    "dictionary_fields",
    "events_csv",
    "project_events",
    "records_csv",
    "trial_records",
    "unique_event_name",
]

#: The standard columns of a REDCap data dictionary, in REDCap's order.
DICTIONARY_COLUMNS: Final = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)

ARM: Final = 1
COMPLETE: Final = "2"  # REDCap form status: 0 incomplete, 1 unverified, 2 complete

# Short names so that every variable stays within 26 characters.
MUSCLE_ABBREVIATIONS: Final[Mapping[str, str]] = {
    "hip_flexors": "hip_flex",
    "hip_adductors": "hip_add",
    "hip_extensors": "hip_ext",
    "hip_internal_rotators": "hip_ir",
    "knee_flexors": "knee_flex",
    "knee_extensors": "knee_ext",
    "ankle_plantarflexors_gastrocnemius": "gastroc",
    "ankle_plantarflexors_soleus": "soleus",
    "shoulder_adductors": "sh_add",
    "elbow_flexors": "elb_flex",
    "elbow_extensors": "elb_ext",
    "forearm_pronators": "fa_pron",
    "wrist_flexors": "wrist_flex",
    "finger_flexors": "fing_flex",
}
ROM_ABBREVIATIONS: Final[Mapping[str, str]] = {
    "popliteal_angle": "popliteal",
    "knee_extension_deficit": "knee_ext_def",
    "hip_flexion_contracture_thomas": "thomas",
    "ankle_dorsiflexion_knee_extended": "df_knee_ext",
    "ankle_dorsiflexion_knee_flexed": "df_knee_flex",
    "hip_abduction_extended": "hip_abd_ext",
    "hip_abduction_flexed": "hip_abd_flex",
    "elbow_extension": "elbow_ext",
}
AE_ABBREVIATIONS: Final[Mapping[str, str]] = {
    "nausea": "nausea",
    "vomiting": "vomit",
    "headache": "headache",
    "csf_leak": "csf",
    "urinary_retention": "urin_ret",
    "drowsiness": "drowsy",
    "respiratory_depression": "resp_dep",
    "hypotonia": "hypotonia",
    "bradycardia": "brady",
    "hypotension": "hypotens",
    "seizure": "seizure",
    "pruritus": "pruritus",
    "other": "other",
}
SIDE_LETTERS: Final[Mapping[str, str]] = {"left": "l", "right": "r"}

# REDCap choice codes are letters, digits and underscores: "1+" and "NT" get plain codes.
MAS_CODES: Final[Mapping[str, str]] = {
    "0": "0",
    "1": "1",
    "1+": "1p",
    "2": "2",
    "3": "3",
    "4": "4",
    "NT": "nt",
}
FMS_CODES: Final[Mapping[str, str]] = {v: v.lower() for v in fhir_codes.FMS_LEVELS}
ICD10_CODES: Final[Mapping[str, str]] = {code: code.replace(".", "").lower() for code in fhir_codes.ICD10_CP}
BASIS_CODES: Final[Mapping[str, str]] = {
    BASIS_TWICE: "twice",
    BASIS_EFFECT_OVER_8H: "effect_8h",
    BASIS_ADVERSE_EFFECTS: "adverse",
}
CONCENTRATIONS: Final = (50, 500, 1000, 2000)
PAIN_SCALES: Final[Mapping[str, str]] = {
    "flacc": "FLACC (0-10)",
    "wong_baker": "Wong-Baker FACES (0-10)",
    "numeric": "Numeric rating (0-10)",
}

_HOURS_NOTE: Final = "hours since the catheter placement (time zero), 2 decimals"

# --------------------------------------------------------------------------------------- dictionary


@dataclass(frozen=True)
class Field:
    """One row of the data dictionary. ``identified_only`` fields are left out of de-identified
    exports (identifiers and free text); ``identifier`` marks them for REDCap's own de-identified
    exports too."""

    name: str
    form: str
    type: str  # text | notes | dropdown | radio | checkbox | yesno
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    validation: str = ""  # integer | number | date_ymd | datetime_ymd
    minimum: str = ""
    maximum: str = ""
    identifier: bool = False
    identified_only: bool = False
    note: str = ""
    section: str = ""
    branching: str = ""

    def row(self) -> list[str]:
        choices = " | ".join(f"{code}, {label}" for code, label in self.choices)
        return [
            self.name,
            self.form,
            self.section,
            self.type,
            self.label,
            choices,
            self.note,
            self.validation,
            self.minimum,
            self.maximum,
            "y" if self.identifier else "",
            self.branching,
            "",
            "",
            "",
            "",
            "",
            "",
        ]

    def columns(self) -> list[str]:
        """The CSV columns of this field: one per choice for a checkbox field."""
        if self.type == "checkbox":
            return [f"{self.name}___{code}" for code, _ in self.choices]
        return [self.name]


def _pairs(values: Iterable[str], labels: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    return tuple((v, (labels or {}).get(v, v.replace("_", " "))) for v in values)


def _numbers(low: int, high: int, labels: Mapping[int, str] | None = None) -> tuple[tuple[str, str], ...]:
    return tuple((str(n), (labels or {}).get(n, str(n))) for n in range(low, high + 1))


_GAS_LABELS: Final = {
    -2: "-2 much less than expected",
    -1: "-1 less than expected",
    0: "0 expected outcome",
    1: "+1 more than expected",
    2: "+2 much more than expected",
}
_UMSS_LABELS: Final = {
    0: "0 awake and alert",
    1: "1 minimally sedated",
    2: "2 moderately sedated (rouses to voice)",
    3: "3 deeply sedated (rouses only to strong stimulus)",
    4: "4 unarousable",
}
_PENN_LABELS: Final = {
    0: "0 no spasms",
    1: "1 induced by stimulation only",
    2: "2 less than once an hour",
    3: "3 1-10 per hour",
    4: "4 more than 10 per hour",
}
_GMFCS_LABELS: Final = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}


def _patient_fields() -> list[Field]:
    form = "patient"
    return [
        Field("record_id", form, "text", "Record ID (trial id; the study record id when de-identified)"),
        Field("mrn", form, "text", "Medical record number", identifier=True, identified_only=True),
        Field("given_name", form, "text", "Given name", identifier=True, identified_only=True),
        Field("family_name", form, "text", "Family name", identifier=True, identified_only=True),
        Field(
            "birth_date",
            form,
            "text",
            "Birth date",
            validation="date_ymd",
            identifier=True,
            identified_only=True,
        ),
        Field(
            "age_years",
            form,
            "text",
            "Age at the catheter placement (years)",
            note=f"whole years; {AGE_CAP}+ from {AGE_CAP} years",
        ),
        Field("sex", form, "dropdown", "Sex", _pairs(SEXES)),
        Field("weight_kg", form, "text", "Weight (kg)", validation="number", minimum="0", maximum="300"),
        Field("height_cm", form, "text", "Height (cm)", validation="number", minimum="0", maximum="250"),
        Field("gmfcs_level", form, "dropdown", "GMFCS level", _numbers(1, 5, _GMFCS_LABELS)),
        Field("diagnosis", form, "notes", "Diagnosis (free text)", identifier=True, identified_only=True),
        Field("cerebral_palsy", form, "yesno", "Cerebral palsy", note="read from the diagnosis text"),
        Field(
            "diagnosis_icd10",
            form,
            "dropdown",
            "ICD-10-CM code of the cerebral palsy",
            tuple(
                (ICD10_CODES[code], f"{code} {concept.display}")
                for code, concept in fhir_codes.ICD10_CP.items()
            ),
            note="read from the diagnosis text; check before use",
        ),
        Field("tone_pattern", form, "dropdown", "Tone pattern", _pairs(TONE_PATTERNS)),
        Field("allergies", form, "notes", "Allergies (free text, one per line)", identified_only=True),
        Field(
            "language",
            form,
            "dropdown",
            "Family's preferred language",
            _pairs(LANGUAGES, {"en": "English", "es": "Spanish"}),
        ),
    ]


def _trial_fields() -> list[Field]:
    form = "trial_setup"
    fields = [
        Field("trial_id", form, "text", "Trial id in trialapp", identifier=True, identified_only=True),
        Field(
            "started_on",
            form,
            "text",
            "Trial start date",
            validation="date_ymd",
            identifier=True,
            identified_only=True,
        ),
        Field("trial_mode", form, "dropdown", "Trial mode", _pairs(MODES)),
        Field("ladder", form, "dropdown", "Dose ladder", _pairs(LADDERS, {"small_child": "small child"})),
        Field(
            "mas_coding",
            form,
            "dropdown",
            "MAS numeric coding",
            (("cprn", "CPRN (1+ = 1.5)"), ("ordinal05", "0-5 research coding")),
        ),
        Field(
            "region", form, "dropdown", "Region judged for the response", _pairs(("lower", "upper", "all"))
        ),
        Field(
            "threshold",
            form,
            "text",
            "Responder threshold (mean MAS reduction)",
            validation="number",
            minimum="0",
            maximum="5",
        ),
        Field("schedule_hours", form, "text", "Reassessment schedule (hours after each dose)"),
        Field(
            "catheter_at",
            form,
            "text",
            "Catheter placement (time zero)",
            validation="datetime_ymd",
            identifier=True,
            identified_only=True,
        ),
        Field(
            "catheter_method",
            form,
            "dropdown",
            "Catheter or lumbar puncture",
            _pairs(CATHETER_METHODS, {"lumbar_puncture": "lumbar puncture"}),
        ),
        Field("catheter_level", form, "text", "Spinal level"),
        Field(
            "goal_count",
            form,
            "text",
            "Number of goals set with the family",
            validation="integer",
            minimum="0",
            maximum=str(MAX_GOALS),
        ),
    ]
    for i in range(1, MAX_GOALS + 1):
        fields.append(
            Field(
                f"goal_{i}_text",
                form,
                "notes",
                f"Goal {i} (the family's words)",
                identifier=True,
                identified_only=True,
                branching=f"[goal_count] >= {i}",
            )
        )
        fields.append(
            Field(
                f"goal_{i}_gas0",
                form,
                "dropdown",
                f"Goal {i}: GAS when set",
                _numbers(-2, 2, _GAS_LABELS),
                branching=f"[goal_count] >= {i}",
            )
        )
    return fields


def _decision_fields() -> list[Field]:
    form = "decision"
    return [
        Field(
            "outcome",
            form,
            "dropdown",
            "Candidacy decision",
            _pairs(OUTCOMES, {"not_candidate": "not a candidate"}),
        ),
        Field(
            "decided_at",
            form,
            "text",
            "Decided at",
            validation="datetime_ymd",
            identifier=True,
            identified_only=True,
        ),
        Field("decided_hours", form, "text", "Decided at (hours)", validation="number", note=_HOURS_NOTE),
        Field("decided_by", form, "text", "Decided by"),
        Field("rationale", form, "notes", "Rationale", identifier=True, identified_only=True),
        Field(
            "initial_dose_mcg",
            form,
            "text",
            "Initial daily pump dose decided (mcg/day)",
            validation="integer",
            minimum="0",
        ),
        Field(
            "rec_dose_mcg",
            form,
            "text",
            "Initial daily pump dose by the label rule (mcg/day, RULES.md R6)",
            validation="integer",
            minimum="0",
        ),
        Field(
            "rec_basis",
            form,
            "dropdown",
            "Basis of that recommendation",
            tuple((code, basis) for basis, code in BASIS_CODES.items()),
        ),
        Field("rec_no_resp_100", form, "yesno", "No response to 100 mcg (not a candidate by the label)"),
    ]


def _dose_fields() -> list[Field]:
    form = "dose"
    warnings = fhir_codes.DOSE_WARNINGS
    return [
        Field(
            "dose_count",
            form,
            "text",
            "Doses given on the day",
            validation="integer",
            minimum="0",
            note="the fields below describe the day's first dose",
        ),
        Field(
            "dose_at",
            form,
            "text",
            "Given at",
            validation="datetime_ymd",
            identifier=True,
            identified_only=True,
        ),
        Field("dose_hours", form, "text", "Given at (hours)", validation="number", note=_HOURS_NOTE),
        Field("dose_mcg", form, "text", "Dose (mcg)", validation="integer", minimum="1"),
        Field(
            "dose_conc",
            form,
            "dropdown",
            "Concentration",
            tuple((str(x), f"{x} mcg/mL") for x in CONCENTRATIONS),
        ),
        Field("dose_volume_ml", form, "text", "Volume (mL)", validation="number", minimum="0"),
        Field(
            "dose_via",
            form,
            "dropdown",
            "Given via",
            _pairs(CATHETER_METHODS, {"lumbar_puncture": "lumbar puncture"}),
        ),
        Field("dose_lot", form, "text", "Lot number", identifier=True, identified_only=True),
        Field("dose_given_by", form, "text", "Given by"),
        Field("dose_checked_by", form, "text", "Independent double check by"),
        Field(
            "dose_warn",
            form,
            "checkbox",
            "Warnings acknowledged (RULES.md R8)",
            tuple((code, concept.display) for code, concept in warnings.items()),
        ),
        Field(
            "dose_warn_notes",
            form,
            "notes",
            "Reasons given for the warnings",
            identifier=True,
            identified_only=True,
        ),
        Field(
            "dose_total_mcg",
            form,
            "text",
            "Total of the day's doses (mcg)",
            validation="integer",
            minimum="0",
        ),
    ]


def _adverse_event_fields() -> list[Field]:
    form = "adverse_events"
    fields = [
        Field(
            "ae_count", form, "text", "Adverse events recorded on the day", validation="integer", minimum="0"
        ),
        Field(
            "ae_kind",
            form,
            "checkbox",
            "Kinds recorded",
            tuple((kind, fhir_codes.ADVERSE_EVENTS[kind].display) for kind in ADVERSE_EVENT_KINDS),
        ),
    ]
    for kind in ADVERSE_EVENT_KINDS:
        short = AE_ABBREVIATIONS[kind]
        words = fhir_codes.ADVERSE_EVENTS[kind].display
        shown = f"[ae_kind({kind})] = '1'"
        fields.append(
            Field(
                f"ae_{short}_sev",
                form,
                "dropdown",
                f"{words}: worst severity",
                _pairs(SEVERITIES),
                branching=shown,
            )
        )
        fields.append(
            Field(
                f"ae_{short}_hours",
                form,
                "text",
                f"{words}: first at (hours)",
                validation="number",
                note=_HOURS_NOTE,
                branching=shown,
            )
        )
    fields.append(Field("ae_significant", form, "yesno", "A significant adverse effect (RULES.md R5)"))
    fields.append(
        Field("ae_notes", form, "notes", "Notes and actions", identifier=True, identified_only=True)
    )
    return fields


def _plan_fields() -> list[Field]:
    form = "day_plan"
    return [
        Field(
            "plan_next_mcg", form, "text", "Next day's dose decided (mcg)", validation="integer", minimum="0"
        ),
        Field("plan_decided_by", form, "text", "Decided by"),
        Field("plan_family", form, "yesno", "The family took part in the decision"),
        Field(
            "plan_reason",
            form,
            "notes",
            "Reason (when the dose differs from the suggestion)",
            identifier=True,
            identified_only=True,
        ),
        Field("plan_notes", form, "notes", "Notes", identifier=True, identified_only=True),
    ]


def _response_fields() -> list[Field]:
    form = "day_response"
    return [
        Field("resp_judged", form, "yesno", "Response could be judged (baseline and reassessment)"),
        Field("responder", form, "yesno", "Responder (RULES.md R4)"),
        Field("peak_reduction", form, "text", "Peak mean MAS reduction", validation="number"),
        Field("peak_hours", form, "text", "Peak at (hours after the dose)", validation="number"),
        Field("effect_hours", form, "text", "Effect lasted to (hours after the dose)", validation="number"),
        Field("effect_censored", form, "yesno", "Effect still present at the last reassessment"),
        Field("effect_over_8h", form, "yesno", "Effect lasted more than 8 h"),
        Field("significant_ae", form, "yesno", "Significant adverse effect on the day (RULES.md R5)"),
    ]


def _assessment_fields() -> list[Field]:
    form = "assessment"
    fields = [
        Field("assess_kind", form, "dropdown", "Kind", _pairs(("baseline", "reassessment"))),
        Field(
            "assess_at",
            form,
            "text",
            "Assessed at",
            validation="datetime_ymd",
            identifier=True,
            identified_only=True,
        ),
        Field("assess_hours", form, "text", "Assessed at (hours)", validation="number", note=_HOURS_NOTE),
        Field(
            "assess_after_dose_h",
            form,
            "text",
            "Hours after the day's dose",
            validation="number",
            note="negative before the dose",
        ),
        Field("assessor", form, "text", "Assessor"),
        Field(
            "mas_reduction",
            form,
            "text",
            "Mean MAS reduction from the day's baseline (RULES.md R3)",
            validation="number",
        ),
    ]
    mas_choices = tuple(
        (code, "NT (not tested)" if grade == "NT" else grade) for grade, code in MAS_CODES.items()
    )
    first = True
    for muscle in ALL_MUSCLES:
        for side in SIDES:
            fields.append(
                Field(
                    f"mas_{MUSCLE_ABBREVIATIONS[muscle]}_{SIDE_LETTERS[side]}",
                    form,
                    "dropdown",
                    f"MAS {MUSCLE_LABELS[muscle]}, {side}",
                    mas_choices,
                    section="Modified Ashworth Scale" if first else "",
                )
            )
            first = False
    first = True
    for muscle in ALL_MUSCLES:
        for side in SIDES:
            stem = f"tard_{MUSCLE_ABBREVIATIONS[muscle]}_{SIDE_LETTERS[side]}"
            where = f"{MUSCLE_LABELS[muscle]}, {side}"
            fields.append(
                Field(
                    f"{stem}_r1",
                    form,
                    "text",
                    f"Tardieu R1 (degrees) {where}",
                    validation="number",
                    minimum="-180",
                    maximum="180",
                    section="Modified Tardieu Scale" if first else "",
                )
            )
            fields.append(
                Field(
                    f"{stem}_r2",
                    form,
                    "text",
                    f"Tardieu R2 (degrees) {where}",
                    validation="number",
                    minimum="-180",
                    maximum="180",
                )
            )
            fields.append(
                Field(f"{stem}_x", form, "dropdown", f"Tardieu X (quality) {where}", _numbers(0, 5))
            )
            first = False
    first = True
    for measure in ROM_MEASURES:
        for side in SIDES:
            fields.append(
                Field(
                    f"rom_{ROM_ABBREVIATIONS[measure.code]}_{SIDE_LETTERS[side]}",
                    form,
                    "text",
                    f"{measure.label} (degrees), {side}",
                    validation="number",
                    minimum="-180",
                    maximum="180",
                    section="Range of motion" if first else "",
                )
            )
            first = False
    fms_labels = {code: fhir_codes.FMS_LEVELS[level].display for level, code in FMS_CODES.items()}
    fms_long = tuple((code, label) for code, label in fms_labels.items() if code != "c")
    fields += [
        Field("fms_5m", form, "dropdown", "FMS 5 m", tuple(fms_labels.items()), section="Function"),
        Field("fms_50m", form, "dropdown", "FMS 50 m", fms_long),
        Field("fms_500m", form, "dropdown", "FMS 500 m", fms_long),
        Field("walk_10m_s", form, "text", "10 m walk (s)", validation="number", minimum="0"),
        Field("tug_s", form, "text", "Timed Up and Go (s)", validation="number", minimum="0"),
        Field("walk_6min_m", form, "text", "6-minute walk (m)", validation="number", minimum="0"),
        Field("gait_notes", form, "notes", "Gait notes", identifier=True, identified_only=True),
        Field(
            "penn_freq",
            form,
            "dropdown",
            "Penn spasm frequency",
            _numbers(0, 4, _PENN_LABELS),
            section="Spasms, pain and sedation",
        ),
        Field(
            "penn_sev",
            form,
            "dropdown",
            "Penn spasm severity",
            _numbers(1, 3, {1: "1 mild", 2: "2 moderate", 3: "3 severe"}),
        ),
        Field("pain_scale", form, "dropdown", "Pain scale", tuple(PAIN_SCALES.items())),
        Field("pain_score", form, "text", "Pain score", validation="integer", minimum="0", maximum="10"),
        Field(
            "umss", form, "dropdown", "University of Michigan Sedation Scale", _numbers(0, 4, _UMSS_LABELS)
        ),
    ]
    vital_labels = {
        "hr": "Heart rate (/min)",
        "rr": "Respiratory rate (/min)",
        "spo2": "SpO2 (%)",
        "sbp": "Systolic BP (mmHg)",
        "dbp": "Diastolic BP (mmHg)",
        "temp_c": "Temperature (°C)",
    }
    for i, (name, label) in enumerate(vital_labels.items()):
        low, high, _ = VITAL_RANGES[name]  # the format's plausible ranges
        fields.append(
            Field(
                name,
                form,
                "text",
                label,
                validation="number",
                minimum=_num(low),
                maximum=_num(high),
                section="Vital signs" if i == 0 else "",
            )
        )
    for i in range(1, MAX_GOALS + 1):
        fields.append(
            Field(
                f"gas_goal_{i}",
                form,
                "dropdown",
                f"GAS goal {i}",
                _numbers(-2, 2, _GAS_LABELS),
                section="Goal Attainment Scaling" if i == 1 else "",
            )
        )
    fields.append(Field("assess_notes", form, "notes", "Notes", identifier=True, identified_only=True))
    return fields


#: Forms in dictionary order, with the event kind each is designated to.
FORMS: Final[Mapping[str, str]] = {
    "patient": "trial",
    "trial_setup": "trial",
    "decision": "trial",
    "dose": "day",
    "adverse_events": "day",
    "day_plan": "day",
    "day_response": "day",
    "assessment": "assessment",
}


def dictionary_fields(*, deidentified: bool) -> tuple[Field, ...]:
    """Every field of the project in dictionary order (de-identified: without identifiers and free text)."""
    fields = (
        _patient_fields()
        + _trial_fields()
        + _decision_fields()
        + _dose_fields()
        + _adverse_event_fields()
        + _plan_fields()
        + _response_fields()
        + _assessment_fields()
    )
    return tuple(f for f in fields if not (deidentified and f.identified_only))


def dictionary_csv(*, deidentified: bool) -> str:
    """The REDCap data dictionary (CSV) that builds the project's instruments in one upload."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DICTIONARY_COLUMNS)
    for f in dictionary_fields(deidentified=deidentified):
        writer.writerow(f.row())
    return out.getvalue()


def record_columns(*, deidentified: bool) -> list[str]:
    """The records CSV header: record id, event, every field column, ``<form>_complete`` after each form."""
    columns = ["record_id", "redcap_event_name"]
    fields = dictionary_fields(deidentified=deidentified)
    for i, f in enumerate(fields):
        if f.name != "record_id":
            columns.extend(f.columns())
        if i + 1 == len(fields) or fields[i + 1].form != f.form:
            columns.append(f"{f.form}_complete")
    return columns


# ------------------------------------------------------------------------------------------- events

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def unique_event_name(label: str, arm: int = ARM) -> str:
    """The unique event name REDCap derives from an event label: lower case, hyphens removed, other
    non-alphanumerics as one underscore, at most 18 characters, then ``_arm_N``."""
    stem = _NON_ALNUM.sub("_", label.lower().replace("-", "")).strip("_")
    return f"{stem[:18]}_arm_{arm}"


@dataclass(frozen=True, order=True)
class RedcapEvent:
    """One event of the project: its place in the event order, label and designated forms."""

    order: tuple[float, ...]
    label: str = field(compare=False)
    forms: tuple[str, ...] = field(compare=False)

    @property
    def name(self) -> str:
        return unique_event_name(self.label)


def _forms(kind: str) -> tuple[str, ...]:
    return tuple(form for form, where in FORMS.items() if where == kind)


TRIAL_EVENT: Final = RedcapEvent((0,), "Trial", _forms("trial"))


def _day_event(day: int) -> RedcapEvent:
    return RedcapEvent((1, day, 0, 0), f"Day {day}", _forms("day"))


def _baseline_event(day: int) -> RedcapEvent:
    return RedcapEvent((1, day, 1, 0), f"Day {day} baseline", _forms("assessment"))


def _slot_event(day: int, hours: float) -> RedcapEvent:
    return RedcapEvent((1, day, 2, hours), f"Day {day} {hours:g}h", _forms("assessment"))


def _extra_event(day: int, k: int) -> RedcapEvent:
    return RedcapEvent((1, day, 3, k), f"Day {day} extra {k}", _forms("assessment"))


def assessment_events(day: Day, settings: ProtocolSettings) -> list[tuple[Assessment, RedcapEvent]]:
    """Each assessment of ``day`` with its event: the day's baseline (R3), reassessments in their
    scheduled slots (R10 matching), everything else as extras in time order."""
    assigned: dict[int, RedcapEvent] = {}
    dose = day_dose(day)
    baseline = day_baseline(day)
    if baseline is None and dose is None:
        baselines = sorted((a for a in day.assessments if a.kind == "baseline"), key=lambda a: a.at)
        baseline = baselines[0] if baselines else None
    if baseline is not None:
        assigned[id(baseline)] = _baseline_event(day.day)
    if dose is not None and settings.schedule_hours:
        after = day_reassessments(day)
        try:
            slots, _extras = reassessment_schedule(
                dose.given_at,
                settings.schedule_hours,
                [a.at for a in after],
                dose.given_at,
                settings.late_after_minutes,
            )
        except (TypeError, ValueError):  # mixed naive/aware times or an unusable schedule: all extras
            slots = ()
        waiting = list(after)
        for slot in slots:
            if slot.done_at is None:
                continue
            match = next(a for a in waiting if a.at == slot.done_at)
            waiting.remove(match)
            assigned[id(match)] = _slot_event(day.day, slot.hours)
    rest = sorted((a for a in day.assessments if id(a) not in assigned), key=lambda a: a.at)
    for k, a in enumerate(rest, start=1):
        assigned[id(a)] = _extra_event(day.day, k)
    return [(a, assigned[id(a)]) for a in sorted(day.assessments, key=lambda a: a.at)]


def project_events(trials: Iterable[RedcapTrial]) -> list[RedcapEvent]:
    """The events the records need, each once, in the project's order."""
    found: dict[str, RedcapEvent] = {}
    for trial in trials:
        for event in trial.events:
            found.setdefault(event.name, event)
    return sorted(found.values())


def events_csv(events: Sequence[RedcapEvent]) -> str:
    """The events upload of REDCap's "Define My Events" page (unique names left for REDCap to derive)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["event_name", "arm_num", "unique_event_name", "custom_event_label"])
    for event in events:
        writer.writerow([event.label, ARM, "", ""])
    return out.getvalue()


def designations_csv(events: Sequence[RedcapEvent]) -> str:
    """The instrument-event mapping upload of REDCap's "Designate Instruments for My Events" page."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["arm_num", "unique_event_name", "form"])
    for event in events:
        for form in event.forms:
            writer.writerow([ARM, event.name, form])
    return out.getvalue()


# -------------------------------------------------------------------------------------------- records


def _num(value: float | int | None) -> str:
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _yes(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def _when(t: datetime | None) -> str:
    return "" if t is None else t.strftime("%Y-%m-%d %H:%M")


def _lines(*texts: str | None) -> str:
    return "\n".join(t.strip() for t in texts if t is not None and t.strip())


@dataclass(frozen=True)
class RedcapTrial:
    """One trial as REDCap rows (one per event, column name → value) and the events they use."""

    record_id: str
    rows: tuple[dict[str, str], ...]
    events: tuple[RedcapEvent, ...]


class _Rows:
    def __init__(self, doc: TrialDocument, record_id: str, deid: DeidentifiedTrial | None) -> None:
        self.doc = doc
        self.record_id = record_id
        self.deid = deid
        self.zero = doc.trial.catheter.placed_at
        self.rows: list[dict[str, str]] = []
        self.events: list[RedcapEvent] = []
        self.summary = summarize_trial(doc.trial)
        self.goal_numbers = {g.id: i for i, g in enumerate(doc.trial.goals, start=1)}

    def hours(self, t: datetime | None) -> str:
        return "" if t is None else _num(hours_since(self.zero, t))

    def row(self, event: RedcapEvent, values: Mapping[str, str], complete: Iterable[str]) -> None:
        row = {"record_id": self.record_id, "redcap_event_name": event.name, **values}
        for form in complete:
            row[f"{form}_complete"] = COMPLETE
        self.rows.append(row)
        self.events.append(event)

    def build(self) -> RedcapTrial:
        self.trial_row()
        responses = {r.day: r for r in self.summary.days}
        for day in sorted(self.doc.trial.days, key=lambda d: d.day):
            self.day_row(day, responses.get(day.day))
            changes = self.changes(day, responses.get(day.day))
            for assessment, event in assessment_events(day, self.doc.trial.settings):
                self.assessment_row(day, assessment, event, changes.get(id(assessment)))
        return RedcapTrial(self.record_id, tuple(self.rows), tuple(self.events))

    def trial_row(self) -> None:
        p = self.doc.patient
        t = self.doc.trial
        s = t.settings
        values: dict[str, str] = {}
        if self.deid is not None:
            age = self.deid.age_text
            cp, icd = self.deid.cerebral_palsy, self.deid.icd10
        else:
            age = (
                age_text(age_at_trial(p.birth_date, t.catheter.placed_at))
                if p.birth_date <= self.zero.date()
                else ""
            )
            coded = fhir_codes.classify_cerebral_palsy(p.diagnosis, p.tone_pattern)
            cp, icd = coded.cerebral_palsy, coded.icd10.code if coded.icd10 else None
            values |= {
                "mrn": p.mrn,
                "given_name": p.given_name or "",
                "family_name": p.family_name or "",
                "birth_date": p.birth_date.isoformat(),
                "diagnosis": p.diagnosis or "",
                "allergies": "\n".join(p.allergies),
                "trial_id": self.record_id,
                "started_on": t.started_on.isoformat(),
                "catheter_at": _when(t.catheter.placed_at),
            }
        values |= {
            "age_years": age,
            "sex": p.sex or "",
            "weight_kg": _num(p.weight_kg),
            "height_cm": _num(p.height_cm),
            "gmfcs_level": _num(p.gmfcs_level),
            "cerebral_palsy": _yes(cp),
            "diagnosis_icd10": ICD10_CODES[icd] if icd else "",
            "tone_pattern": p.tone_pattern or "",
            "language": p.language or "",
            "trial_mode": s.mode,
            "ladder": s.ladder,
            "mas_coding": s.mas_coding,
            "region": s.region,
            "threshold": _num(s.threshold),
            "schedule_hours": ", ".join(_num(h) for h in s.schedule_hours),
            "catheter_method": t.catheter.method,
            "catheter_level": t.catheter.level or "",
            "goal_count": str(len(t.goals)),
        }
        for i, goal in enumerate(t.goals, start=1):
            if self.deid is None:
                values[f"goal_{i}_text"] = goal.text
            values[f"goal_{i}_gas0"] = _num(goal.baseline_gas)
        complete = ["patient", "trial_setup"]
        d = t.decision
        if d is not None:
            rec = self.summary.recommendation
            values |= {
                "outcome": d.outcome,
                "decided_hours": self.hours(d.decided_at),
                "decided_by": d.decided_by or "",
                "initial_dose_mcg": _num(d.initial_daily_dose_mcg),
                "rec_dose_mcg": _num(rec.recommended_daily_dose_mcg),
                "rec_basis": BASIS_CODES.get(rec.basis or "", ""),
                "rec_no_resp_100": _yes(rec.note == NOTE_NO_RESPONSE_TO_100),
            }
            if self.deid is None:
                values |= {"decided_at": _when(d.decided_at), "rationale": d.rationale or ""}
            complete.append("decision")
        self.row(TRIAL_EVENT, values, complete)

    def day_row(self, day: Day, response: DayResponse | None) -> None:
        values: dict[str, str] = {"dose_count": str(len(day.doses))}
        dose = day_dose(day)
        if dose is not None:
            warned = {
                w.code if w.code in fhir_codes.DOSE_WARNING_CODES else "other"
                for w in dose.warnings_acknowledged
            }
            values |= {
                "dose_hours": self.hours(dose.given_at),
                "dose_mcg": str(dose.dose_mcg),
                "dose_conc": str(dose.concentration_mcg_per_ml),
                "dose_volume_ml": _num(dose.volume_ml),
                "dose_via": dose.via if dose.via in CATHETER_METHODS else "",
                "dose_given_by": dose.given_by or "",
                "dose_checked_by": dose.checked_by or "",
                "dose_total_mcg": str(sum(x.dose_mcg for x in day.doses)),
            }
            for code in fhir_codes.DOSE_WARNINGS:
                values[f"dose_warn___{code}"] = _yes(code in warned)
            if self.deid is None:
                values |= {
                    "dose_at": _when(dose.given_at),
                    "dose_lot": dose.lot or "",
                    "dose_warn_notes": _lines(*(f"{w.code}: {w.reason}" for w in dose.warnings_acknowledged)),
                }
        events = sorted(day.adverse_events, key=lambda e: e.at)
        values["ae_count"] = str(len(events))
        for kind in ADVERSE_EVENT_KINDS:
            of_kind = [e for e in events if e.kind == kind]
            values[f"ae_kind___{kind}"] = _yes(bool(of_kind))
            if of_kind:
                short = AE_ABBREVIATIONS[kind]
                worst = max(
                    of_kind, key=lambda e: SEVERITIES.index(e.severity) if e.severity in SEVERITIES else -1
                )
                values[f"ae_{short}_sev"] = worst.severity if worst.severity in SEVERITIES else ""
                values[f"ae_{short}_hours"] = self.hours(of_kind[0].at)
        values["ae_significant"] = _yes(any(is_significant(e) for e in events))
        if self.deid is None:
            values["ae_notes"] = _lines(
                *(
                    f"{_when(e.at)} {e.kind}: {_lines(e.notes, e.action)}"
                    for e in events
                    if e.notes or e.action
                )
            )
        complete = ["dose", "adverse_events"]
        plan = day.plan
        if plan is not None:
            values |= {
                "plan_next_mcg": _num(plan.next_dose_mcg),
                "plan_decided_by": ", ".join(plan.decided_by),
                "plan_family": _yes(
                    any(" ".join(n.split()).casefold() in FAMILY_WORDS for n in plan.decided_by)
                ),
            }
            if self.deid is None:
                values |= {"plan_reason": plan.reason or "", "plan_notes": plan.notes or ""}
            complete.append("day_plan")
        if response is not None and response.dose_mcg is not None:
            values |= {
                "resp_judged": _yes(response.responder is not None),
                "responder": _yes(response.responder),
                "peak_reduction": _num(round2(response.peak_reduction))
                if response.peak_reduction is not None
                else "",
                "peak_hours": _num(response.peak_hours),
                "effect_hours": _num(response.effect_hours),
                "effect_censored": _yes(response.effect_censored) if response.responder is not None else "",
                "effect_over_8h": _yes(response.effect_over_8h) if response.responder is not None else "",
                "significant_ae": _yes(response.significant_adverse_effect),
            }
            complete.append("day_response")
        self.row(_day_event(day.day), values, complete)

    def changes(self, day: Day, response: DayResponse | None) -> dict[int, PairedChange]:
        if response is None:
            return {}
        by_time = {ch.at: ch for ch in response.reassessments}
        return {id(a): by_time[a.at] for a in day_reassessments(day) if a.at in by_time}

    def assessment_row(
        self, day: Day, a: Assessment, event: RedcapEvent, change: PairedChange | None
    ) -> None:
        dose = day_dose(day)
        values: dict[str, str] = {
            "assess_kind": a.kind,
            "assess_hours": self.hours(a.at),
            "assess_after_dose_h": _num(hours_since(dose.given_at, a.at)) if dose is not None else "",
            "assessor": a.assessor or "",
            "mas_reduction": _num(round2(change.reduction))
            if change and change.reduction is not None
            else "",
        }
        for m in a.mas:
            if m.muscle in MUSCLE_ABBREVIATIONS and m.side in SIDE_LETTERS and m.grade in MAS_CODES:
                values[f"mas_{MUSCLE_ABBREVIATIONS[m.muscle]}_{SIDE_LETTERS[m.side]}"] = MAS_CODES[m.grade]
        for x in a.tardieu:
            if x.muscle in MUSCLE_ABBREVIATIONS and x.side in SIDE_LETTERS:
                stem = f"tard_{MUSCLE_ABBREVIATIONS[x.muscle]}_{SIDE_LETTERS[x.side]}"
                values[f"{stem}_r1"] = _num(x.r1_deg)
                values[f"{stem}_r2"] = _num(x.r2_deg)
                values[f"{stem}_x"] = _num(x.quality)
        for r in a.rom:
            if r.measure in ROM_ABBREVIATIONS and r.side in SIDE_LETTERS:
                values[f"rom_{ROM_ABBREVIATIONS[r.measure]}_{SIDE_LETTERS[r.side]}"] = _num(r.deg)
        f = a.function
        if f is not None:
            values |= {
                "fms_5m": FMS_CODES.get(f.fms_5m or "", ""),
                "fms_50m": FMS_CODES.get(f.fms_50m or "", ""),
                "fms_500m": FMS_CODES.get(f.fms_500m or "", ""),
                "walk_10m_s": _num(f.ten_m_walk_s),
                "tug_s": _num(f.tug_s),
                "walk_6min_m": _num(f.six_min_walk_m),
            }
            if self.deid is None:
                values["gait_notes"] = f.gait_notes or ""
        values |= {
            "penn_freq": _num(a.penn_frequency),
            "penn_sev": _num(a.penn_severity),
            "pain_scale": a.pain.scale if a.pain is not None and a.pain.scale in PAIN_SCALES else "",
            "pain_score": _num(a.pain.score) if a.pain is not None else "",
            "umss": _num(a.sedation_umss),
        }
        v = a.vitals
        if v is not None:
            values |= {
                "hr": _num(v.hr),
                "rr": _num(v.rr),
                "spo2": _num(v.spo2),
                "sbp": _num(v.sbp),
                "dbp": _num(v.dbp),
                "temp_c": _num(v.temp_c),
            }
        for g in a.goals:
            number = self.goal_numbers.get(g.id)
            if number is not None and number <= MAX_GOALS:
                values[f"gas_goal_{number}"] = str(g.gas)
        if self.deid is None:
            values |= {"assess_at": _when(a.at), "assess_notes": a.notes or ""}
        self.row(event, values, ["assessment"])


def trial_records(
    doc: TrialDocument, record_id: str, *, deid: DeidentifiedTrial | None = None
) -> RedcapTrial:
    """The trial as REDCap rows. Identified: ``doc`` is the trial and ``record_id`` its trial id.
    De-identified: pass the :class:`DeidentifiedTrial` (its ``doc`` and ``record_id`` are used)."""
    if deid is not None:
        return _Rows(deid.doc, deid.record_id, deid).build()
    return _Rows(doc, record_id, None).build()


def records_csv(trials: Sequence[RedcapTrial], *, deidentified: bool) -> str:
    """The records CSV for REDCap's Data Import Tool: one row per event, columns of the dictionary."""
    columns = record_columns(deidentified=deidentified)
    known = set(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for trial in trials:
        for row in trial.rows:
            unknown = set(row) - known
            if unknown:  # an exporter bug: a value with no column would be lost silently
                raise ValueError(f"REDCap values without a dictionary column: {sorted(unknown)}")
            writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()
