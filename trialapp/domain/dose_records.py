"""The R8 checks of doses already recorded (an imported file, a printed summary), as opposed to a dose
being ordered at the bedside (:func:`trialapp.domain.dosing.check_dose` with bedside facts).

Pure Python: no Qt, no SQL, no files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from trialapp.domain.dosing import (
    OVERRIDE_WARNING_CODE,
    DoseCheckResult,
    DoseContext,
    DoseEntry,
    Finding,
    PriorDose,
    check_dose,
)
from trialapp.domain.records import AcknowledgedWarning, Dose, Trial


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def override_from_acknowledged(
    acknowledged: Iterable[AcknowledgedWarning],
) -> AcknowledgedWarning | None:
    """The neurosurgeon's override of the protocol maximum among acknowledged warnings, if any
    (code ``above_maximum_override`` with a non-empty reason)."""
    for item in acknowledged:
        if item.code == OVERRIDE_WARNING_CODE and not _blank(item.reason):
            return item
    return None


def dose_entry_from_record(dose: Dose, day: int) -> DoseEntry:
    """A DoseEntry for checking a recorded (e.g. imported) dose with :func:`check_dose`.

    Records carry who gave and who checked the dose but not the two blind entries, so the double
    check is not required (``require_double_check=False``); giver and checker being the same person
    is still an error. An acknowledged warning ``above_maximum_override`` with a reason counts as a
    neurosurgeon's override (the record format stores only neurosurgeon overrides under that code).
    Usage: ``check_dose(dose_entry_from_record(dose, day), ctx).errors``.
    """
    override = override_from_acknowledged(dose.warnings_acknowledged)
    return DoseEntry(
        dose_mcg=dose.dose_mcg,
        concentration_mcg_per_ml=dose.concentration_mcg_per_ml,
        volume_ml=dose.volume_ml,
        given_at=dose.given_at,
        trial_day=day,
        entered_by=dose.given_by,
        checked_by=dose.checked_by,
        override_reason=override.reason if override is not None else None,
        override_by_neurosurgeon=override is not None,
        require_double_check=False,
    )


@dataclass(frozen=True)
class RecordedDoseCheck:
    """The R8 check of one recorded dose: its trial day, its index in that day's doses, the result."""

    day: int
    index: int
    result: DoseCheckResult


def check_recorded_doses(trial: Trial, birth_date: date) -> tuple[RecordedDoseCheck, ...]:
    """Check every dose of a recorded trial with :func:`check_dose`, in time order.

    Each dose is checked against the doses before it (by time, then day, then position), so that a
    duplicated dose is reported as a second dose, not hidden.
    """
    ordered = sorted(
        ((d.day, i, dose) for d in trial.days for i, dose in enumerate(d.doses)),
        key=lambda item: (item[2].given_at, item[0], item[1]),
    )
    results: list[RecordedDoseCheck] = []
    prior: list[PriorDose] = []
    for day, index, dose in ordered:
        ctx = DoseContext(trial.settings, birth_date, tuple(prior))
        results.append(RecordedDoseCheck(day, index, check_dose(dose_entry_from_record(dose, day), ctx)))
        prior.append(PriorDose(day, dose.given_at, dose.dose_mcg))
    return tuple(results)


def unacknowledged_warnings(
    result: DoseCheckResult, acknowledged: Iterable[AcknowledgedWarning]
) -> tuple[Finding, ...]:
    """The warnings of ``result`` that have no acknowledgement with a non-empty reason."""
    done = {a.code for a in acknowledged if not _blank(a.reason)}
    return tuple(w for w in result.warnings if w.code not in done)
