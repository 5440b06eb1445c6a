"""Code systems and codes for the FHIR export (REFERENCE.md §9), and the app's local code systems.

Standard codes are used where REFERENCE.md §9 lists one (SNOMED CT, LOINC, RxNorm, ICD-10-CM, UCUM) or
where HL7 defines the value set the element is bound to (observation category, data-absent reason,
medication-administration performer function, adverse-event severity, condition status). Two codes come
from elsewhere and are marked as such below: SNOMED CT laterality qualifiers (left 7771000, right
24028007) and LOINC body height 8302-2 (the FHIR vital-signs set).

Everything without a standard code (Tardieu, GMFCS, FMS, FLACC, UMSS, Penn, GAS, the muscle groups, the
trial's own derived results and decisions) uses a **local code system** under :data:`LOCAL_BASE`.
``https://trialapp.example/fhir`` is a **placeholder**: a site replaces it by a URL it controls before
sending bundles to production systems (one constant here), and publishes the CodeSystems listed in
``docs/fhir.md``. Every local code is listed in this module, so the export can check that it never
writes a code it does not define (:data:`KNOWN_CODES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from trialapp.domain.dosing import OVERRIDE_WARNING_CODE
from trialapp.domain.muscles import ALL_MUSCLES, MUSCLE_LABELS, ROM_MEASURES
from trialapp.domain.vocabulary import ADVERSE_EVENT_KINDS, FMS_5M, TONE_PATTERNS

# ------------------------------------------------------------------------------------------------ systems

#: Placeholder base of the local code systems, identifier systems and extensions (a site replaces it).
LOCAL_BASE: Final = "https://trialapp.example/fhir"

SNOMED: Final = "http://snomed.info/sct"
LOINC: Final = "http://loinc.org"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM: Final = "http://unitsofmeasure.org"
BCP47: Final = "urn:ietf:bcp:47"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DATA_ABSENT_REASON: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
MED_ADMIN_FUNCTION: Final = "http://terminology.hl7.org/CodeSystem/med-admin-perform-function"
AE_SEVERITY: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
IDENTIFIER_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
SECURITY_OBSERVATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

#: Laterality on a body site: the mCODE extension is the published R4 extension allowed on
#: Observation.bodySite (R4 core has none); its value is a SNOMED CT laterality qualifier.
LATERALITY_EXTENSION: Final = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"


def _local(kind: str, name: str) -> str:
    return f"{LOCAL_BASE}/{kind}/{name}"


ITB_SCALES: Final = _local("CodeSystem", "itb-scales")
ITB_MAS_GRADE: Final = _local("CodeSystem", "itb-mas-grade")
ITB_FMS_LEVEL: Final = _local("CodeSystem", "itb-fms-level")
ITB_BODY_SITES: Final = _local("CodeSystem", "itb-body-sites")
ITB_ADVERSE_EVENTS: Final = _local("CodeSystem", "itb-adverse-events")
ITB_DECISION: Final = _local("CodeSystem", "itb-decision")
ITB_TONE_PATTERN: Final = _local("CodeSystem", "itb-tone-pattern")
ITB_DOSE_WARNINGS: Final = _local("CodeSystem", "itb-dose-warnings")
ITB_CARE: Final = _local("CodeSystem", "itb-care")

#: Identifier systems. The MRN system is the site's own (placeholder here, like every local URL).
MRN_SYSTEM: Final = _local("NamingSystem", "mrn")
TRIAL_ID_SYSTEM: Final = _local("NamingSystem", "trial-id")
STUDY_ID_SYSTEM: Final = _local("NamingSystem", "study-id")
STUDY_RECORD_SYSTEM: Final = _local("NamingSystem", "study-record-id")
USERNAME_SYSTEM: Final = _local("NamingSystem", "username")
PSEUDONYM_SYSTEM: Final = _local("NamingSystem", "clinician-pseudonym")

#: Extensions defined by the app.
AUDIT_CHAIN_HEAD_EXTENSION: Final = _local("StructureDefinition", "audit-chain-head")
DOSE_WARNING_EXTENSION: Final = _local("StructureDefinition", "dose-warning-acknowledged")


@dataclass(frozen=True)
class Concept:
    """One code in one system, with the display the export writes."""

    system: str
    code: str
    display: str

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self, text: str | None = None) -> dict[str, object]:
        """A CodeableConcept with this single coding (and ``text`` when given)."""
        out: dict[str, object] = {"coding": [self.coding()]}
        if text:
            out["text"] = text
        return out


# ------------------------------------------------------------------------------------------ standard codes

# REFERENCE.md §9 (verify before release).
INTRATHECAL_ROUTE: Final = Concept(SNOMED, "72607000", "Intrathecal route")
CEREBRAL_PALSY: Final = Concept(SNOMED, "128188000", "Cerebral palsy")
SPASTICITY: Final = Concept(SNOMED, "221360009", "Spasticity")
MAS_SNOMED: Final = Concept(SNOMED, "765771006", "Modified Ashworth scale")
RANGE_OF_JOINT_MOVEMENT: Final = Concept(SNOMED, "364564000", "Range of joint movement")
BACLOFEN: Final = Concept(RXNORM, "1292", "baclofen")
# Not in §9: the SNOMED CT laterality qualifiers of the FHIR bodysite-laterality value set.
LEFT: Final = Concept(SNOMED, "7771000", "Left")
RIGHT: Final = Concept(SNOMED, "24028007", "Right")
LATERALITY: Final[Mapping[str, Concept]] = {"left": LEFT, "right": RIGHT}

HEART_RATE: Final = Concept(LOINC, "8867-4", "Heart rate")
RESPIRATORY_RATE: Final = Concept(LOINC, "9279-1", "Respiratory rate")
BLOOD_PRESSURE_PANEL: Final = Concept(LOINC, "85354-9", "Blood pressure panel with all children optional")
SYSTOLIC: Final = Concept(LOINC, "8480-6", "Systolic blood pressure")
DIASTOLIC: Final = Concept(LOINC, "8462-4", "Diastolic blood pressure")
SPO2: Final = Concept(LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")
BODY_TEMPERATURE: Final = Concept(LOINC, "8310-5", "Body temperature")
BODY_WEIGHT: Final = Concept(LOINC, "29463-7", "Body weight")
BODY_HEIGHT: Final = Concept(LOINC, "8302-2", "Body height")  # not in §9: FHIR vital-signs set
WONG_BAKER: Final = Concept(LOINC, "38221-8", "Pain severity Wong-Baker FACES rating scale")

ICD10_CP: Final[Mapping[str, Concept]] = {
    c.code: c
    for c in (
        Concept(ICD10CM, "G80.0", "Spastic quadriplegic cerebral palsy"),
        Concept(ICD10CM, "G80.1", "Spastic diplegic cerebral palsy"),
        Concept(ICD10CM, "G80.2", "Spastic hemiplegic cerebral palsy"),
        Concept(ICD10CM, "G80.3", "Athetoid cerebral palsy"),
        Concept(ICD10CM, "G80.4", "Ataxic cerebral palsy"),
        Concept(ICD10CM, "G80.8", "Other cerebral palsy"),
        Concept(ICD10CM, "G80.9", "Cerebral palsy, unspecified"),
    )
}

VITAL_SIGNS_CATEGORY: Final = Concept(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
EXAM_CATEGORY: Final = Concept(OBSERVATION_CATEGORY, "exam", "Exam")
SURVEY_CATEGORY: Final = Concept(OBSERVATION_CATEGORY, "survey", "Survey")
ACTIVITY_CATEGORY: Final = Concept(OBSERVATION_CATEGORY, "activity", "Activity")
THERAPY_CATEGORY: Final = Concept(OBSERVATION_CATEGORY, "therapy", "Therapy")

INPATIENT_CLASS: Final = Concept(ACT_CODE, "IMP", "inpatient encounter")

NOT_PERFORMED: Final = Concept(DATA_ABSENT_REASON, "not-performed", "Not Performed")
NOT_APPLICABLE: Final = Concept(DATA_ABSENT_REASON, "not-applicable", "Not Applicable")
UNKNOWN: Final = Concept(DATA_ABSENT_REASON, "unknown", "Unknown")

PERFORMER: Final = Concept(MED_ADMIN_FUNCTION, "performer", "Performer")
VERIFIER: Final = Concept(MED_ADMIN_FUNCTION, "verifier", "Verifier")

AE_SEVERITIES: Final[Mapping[str, Concept]] = {
    s: Concept(AE_SEVERITY, s, s.capitalize()) for s in ("mild", "moderate", "severe")
}

CONDITION_ACTIVE: Final = Concept(CONDITION_CLINICAL, "active", "Active")
CONDITION_CONFIRMED: Final = Concept(CONDITION_VERIFICATION, "confirmed", "Confirmed")
PROBLEM_LIST_ITEM: Final = Concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
MEDICAL_RECORD_NUMBER: Final = Concept(IDENTIFIER_TYPE, "MR", "Medical record number")
PSEUDONYMIZED: Final = Concept(SECURITY_OBSERVATION, "PSEUDED", "pseudonymized")

# -------------------------------------------------------------------------------------------- local codes


def _table(system: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Concept]:
    return {code: Concept(system, code, display) for code, display in pairs}


# Observation codes (and component codes) of the trial, in ITB_SCALES.
SCALES: Final[Mapping[str, Concept]] = _table(
    ITB_SCALES,
    [
        ("mas", "Modified Ashworth Scale grade"),
        ("tardieu", "Modified Tardieu Scale"),
        ("tardieu-r1", "Tardieu R1: angle of catch at fast velocity"),
        ("tardieu-r2", "Tardieu R2: passive range at slow velocity"),
        ("tardieu-quality", "Tardieu X: quality of muscle reaction (0-5)"),
        *((f"rom-{m.code}", m.label) for m in ROM_MEASURES),
        ("fms-5m", "Functional Mobility Scale, 5 m"),
        ("fms-50m", "Functional Mobility Scale, 50 m"),
        ("fms-500m", "Functional Mobility Scale, 500 m"),
        ("ten-metre-walk-time", "10 m walk test time"),
        ("timed-up-and-go", "Timed Up and Go time"),
        ("six-minute-walk-distance", "6-minute walk distance"),
        ("penn-spasm-frequency", "Penn Spasm Frequency Scale (0-4)"),
        ("penn-spasm-severity", "Penn spasm severity (1-3)"),
        ("flacc", "FLACC pain score (0-10)"),
        ("numeric-pain-rating", "Numeric pain rating (0-10)"),
        ("umss", "University of Michigan Sedation Scale (0-4)"),
        ("gas", "Goal Attainment Scaling score (-2..+2)"),
        ("gas-baseline", "Goal Attainment Scaling score when the goal was set (-2..+2)"),
        ("gmfcs", "Gross Motor Function Classification System level (1-5)"),
        ("tone-pattern", "Tone pattern"),
        ("age-at-trial", "Age in whole years at the catheter placement"),
        ("itb-baseline-assessment", "ITB trial baseline assessment (panel)"),
        ("itb-reassessment", "ITB trial reassessment after the dose (panel)"),
        ("mas-mean-reduction", "Mean MAS reduction from the day's baseline (RULES.md R3)"),
        ("hours-after-dose", "Hours after the dose"),
        ("paired-muscle-sides", "Muscle-sides graded in both assessments"),
        ("itb-day-response", "Response to the day's ITB bolus (RULES.md R4)"),
        ("dose", "Bolus dose"),
        ("peak-mas-reduction", "Peak mean MAS reduction"),
        ("peak-hours", "Hours after the dose of the peak reduction"),
        ("effect-hours", "Hours after the dose of the last reduction at or above the threshold"),
        ("effect-censored", "Effect still present at the last reassessment"),
        ("effect-over-8h", "Effect lasted more than 8 h"),
        ("significant-adverse-effect", "Significant adverse effect on the day (RULES.md R5)"),
        ("itb-next-dose-plan", "Next day's ITB bolus decided by the team and family"),
        ("itb-candidacy-decision", "ITB pump candidacy decision"),
        ("initial-daily-dose", "Initial daily pump dose decided"),
        ("recommended-daily-dose", "Initial daily pump dose recommended by the label rule (RULES.md R6)"),
        ("recommendation-basis", "Basis of the recommended initial daily dose"),
    ],
)

MAS_GRADES: Final[Mapping[str, Concept]] = _table(
    ITB_MAS_GRADE, [("0", "0"), ("1", "1"), ("1+", "1+"), ("2", "2"), ("3", "3"), ("4", "4")]
)

_FMS_WORDS: Final[Mapping[str, str]] = {"C": "C (crawls)", "N": "N (does not do this distance)"}
FMS_LEVELS: Final[Mapping[str, Concept]] = _table(ITB_FMS_LEVEL, [(v, _FMS_WORDS.get(v, v)) for v in FMS_5M])

#: Where each ROM measure is taken (the joint, written as a local body-site code).
ROM_JOINTS: Final[Mapping[str, str]] = {
    "popliteal_angle": "knee",
    "knee_extension_deficit": "knee",
    "hip_flexion_contracture_thomas": "hip",
    "ankle_dorsiflexion_knee_extended": "ankle",
    "ankle_dorsiflexion_knee_flexed": "ankle",
    "hip_abduction_extended": "hip",
    "hip_abduction_flexed": "hip",
    "elbow_extension": "elbow",
}

BODY_SITES: Final[Mapping[str, Concept]] = _table(
    ITB_BODY_SITES,
    [
        *((m, MUSCLE_LABELS[m]) for m in ALL_MUSCLES),
        ("hip", "Hip joint"),
        ("knee", "Knee joint"),
        ("ankle", "Ankle joint"),
        ("elbow", "Elbow joint"),
    ],
)

_AE_WORDS: Final[Mapping[str, str]] = {"csf_leak": "CSF leak"}
ADVERSE_EVENTS: Final[Mapping[str, Concept]] = _table(
    ITB_ADVERSE_EVENTS, [(k, _AE_WORDS.get(k, k.replace("_", " ").capitalize())) for k in ADVERSE_EVENT_KINDS]
)

DECISION_OUTCOMES: Final[Mapping[str, Concept]] = _table(
    ITB_DECISION,
    [
        ("candidate", "Candidate for an ITB pump"),
        ("not_candidate", "Not a candidate for an ITB pump"),
        ("undecided", "Undecided"),
    ],
)

TONE: Final[Mapping[str, Concept]] = _table(ITB_TONE_PATTERN, [(t, t.capitalize()) for t in TONE_PATTERNS])

#: The R8 warning codes of :func:`trialapp.domain.dosing.check_dose` (a test keeps this list in step
#: with the domain), plus the neurosurgeon's override of the protocol maximum.
DOSE_WARNING_CODES: Final[tuple[str, ...]] = (
    "concentration_not_screening",
    "within_24h",
    "above_one_step",
    "under_4_years",
    "second_dose_same_day",
    "small_volume",
    "first_dose_above_first_step",
    "no_baseline",
    "weight_not_recorded",
    OVERRIDE_WARNING_CODE,
)
DOSE_WARNINGS: Final[Mapping[str, Concept]] = _table(
    ITB_DOSE_WARNINGS,
    [
        ("concentration_not_screening", "Concentration other than 50 mcg/mL for a screening bolus"),
        ("within_24h", "Less than 24 h since the previous bolus"),
        ("above_one_step", "More than one ladder step above the previous day's dose"),
        ("under_4_years", "Child under 4 years"),
        ("second_dose_same_day", "Second dose on the same trial day"),
        ("small_volume", "Volume below 0.1 mL"),
        ("first_dose_above_first_step", "First dose of the trial above the ladder's first step"),
        ("no_baseline", "No baseline assessment before the dose on its day"),
        ("weight_not_recorded", "Weight not recorded"),
        (OVERRIDE_WARNING_CODE, "Dose above the protocol maximum, overridden by a neurosurgeon"),
        ("other", "Other warning (code not known to this export)"),
    ],
)

CARE: Final[Mapping[str, Concept]] = _table(
    ITB_CARE,
    [
        ("itb-screening-trial", "Intrathecal baclofen screening trial"),
        ("itb-trial-day", "Intrathecal baclofen trial day"),
        ("catheter", "Placement of a temporary intrathecal catheter for an ITB trial"),
        ("lumbar_puncture", "Lumbar puncture for an ITB trial"),
    ],
)

#: UCUM units the export writes: code → the unit text shown beside it (doses in "mcg", never "µg").
UNITS: Final[Mapping[str, str]] = {
    "ug": "mcg",
    "ug/d": "mcg/day",
    "ug/mL": "mcg/mL",
    "mL": "mL",
    "kg": "kg",
    "cm": "cm",
    "/min": "/min",
    "%": "%",
    "mm[Hg]": "mmHg",
    "Cel": "°C",
    "deg": "degrees",
    "s": "s",
    "m": "m",
    "h": "h",
    "a": "years",
    "{score}": "points",
}

# --------------------------------------------------------------------------------------------- checking

_ALL_TABLES: Final = (
    SCALES,
    MAS_GRADES,
    FMS_LEVELS,
    BODY_SITES,
    ADVERSE_EVENTS,
    DECISION_OUTCOMES,
    TONE,
    DOSE_WARNINGS,
    CARE,
    ICD10_CP,
    AE_SEVERITIES,
)
_SINGLES: Final = (
    INTRATHECAL_ROUTE,
    CEREBRAL_PALSY,
    SPASTICITY,
    MAS_SNOMED,
    RANGE_OF_JOINT_MOVEMENT,
    BACLOFEN,
    LEFT,
    RIGHT,
    HEART_RATE,
    RESPIRATORY_RATE,
    BLOOD_PRESSURE_PANEL,
    SYSTOLIC,
    DIASTOLIC,
    SPO2,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    BODY_HEIGHT,
    WONG_BAKER,
    VITAL_SIGNS_CATEGORY,
    EXAM_CATEGORY,
    SURVEY_CATEGORY,
    ACTIVITY_CATEGORY,
    THERAPY_CATEGORY,
    INPATIENT_CLASS,
    NOT_PERFORMED,
    NOT_APPLICABLE,
    UNKNOWN,
    PERFORMER,
    VERIFIER,
    CONDITION_ACTIVE,
    CONDITION_CONFIRMED,
    PROBLEM_LIST_ITEM,
    MEDICAL_RECORD_NUMBER,
    PSEUDONYMIZED,
)


def _known_codes() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for table in _ALL_TABLES:
        for concept in table.values():
            found.setdefault(concept.system, set()).add(concept.code)
    for concept in _SINGLES:
        found.setdefault(concept.system, set()).add(concept.code)
    found.setdefault(UCUM, set()).update(UNITS)
    return {system: frozenset(codes) for system, codes in found.items()}


#: Every code the export may write, by system. A coding in one of these systems with any other code is
#: an export bug (the R4B models do not check code values against code systems).
KNOWN_CODES: Final[Mapping[str, frozenset[str]]] = _known_codes()

# ------------------------------------------------------------------------------------- cerebral palsy


@dataclass(frozen=True)
class CerebralPalsyCoding:
    """What the diagnosis text says in codes: cerebral palsy or not, and its ICD-10-CM G80 code."""

    cerebral_palsy: bool
    icd10: Concept | None


_CP = re.compile(r"\bcerebral\s+pals(?:y|ies)\b", re.IGNORECASE)
_CP_ABBREVIATION = re.compile(r"\bCP\b")  # capitals only: "cp" is too common in other words' places
_SPASTIC = re.compile(r"\bspastic", re.IGNORECASE)
_DYSKINETIC = re.compile(r"\b(?:dyskinetic|dystoni[ac]|athetoi?d|athetosis|choreo\w*)", re.IGNORECASE)
_ATAXIC = re.compile(r"\bataxi[ac]", re.IGNORECASE)
_MIXED = re.compile(r"\bmixed\b", re.IGNORECASE)
_TOPOGRAPHY: Final = (
    ("G80.0", re.compile(r"\b(?:quadripleg|tetrapleg|quadripar|tetrapar)\w*", re.IGNORECASE)),
    ("G80.1", re.compile(r"\b(?:dipleg|dipar)\w*", re.IGNORECASE)),
    ("G80.2", re.compile(r"\b(?:hemipleg|hemipar)\w*", re.IGNORECASE)),
)


def classify_cerebral_palsy(diagnosis: str | None, tone_pattern: str | None) -> CerebralPalsyCoding:
    """Read the free-text diagnosis (and the coded tone pattern) as ICD-10-CM G80.x when it is clear.

    Cerebral palsy is recognised by "cerebral palsy" or the capital abbreviation "CP". Then: more than
    one tone type (spastic, dyskinetic/dystonic/athetoid, ataxic; or "mixed", or tone pattern ``mixed``)
    → G80.8 "other" (ICD-10-CM files mixed CP there); dyskinetic only → G80.3; ataxic only → G80.4;
    spastic (or no tone word) with exactly one of quadri-/di-/hemiplegic → G80.0/G80.1/G80.2; anything
    else → G80.9 "unspecified". A site's coders should check the codes before production use.
    """
    text = diagnosis or ""
    if not (_CP.search(text) or _CP_ABBREVIATION.search(text)):
        return CerebralPalsyCoding(False, None)
    tones: set[str] = set()
    if _SPASTIC.search(text) or tone_pattern in ("spastic", "mixed"):
        tones.add("spastic")
    if _DYSKINETIC.search(text) or tone_pattern in ("dystonic", "mixed"):
        tones.add("dyskinetic")
    if _ATAXIC.search(text):
        tones.add("ataxic")
    if len(tones) > 1 or _MIXED.search(text):
        return CerebralPalsyCoding(True, ICD10_CP["G80.8"])
    if tones == {"dyskinetic"}:
        return CerebralPalsyCoding(True, ICD10_CP["G80.3"])
    if tones == {"ataxic"}:
        return CerebralPalsyCoding(True, ICD10_CP["G80.4"])
    found = [code for code, pattern in _TOPOGRAPHY if pattern.search(text)]
    if len(found) == 1:
        return CerebralPalsyCoding(True, ICD10_CP[found[0]])
    return CerebralPalsyCoding(True, ICD10_CP["G80.9"])
