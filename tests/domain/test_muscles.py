"""R2: muscles, sides, regions; ROM measures with their published thresholds."""

from __future__ import annotations

import pytest

from trialapp.domain.muscles import (
    ALL_MUSCLES,
    LOWER_MUSCLES,
    MUSCLE_LABELS,
    REGIONS,
    ROM_MEASURES,
    SIDES,
    UPPER_MUSCLES,
    is_rom_abnormal,
    muscles_for_region,
    rom_measure,
)


def test_lower_muscles_in_rules_order() -> None:
    assert LOWER_MUSCLES == (
        "hip_flexors",
        "hip_adductors",
        "hip_extensors",
        "hip_internal_rotators",
        "knee_flexors",
        "knee_extensors",
        "ankle_plantarflexors_gastrocnemius",
        "ankle_plantarflexors_soleus",
    )


def test_upper_muscles_in_rules_order() -> None:
    assert UPPER_MUSCLES == (
        "shoulder_adductors",
        "elbow_flexors",
        "elbow_extensors",
        "forearm_pronators",
        "wrist_flexors",
        "finger_flexors",
    )


def test_all_is_both_and_sides_and_regions() -> None:
    assert ALL_MUSCLES == LOWER_MUSCLES + UPPER_MUSCLES
    assert len(set(ALL_MUSCLES)) == 14
    assert SIDES == ("left", "right")
    assert REGIONS == ("lower", "upper", "all")


def test_muscles_for_region() -> None:
    assert muscles_for_region("lower") == LOWER_MUSCLES
    assert muscles_for_region("upper") == UPPER_MUSCLES
    assert muscles_for_region("all") == ALL_MUSCLES


@pytest.mark.parametrize("region", ["Lower", "legs", "", "both"])
def test_unknown_region_is_rejected(region: str) -> None:
    with pytest.raises(ValueError, match="lower, upper, all"):
        muscles_for_region(region)


def test_every_muscle_has_a_plain_label() -> None:
    assert set(MUSCLE_LABELS) == set(ALL_MUSCLES)
    assert MUSCLE_LABELS["hip_adductors"] == "Hip adductors"
    assert (
        MUSCLE_LABELS["ankle_plantarflexors_gastrocnemius"]
        == "Ankle plantarflexors (gastrocnemius, knee extended)"
    )
    assert MUSCLE_LABELS["ankle_plantarflexors_soleus"] == "Ankle plantarflexors (soleus, knee flexed)"
    assert "_" not in "".join(MUSCLE_LABELS.values())


def test_rom_codes_are_exactly_the_format_list() -> None:
    assert tuple(m.code for m in ROM_MEASURES) == (
        "popliteal_angle",
        "knee_extension_deficit",
        "hip_flexion_contracture_thomas",
        "ankle_dorsiflexion_knee_extended",
        "ankle_dorsiflexion_knee_flexed",
        "hip_abduction_extended",
        "hip_abduction_flexed",
        "elbow_extension",
    )


def test_popliteal_angle_above_50_is_abnormal_katz_1992() -> None:
    popliteal = rom_measure("popliteal_angle")
    assert (popliteal.threshold_deg, popliteal.abnormal_when) == (50.0, "above")
    assert "Katz 1992" in popliteal.source
    assert is_rom_abnormal("popliteal_angle", 50) is False  # "> 50°": 50 itself is not abnormal
    assert is_rom_abnormal("popliteal_angle", 51) is True


def test_published_thresholds_from_reference() -> None:
    assert (
        rom_measure("knee_extension_deficit").threshold_deg,
        rom_measure("knee_extension_deficit").abnormal_when,
    ) == (40.0, "above")
    assert is_rom_abnormal("hip_flexion_contracture_thomas", 0) is False
    assert is_rom_abnormal("hip_flexion_contracture_thomas", 5) is True
    for code in ("ankle_dorsiflexion_knee_extended", "ankle_dorsiflexion_knee_flexed"):
        assert rom_measure(code).abnormal_when == "below"
        assert "EXECP" in rom_measure(code).source
        assert is_rom_abnormal(code, 17) is True
        assert is_rom_abnormal(code, 18) is False


def test_measures_without_a_published_threshold() -> None:
    for code in ("hip_abduction_extended", "hip_abduction_flexed", "elbow_extension"):
        assert rom_measure(code).threshold_deg is None
        assert is_rom_abnormal(code, 10) is None


def test_unknown_rom_measure_is_rejected() -> None:
    with pytest.raises(ValueError, match="popliteal_angle"):
        rom_measure("popliteal")
