"""The clinical summary: identifiers, settings, doses with both double-check entries, results, decision,
corrections, footer with page numbers, who printed it and the audit chain head; fonts embedded."""

from __future__ import annotations

import copy
import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from tests.helpers import demo_json
from trialapp.domain.summary import summarize_trial
from trialapp.interchange.trial_json import parse_trial_document
from trialapp.reports.clinical import ClinicalReportData, Correction, DoubleCheck, build_clinical_pdf
from trialapp.reports.layout import ClinicContact

HEAD = "ab" * 32
PRINTED_AT = datetime(2026, 11, 5, 14, 3, tzinfo=UTC)


def _data(raw: dict[str, Any], **kw: Any) -> ClinicalReportData:
    doc = parse_trial_document(raw)
    fields: dict[str, Any] = {
        "trial_id": "T2345678",
        "state": "completed",
        "doc": doc,
        "summary": summarize_trial(doc.trial),
        "printed_by": "Dr Nik Demo-Surgeon",
        "printed_at": PRINTED_AT,
        "chain_head": HEAD,
        "clinic": ClinicContact("Riverside Children's Hospital", "+1 (555) 010-4477", "911"),
    }
    fields.update(kw)
    return ClinicalReportData(**fields)


def _pages(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return " ".join(_pages(pdf))


@pytest.fixture(scope="module")
def responder_pdf() -> bytes:
    return build_clinical_pdf(_data(demo_json()))


def test_header_identifies_patient_trial_and_settings(responder_pdf: bytes) -> None:
    text = _text(responder_pdf)
    for expected in (
        "Alex Demo",
        "DEMO-0001",
        "2016-04-12",
        "T2345678",
        "cefazolin",
        "GMFCS level 4",
        "standard: 50 mcg → 75 mcg → 100 mcg",
        "CPRN registry coding",
        "lower limbs",
        "peak reduction ≥ 1.0",
        "1, 2, 4, 6, 8 h after each dose",
        "L3-L4",
    ):
        assert expected in text, expected
    # Every page names the patient (a loose page can be filed back).
    for page in _pages(responder_pdf):
        assert "Alex Demo · MRN DEMO-0001 · born 2016-04-12 · ITB trial T2345678" in page


def test_people_doses_and_results(responder_pdf: bytes) -> None:
    text = _text(responder_pdf)
    assert "pt.demo.jones" in text and "dr.demo.lee" in text and "rn.demo.smith" in text
    assert "double-checked doses" in text
    for day, dose in ((1, "50 mcg"), (2, "75 mcg"), (3, "75 mcg")):
        assert f"Day {day}: " in text and f"— {dose} at 09:00" in text
    assert re.search(r"\b1 mL", text) and "1.5 mL" in text and "50 mcg/mL" in text
    # R4 per day with its explanation, R6 with its basis, and the signed decision.
    assert "Not a responder: peak 0.75 at 4 h < threshold 1.0." in text
    assert text.count("Responder: peak 1.25 at 4 h ≥ threshold 1.0; effect lasted to 6 h") == 2
    assert "Recommended initial pump dose: 150 mcg/day — basis: twice the screening dose." in text
    assert "Candidacy decision: CANDIDATE for an implanted pump" in text
    assert "Initial daily pump dose: 150 mcg/day." in text
    assert "Decided by dr.demo.lee, 2026-11-04 17:30." in text
    # Imported doses have no blind entries: the page says so instead of inventing them.
    assert "imported record: the two blind entries were not kept" in text


def test_mas_grid_adverse_events_vitals_and_plans(responder_pdf: bytes) -> None:
    text = _text(responder_pdf)
    assert "Hip adductors" in text and "Gastrocnemius" in text and "NT" in text and "1+" in text
    assert re.search(r"Reduction( [—0-9.+-]+)+", text) and "1.25" in text
    assert "Tardieu" in text and "110/150 X2" in text
    assert "Popliteal angle" in text
    assert "102/64" in text and "36.8 °C" in text and "0 FLACC" in text
    assert "nausea" in text and "Ondansetron by mouth; settled." in text
    assert "Day plan: next dose 75 mcg." in text
    assert "Sit in wheelchair for 2 hours" in text


def test_footer_has_page_n_of_m_printer_time_and_chain_head(responder_pdf: bytes) -> None:
    pages = _pages(responder_pdf)
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
        assert "Printed by Dr Nik Demo-Surgeon, at 2026-11-05 14:03 +00:00" in page
        assert f"Audit chain head: {HEAD}" in page


def test_double_check_entries_and_warnings_are_printed() -> None:
    raw = demo_json("demo_small_child.json")
    checks = {
        (1, 0): DoubleCheck(
            25,
            50,
            25,
            50,
            "dr.lee",
            "rn.smith",
            datetime(2026, 10, 19, 9, 2),
            {"under_4_years": "The child is 3 years old: safety is not established under 4."},
        ),
        (2, 0): DoubleCheck(50, 50, 50, 500, "dr.lee", "rn.smith", None),
    }
    text = _text(
        build_clinical_pdf(_data(raw, double_checks=checks, people={"dr.lee": "Dr Lee, neurosurgeon"}))
    )
    assert "1st: 25 mcg at 50 mcg/mL" in text and "2nd: 25 mcg at 50 mcg/mL" in text
    assert "entries match" in text and "signed 2026-10-19 09:02" in text
    assert "2nd: 50 mcg at 500 mcg/mL" in text and "ENTRIES DIFFER" in text
    assert "dr.lee — Dr Lee, neurosurgeon" in text
    assert "The child is 3 years old: safety is not established under 4.. Reason:" not in text
    assert "The child is 3 years old: safety is not established under 4. Reason: Small-child ladder" in text
    assert "under_4_years" not in text  # the check's words, not its code
    assert text.count("Reason: Small-child ladder agreed by the team and family") == 3
    # Day 2's moderate drowsiness is significant (R5), so R6 starts at the screening dose.
    assert "significant" in text
    assert "Recommended initial pump dose: 50 mcg/day — basis: screening dose (adverse effects)." in text


def test_unacknowledged_r8_warnings_are_flagged() -> None:
    raw = demo_json("demo_small_child.json")
    for day in raw["trial"]["days"]:
        for dose in day["doses"]:
            dose["warnings_acknowledged"] = []
    text = _text(build_clinical_pdf(_data(raw)))
    assert text.count("Dose-check warning with no recorded acknowledgement: ") == 3
    assert "under_4_years" not in text  # the check's words, not its code


def test_no_decision_and_missing_site_settings_are_flagged() -> None:
    raw = demo_json()
    raw["trial"]["decision"] = None
    text = _text(build_clinical_pdf(_data(raw, clinic=ClinicContact())))
    assert "Candidacy decision: no decision yet." in text
    assert "CANDIDATE" not in text
    assert "Clinic phone not set" in text and "Emergency number not set" in text
    assert "Clinic name not set" in text


def test_corrections_are_listed_with_their_reasons() -> None:
    corrections = (
        Correction(
            "2026-11-03T10:15:00+00:00",
            "user:dr.lee",
            "update",
            "doses",
            "7",
            "lot",
            "DEMO-L2291",
            "DEMO-L2292",
            "Lot number misread from the syringe label.",
        ),
    )
    text = _text(build_clinical_pdf(_data(demo_json(), corrections=corrections)))
    assert "Corrections and reasons (audit trail)" in text
    assert "Lot number misread from the syringe label." in text
    assert "DEMO-L2291 → DEMO-L2292" in text
    empty = _text(build_clinical_pdf(_data(demo_json())))
    assert "No record of this trial was corrected" in empty


def test_an_extra_fourth_day_renders_with_its_own_section() -> None:
    raw = demo_json("demo_nonresponder.json")
    day4 = copy.deepcopy(raw["trial"]["days"][2])
    day4["day"], day4["date"] = 4, "2026-10-15"
    for a in day4["assessments"]:
        a["at"] = a["at"].replace("2026-10-14", "2026-10-15")
    for e in day4["adverse_events"]:
        e["at"] = e["at"].replace("2026-10-14", "2026-10-15")
    day4["doses"][0]["given_at"] = "2026-10-15T09:00"
    day4["doses"][0]["warnings_acknowledged"] = []
    raw["trial"]["days"].append(day4)
    text = _text(build_clinical_pdf(_data(raw)))
    assert "Day 4: Thu 15 Oct 2026 — 100 mcg at 09:00" in text
    assert "no response to 100 mcg: not a candidate by the labelled screening criterion" in text


@pytest.mark.parametrize(("paper", "size"), [("A4", (595.28, 841.89)), ("letter", (612, 792))])
def test_both_paper_sizes_with_every_font_embedded(paper: str, size: tuple[float, float]) -> None:
    pdf = build_clinical_pdf(_data(demo_json()), paper=paper)
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(size, abs=0.01)
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for font in fonts.values():
            obj = font.get_object()
            assert "/FontDescriptor" in obj, f"{obj['/BaseFont']} is not embedded"
            assert "/FontFile2" in obj["/FontDescriptor"], obj["/BaseFont"]
    assert re.search(r"page 1 of \d+", _pages(pdf)[0])


def test_an_all_nt_day_shows_dashes_for_mean_and_reduction_not_blanks() -> None:
    raw = copy.deepcopy(demo_json())
    for assessment in raw["trial"]["days"][0]["assessments"]:
        if assessment["kind"] == "reassessment":
            for entry in assessment["mas"]:
                entry["grade"] = "NT"
    text = _text(build_clinical_pdf(_data(raw)))
    # Baseline column then five reassessments: no paired value anywhere on day 1.
    assert "Mean (paired) — — — — — —" in text
    assert "Reduction — — — — —" in text


def test_pdf_dose_response_markers_are_filled_for_responder_days_as_on_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trialapp.domain.chart_series import dose_response_chart
    from trialapp.reports import pdf_charts

    drawn: list[bool] = []
    original = pdf_charts._marker

    def recording(shape: str, filled: bool, x: float, y: float, r: float) -> Any:
        drawn.append(filled)
        return original(shape, filled, x, y, r)

    monkeypatch.setattr(pdf_charts, "_marker", recording)
    chart = dose_response_chart(parse_trial_document(demo_json()))
    pdf_charts.dose_response_chart(chart, width=250, title="Dose response")
    # Day 1 (50 mcg) did not respond; days 2 and 3 (75 mcg) did (demo README).
    assert drawn == [p.responder is True for p in chart.points] == [False, True, True]


def test_a_day_still_running_is_printed_so_far_never_not_a_responder() -> None:
    from tests.reports.test_family import in_progress_json

    text = _text(build_clinical_pdf(_data(in_progress_json(), state="active")))
    day2 = text[text.index("Day 2:") :]
    assert "Not a responder" not in day2
    assert "Results not in yet: peak" in text and "so far" in text
    assert "results not in yet" in text  # the results table
    assert "Suggestion: none until the day's reassessments are in." in text


def test_a_null_next_dose_in_a_plan_is_printed_not_recorded() -> None:
    raw = demo_json("demo_nonresponder.json")  # day 3's plan has next_dose_mcg null
    text = _text(build_clinical_pdf(_data(raw)))
    assert "Day plan: next dose not recorded." in text
    assert "no further dose" not in text


def test_r14_reasons_print_with_the_decision_line_by_line() -> None:
    raw = copy.deepcopy(demo_json("demo_responder.json"))
    raw["trial"]["decision"]["rationale"] = (
        "Clear response.\n\nSigned despite these warnings (R14):\n"
        "- Day 3's 8 h reassessment is still due. Reason: Catheter out at 6 h"
    )
    pages = _pages(build_clinical_pdf(_data(raw)))
    text = " ".join(pages)
    assert "Signed despite these warnings (R14):" in text
    assert "Day 3's 8 h reassessment is still due. Reason: Catheter out at 6 h" in text


def test_near_misses_are_counted_per_day(responder_pdf: bytes) -> None:
    # R8 revision 2: every day says how many refused or discarded double checks it had.
    assert "Near misses caught by the double check: 0" in _text(responder_pdf)
    pages = _pages(build_clinical_pdf(_data(demo_json(), near_misses={2: 3})))
    day2 = next(p for p in pages if "Day 2:" in p and "Doses and their safety checks" in p)
    assert "Near misses caught by the double check: 3" in day2
    day1 = next(p for p in pages if "Day 1:" in p and "Doses and their safety checks" in p)
    assert "Near misses caught by the double check: 0" in day1


def test_an_event_before_the_dose_is_marked_on_the_summary() -> None:
    raw = copy.deepcopy(demo_json())
    day1 = raw["trial"]["days"][0]
    dose_at = min(d["given_at"] for d in day1["doses"])
    before = dose_at[:11] + "08:40" + dose_at[16:]
    assert before < dose_at
    day1["adverse_events"] = [{"at": before, "kind": "seizure", "severity": "mild"}]
    text = _text(build_clinical_pdf(_data(raw)))
    assert "before the dose" in text


def test_an_all_nt_trial_says_why_its_tone_chart_is_empty() -> None:
    raw = copy.deepcopy(demo_json())
    for day in raw["trial"]["days"]:
        for assessment in day["assessments"]:
            for entry in assessment["mas"]:
                entry["grade"] = "NT"
    text = _text(build_clinical_pdf(_data(raw)))
    # The printed chart says what the screen's headline says, never a missing baseline.
    assert "No reassessment could be compared with a baseline" not in text
    assert "No day's response can be judged yet." in text
    assert "every grade was not tested (NT)" in text


def test_the_pages_name_figures_in_words_and_only_the_closing_section_gives_rule_numbers(responder_pdf: bytes) -> None:
    """Clinicians read the summary: "Response", not "Response (R4)". The closing section says how each figure is
    worked out, in words, with the rule's number for whoever checks it against the protocol."""
    text = _text(responder_pdf)
    body, heading, methods = text.partition("How these figures are worked out")
    assert heading, "the closing section is missing"
    # Tardieu's R1 and R2 are the scale's own angles, not rule numbers
    assert re.findall(r"\bR(?!1\b|2\b)\d{1,2}\b", body) == []
    for name, number in (("Reduction", "R3"), ("Response", "R4"), ("Recommended initial pump dose", "R6")):
        assert re.search(rf"{name} — [^.]+ \(rule {number}\)\.", methods), (name, methods)
    assert "clinical/RULES.md, revision 2" in methods
    assert "Recommended initial pump dose: 150 mcg/day" in body
