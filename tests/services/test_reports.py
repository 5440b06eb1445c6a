"""Printing through the service: one audited print per call, data from the real database, site settings."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.helpers import demo_json, signed_in
from trialapp.interchange.trial_json import parse_trial_document
from trialapp.services.context import Actor, App, os_actor
from trialapp.services.demo import load_demo
from trialapp.services.errors import InvalidInput, PermissionDenied
from trialapp.services.integrity import check
from trialapp.services.reports import render_report
from trialapp.services.site_settings import read_site_settings, set_site_setting
from trialapp.services.trials import import_document
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.errors import NotFound


def _text(pdf: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _audit_rows(app: App) -> list[m.AuditEntry]:
    with app.db.read() as s:
        return list(s.execute(select(m.AuditEntry).order_by(m.AuditEntry.id)).scalars())


def _audit_count(app: App) -> int:
    with app.db.read() as s:
        return int(s.execute(select(func.count(m.AuditEntry.id))).scalar_one())


@pytest.fixture
def demo(app: App) -> dict[str, str]:
    result = load_demo(app, os_actor())
    return {name.removesuffix(".json"): trial_id for name, trial_id, _ in result.trials}


def _import(app: App, raw: dict[str, Any]) -> str:
    return import_document(app, os_actor(), parse_trial_document(raw))


def test_family_print_is_audited_in_the_familys_language(app: App, demo: dict[str, str]) -> None:
    before = _audit_count(app)
    pdf = render_report(app, os_actor(), demo["demo_nonresponder"], "family")
    assert pdf.startswith(b"%PDF")
    assert "La prueba de baclofeno de Sam" in _text(pdf)  # the family's preferred language (es)
    rows = _audit_rows(app)
    assert len(rows) == before + 1
    row = rows[-1]
    assert row.action == "print" and row.table_name == "trials" and row.row_id == demo["demo_nonresponder"]
    assert row.trial_id is not None
    assert json.loads(row.new_value or "{}") == {"kind": "family", "language": "es", "paper": "A4"}
    english = render_report(app, os_actor(), demo["demo_nonresponder"], "family", "en", "letter")
    assert "Sam's baclofen trial" in _text(english)
    assert json.loads(_audit_rows(app)[-1].new_value or "{}") == {
        "kind": "family",
        "language": "en",
        "paper": "letter",
    }


def test_clinical_copy_prints_the_chain_head_that_check_shows_next(app: App, demo: dict[str, str]) -> None:
    pdf = render_report(app, os_actor(), demo["demo_responder"], "clinical")
    report = check(app)
    assert report.ok
    assert f"Audit chain head: {report.chain_head}" in _text(pdf)
    last = _audit_rows(app)[-1]
    assert last.action == "print" and last.hash == report.chain_head
    assert json.loads(last.new_value or "{}")["kind"] == "clinical"


def test_bad_choices_are_refused_and_nothing_is_recorded(app: App, demo: dict[str, str]) -> None:
    before = _audit_count(app)
    with pytest.raises(InvalidInput) as refused:
        render_report(app, os_actor(), demo["demo_responder"], "familly", "fr", "A5")
    problems = " ".join(refused.value.problems)
    assert "familly" in problems and "fr" in problems and "A5" in problems
    with pytest.raises(InvalidInput, match="English only"):
        render_report(app, os_actor(), demo["demo_responder"], "clinical", "es")
    with pytest.raises(NotFound):
        render_report(app, os_actor(), "TNOTHERE", "family")
    assert _audit_count(app) == before


def test_trial_without_a_decision_renders_both_copies(app: App) -> None:
    raw = demo_json()
    raw["trial"]["decision"] = None
    trial_id = _import(app, raw)
    family = _text(render_report(app, os_actor(), trial_id, "family"))
    assert "The team has not made a choice yet." in family
    clinical = _text(render_report(app, os_actor(), trial_id, "clinical"))
    assert "Candidacy decision: no decision yet." in clinical
    assert "(active)" in clinical


def test_trial_with_adverse_effects_renders_both_copies(app: App) -> None:
    raw = demo_json()
    raw["trial"]["days"][1]["adverse_events"].append(
        {
            "at": "2026-11-03T11:30",
            "kind": "respiratory_depression",
            "severity": "mild",
            "notes": "RR 12, SpO2 93 %.",
            "action": "Stimulated; oxygen 1 L/min for 20 min.",
        }
    )
    trial_id = _import(app, raw)
    family = _text(render_report(app, os_actor(), trial_id, "family"))
    assert "Side effect: slow or weak breathing (mild)." in family
    clinical = _text(render_report(app, os_actor(), trial_id, "clinical"))
    assert "respiratory depression" in clinical and "Stimulated; oxygen 1 L/min for 20 min." in clinical
    # R5: respiratory depression is significant at any severity, so R6 starts at the screening dose.
    assert (
        "Recommended initial pump dose: 75 mcg/day — basis: screening dose (adverse effects)."
        in clinical
    )


def test_trial_with_an_extra_day_renders_both_copies(app: App) -> None:
    raw = demo_json()
    day4 = copy.deepcopy(raw["trial"]["days"][2])
    day4["day"], day4["date"] = 4, "2026-11-05"
    for a in day4["assessments"]:
        a["at"] = a["at"].replace("2026-11-04", "2026-11-05")
    day4["doses"][0]["given_at"] = "2026-11-05T09:00"
    raw["trial"]["days"][2]["plan"]["next_dose_mcg"] = 75
    raw["trial"]["days"].append(day4)
    raw["trial"]["decision"]["decided_at"] = "2026-11-05T17:30"
    trial_id = _import(app, raw)
    family = _text(render_report(app, os_actor(), trial_id, "family", "es"))
    assert "Día 4: jueves 5 de noviembre de 2026" in family
    clinical = _text(render_report(app, os_actor(), trial_id, "clinical", paper="letter"))
    assert "Day 4: Thu 05 Nov 2026 — 75 mcg at 09:00" in clinical


def test_double_check_entries_and_corrections_come_from_the_database(app: App, demo: dict[str, str]) -> None:
    trial_id = demo["demo_responder"]
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        neuro = s.execute(select(m.User).where(m.User.username == "demo.neuro")).scalar_one()
        nurse = s.execute(select(m.User).where(m.User.username == "demo.nurse")).scalar_one()
        dose = trial.days[1].doses[0]
        dose.first_entry_dose_mcg, dose.first_entry_concentration = 75, 50
        dose.check_entry_dose_mcg, dose.check_entry_concentration = 75, 50
        dose.entered_by_user_id, dose.checked_by_user_id = neuro.id, nurse.id
        app.audit.record(
            s,
            actor="user:demo.neuro",
            action="update",
            table="doses",
            row_id=dose.id,
            field="lot",
            old="DEMO-L2290",
            new="DEMO-L2291",
            reason="Lot number misread from the syringe label.",
            trial_id=trial.id,
        )
    text = _text(render_report(app, os_actor(), trial_id, "clinical"))
    assert "1st: 75 mcg at 50 mcg/mL (demo.neuro — Dr Nik Demo-Surgeon (demo), neurosurgeon)" in text
    assert "2nd: 75 mcg at 50 mcg/mL (demo.nurse — Noor Demo-Nurse (demo), nurse)" in text
    assert "entries match" in text
    assert "Lot number misread from the syringe label." in text
    assert "DEMO-L2290 → DEMO-L2291" in text
    assert "Printed by " in text


# ------------------------------------------------------------------------------------- site settings


def test_site_settings_are_audited_and_printed(app: App, demo: dict[str, str]) -> None:
    assert read_site_settings(app).missing() == ("clinic_name", "clinic_phone", "emergency_number")
    clinical = _text(render_report(app, os_actor(), demo["demo_responder"], "clinical"))
    assert "Clinic phone not set" in clinical
    before = _audit_count(app)
    set_site_setting(app, os_actor(), "clinic_phone", "  +1 (555) 010-4477 ext. 12 ")
    set_site_setting(app, os_actor(), "emergency_number", "911")
    set_site_setting(app, os_actor(), "clinic_name", "Riverside Children's Hospital")
    settings = read_site_settings(app)
    assert settings.clinic_phone == "+1 (555) 010-4477 ext. 12"
    rows = _audit_rows(app)[before:]
    assert [(r.action, r.table_name, r.row_id) for r in rows] == [
        ("update", "settings", "clinic_phone"),
        ("update", "settings", "emergency_number"),
        ("update", "settings", "clinic_name"),
    ]
    assert rows[0].old_value is None and rows[0].new_value == "+1 (555) 010-4477 ext. 12"
    family = _text(render_report(app, os_actor(), demo["demo_responder"], "family"))
    assert "Clinic phone: +1 (555) 010-4477 ext. 12" in family
    assert "Call 911 right away if Alex:" in family
    assert "From Riverside Children's Hospital" in family
    # The same value again writes nothing; clearing is audited too.
    count = _audit_count(app)
    set_site_setting(app, os_actor(), "emergency_number", "911")
    assert _audit_count(app) == count
    set_site_setting(app, os_actor(), "emergency_number", None)
    assert read_site_settings(app).emergency_number is None
    assert _audit_rows(app)[-1].old_value == "911"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("clinic_phone", "call the ward", "is not a phone number"),
        ("emergency_number", "9", "is not a phone number"),
        ("clinic_fax", "123", "no site setting 'clinic_fax'"),
        ("clinic_name", "x" * 121, "at most 120"),
    ],
)
def test_bad_site_settings_are_refused_and_nothing_is_written(
    app: App, key: str, value: str, message: str
) -> None:
    before = _audit_count(app)
    with pytest.raises(InvalidInput, match=message):
        set_site_setting(app, os_actor(), key, value)
    assert _audit_count(app) == before
    assert read_site_settings(app).missing() == ("clinic_name", "clinic_phone", "emergency_number")


def test_only_an_admin_changes_site_settings(app: App) -> None:
    nurse = Actor(username="rn.smith", role="nurse", full_name="Rita Smith")
    with pytest.raises(PermissionDenied):
        set_site_setting(app, nurse, "clinic_phone", "555 0100")
    nurse = signed_in(app, nurse)  # refused for the role the database gives, not for a missing sign-in
    with pytest.raises(PermissionDenied):
        set_site_setting(app, nurse, "clinic_phone", "555 0100")
    admin = signed_in(app, Actor(username="ada", role="admin", full_name="Ada Admin"))
    assert set_site_setting(app, admin, "clinic_phone", "555 0100").clinic_phone == "555 0100"


def test_clinical_summary_checks_vitals_against_the_sites_limits(app: App, demo: dict[str, str]) -> None:
    from dataclasses import replace

    from trialapp.services import vital_limits

    published_text = _text(render_report(app, os_actor(), demo["demo_responder"], "clinical"))
    published = vital_limits.published_limits()
    strict = replace(
        published, bands=tuple(replace(b, hr_high=b.hr_low + 1) for b in published.bands)
    )  # every recorded heart rate is now above the site's limit
    vital_limits.set_site_limits(app, os_actor(), strict, "test: a site with a very low upper limit")
    site_text = _text(render_report(app, os_actor(), demo["demo_responder"], "clinical"))
    assert site_text.count("WARNING: hr high") > published_text.count("WARNING: hr high")
