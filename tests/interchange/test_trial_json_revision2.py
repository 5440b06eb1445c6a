"""itb-trial/1 revision 2: a baseline before the catheter's placement, the protocol values frozen on the
trial (max_dose_mcg, late_after_minutes), and the sizes a document may have (issue 17, issue 18 item 12)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.interchange.itb_docs import A0, NOW, small_doc
from trialapp.domain import vocabulary as v
from trialapp.domain.value_rules import show
from trialapp.interchange.trial_json import DocumentInvalid, load_trial_document, parse_trial_document
from trialapp.interchange.trial_json_export import document_to_json


def _load(doc: dict[str, Any]) -> Any:
    return load_trial_document(json.dumps(doc), now=NOW)


def _problems(doc: dict[str, Any] | str | bytes) -> dict[str, list[str]]:
    text = doc if isinstance(doc, str | bytes) else json.dumps(doc)
    with pytest.raises(DocumentInvalid) as info:
        load_trial_document(text, now=NOW)
    out: dict[str, list[str]] = {}
    for problem in info.value.problems:
        out.setdefault(problem.path, []).append(problem.message)
    return out


# -- a baseline before the catheter's placement ---------------------------------------------------------


def test_a_baseline_may_precede_the_catheter_placement() -> None:
    doc = small_doc()
    doc["trial"]["days"][0]["assessments"][0]["at"] = "2026-11-02T07:00"  # placed at 07:40, dose at 09:00
    record = parse_trial_document(doc, now=NOW)
    assert record.trial.days[0].assessments[0].at.hour == 7


def test_a_reassessment_before_the_placement_is_still_refused() -> None:
    doc = small_doc()
    doc["trial"]["days"][0]["assessments"][0]["kind"] = "reassessment"
    doc["trial"]["days"][0]["assessments"][0]["at"] = "2026-11-02T07:00"
    problems = _problems(doc)
    assert any("before the catheter was placed" in m for m in problems[A0 + ".at"])


# -- max_dose_mcg and late_after_minutes on the trial ----------------------------------------------------


def test_absent_protocol_values_are_the_defaults_and_export_writes_them() -> None:
    doc = small_doc()
    record = parse_trial_document(doc, now=NOW)
    assert record.trial.settings.max_dose_mcg == 100
    assert record.trial.settings.late_after_minutes == 30
    out = document_to_json(record)
    assert out["trial"]["max_dose_mcg"] == 100 and out["trial"]["late_after_minutes"] == 30
    keys = list(out["trial"])
    assert keys.index("schedule_hours") + 1 == keys.index("max_dose_mcg")
    assert keys.index("max_dose_mcg") + 1 == keys.index("late_after_minutes")


def test_protocol_values_travel_with_the_trial_and_round_trip() -> None:
    doc = small_doc()
    doc["trial"]["max_dose_mcg"] = 75
    doc["trial"]["late_after_minutes"] = 45
    record = parse_trial_document(doc, now=NOW)
    assert record.trial.settings.max_dose_mcg == 75
    assert record.trial.settings.late_after_minutes == 45
    once = document_to_json(record)
    again = document_to_json(parse_trial_document(once, now=NOW))
    assert once == again and once["trial"]["max_dose_mcg"] == 75


def test_the_files_protocol_maximum_judges_its_doses() -> None:
    doc = small_doc()
    doc["trial"]["max_dose_mcg"] = 50  # day 2 gave 75 mcg: above this trial's protocol maximum
    problems = _problems(doc)
    assert any("75" in m for m in problems["$.trial.days[1].doses[0]"])


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("max_dose_mcg", 20, "25"),
        ("max_dose_mcg", 250, "200"),
        ("max_dose_mcg", 60.5, "whole"),
        ("max_dose_mcg", "100", "without quotes"),
        ("late_after_minutes", 2, "5"),
        ("late_after_minutes", 300, "240"),
    ],
)
def test_protocol_values_out_of_range_are_refused_at_their_path(key: str, value: Any, fragment: str) -> None:
    doc = small_doc()
    doc["trial"][key] = value
    problems = _problems(doc)
    assert any(fragment in m for m in problems[f"$.trial.{key}"]), problems


# -- sizes (issue 18 item 12) ------------------------------------------------------------------------------


def test_show_cuts_a_long_value_and_gives_its_length() -> None:
    shown = show("x" * 10_485_760)
    assert shown == '"' + "x" * 40 + '…" (10,485,760 characters)'
    assert show("short") == '"short"'


def test_a_text_over_the_limit_is_refused_at_its_path_with_the_limit() -> None:
    doc = small_doc()
    doc["patient"]["given_name"] = "A" * 2_000_000
    problems = _problems(doc)
    [message] = problems["$.patient.given_name"]
    assert "10,000 characters" in message and "(2,000,000 characters)" in message
    assert len(message) < 300


def test_a_long_unknown_key_is_refused_with_a_short_message() -> None:
    doc = small_doc()
    doc["patient"]["k" * 5_000_000] = 1
    with pytest.raises(DocumentInvalid) as info:
        load_trial_document(json.dumps(doc), now=NOW)
    assert len(str(info.value)) < 400
    assert "(5,000,000 characters)" in str(info.value) and "$.patient" in str(info.value)


def test_a_million_goals_are_refused_quickly_naming_the_path_and_the_limit() -> None:
    doc = small_doc()
    doc["trial"]["goals"] = [{"id": "g"}] * 1_000_000
    problems = _problems(json.dumps(doc))
    assert list(problems) == ["$.trial.goals"]  # refused whole, nothing inside it looked at
    assert "1,000,000 entries" in problems["$.trial.goals"][0] and "10,000" in problems["$.trial.goals"][0]


def test_a_list_at_the_limit_is_read() -> None:
    doc = small_doc()
    doc["patient"]["allergies"] = [f"a{i}" for i in range(v.MAX_LIST_ITEMS)]
    assert len(_load(doc).patient.allergies) == v.MAX_LIST_ITEMS


def test_a_document_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    text = "{" + " " * v.MAX_DOCUMENT_BYTES + "}"  # not even valid: never parsed
    problems = _problems(text.encode())
    [message] = problems["$"]
    assert "20,000,000" in message and "bytes" in message


def test_a_message_lists_at_most_500_problems_and_counts_the_rest() -> None:
    doc = small_doc()
    doc["trial"]["goals"] = [{"id": "g", "text": "t", f"unknown_{i}": 1} for i in range(2_000)]
    with pytest.raises(DocumentInvalid) as info:
        load_trial_document(json.dumps(doc), now=NOW)
    assert len(info.value.problems) > 2_000  # every problem is still there
    message = str(info.value)
    assert len(message.splitlines()) == 501
    assert f"and {len(info.value.problems) - 500:,} more problems, not listed" in message
