"""R9: vital-sign alerts and the cited default table. Synthetic data only."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

import pytest

from trialapp.domain.records import Assessment, Vitals
from trialapp.domain.vitals import (
    VitalBands,
    VitalBandsError,
    alerts_for_assessment,
    band_for_age,
    bands_from_dict,
    bands_to_dict,
    load_default_bands,
    vital_alerts,
)


@pytest.fixture(scope="module")
def bands() -> VitalBands:
    return load_default_bands()


def raw_table() -> dict[str, Any]:
    text = resources.files("trialapp.resources").joinpath("clinical", "vital_bands.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


# ------------------------------------------------------------------------------------------------
# The default table and its sources
# ------------------------------------------------------------------------------------------------


def test_default_table_shape(bands: VitalBands) -> None:
    assert bands.bands[0].from_months == 0
    assert bands.bands[-1].to_months == 216  # 18 years
    for before, after in zip(bands.bands, bands.bands[1:], strict=False):
        assert after.from_months == before.to_months
    assert bands.spo2_low == 92
    assert (bands.sedation_warning_at, bands.sedation_urgent_at) == (3, 4)
    assert bands.urgent_codes == {"rr_low", "spo2_low"}


def test_default_table_cites_its_sources() -> None:
    citation = raw_table()["citation"]
    hr_rr = citation["heart_rate_and_respiratory_rate"]
    assert "Fleming" in hr_rr["reference"] and "Lancet 2011;377" in hr_rr["reference"]
    assert "1st" in hr_rr["centiles"] and "99th" in hr_rr["centiles"]
    assert "OxPrimaryCareStats/HRandBRPaedCentiles" in hr_rr["data_source"]
    assert "UNCONFIRMED" in hr_rr["status"]  # the printed Table 2 was not retrieved
    assert "PALS" in citation["systolic_blood_pressure"]["reference"]
    assert all(band["source"] for band in raw_table()["bands"])


def _pals_sbp_low(from_months: int, to_months: int) -> int:
    """PALS hypotension: < 60 mmHg term neonates, < 70 infants, < 70 + 2 × age (1–10 y), < 90 from 10 y."""
    if to_months <= 1:
        return 60
    if to_months <= 12:
        return 70
    if from_months < 120:
        return 70 + 2 * (from_months // 12)
    return 90


def test_sbp_limits_follow_pals(bands: VitalBands) -> None:
    for band in bands.bands:
        # Each band must lie within one PALS age step, else its limit would be wrong for part of it.
        assert (
            band.to_months <= 12
            or band.from_months // 12 == (band.to_months - 1) // 12
            or band.from_months >= 120
        )
        assert band.sbp_low == _pals_sbp_low(band.from_months, band.to_months), band.label


# The authors' monthly 1st/99th centiles around each Fleming band's middle age, transcribed from
# github.com/OxPrimaryCareStats/HRandBRPaedCentiles ("standalone app/heartrates.js", "resprates.js"):
# {band: (months either side of the middle, HR 1st, HR 99th, RR 1st, RR 99th)}.
AUTHORS_CENTILES: dict[
    tuple[int, int],
    tuple[tuple[int, ...], tuple[float, ...], tuple[float, ...], tuple[float, ...], tuple[float, ...]],
] = {
    (0, 3): ((1, 2), (108, 107.2), (181.7, 180.6), (25.2, 24.8), (66.8, 65.9)),
    (3, 6): ((4, 5), (104.7, 102.9), (176.4, 174.2), (24.1, 23.8), (64.2, 63.2)),
    (6, 9): ((7, 8), (98.9, 97), (169.6, 167.2), (23.1, 22.8), (61.4, 60.5)),
    (9, 12): ((10, 11), (94, 92.8), (162.4, 160.5), (22.3, 22), (58.6, 57.6)),
    (12, 18): ((15,), (88.4,), (155.8,), (20.7,), (53.2,)),
    (18, 24): ((21,), (82.1,), (149,), (18.9,), (45.7,)),
    (24, 36): ((30,), (75.8,), (141.9,), (17.3,), (38,)),
    (36, 48): ((42,), (70.4,), (136.5,), (17.1,), (32.9,)),
    (48, 72): ((60,), (65.5,), (130.7,), (16.8,), (29.1,)),
    (72, 96): ((84,), (59.1,), (123.4,), (15.5,), (26.6,)),
    (96, 144): ((120,), (52.3,), (114.8,), (13.8,), (24.7,)),
    (144, 180): ((162,), (47,), (108.2,), (12.2,), (23.4,)),
    (180, 216): ((198,), (43.1,), (103.7,), (10.5,), (21.6,)),
}


def _middle(values: tuple[float, ...]) -> int:
    mean = sum((Decimal(str(v)) for v in values), Decimal(0)) / len(values)
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_hr_rr_limits_are_the_authors_centiles_at_band_middle(bands: VitalBands) -> None:
    for (start, end), (_, hr1, hr99, rr1, rr99) in AUTHORS_CENTILES.items():
        inside = [b for b in bands.bands if start <= b.from_months and b.to_months <= end]
        assert inside, (start, end)
        assert inside[0].from_months == start and inside[-1].to_months == end
        for band in inside:
            assert (band.hr_low, band.hr_high, band.rr_low, band.rr_high) == (
                _middle(hr1),
                _middle(hr99),
                _middle(rr1),
                _middle(rr99),
            ), band.label


@pytest.mark.parametrize(
    ("age_months", "label"),
    [
        (0, "0–1 month (term neonate)"),
        (1, "1–3 months"),
        (11, "9–12 months"),
        (12, "12–18 months"),
        (47, "3–4 years"),
        (48, "4–5 years"),
        (119, "9–10 years"),
        (120, "10–12 years"),
        (215, "15–18 years"),
    ],
)
def test_band_for_age(bands: VitalBands, age_months: int, label: str) -> None:
    band = band_for_age(bands, age_months)
    assert band is not None and band.label == label


def test_band_for_age_outside(bands: VitalBands) -> None:
    assert band_for_age(bands, 216) is None
    with pytest.raises(ValueError):
        band_for_age(bands, -1)


# ------------------------------------------------------------------------------------------------
# Alerts at band edges, for several ages (limits themselves are in range)
# ------------------------------------------------------------------------------------------------

# age in months, vitals, expected {code: level}
EDGE_CASES: list[tuple[int, Vitals, dict[str, str]]] = [
    # 3–4 years: HR 70–137, RR 17–33, SBP ≥ 76
    (42, Vitals(hr=70, rr=17, sbp=76), {}),
    (42, Vitals(hr=137, rr=33), {}),
    (42, Vitals(hr=69), {"hr_low": "warning"}),
    (42, Vitals(hr=138), {"hr_high": "warning"}),
    (42, Vitals(rr=16), {"rr_low": "urgent"}),
    (42, Vitals(rr=16.5), {"rr_low": "urgent"}),
    (42, Vitals(rr=34), {"rr_high": "warning"}),
    (42, Vitals(sbp=75), {"sbp_low": "warning"}),
    # 6–9 months: HR 98–168, RR 23–61, SBP ≥ 70
    (6, Vitals(hr=98, rr=23, sbp=70), {}),
    (6, Vitals(hr=169, rr=22, sbp=69), {"hr_high": "warning", "rr_low": "urgent", "sbp_low": "warning"}),
    # term neonate: SBP ≥ 60
    (0, Vitals(sbp=60), {}),
    (0, Vitals(sbp=59), {"sbp_low": "warning"}),
    # 5–6 years: SBP ≥ 80 (70 + 2 × 5)
    (60, Vitals(sbp=80), {}),
    (71, Vitals(sbp=79), {"sbp_low": "warning"}),
    # 10–12 years: HR 52–115, RR 14–25, SBP ≥ 90
    (130, Vitals(hr=52, rr=14, sbp=90), {}),
    (130, Vitals(hr=51, rr=13, sbp=89), {"hr_low": "warning", "rr_low": "urgent", "sbp_low": "warning"}),
    (130, Vitals(hr=116, rr=26), {"hr_high": "warning", "rr_high": "warning"}),
    # 15–18 years: HR 43–104, RR 11–22
    (200, Vitals(hr=43, rr=11), {}),
    (200, Vitals(hr=42, rr=10.9), {"hr_low": "warning", "rr_low": "urgent"}),
    # SpO2 limit 92 %, any age
    (42, Vitals(spo2=92), {}),
    (42, Vitals(spo2=91.9), {"spo2_low": "urgent"}),
    (200, Vitals(spo2=85), {"spo2_low": "urgent"}),
    # values not recorded are not checked
    (42, Vitals(), {}),
    (42, Vitals(dbp=20, temp_c=39.5), {}),
]


@pytest.mark.parametrize(("age", "vitals", "expected"), EDGE_CASES)
def test_alerts_at_band_edges(bands: VitalBands, age: int, vitals: Vitals, expected: dict[str, str]) -> None:
    alerts = vital_alerts(vitals, None, age, bands)
    assert {a.code: a.level for a in alerts} == expected


@pytest.mark.parametrize(
    ("umss", "expected"),
    [(None, None), (0, None), (2, None), (3, "warning"), (4, "urgent")],
)
def test_sedation(bands: VitalBands, umss: int | None, expected: str | None) -> None:
    alerts = vital_alerts(None, umss, 42, bands)
    if expected is None:
        assert alerts == ()
    else:
        (alert,) = alerts
        assert (alert.code, alert.level, alert.value) == ("sedation", expected, float(umss or 0))
        assert f"UMSS) {umss}" in alert.message


def test_sedation_out_of_range(bands: VitalBands) -> None:
    with pytest.raises(ValueError):
        vital_alerts(None, 5, 42, bands)


def test_urgent_alerts_come_first(bands: VitalBands) -> None:
    alerts = vital_alerts(Vitals(hr=50, rr=12, spo2=88, sbp=70), 3, 50, bands)
    levels = [a.level for a in alerts]
    assert levels == sorted(levels, key=lambda level: level != "urgent")
    assert {a.code for a in alerts if a.level == "urgent"} == {"rr_low", "spo2_low"}
    assert {a.code for a in alerts if a.level == "warning"} == {"hr_low", "sbp_low", "sedation"}


def test_messages_say_value_limit_band_and_action(bands: VitalBands) -> None:
    (alert,) = vital_alerts(Vitals(rr=12), None, 42, bands)
    assert "12/min" in alert.message and "17/min" in alert.message
    assert "3–4 years" in alert.message and "call the doctor now" in alert.message
    assert alert.value == 12.0
    (alert,) = vital_alerts(Vitals(sbp=75), None, 42, bands)
    assert "75 mmHg" in alert.message and "76 mmHg" in alert.message and "doctor" in alert.message
    (alert,) = vital_alerts(Vitals(spo2=89), None, 42, bands)
    assert "89 %" in alert.message and "92 %" in alert.message and "oxygen" in alert.message


def test_no_band_for_the_age(bands: VitalBands) -> None:
    alerts = vital_alerts(Vitals(hr=30, spo2=85), None, 230, bands)
    assert {a.code: a.level for a in alerts} == {"spo2_low": "urgent", "no_band": "warning"}
    assert vital_alerts(Vitals(spo2=97), None, 230, bands) == ()


def test_alerts_for_assessment(bands: VitalBands) -> None:
    assessment = Assessment(
        kind="reassessment", at=datetime(2026, 11, 2, 13, 0), vitals=Vitals(rr=16), sedation_umss=3
    )
    # Born 2023-01-02: 45 months old on 2026-11-02 (3–4 years band, RR ≥ 17).
    alerts = alerts_for_assessment(assessment, date(2023, 1, 2), bands)
    assert [(a.code, a.level) for a in alerts] == [("rr_low", "urgent"), ("sedation", "warning")]


# ------------------------------------------------------------------------------------------------
# An edited table: building, validation, writing back
# ------------------------------------------------------------------------------------------------


def test_round_trip(bands: VitalBands) -> None:
    data = bands_to_dict(bands)
    assert bands_from_dict(data) == bands
    assert data["citation"] == raw_table()["citation"]
    assert json.loads(json.dumps(data)) == data


def test_site_can_escalate_and_edit(bands: VitalBands) -> None:
    data = bands_to_dict(bands)
    data["urgent_codes"] = ["rr_low", "spo2_low", "hr_low"]
    data["spo2_low"] = 94
    data["bands"][0]["hr_low"] = 100
    edited = bands_from_dict(data)
    (alert,) = vital_alerts(Vitals(hr=99), None, 0, edited)
    assert (alert.code, alert.level) == ("hr_low", "urgent")
    (alert,) = vital_alerts(Vitals(spo2=93), None, 42, edited)
    assert alert.code == "spo2_low"
    assert vital_alerts(Vitals(hr=99), None, 0, bands)[0].level == "warning"


def _broken(change: Any) -> list[str]:
    data = copy.deepcopy(raw_table())
    change(data)
    with pytest.raises(VitalBandsError) as info:
        bands_from_dict(data)
    assert isinstance(info.value, ValueError)
    return list(info.value.problems)


@pytest.mark.parametrize(
    ("change", "must_say"),
    [
        (lambda d: d["bands"][3].__setitem__("from_months", 7), "bands[3].from_months: must be 6"),
        (lambda d: d["bands"][3].__setitem__("from_months", 5), "overlap"),
        (lambda d: d["bands"].pop(3), "gap"),
        (lambda d: d["bands"].pop(0), "must start at 0"),
        (lambda d: d["bands"][2].__setitem__("hr_low", 200), "bands[2].hr_low: must be below hr_high"),
        (lambda d: d["bands"][2].__setitem__("rr_high", 10), "bands[2].rr_low: must be below rr_high"),
        (lambda d: d["bands"][2].__setitem__("sbp_low", -5), "bands[2].sbp_low: must be a number above 0"),
        (lambda d: d["bands"][2].__setitem__("hr_high", "fast"), "bands[2].hr_high"),
        (lambda d: d["bands"][2].__setitem__("hr_high", True), "bands[2].hr_high"),
        (lambda d: d["bands"][2].__setitem__("hr_hgih", 150), "bands[2].hr_hgih: unknown key"),
        (lambda d: d["bands"][2].pop("label"), "bands[2].label: missing"),
        (lambda d: d["bands"][2].__setitem__("to_months", 3), "bands[2].to_months: must be after"),
        (lambda d: d.__setitem__("spo2_low", 120), "spo2_low: must be a number from 50 to 100"),
        (lambda d: d.__setitem__("urgent_codes", ["spo2_low"]), "urgent_codes: must include rr_low"),
        (lambda d: d.__setitem__("urgent_codes", ["rr_low", "spo2_low", "pulse"]), "unknown code(s) pulse"),
        (
            lambda d: d.__setitem__("sedation_warning_at", 4) or d.__setitem__("sedation_urgent_at", 3),
            "sedation_warning_at: must not be above",
        ),
        (lambda d: d.__setitem__("sedation_urgent_at", 5), "sedation_urgent_at: must be a whole UMSS score"),
        (lambda d: d.__setitem__("bands", []), "bands: must be a non-empty list"),
        (lambda d: d.__setitem__("colour", "red"), "colour: unknown key"),
        (lambda d: d.__setitem__("format", "other/1"), "format: must be"),
    ],
)
def test_validation_says_what_is_wrong(change: Any, must_say: str) -> None:
    problems = _broken(change)
    assert any(must_say in p for p in problems), problems


def test_validation_lists_every_problem() -> None:
    def change(d: dict[str, Any]) -> None:
        d["spo2_low"] = 20
        d["bands"][1]["hr_low"] = -1
        d["urgent_codes"] = []

    problems = _broken(change)
    assert len(problems) >= 3


def test_not_a_table() -> None:
    with pytest.raises(VitalBandsError):
        bands_from_dict(["bands"])
