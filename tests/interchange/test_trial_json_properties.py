"""Property-based tests of itb-trial/1 (hypothesis).

(a) Valid documents, generated from the format's rules: parse → export → parse gives the same records, and
    export is stable (a second export is the same text).
(b) Mutations of a valid demo document: the result is either rejected with DocumentInvalid naming its
    problems, or it is valid (and then round-trips) — never any other exception.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.interchange.itb_docs import NOW, demo_data, valid_documents
from trialapp.interchange.trial_json import (
    DocumentInvalid,
    load_trial_document,
    parse_trial_document,
)
from trialapp.interchange.trial_json_export import document_to_json, dumps_trial_document

_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(valid_documents())
def test_valid_documents_round_trip(data: dict[str, Any]) -> None:
    doc = parse_trial_document(data, now=NOW)
    text = dumps_trial_document(doc)
    again = load_trial_document(text, now=NOW)
    assert again == doc
    assert dumps_trial_document(again) == text
    assert parse_trial_document(document_to_json(doc), now=NOW) == doc
    # The exported data is the same whether it went through text or not.
    assert json.loads(text) == document_to_json(doc)


# --------------------------------------------------------------------------------------------------
# Mutations of a demo document
# --------------------------------------------------------------------------------------------------

_BASE = demo_data("demo_responder.json")
_SMALL_BASE = copy.deepcopy(_BASE)
# Keep the mutation base small enough that hypothesis explores it: one day with three assessments.
_SMALL_BASE["trial"]["days"] = copy.deepcopy(_BASE["trial"]["days"][:2])
for _day in _SMALL_BASE["trial"]["days"]:
    _day["assessments"] = _day["assessments"][:3]


def _locations(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside the document (object keys and list indexes)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            out.append((*here, key))
            out.extend(_locations(child, (*here, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.append((*here, index))
            out.extend(_locations(child, (*here, index)))
    return out


_LOCATIONS = _locations(_SMALL_BASE)


def _get(doc: Any, loc: tuple[Any, ...]) -> Any:
    for key in loc:
        doc = doc[key]
    return doc


_NASTY_STRINGS = [
    "",
    "   ",
    "\x00",
    "a\x07b",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",
    "שלום",
    "👩🏽‍⚕️💉🧒",
    "\ud800",
    "x" * 100_000,
    "1+",
    "NT",
    "5",
    "2026-11-02T09:05",
    "2026-11-02T09:05:00",
    "2026-13-45",
    "dose_mg",
    "null",
    "NaN",
    "\n\t",
]
_NASTY_NUMBERS = [
    0,
    -1,
    1,
    5,
    50,
    50.0,
    0.5,
    -0.0,
    1e308,
    -1e308,
    10**400,
    -(10**400),
    2**63,
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    False,
]
_REPLACEMENTS = st.one_of(
    st.sampled_from(_NASTY_STRINGS),
    st.sampled_from(_NASTY_NUMBERS),
    st.none(),
    st.just([]),
    st.just({}),
    st.just([None]),
    st.just({"format": "itb-trial/1"}),
    st.text(max_size=20),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=3),
)
_UNKNOWN_KEYS = st.one_of(
    st.sampled_from(["dose_mg", "Dose_mcg", "", " ", "$", "mrn ", "\u202e", "😀", "__proto__", "x" * 1000]),
    st.text(max_size=10),
)


@st.composite
def _mutations(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(_SMALL_BASE)
    for _ in range(draw(st.integers(1, 3))):
        locations = _locations(doc)
        kind = draw(st.sampled_from(["delete", "insert", "replace", "replace", "replace"]))
        if kind == "insert":
            containers = [()] + [loc for loc in locations if isinstance(_get(doc, loc), dict)]
            target = _get(doc, draw(st.sampled_from(containers)))
            target[draw(_UNKNOWN_KEYS)] = draw(_REPLACEMENTS)
            continue
        if not locations:
            break
        loc = draw(st.sampled_from(locations))
        parent = _get(doc, loc[:-1])
        if kind == "delete":
            del parent[loc[-1]]
        else:
            parent[loc[-1]] = draw(_REPLACEMENTS)
    return doc


def _check(doc: Any) -> None:
    try:
        parsed = parse_trial_document(doc, now=NOW)
    except DocumentInvalid as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path.startswith("$") and problem.message.strip()
        str(exc)
        return
    # Valid after all (e.g. an optional value replaced by null): it must round-trip.
    text = dumps_trial_document(parsed)
    assert load_trial_document(text, now=NOW) == parsed


@_SETTINGS
@given(_mutations())
def test_mutated_documents_are_rejected_cleanly_or_valid(doc: dict[str, Any]) -> None:
    _check(doc)


@_SETTINGS
@given(_mutations())
def test_mutated_documents_through_json_text(doc: dict[str, Any]) -> None:
    try:
        text = json.dumps(doc, ensure_ascii=False)
    except (ValueError, UnicodeEncodeError):
        return
    for raw in (text, text.encode("utf-8", "surrogatepass")):
        try:
            parsed = load_trial_document(raw, now=NOW)
        except DocumentInvalid as exc:
            assert exc.problems and all(p.message for p in exc.problems)
        else:
            assert dumps_trial_document(parsed)


@_SETTINGS
@given(st.sampled_from(_LOCATIONS))
def test_deleting_any_key_or_item(loc: tuple[Any, ...]) -> None:
    doc = copy.deepcopy(_SMALL_BASE)
    del _get(doc, loc[:-1])[loc[-1]]
    _check(doc)


@_SETTINGS
@given(st.sampled_from(_LOCATIONS), st.sampled_from([*_NASTY_STRINGS, *_NASTY_NUMBERS]))
def test_nasty_values_anywhere(loc: tuple[Any, ...], value: Any) -> None:
    doc = copy.deepcopy(_SMALL_BASE)
    _get(doc, loc[:-1])[loc[-1]] = value
    _check(doc)


def test_required_keys_are_reported_where_they_were_deleted() -> None:
    """A sample of deletions that must be problems at exactly that path."""
    for loc in [
        ("patient", "mrn"),
        ("patient", "birth_date"),
        ("trial", "started_on"),
        ("trial", "catheter", "placed_at"),
        ("trial", "days", 0, "date"),
        ("trial", "days", 1, "doses", 0, "dose_mcg"),
        ("trial", "days", 0, "assessments", 2, "mas", 3, "grade"),
    ]:
        doc = copy.deepcopy(_SMALL_BASE)
        del _get(doc, loc[:-1])[loc[-1]]
        try:
            parse_trial_document(doc, now=NOW)
        except DocumentInvalid as exc:
            path = "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc)
            assert path in {p.path for p in exc.problems}, str(exc)
        else:
            raise AssertionError(f"deleting {loc} was accepted")


def test_non_finite_numbers_never_pass() -> None:
    for value in (math.nan, math.inf, -math.inf):
        doc = copy.deepcopy(_SMALL_BASE)
        doc["trial"]["days"][0]["assessments"][0]["vitals"]["temp_c"] = value
        try:
            parse_trial_document(doc, now=NOW)
        except DocumentInvalid as exc:
            assert [p.path for p in exc.problems] == ["$.trial.days[0].assessments[0].vitals.temp_c"]
        else:
            raise AssertionError(value)
