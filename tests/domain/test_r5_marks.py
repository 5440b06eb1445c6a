"""R5 revision 2 where an event is drawn or exported: an event before the day's first dose is marked
"before the dose" and never counts as significant (the vitals chart's events, the REDCap day form)."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.helpers import demo_json
from trialapp.domain.chart_vitals import vitals_chart
from trialapp.interchange import redcap
from trialapp.interchange.trial_json import load_trial_document


def _doc_with_seizures() -> Any:
    """Demo day 1 (dose at 09:00) with a mild seizure at 08:40 (before the dose) and one at 11:00 (after)."""
    raw = copy.deepcopy(demo_json("demo_responder.json"))
    raw["trial"]["days"][0]["adverse_events"] = [
        {"at": "2026-11-02T08:40", "kind": "seizure", "severity": "mild"},
        {"at": "2026-11-02T11:00", "kind": "seizure", "severity": "mild"},
    ]
    return load_trial_document(json.dumps(raw))


def _doc_with_a_seizure_before_the_dose_only() -> Any:
    raw = copy.deepcopy(demo_json("demo_responder.json"))
    raw["trial"]["days"][0]["adverse_events"] = [
        {"at": "2026-11-02T08:40", "kind": "seizure", "severity": "mild"}
    ]
    return load_trial_document(json.dumps(raw))


def test_the_vitals_chart_marks_an_event_before_the_dose_and_does_not_count_it() -> None:
    chart = vitals_chart(_doc_with_seizures(), 1)
    before, after = chart.events
    assert before.hours < 0 and before.before_dose and not before.significant
    assert before.text == "seizure (mild) at 08:40 — before the dose"
    assert after.significant and not after.before_dose and after.text == "seizure (mild) at 11:00"


def test_redcap_counts_only_events_at_or_after_the_dose_as_significant() -> None:
    rows = {
        r["redcap_event_name"]: r
        for r in redcap.trial_records(_doc_with_a_seizure_before_the_dose_only(), "T1").rows
    }
    day1 = rows["day_1_arm_1"]
    assert day1["ae_significant"] == "0" and day1["ae_before_dose"] == "1"
    both = {r["redcap_event_name"]: r for r in redcap.trial_records(_doc_with_seizures(), "T1").rows}
    assert both["day_1_arm_1"]["ae_significant"] == "1" and both["day_1_arm_1"]["ae_before_dose"] == "1"
