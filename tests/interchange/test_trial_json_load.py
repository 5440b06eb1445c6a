"""load_trial_document: text and bytes that are not a JSON document become one clear problem at "$"."""

from __future__ import annotations

import json

import pytest

from tests.interchange.itb_docs import NOW, demo_text, says_what_to_do, small_doc
from trialapp.interchange.trial_json import DocumentInvalid, load_trial_document


def _reject(text: str | bytes) -> DocumentInvalid:
    with pytest.raises(DocumentInvalid) as info:
        load_trial_document(text, now=NOW)
    return info.value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ('{"format": "itb-trial/1",}', "line 1"),
        ("// comment\n{}", "not valid JSON"),
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"a": Infinity}', "Infinity is not allowed"),
        ('{"a": -Infinity}', "Infinity is not allowed"),
        ('{"a": "x\u0001"}', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"a": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
    ids=[
        "empty",
        "open",
        "trailing-comma",
        "comment",
        "nan",
        "infinity",
        "minus-infinity",
        "control",
        "deep",
        "digits",
    ],
)
def test_not_json(text: str, fragment: str) -> None:
    exc = _reject(text)
    assert [p.path for p in exc.problems] == ["$"]
    assert fragment in exc.problems[0].message
    assert says_what_to_do(exc.problems[0])


def test_the_example_comments_of_the_format_doc_are_not_json() -> None:
    exc = _reject('{"format": "itb-trial/1" // required\n}')
    assert "line 1" in exc.problems[0].message


def test_not_utf8() -> None:
    exc = _reject('{"patient": {"given_name": "Jos\xe9"}}'.encode("latin-1"))
    assert [p.path for p in exc.problems] == ["$"]
    assert "not UTF-8" in exc.problems[0].message and "0xe9" in exc.problems[0].message


def test_utf16_is_not_accepted() -> None:
    exc = _reject(json.dumps(small_doc()).encode("utf-16"))
    assert "UTF-8" in exc.problems[0].message


def test_byte_order_mark_is_ignored() -> None:
    text = demo_text("demo_responder.json")
    load_trial_document(b"\xef\xbb\xbf" + text.encode("utf-8"), now=NOW)
    load_trial_document("\ufeff" + text, now=NOW)


def test_duplicate_keys_are_all_named_with_where_they_are() -> None:
    text = json.dumps(small_doc())
    text = text.replace('"mrn": "DEMO-T001"', '"mrn": "DEMO-T001", "mrn": "DEMO-T002"', 1)
    text = text.replace('"dose_mcg": 50', '"dose_mcg": 50, "dose_mcg": 500', 1)
    exc = _reject(text)
    assert [p.path for p in exc.problems] == ["$", "$"]
    messages = [p.message for p in exc.problems]
    assert "'mrn'" in messages[0] or '"mrn"' in messages[0]
    assert "$.patient" in messages[0]
    assert "dose_mcg" in messages[1] and "$.trial.days[0].doses[0]" in messages[1]
    assert all("keep only one" in m for m in messages)


def test_validation_problems_come_through_load() -> None:
    doc = small_doc()
    doc["patient"]["sex"] = "f"
    exc = _reject(json.dumps(doc))
    assert [p.path for p in exc.problems] == ["$.patient.sex"]


def test_huge_exponent_becomes_a_finite_number_problem() -> None:
    doc = json.dumps(small_doc()).replace('"weight_kg": 24.5', '"weight_kg": 1e400')
    exc = _reject(doc)
    assert [p.path for p in exc.problems] == ["$.patient.weight_kg"]
    assert "finite" in exc.problems[0].message


def test_keyword_arguments_reach_the_parser() -> None:
    text = json.dumps(small_doc())
    with pytest.raises(DocumentInvalid):
        load_trial_document(text, now=NOW, max_dose_mcg=60)
    load_trial_document(bytearray(text, "utf-8"), now=NOW, max_dose_mcg=100)
