"""``parse_assessment`` (one new assessment in its place) agrees with ``parse_trial_document``.

For valid documents (hypothesis) and a new assessment, valid or broken in many ways, appended to one of
their days: the whole document with the assessment is accepted exactly when the assessment alone is,
with the same record; or both are rejected with the same problems (paths and messages, in order). A
variant adds a day dated in the future (a planned day) and records the assessment on it. All data is
synthetic.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.interchange.itb_docs import NOW, _assessment, small_doc, valid_documents
from trialapp.interchange.trial_json import (
    KEY_ORDER,
    AssessmentPlace,
    DocumentInvalid,
    parse_assessment,
    parse_trial_document,
)

_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ODD_VALUES = st.sampled_from(
    [None, "", "  ", "x", "2", "1+", "nope", 0, -1, 5, 1e9, 10**400, float("nan"), True, [], {}, [None]]
)
_KEYS = KEY_ORDER["assessment"]  # every key of an assessment may get an odd value


@st.composite
def _new_assessment(draw: st.DrawFn, doc: dict[str, Any], day_date: date, goal_ids: list[str]) -> Any:
    """An assessment for a day on ``day_date``: well-formed about half the time, else at a time that
    breaks a rule across the document, in another offset convention, or broken in its own fields."""
    placed_text = doc["trial"]["catheter"]["placed_at"]
    placed = datetime.fromisoformat(placed_text[:16])
    base = datetime.combine(day_date, datetime.min.time())
    fine = base + timedelta(hours=13)
    at = draw(
        st.sampled_from(
            [
                fine,
                fine,
                fine,
                placed - timedelta(minutes=5),  # before the catheter
                base - timedelta(hours=2),  # before the day's date
                base + timedelta(days=2, hours=1),  # more than a day after it
                NOW + timedelta(minutes=1),  # in the future
                NOW,
            ]
        )
    )
    same = placed_text[16:] or None
    offset = draw(st.sampled_from([same, same, same, None, "Z", "+01:00"]))
    raw: Any = draw(_assessment(at, offset, goal_ids))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        kind = draw(st.sampled_from(["odd value", "unknown key", "twice", "unknown goal", "not an object"]))
        if kind == "odd value":
            raw[draw(st.sampled_from(_KEYS))] = draw(_ODD_VALUES)
        elif kind == "unknown key":
            raw[draw(st.sampled_from(["dose_mg", "Kind", "mass", ""]))] = 1
        elif kind == "twice" and isinstance(raw.get("mas"), list) and raw["mas"]:
            raw["mas"].append(copy.deepcopy(raw["mas"][0]))
        elif kind == "unknown goal" and isinstance(raw.get("goals"), list):
            raw["goals"].append({"id": "not-a-goal", "gas": 0})
        elif kind == "not an object":
            raw = draw(st.sampled_from([[], "baseline", 3]))
            break
    return raw


def _judge(whole: dict[str, Any], day_index: int, raw: Any, place: AssessmentPlace) -> None:
    with_new = copy.deepcopy(whole)
    with_new["trial"]["days"][day_index]["assessments"].append(copy.deepcopy(raw))
    try:
        expected = parse_trial_document(with_new, now=NOW).trial.days[day_index].assessments[-1]
    except DocumentInvalid as exc:
        with pytest.raises(DocumentInvalid) as got:
            parse_assessment(copy.deepcopy(raw), place, now=NOW)
        assert got.value.problems == exc.problems
        return
    assert parse_assessment(copy.deepcopy(raw), place, now=NOW) == expected


def _place(doc: dict[str, Any], day_index: int, newly_recorded: tuple[tuple[int, date], ...] = ()) -> Any:
    parsed = parse_trial_document(doc, now=NOW)
    day = parsed.trial.days[day_index]
    return AssessmentPlace(
        day_index=day_index,
        day_date=day.date,
        index=len(day.assessments),
        placed_at=parsed.trial.catheter.placed_at,
        goal_ids=frozenset(g.id for g in parsed.trial.goals),
        newly_recorded_days=newly_recorded,
    )


@_SETTINGS
@given(st.data(), valid_documents())
def test_one_assessment_is_judged_as_in_the_whole_document(data: st.DataObject, doc: dict[str, Any]) -> None:
    parsed = parse_trial_document(doc, now=NOW)
    day_index = data.draw(st.integers(0, len(parsed.trial.days) - 1))
    goal_ids = [g.id for g in parsed.trial.goals]
    raw = data.draw(_new_assessment(doc, parsed.trial.days[day_index].date, goal_ids))
    _judge(doc, day_index, raw, _place(doc, day_index))


@_SETTINGS
@given(st.data(), valid_documents())
def test_an_assessment_on_a_planned_day_is_judged_as_in_the_whole_document(
    data: st.DataObject, doc: dict[str, Any]
) -> None:
    """A day after today, empty until now: the assessment brings it into the record, date and all."""
    parsed = parse_trial_document(doc, now=NOW)
    ahead = NOW.date() + timedelta(days=data.draw(st.integers(0, 2)))
    doc["trial"]["days"].append(
        {"day": len(parsed.trial.days) + 1, "date": ahead.isoformat(), "assessments": [], "doses": []}
    )
    day_index = len(parsed.trial.days)
    goal_ids = [g.id for g in parsed.trial.goals]
    raw = data.draw(_new_assessment(doc, ahead, goal_ids))
    newly = ((day_index, ahead),) if ahead > NOW.date() else ()
    place = AssessmentPlace(
        day_index=day_index,
        day_date=ahead,
        index=0,
        placed_at=parsed.trial.catheter.placed_at,
        goal_ids=frozenset(goal_ids),
        newly_recorded_days=newly,
    )
    _judge(doc, day_index, raw, place)


def test_problems_name_the_assessment_where_the_whole_document_would() -> None:
    doc = small_doc()
    parsed = parse_trial_document(doc, now=NOW)
    day = parsed.trial.days[0]
    raw = {
        "kind": "reassessment",
        "at": "2026-11-02T07:00",
        "mas": [{"muscle": "hip_adductors", "side": "left", "grade": "2"}] * 2,
        "goals": [{"id": "nope", "gas": 0}],
    }
    with pytest.raises(DocumentInvalid) as got:
        parse_assessment(raw, _place(doc, 0), now=NOW)
    here = f"$.trial.days[0].assessments[{len(day.assessments)}]"
    assert [p.path for p in got.value.problems] == [f"{here}.mas[1]", f"{here}.goals[0].id", f"{here}.at"]
    assert f"(first at {here}.mas[0])" in got.value.problems[0].message
