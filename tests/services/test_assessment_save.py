"""Saving an assessment judges it in its place, without reloading the trial: the same outcome as
validating the whole trial with it added.

Every rule across the trial that concerns an assessment still refuses it (catheter placement, its day's
date, a day that does not exist, a planned day, goal codes, "not in the future", offsets), with the
database unchanged. A save accepts exactly when ``validate_document`` accepts the whole changed trial,
with the same messages, and the stored trial is then what the whole-trial path gives. Synthetic data.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.services.conftest import NOW, PATIENT, Team, assessment
from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.records import (
    Assessment,
    Catheter,
    Function,
    Goal,
    GoalScore,
    MasEntry,
    Pain,
    ProtocolSettings,
    RomEntry,
    TardieuEntry,
    TrialDocument,
    Vitals,
)
from trialapp.domain.vitals import load_default_bands, vital_alerts
from trialapp.services import assessments, trials
from trialapp.services.context import Actor
from trialapp.services.errors import InvalidInput
from trialapp.services.integrity import check
from trialapp.services.validation import find_day, validate_document, with_day
from trialapp.storage import models as m
from trialapp.storage.errors import NotFound

_TABLES = (
    m.AssessmentRow,
    m.MasGrade,
    m.TardieuMeasure,
    m.RomMeasure,
    m.GoalScoreRow,
    m.VitalAlertRecord,
    m.AuditEntry,
)


def _counts(app: Any) -> tuple[int, ...]:
    with app.db.read() as s:
        return tuple(int(s.execute(select(func.count()).select_from(t)).scalar_one()) for t in _TABLES)


def _refused(
    app: Any, actor: Actor, trial_id: str, day: int, item: Assessment, now: datetime, match: str
) -> None:
    """The save is refused with a message matching ``match``, and nothing at all is written."""
    before_rows = _counts(app)
    before_doc = trials.load_document(app, actor, trial_id)
    with pytest.raises(InvalidInput) as info:
        assessments.record_assessment(app, actor, trial_id, day, item, now=now)
    assert any(match in p for p in [str(info.value), *info.value.problems]), info.value.problems
    assert _counts(app) == before_rows
    assert trials.load_document(app, actor, trial_id) == before_doc


def _started_today(app: Any, team: Team, today: datetime) -> str:
    """A trial started on ``today``: days 2 and 3 are planned ahead."""
    return trials.start_trial(
        app,
        team.pt,
        replace(PATIENT, mrn=f"TODAY-{today:%Y%m%d}"),
        started_on=today.date(),
        catheter=Catheter(today.replace(hour=7, minute=40), "catheter"),
        settings=ProtocolSettings(),
        goals=(Goal("g1", "Sit in wheelchair for 2 hours", -1), Goal("g2", "Transfer with one helper", 0)),
        now=today,
    )


# ---------------------------------------------------------------------------------------------------
# Each rule across the trial, on the fast path
# ---------------------------------------------------------------------------------------------------


def test_before_the_catheter_placement_is_refused(app, team: Team, trial_id: str) -> None:
    _refused(
        app,
        team.pt,
        trial_id,
        1,
        assessment("reassessment", datetime(2026, 11, 2, 7, 39), "2"),
        NOW,
        "before the catheter was placed",
    )


def test_a_baseline_before_the_catheter_placement_is_saved(app, team: Team, trial_id: str) -> None:
    # Interchange revision 2, and so every write: teams often assess before the procedure.
    at = datetime(2026, 11, 2, 7, 0)
    assessments.record_assessment(app, team.pt, trial_id, 1, assessment("baseline", at, "2"), now=NOW)
    day1 = trials.load_document(app, team.pt, trial_id).trial.days[0]
    assert [a.at for a in day1.assessments] == [at]


def test_a_day_that_does_not_exist_is_refused(app, team: Team, trial_id: str) -> None:
    _refused(
        app,
        team.pt,
        trial_id,
        5,
        assessment("baseline", datetime(2026, 11, 2, 9), "2"),
        NOW,
        "This trial has no day 5 (its days: 1, 2, 3). Add the day first.",
    )


def test_a_goal_code_not_in_the_trial_is_refused(app, team: Team, trial_id: str) -> None:
    item = replace(assessment("reassessment", datetime(2026, 11, 2, 9), "2"), goals=(GoalScore("g9", 1),))
    _refused(app, team.pt, trial_id, 1, item, NOW, 'no goal has the id "g9"')


def test_a_time_in_the_future_is_refused(app, team: Team, trial_id: str) -> None:
    now = datetime(2026, 11, 2, 12, 0)
    _refused(
        app,
        team.pt,
        trial_id,
        1,
        assessment("reassessment", datetime(2026, 11, 2, 12, 1), "2"),
        now,
        "is in the future",
    )


def test_a_time_outside_its_day_is_refused(app, team: Team, trial_id: str) -> None:
    _refused(
        app,
        team.pt,
        trial_id,
        2,
        assessment("reassessment", datetime(2026, 11, 2, 23), "2"),
        NOW,
        "is before this trial day's date",
    )
    _refused(
        app,
        team.pt,
        trial_id,
        1,
        assessment("reassessment", datetime(2026, 11, 4, 9), "2"),
        NOW,
        "more than a day after this trial day's date",
    )


def test_a_time_with_an_offset_in_a_trial_without_is_refused(app, team: Team, trial_id: str) -> None:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    _refused(
        app,
        team.pt,
        trial_id,
        1,
        assessment("reassessment", at, "2"),
        NOW,
        "$.trial.catheter.placed_at has none",
    )


def test_recording_on_a_planned_day_is_refused_with_every_date(app, team: Team) -> None:
    """Day 3 of a trial started today: the record would bring days 2 and 3 in, both dated ahead."""
    today = datetime(2026, 11, 20, 12, 0)
    trial_id = _started_today(app, team, today)
    before = _counts(app)
    with pytest.raises(InvalidInput) as info:
        assessments.record_assessment(
            app, team.pt, trial_id, 3, assessment("baseline", datetime(2026, 11, 22, 9), "2"), now=today
        )
    assert list(info.value.problems) == [
        "21 Nov 2026 is in the future (today is 20 Nov 2026): check the date",
        "22 Nov 2026 is in the future (today is 20 Nov 2026): check the date",
        "22 Nov 2026 09:00 is in the future (now is 20 Nov 2026 12:00): check the date and time",
    ]
    assert _counts(app) == before
    # Day 1 (today) is a record at once; day 2 is still a plan after it.
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("baseline", datetime(2026, 11, 20, 9), "2"), now=today
    )


def test_a_problem_names_the_assessment_at_its_place_in_the_day(app, team: Team, trial_id: str) -> None:
    for hour in (8, 10):
        assessments.record_assessment(
            app, team.pt, trial_id, 1, assessment("reassessment", datetime(2026, 11, 2, hour), "2"), now=NOW
        )
    twice = (MasEntry("hip_adductors", "left", "2"), MasEntry("hip_adductors", "left", "3"))
    item = replace(assessment("reassessment", datetime(2026, 11, 2, 12), "2"), mas=twice)
    _refused(app, team.pt, trial_id, 1, item, NOW, "(first at $.trial.days[0].assessments[2].mas[0])")


def test_an_unknown_trial_is_not_found_as_before(app, team: Team) -> None:
    with pytest.raises(
        NotFound, match=re.escape("There is no trial with id 'TNOPE'. 'trialapp list' shows the trials")
    ):
        assessments.record_assessment(
            app, team.pt, "TNOPE", 1, assessment("baseline", datetime(2026, 11, 2, 9), "2"), now=NOW
        )


def test_the_stored_rows_alerts_and_audit_are_as_before(app, team: Team, trial_id: str) -> None:
    """Column for column, the rows the ORM mapping wrote; R9 alerts; one audit row, chained."""
    item = Assessment(
        kind="reassessment",
        at=datetime(2026, 11, 2, 10, 5, 42),  # seconds: stored to the minute, as the document has it
        mas=(MasEntry("hip_adductors", "left", "1+"), MasEntry("hip_adductors", "right", "2")),
        tardieu=(TardieuEntry("knee_flexors", "left", 110, 140.5, 2),),
        rom=(RomEntry("popliteal_angle", "left", 60),),
        function=Function(fms_5m="2", gait_notes="  wide base  "),
        penn_frequency=2,
        penn_severity=1,
        pain=Pain("flacc", 2),
        sedation_umss=3,
        vitals=Vitals(hr=90, rr=10, spo2=85, sbp=100, dbp=60, temp_c=36.9),
        goals=(GoalScore("g1", 1),),
        notes=" ok ",
    )
    saved = assessments.record_assessment(app, team.pt, trial_id, 1, item, now=NOW)
    at = datetime(2026, 11, 2, 10, 5)
    expected_alerts = vital_alerts(
        item.vitals, 3, age_in_whole_months(PATIENT.birth_date, at.date()), load_default_bands()
    )
    assert saved.alerts == expected_alerts and {a.code for a in saved.alerts} >= {"spo2_low", "rr_low"}
    with app.db.read() as s:
        row = s.get(m.AssessmentRow, saved.assessment_id)
        assert row is not None
        assert (row.kind, row.at, row.assessor, row.recorded_by) == (
            "reassessment",
            at,
            "Pt Jones",
            team.pt.label,
        )
        assert (row.has_function, row.fms_5m, row.fms_50m, row.gait_notes) == (True, "2", None, "wide base")
        assert (row.penn_frequency, row.penn_severity, row.pain_scale, row.pain_score, row.sedation_umss) == (
            2,
            1,
            "flacc",
            2,
            3,
        )
        assert (row.has_vitals, row.hr, row.rr, row.spo2, row.sbp, row.dbp, row.temp_c) == (
            True,
            90,
            10,
            85,
            100,
            60,
            36.9,
        )
        assert row.notes == "ok" and row.recorded_at is not None
        assert [(g.position, g.muscle, g.side, g.grade) for g in row.mas] == [
            (0, "hip_adductors", "left", "1+"),
            (1, "hip_adductors", "right", "2"),
        ]
        assert [(x.position, x.muscle, x.r1_deg, x.r2_deg, x.quality) for x in row.tardieu] == [
            (0, "knee_flexors", 110, 140.5, 2)
        ]
        assert [(x.position, x.measure, x.side, x.deg) for x in row.rom] == [
            (0, "popliteal_angle", "left", 60)
        ]
        assert [(x.position, x.goal_code, x.gas) for x in row.goal_scores] == [(0, "g1", 1)]
        alerts = s.execute(select(m.VitalAlertRecord).order_by(m.VitalAlertRecord.id)).scalars().all()
        assert [
            (a.code, a.level, a.message, a.raised_at, a.assessment_id, a.acknowledged_at) for a in alerts
        ] == [(x.code, x.level, x.message, at, saved.assessment_id, None) for x in expected_alerts]
        audit = s.execute(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (audit.actor, audit.action, audit.table_name, audit.row_id) == (
        team.pt.label,
        "insert",
        "assessments",
        str(saved.assessment_id),
    )
    assert json.loads(audit.new_value or "") == {
        "day": 1,
        "kind": "reassessment",
        "at": str(at),  # as the audit has always written it (json default=str)
        "mas": 2,
        "alerts": [a.code for a in expected_alerts],
    }
    open_alerts = assessments.list_alerts(app, team.nurse, trial_id, unacknowledged_only=True)
    assert [a.code for a in open_alerts] == [a.code for a in expected_alerts]
    assert check(app).ok


# ---------------------------------------------------------------------------------------------------
# A save and the whole-trial validation agree
# ---------------------------------------------------------------------------------------------------


def _by_time(doc: TrialDocument) -> TrialDocument:
    """The document as the database gives it back: each day's assessments by time, then as saved."""
    days = tuple(
        replace(d, assessments=tuple(sorted(d.assessments, key=lambda a: a.at))) for d in doc.trial.days
    )
    return replace(doc, trial=replace(doc.trial, days=days))


def _agree(app: Any, actor: Actor, trial_id: str, day_number: int, item: Assessment, now: datetime) -> str:
    before = trials.load_document(app, actor, trial_id)
    rows = _counts(app)
    typed = item if item.assessor else replace(item, assessor=actor.display_name)
    try:
        day = find_day(before, day_number)
        whole: TrialDocument | InvalidInput = validate_document(
            with_day(before, replace(day, assessments=(*day.assessments, typed))), what="assessment", now=now
        )
    except InvalidInput as exc:
        whole = exc
    try:
        saved = assessments.record_assessment(app, actor, trial_id, day_number, item, now=now)
    except InvalidInput as exc:
        assert isinstance(whole, InvalidInput), f"refused, but the whole document accepts it: {exc.problems}"
        assert (str(exc), exc.problems) == (str(whole), whole.problems)
        assert _counts(app) == rows and trials.load_document(app, actor, trial_id) == before
        return "refused: " + (exc.problems[0][:50] if exc.problems else str(exc)[:50])
    assert isinstance(whole, TrialDocument), f"accepted, but the whole document refuses it: {whole.problems}"
    assert trials.load_document(app, actor, trial_id) == _by_time(whole)
    stored = find_day(whole, day_number).assessments[-1]
    age = age_in_whole_months(PATIENT.birth_date, stored.at.date())
    assert saved.alerts == vital_alerts(stored.vitals, stored.sedation_umss, age, load_default_bands())
    return "saved"


def test_the_agreement_covers_saves_and_refusals(app, team: Team, trial_id: str) -> None:
    """A plain reassessment is saved, a broken one refused, each as the whole-trial validation judges it."""
    good = assessment("reassessment", datetime(2026, 11, 2, 9), "2")
    assert _agree(app, team.pt, trial_id, 1, good, NOW) == "saved"
    assert _agree(app, team.pt, trial_id, 1, replace(good, kind="final"), NOW).startswith("refused")
    assert check(app).ok


def test_a_full_disk_or_a_read_only_database_saves_nothing_and_says_so(
    app, team: Team, trial_id: str
) -> None:
    from sqlalchemy import event

    from trialapp.storage.errors import DatabaseReadOnly, DiskFull

    item = assessment("reassessment", datetime(2026, 11, 2, 9), "2")
    before = _counts(app)

    @event.listens_for(app.db.engine, "connect")
    def _cap(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # SQLite's own size cap raises exactly the error of a full disk (SQLITE_FULL).
        page_count = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {page_count}")

    app.db.engine.dispose()
    try:
        with pytest.raises(DiskFull, match="nothing was saved"):
            for _ in range(200):  # until the capped file has no page left
                assessments.record_assessment(app, team.pt, trial_id, 1, item, now=NOW)
    finally:
        event.remove(app.db.engine, "connect", _cap)
        app.db.engine.dispose()
    saved = _counts(app)
    new = saved[0] - before[0]  # the saves before the disk was full: each whole, with its audit row
    assert saved[1] - before[1] == 16 * new and saved[-1] - before[-1] == new
    assert check(app).ok
    app.db.read_only = True
    try:
        with pytest.raises(DatabaseReadOnly):
            assessments.record_assessment(app, team.pt, trial_id, 1, item, now=NOW)
    finally:
        app.db.read_only = False
    assert _counts(app) == saved
