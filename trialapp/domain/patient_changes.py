"""The differences between a patient on file and the same MRN's patient in an imported document.

Interchange revision 2 (RULES.md, "Interchange"): importing a trial for an MRN already on file compares the
file's patient with the stored one field by field (names, birth date, sex, weight, height, allergies,
diagnosis, language); any difference refuses the import and lists each one ("allergies: on file none; in
the file baclofen, latex"), unless the user takes the file's values as an audited correction.

Pure Python: no SQL, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from trialapp.domain.numbers import plain_number
from trialapp.domain.records import Patient

__all__ = ["COMPARED_FIELDS", "PatientDifference", "patient_differences"]

#: The patient fields an import compares (and an accepted correction takes from the file), with their words.
COMPARED_FIELDS: Final[Mapping[str, str]] = {
    "given_name": "given name",
    "family_name": "family name",
    "birth_date": "birth date",
    "sex": "sex",
    "weight_kg": "weight",
    "height_cm": "height",
    "allergies": "allergies",
    "diagnosis": "diagnosis",
    "language": "language",
}
_UNITS: Final = {"weight_kg": " kg", "height_cm": " cm"}
_LANGUAGES: Final = {"en": "English", "es": "Spanish"}


@dataclass(frozen=True)
class PatientDifference:
    """One field that differs: its name in the records, and the value on file and in the file."""

    field: str
    on_file: object
    in_file: object

    def __str__(self) -> str:
        words = COMPARED_FIELDS[self.field]
        return (
            f"{words}: on file {_words(self.field, self.on_file)}; "
            f"in the file {_words(self.field, self.in_file)}"
        )


def _words(field: str, value: object) -> str:
    if field == "allergies":
        return ", ".join(str(a) for a in value) if isinstance(value, tuple) and value else "none"
    if value is None or value == "":
        return "not recorded"
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, int | float):
        return plain_number(value) + _UNITS.get(field, "")
    if field == "language":
        return _LANGUAGES.get(str(value), str(value))
    return str(value)


def _allergy_key(value: object) -> list[str]:
    entries = value if isinstance(value, tuple | list) else ()
    return sorted(str(x).casefold() for x in entries)


def _same(field: str, a: object, b: object) -> bool:
    if field == "allergies":
        # The same allergies in another order or case are the same record.
        return _allergy_key(a) == _allergy_key(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


def patient_differences(on_file: Patient, in_file: Patient) -> tuple[PatientDifference, ...]:
    """Every compared field (:data:`COMPARED_FIELDS`, in that order) whose value differs between the patient
    on file and the file's patient; empty when they agree (interchange revision 2)."""
    out: list[PatientDifference] = []
    for field in COMPARED_FIELDS:
        a, b = getattr(on_file, field), getattr(in_file, field)
        if not _same(field, a, b):
            out.append(PatientDifference(field, a, b))
    return tuple(out)
