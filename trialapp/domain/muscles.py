"""Muscle groups, sides, regions (RULES.md R2) and goniometric range-of-motion measures (REFERENCE.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

LOWER_MUSCLES: Final[tuple[str, ...]] = (
    "hip_flexors",
    "hip_adductors",
    "hip_extensors",
    "hip_internal_rotators",
    "knee_flexors",
    "knee_extensors",
    "ankle_plantarflexors_gastrocnemius",
    "ankle_plantarflexors_soleus",
)
UPPER_MUSCLES: Final[tuple[str, ...]] = (
    "shoulder_adductors",
    "elbow_flexors",
    "elbow_extensors",
    "forearm_pronators",
    "wrist_flexors",
    "finger_flexors",
)
ALL_MUSCLES: Final[tuple[str, ...]] = LOWER_MUSCLES + UPPER_MUSCLES
SIDES: Final[tuple[str, ...]] = ("left", "right")
REGIONS: Final[tuple[str, ...]] = ("lower", "upper", "all")

MUSCLE_LABELS: Final[dict[str, str]] = {
    "hip_flexors": "Hip flexors",
    "hip_adductors": "Hip adductors",
    "hip_extensors": "Hip extensors",
    "hip_internal_rotators": "Hip internal rotators",
    "knee_flexors": "Knee flexors (hamstrings)",
    "knee_extensors": "Knee extensors (quadriceps)",
    "ankle_plantarflexors_gastrocnemius": "Ankle plantarflexors (gastrocnemius, knee extended)",
    "ankle_plantarflexors_soleus": "Ankle plantarflexors (soleus, knee flexed)",
    "shoulder_adductors": "Shoulder adductors",
    "elbow_flexors": "Elbow flexors",
    "elbow_extensors": "Elbow extensors",
    "forearm_pronators": "Forearm pronators",
    "wrist_flexors": "Wrist flexors",
    "finger_flexors": "Finger flexors",
}

REGION_LABELS: Final[dict[str, str]] = {
    "lower": "lower limbs",
    "upper": "upper limbs",
    "all": "all limbs",
}


def muscles_for_region(region: str) -> tuple[str, ...]:
    """Return the muscle codes of ``region`` (``lower``, ``upper`` or ``all``) in R2 order.

    Raises :class:`ValueError` for any other region.
    """
    if region == "lower":
        return LOWER_MUSCLES
    if region == "upper":
        return UPPER_MUSCLES
    if region == "all":
        return ALL_MUSCLES
    raise ValueError(f'Unknown region "{region}". Use one of: {", ".join(REGIONS)}.')


@dataclass(frozen=True)
class RomMeasure:
    """One goniometric range-of-motion measure with its published abnormal threshold, if any.

    ``threshold_deg`` and ``abnormal_when`` are ``None`` when the reference gives only a typical range.
    A value is abnormal when it is strictly above (or below) the threshold, as the sources word it
    ("> 50°", "< 18°").
    """

    code: str
    label: str
    threshold_deg: float | None
    abnormal_when: Literal["above", "below"] | None
    source: str
    note: str = ""


ROM_MEASURES: Final[tuple[RomMeasure, ...]] = (
    RomMeasure(
        "popliteal_angle",
        "Popliteal angle",
        50.0,
        "above",
        "Katz 1992 (REFERENCE.md §5)",
        "More than 50° is abnormal (tight hamstrings).",
    ),
    RomMeasure(
        "knee_extension_deficit",
        "Passive knee extension deficit",
        40.0,
        "above",
        "REFERENCE.md §5",
        "More than 40° suggests short hamstrings.",
    ),
    RomMeasure(
        "hip_flexion_contracture_thomas",
        "Hip flexion contracture (Thomas test)",
        0.0,
        "above",
        "REFERENCE.md §5",
        "Any angle above 0° is a hip flexion contracture.",
    ),
    RomMeasure(
        "ankle_dorsiflexion_knee_extended",
        "Ankle dorsiflexion, knee extended",
        18.0,
        "below",
        "EXECP (REFERENCE.md §5)",
        "Less than 18° suggests a short gastrocnemius.",
    ),
    RomMeasure(
        "ankle_dorsiflexion_knee_flexed",
        "Ankle dorsiflexion, knee flexed",
        18.0,
        "below",
        "EXECP (REFERENCE.md §5)",
        "Less than 18° suggests a short soleus.",
    ),
    RomMeasure(
        "hip_abduction_extended",
        "Hip abduction, hips and knees extended",
        None,
        None,
        "REFERENCE.md §5",
        "Typical 40–45°; no abnormal threshold is published.",
    ),
    RomMeasure(
        "hip_abduction_flexed",
        "Hip abduction, hips and knees flexed",
        None,
        None,
        "REFERENCE.md §5",
        "Typical 40–45°; no abnormal threshold is published.",
    ),
    RomMeasure(
        "elbow_extension",
        "Elbow extension",
        None,
        None,
        "REFERENCE.md §5",
        "No abnormal threshold is published.",
    ),
)

ROM_MEASURE_CODES: Final[tuple[str, ...]] = tuple(m.code for m in ROM_MEASURES)


def rom_measure(code: str) -> RomMeasure:
    """Return the ROM measure with ``code``; unknown codes raise :class:`ValueError`."""
    for measure in ROM_MEASURES:
        if measure.code == code:
            return measure
    raise ValueError(f'Unknown range-of-motion measure "{code}". Use one of: {", ".join(ROM_MEASURE_CODES)}.')


def is_rom_abnormal(code: str, deg: float) -> bool | None:
    """Whether ``deg`` is beyond the published threshold for ``code``; ``None`` when none is published."""
    measure = rom_measure(code)
    if measure.threshold_deg is None or measure.abnormal_when is None:
        return None
    if measure.abnormal_when == "above":
        return deg > measure.threshold_deg
    return deg < measure.threshold_deg
