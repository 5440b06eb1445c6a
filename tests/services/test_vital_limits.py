"""The site's vital-sign limits (R9): published by default; an admin's edited table is validated, needs a
note, keeps R9's urgent alerts, is audited, and is what the alerts use."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from trialapp.domain.vitals import vital_alerts
from trialapp.services import users, vital_limits
from trialapp.services.errors import InvalidInput, PermissionDenied
from trialapp.storage import models as m

PASSWORD = "correct-horse-battery"


@pytest.fixture
def admin(app):
    users.add_user(app, None, "admin.ada", "admin", "Ada Admin", PASSWORD)
    return users.authenticate(app, "admin.ada", PASSWORD)


def _settings_audit(app) -> int:
    with app.db.read() as s:
        return s.execute(
            select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.table_name == "settings")
        ).scalar_one()


def _with_band(bands, index, **changes):
    rows = list(bands.bands)
    rows[index] = replace(rows[index], **changes)
    return replace(bands, bands=tuple(rows))


def test_published_limits_by_default(app) -> None:
    limits = vital_limits.site_limits(app)
    assert limits.edited_at_site is False and limits.note is None
    assert limits.bands == vital_limits.published_limits()


def test_site_limits_are_used_for_alerts_and_audited(app, admin) -> None:
    published = vital_limits.published_limits()
    band = published.bands[8]
    edited = _with_band(published, 8, hr_high=band.hr_high - 20)
    vital_limits.set_site_limits(app, admin, edited, "  Earlier warnings for tachycardia  ")
    used = vital_limits.vital_bands(app)
    assert used.bands[8].hr_high == band.hr_high - 20
    assert used.metadata["notes"] == "Earlier warnings for tachycardia"
    assert used.metadata["citation"] == published.metadata["citation"]  # the published source stays
    assert _settings_audit(app) == 1
    age = band.from_months
    from trialapp.domain.records import Vitals

    hr = band.hr_high - 10  # inside the published band, above the site's limit
    assert vital_alerts(Vitals(hr, None, None, None, None, None), None, age, published) == ()
    alerts = vital_alerts(Vitals(hr, None, None, None, None, None), None, age, used)
    assert [a.code for a in alerts] == ["hr_high"]
    vital_limits.restore_published_limits(app, admin)
    assert vital_limits.site_limits(app).edited_at_site is False
    assert _settings_audit(app) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hr_low": 200}, "heart rate from: must be below"),
        ({"rr_high": -3}, "breathing rate to: must be a number above 0"),
    ],
)
def test_an_invalid_table_is_refused_with_its_age_band(app, admin, change, message) -> None:
    published = vital_limits.published_limits()
    with pytest.raises(InvalidInput, match=message) as refused:
        vital_limits.set_site_limits(app, admin, _with_band(published, 4, **change), "a note")
    assert published.bands[4].label in str(refused.value)
    assert vital_limits.site_limits(app).edited_at_site is False
    assert _settings_audit(app) == 0


def test_r9_urgent_alerts_stay_urgent_and_a_note_is_required(app, admin) -> None:
    published = vital_limits.published_limits()
    with pytest.raises(InvalidInput, match="rr_low must stay urgent"):
        vital_limits.set_site_limits(
            app, admin, replace(published, urgent_codes=frozenset({"spo2_low"})), "x"
        )
    with pytest.raises(InvalidInput, match="Say why"):
        vital_limits.set_site_limits(app, admin, published, "   ")
    with pytest.raises(InvalidInput, match="under 500 characters"):
        vital_limits.set_site_limits(app, admin, published, "x" * 501)
    assert _settings_audit(app) == 0


def test_only_an_admin_changes_the_limits(app, admin) -> None:
    users.add_user(app, admin, "pt.jones", "pt", "Pat Jones", PASSWORD)
    pt = users.authenticate(app, "pt.jones", PASSWORD)
    with pytest.raises(PermissionDenied):
        vital_limits.set_site_limits(app, pt, vital_limits.published_limits(), "note")
    with pytest.raises(PermissionDenied):
        vital_limits.restore_published_limits(app, pt)
    assert vital_limits.vital_bands(app) == vital_limits.published_limits()


def test_a_hand_edited_broken_table_falls_back_to_the_published_limits(app) -> None:
    with app.db.write() as s:
        s.add(m.Setting(key=vital_limits.VITAL_LIMITS, value={"bands": "broken"}))
    limits = vital_limits.site_limits(app)
    assert limits.edited_at_site is False
    assert limits.bands == vital_limits.published_limits()


def test_a_saved_assessment_alerts_against_the_sites_limits(app, admin) -> None:
    from datetime import datetime, timedelta

    from tests.helpers import demo_json
    from trialapp.domain.dosing import age_in_whole_months
    from trialapp.domain.records import Assessment, Vitals
    from trialapp.domain.vitals import band_for_age
    from trialapp.interchange.trial_json import parse_trial_document
    from trialapp.services.assessments import record_assessment
    from trialapp.services.context import os_actor
    from trialapp.services.trials import import_document

    trial_id = import_document(app, os_actor(), parse_trial_document(demo_json("demo_responder.json")))
    users.add_user(app, admin, "rn.smith", "nurse", "Nurse Smith", PASSWORD)
    nurse = users.authenticate(app, "rn.smith", PASSWORD)
    doc = parse_trial_document(demo_json("demo_responder.json"))
    day = doc.trial.days[0]
    at = max(a.at for a in day.assessments) + timedelta(minutes=5)
    published = vital_limits.published_limits()
    age_band = band_for_age(published, age_in_whole_months(doc.patient.birth_date, at.date()))
    assert age_band is not None
    hr = age_band.hr_high - 5  # normal by the published limits

    def save(minutes: int) -> tuple[str, ...]:
        vitals = Vitals(hr, None, None, None, None, None)
        saved = record_assessment(
            app,
            nurse,
            trial_id,
            day.day,
            Assessment(kind="reassessment", at=at + timedelta(minutes=minutes), vitals=vitals),
            now=datetime(2030, 1, 1),
        )
        return tuple(a.code for a in saved.alerts)

    assert save(0) == ()
    strict = replace(published, bands=tuple(replace(b, hr_high=b.hr_low + 1) for b in published.bands))
    vital_limits.set_site_limits(app, admin, strict, "test: strict upper heart-rate limit")
    assert save(1) == ("hr_high",)
    vital_limits.restore_published_limits(app, admin)
    assert save(2) == ()
