"""Bad input at the service layer: free text of every kind is stored exactly or refused plainly.

Never a crash, never a partial write (the audit row count is unchanged on refusal).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from trialapp.domain.records import Assessment, Catheter, MasEntry, Patient, ProtocolSettings
from trialapp.services import assessments, trials, users
from trialapp.services.context import os_actor
from trialapp.services.errors import InvalidInput
from trialapp.storage import models as m

NASTY = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.sampled_from(
        [
            "מרים כהן",
            "محمد",
            "😀👍🏽 Zoë",
            "A\x00B",
            "tab\there",
            "line\nbreak",
            "\u202eevil",
            " ",
            "x" * 20_000,
            "Ünïcödé Ñame",
            "O'Brien-Smith",
            "'; DROP TABLE patients; --",
        ]
    ),
)
_mrn = itertools.count()
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _audit_rows(app) -> int:  # type: ignore[no-untyped-def]
    with app.db.read() as s:
        return int(s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one())


def _pt(app):  # type: ignore[no-untyped-def]
    if not users.list_users(app):
        users.add_user(app, os_actor(), "pt.x", "pt", "Pt X", "long-enough-password")
    return users.authenticate(app, "pt.x", "long-enough-password")


@SETTINGS
@given(given_name=NASTY, family_name=NASTY, diagnosis=NASTY)
def test_patient_text_is_stored_exactly_or_refused(
    app, given_name: str, family_name: str, diagnosis: str
) -> None:
    pt = _pt(app)
    patient = Patient(
        mrn=f"BAD-{next(_mrn)}",
        birth_date=date(2015, 3, 1),
        given_name=given_name,
        family_name=family_name,
        diagnosis=diagnosis,
    )
    before = _audit_rows(app)
    try:
        trial_id = trials.start_trial(
            app,
            pt,
            patient,
            started_on=date(2026, 3, 2),
            catheter=Catheter(datetime(2026, 3, 2, 7), "catheter"),
            settings=ProtocolSettings(),
        )
    except InvalidInput as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        assert _audit_rows(app) == before
        return
    stored = trials.load_document(app, pt, trial_id).patient
    # Text is trimmed, and empty means absent (format rules); otherwise exactly what was typed.
    for typed, kept in (
        (given_name, stored.given_name),
        (family_name, stored.family_name),
        (diagnosis, stored.diagnosis),
    ):
        assert kept == (typed.strip() or None)


@SETTINGS
@given(notes=NASTY, grade=st.sampled_from(["0", "1", "1+", "2", "3", "4", "NT", "5", "1.5", "+", "", "２"]))
def test_assessment_input_is_stored_exactly_or_refused(app, notes: str, grade: str) -> None:
    pt = _pt(app)
    listing = trials.list_trials(app, pt)
    if listing:
        trial_id = listing[0].trial_id
    else:
        trial_id = trials.start_trial(
            app,
            pt,
            Patient(mrn="NOTES-1", birth_date=date(2015, 3, 1)),
            started_on=date(2026, 3, 2),
            catheter=Catheter(datetime(2026, 3, 2, 7), "catheter"),
            settings=ProtocolSettings(),
        )
    item = Assessment(
        kind="reassessment",
        at=datetime(2026, 3, 2, 10),
        notes=notes,
        mas=(MasEntry("hip_adductors", "left", grade),),
    )
    before = _audit_rows(app)
    try:
        saved = assessments.record_assessment(app, pt, trial_id, 1, item)
    except InvalidInput as exc:
        assert exc.problems
        assert _audit_rows(app) == before
        return
    with app.db.read() as s:
        row = s.get(m.AssessmentRow, saved.assessment_id)
        assert row is not None
        assert row.notes == (notes.strip() or None)
        assert [g.grade for g in row.mas] == [grade]
