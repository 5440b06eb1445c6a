"""The REDCap data dictionary: the project's fields, form by form, and their codes (``docs/redcap.md``).

Fields are named per muscle-side and measure (``mas_knee_flex_l``, ``tard_gastroc_r_r1``,
``rom_popliteal_l``), at most 26 characters, so that SAS and Stata exports of the project keep them.
Scales and ranges come from :mod:`trialapp.domain.vocabulary`. The records and events that fill these
fields are :mod:`trialapp.interchange.redcap`.

No SQL, no Qt, no files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from trialapp.domain.muscles import ALL_MUSCLES, MUSCLE_LABELS, ROM_MEASURES, SIDES
from trialapp.domain.numbers import plain_number
from trialapp.domain.response import (
    BASIS_ADVERSE_EFFECTS,
    BASIS_EFFECT_OVER_8H,
    BASIS_TWICE,
)
from trialapp.domain.vocabulary import (
    ADVERSE_EVENT_KINDS,
    CATHETER_METHODS,
    CONCENTRATIONS,
    DEGREES,
    GAS,
    GMFCS_LEVEL,
    LADDERS,
    LANGUAGES,
    MAX_GOALS,
    MODES,
    OUTCOMES,
    PAIN_SCORE,
    PENN_FREQUENCY,
    PENN_SEVERITY,
    REGIONS,
    SEDATION_UMSS,
    SEVERITIES,
    SEXES,
    TARDIEU_QUALITY,
    TONE_PATTERNS,
    VITAL_RANGES,
    Whole,
)
from trialapp.interchange import fhir_codes
from trialapp.interchange.deidentify import (
    AGE_CAP,
)

__all__ = [
    "AE_ABBREVIATIONS",
    "BASIS_CODES",
    "DICTIONARY_COLUMNS",
    "FMS_CODES",
    "FORMS",
    "ICD10_CODES",
    "MAS_CODES",
    "MUSCLE_ABBREVIATIONS",
    "PAIN_SCALES",
    "ROM_ABBREVIATIONS",
    "SIDE_LETTERS",
    "Field",
    "dictionary_csv",
    "dictionary_fields",
    "record_columns",
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


def _whole_choices(spec: Whole, labels: Mapping[int, str] | None = None) -> tuple[tuple[str, str], ...]:
    """The choices of a bounded whole number (a scale), each with its label."""
    assert spec.lo is not None and spec.hi is not None
    return tuple((str(n), (labels or {}).get(n, str(n))) for n in range(spec.lo, spec.hi + 1))


# Joint angles, as the record rules bound them.
_DEGREES_MIN: Final = plain_number(DEGREES.lo)
_DEGREES_MAX: Final = plain_number(DEGREES.hi)


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
        Field("gmfcs_level", form, "dropdown", "GMFCS level", _whole_choices(GMFCS_LEVEL, _GMFCS_LABELS)),
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
        Field("region", form, "dropdown", "Region judged for the response", _pairs(REGIONS)),
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
                _whole_choices(GAS, _GAS_LABELS),
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
        Field(
            "ae_before_dose",
            form,
            "text",
            "Events before the day's first dose (listed, never counted against the dose; RULES.md R5)",
            validation="integer",
            minimum="0",
        )
    )
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
                    minimum=_DEGREES_MIN,
                    maximum=_DEGREES_MAX,
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
                    minimum=_DEGREES_MIN,
                    maximum=_DEGREES_MAX,
                )
            )
            fields.append(
                Field(
                    f"{stem}_x",
                    form,
                    "dropdown",
                    f"Tardieu X (quality) {where}",
                    _whole_choices(TARDIEU_QUALITY),
                )
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
                    minimum=_DEGREES_MIN,
                    maximum=_DEGREES_MAX,
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
            _whole_choices(PENN_FREQUENCY, _PENN_LABELS),
            section="Spasms, pain and sedation",
        ),
        Field(
            "penn_sev",
            form,
            "dropdown",
            "Penn spasm severity",
            _whole_choices(PENN_SEVERITY, {1: "1 mild", 2: "2 moderate", 3: "3 severe"}),
        ),
        Field("pain_scale", form, "dropdown", "Pain scale", tuple(PAIN_SCALES.items())),
        Field(
            "pain_score",
            form,
            "text",
            "Pain score",
            validation="integer",
            minimum=str(PAIN_SCORE.lo),
            maximum=str(PAIN_SCORE.hi),
        ),
        Field(
            "umss",
            form,
            "dropdown",
            "University of Michigan Sedation Scale",
            _whole_choices(SEDATION_UMSS, _UMSS_LABELS),
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
                minimum=plain_number(low),
                maximum=plain_number(high),
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
                _whole_choices(GAS, _GAS_LABELS),
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
