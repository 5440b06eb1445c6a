"""The protocol's configurable defaults, each with the source it comes from.

These are the values a new trial starts with (the admin may change the site's defaults; a trial keeps the
settings it was created with). ``trialapp protocol show`` and the new-trial wizard show them with sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialapp.domain.dosing import LADDERS
from trialapp.domain.numbers import plain_number
from trialapp.domain.records import ProtocolSettings


@dataclass(frozen=True)
class DefaultSetting:
    key: str
    label: str
    value: str
    source: str


DEFAULT_SETTINGS = ProtocolSettings()


def _ladder_text(ladder: str) -> str:
    return " → ".join(f"{step} mcg" for step in LADDERS[ladder])


def protocol_defaults(settings: ProtocolSettings = DEFAULT_SETTINGS) -> tuple[DefaultSetting, ...]:
    """Every configurable default of RULES.md with its value and its source, for display."""
    hours = ", ".join(f"{h:g}" for h in settings.schedule_hours)
    return (
        DefaultSetting("ladder", "Dose ladder", f"{settings.ladder}: {_ladder_text(settings.ladder)}",
                       "Lioresal/Gablofen label screening sequence 50 → 75 → 100 mcg, 24 h apart (drugs.com); "
                       "RULES.md R7"),
        DefaultSetting("small_child_ladder", "Ladder for a child under 4 years",
                       f"small child: {_ladder_text('small_child')}",
                       "Boster AL et al., Neuromodulation 2016;19:616-22 (25 mcg first dose in very small "
                       "children); label: safety not established under 4 years"),
        DefaultSetting("mas_coding", "MAS numeric coding", f"{settings.mas_coding} (1+ counts as 1.5)",
                       "CPRN registry coding; research alternative 0–5 (RULES.md R1)"),
        DefaultSetting("region", "Region for the tone response", settings.region,
                       "Gilmartin 2000, J Child Neurol 15:71-77: mean lower-limb Ashworth change"),
        DefaultSetting("threshold", "Responder threshold (mean MAS reduction)", plain_number(settings.threshold),
                       "Gilmartin 2000: a reduction of at least 1.0 point (some adult series used 2)"),
        DefaultSetting("schedule_hours", "Reassessments after each dose (hours)", hours,
                       "Local default (not confirmed as a fixed grid): peak about 4 h, effect 4–8 h (Lioresal HCP); "
                       "assess at least twice within 4 h (Boster 2016)"),
        DefaultSetting("late_after_minutes", "A reassessment is early or late beyond (minutes from its slot)",
                       str(settings.late_after_minutes), "Local default (RULES.md R10)"),
        DefaultSetting("max_dose_mcg", "Protocol maximum bolus", f"{settings.max_dose_mcg} mcg",
                       "Label: no response to 100 mcg means not a candidate (RULES.md R8)"),
        DefaultSetting("concentration", "Screening concentration", "50 mcg/mL",
                       "Label: only 50 mcg/mL is the screening strength; 500/1000/2000 mcg/mL are pump "
                       "strengths (ISMP high-alert medicine)"),
        DefaultSetting("spo2_low", "SpO2 alert below", "92 %", "RULES.md R9 (configurable)"),
        DefaultSetting("vital_bands", "Heart and breathing rate bands by age",
                       "1st–99th centiles by age band",
                       "Fleming S et al., Lancet 2011;377:1011-18; systolic BP lower limit from the PALS "
                       "hypotension definition"),
    )
