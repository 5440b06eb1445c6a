"""QI services on a real SQLite file: bundle versions, procedures from a trial or standalone, step answers
with who confirmed them, infections, the follow-up list, the summary, permissions and the audit trail."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import file_digest, sign_in_module_actors
from trialapp.domain import qi_bundle, qi_procedures
from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.qi_procedures import QiFilter, RiskFactors
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services import qi as service
from trialapp.services.context import Actor, App, os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.errors import InvalidInput, PermissionDenied
from trialapp.services.integrity import check
from trialapp.services.trials import import_document, load_document
from trialapp.storage import models as m
from trialapp.storage import qi_models as qm

QI_LEAD = Actor("demo.qi", "qi_lead", "Quinn Demo-QI")
NURSE = Actor("demo.nurse", "nurse", "Noor Demo-Nurse")
SURGEON = Actor("demo.neuro", "neurosurgeon", "Dr Nik Demo-Surgeon")
PT = Actor("demo.pt", "pt", "Pat Demo-Therapist")
ADMIN = Actor("demo.admin", "admin", "Ada Demo-Admin")


@pytest.fixture(autouse=True)
def _actors_signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_module_actors(request, monkeypatch)  # services trust only signed-in sessions (issue 18 §11)


SURGERY = date(2025, 9, 1)


def new(**changes: object) -> service.NewProcedure:
    data: dict[str, object] = {
        "surgery_date": SURGERY,
        "kind": "new_implant",
        "site": "North",
        "surgeon": "Dr A",
    }
    data.update(changes)
    return service.NewProcedure(**data)  # type: ignore[arg-type]


def audit_rows(app: App, table: str) -> list[m.AuditEntry]:
    with app.db.read() as s:
        return list(s.execute(select(m.AuditEntry).where(m.AuditEntry.table_name == table).order_by(m.AuditEntry.id)).scalars())


def count(app: App, model: type) -> int:
    with app.db.read() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


# ------------------------------------------------------------------------------------------- bundle


def test_before_anything_is_saved_the_example_bundle_is_version_1(app: App) -> None:
    history = service.bundle_history(app, PT)
    assert [v.version for v in history.versions] == [1]
    assert history.current.bundle == qi_bundle.example_bundle()
    assert count(app, qm.QiBundleVersion) == 0  # viewing writes nothing


def test_first_procedure_saves_the_example_bundle_as_version_1(app: App) -> None:
    service.create_procedure(app, NURSE, new())
    assert count(app, qm.QiBundleVersion) == 1
    assert [
        r.new_value and json.loads(r.new_value)["version"] for r in audit_rows(app, "qi_bundle_versions")
    ] == [1]


def _edited(bundle: qi_bundle.Bundle) -> qi_bundle.Bundle:
    data = qi_bundle.bundle_to_dict(bundle)
    data["phases"][2]["steps"].append(
        {
            "code": "vanc_powder",
            "text": "Vancomycin powder in the pump pocket",
            "applies_to": ["new_implant", "pump_replacement"],
            "confirmed": False,
            "source": "local protocol",
        }
    )
    data["phases"][1]["steps"] = [s for s in data["phases"][1]["steps"] if s["code"] != "iodophor_drape"]
    return qi_bundle.bundle_from_dict(data)


def test_qi_lead_edits_the_bundle_and_procedures_keep_their_version(app: App) -> None:
    before = service.create_procedure(app, NURSE, new(), {"iodophor_drape": "yes"})
    version = service.save_bundle(
        app, QI_LEAD, _edited(qi_bundle.example_bundle()), date(2025, 10, 1), "add pocket step"
    )
    assert version.version == 2
    after = service.create_procedure(app, NURSE, new(surgery_date=date(2025, 10, 2)), {"vanc_powder": "no"})
    # The September procedure is still scored against version 1 (it is asked the drape step)...
    detail = service.get_procedure(app, QI_LEAD, before)
    assert detail.bundle_version == 1 and "iodophor_drape" in {s.code for s in detail.steps}
    # ... the October one against version 2.
    detail = service.get_procedure(app, QI_LEAD, after)
    assert detail.bundle_version == 2 and "vanc_powder" in {s.code for s in detail.steps}
    assert "iodophor_drape" not in {s.code for s in detail.steps}
    # The old step cannot be answered on the new procedure, and the new one not on the old.
    with pytest.raises(InvalidInput, match="not in bundle version 2"):
        service.record_step_answers(app, NURSE, after, {"iodophor_drape": "yes"})
    with pytest.raises(InvalidInput, match="not in bundle version 1"):
        service.record_step_answers(app, NURSE, before, {"vanc_powder": "yes"})
    summary = service.qi_summary(app, QI_LEAD, date(2026, 1, 31))
    assert summary.bundle_versions == (1, 2)
    codes = [s.code for s in summary.steps]
    assert "vanc_powder" in codes and "iodophor_drape" in codes  # a retired step with answers stays


def test_bundle_versions_refuse_going_back_in_time_and_no_change(app: App) -> None:
    service.save_bundle(app, QI_LEAD, _edited(qi_bundle.example_bundle()), date(2025, 10, 1))
    with pytest.raises(InvalidInput) as info:
        service.save_bundle(app, ADMIN, _edited(qi_bundle.example_bundle()), date(2025, 9, 1))
    text = str(info.value)
    assert "2025-10-01 or later" in text and "same as version 2" in text


def _all_yes(app: App, procedure_id: str) -> dict[str, str]:
    return {step.code: "yes" for step in service.get_procedure(app, QI_LEAD, procedure_id).steps}


def test_a_new_bundle_version_never_changes_a_recorded_procedures_compliance(app: App) -> None:
    """Issue 25 item 1: a step added with an earlier In force from date re-scored a recorded procedure
    from 10/10 to 10/11. The date is refused with the procedures it would touch, and even a procedure
    whose date is corrected past the new version keeps the version it was recorded against."""
    recorded = service.create_procedure(app, NURSE, new(surgery_date=date(2025, 10, 4)))
    service.record_step_answers(app, NURSE, recorded, _all_yes(app, recorded))
    before = service.qi_summary(app, QI_LEAD, date(2026, 1, 31)).full
    assert (before.full, before.scored) == (1, 1)
    with pytest.raises(InvalidInput) as info:
        service.save_bundle(app, QI_LEAD, _edited(qi_bundle.example_bundle()), date(2025, 10, 1))
    assert (
        f"would reach 1 procedure(s) already recorded against an earlier version: {recorded} (2025-10-04)"
        in str(info.value)
    )
    assert "choose a date after 2025-10-04" in str(info.value)
    assert count(app, qm.QiBundleVersion) == 1
    service.save_bundle(app, QI_LEAD, _edited(qi_bundle.example_bundle()), date(2025, 10, 5))
    service.correct_procedure(
        app, QI_LEAD, recorded, reason="typo in the date", surgery_date=date(2025, 10, 6)
    )
    detail = service.get_procedure(app, QI_LEAD, recorded)
    assert detail.bundle_version == 1 and detail.full_compliance is True
    after = service.qi_summary(app, QI_LEAD, date(2026, 1, 31)).full
    assert (after.full, after.scored) == (1, 1)
    # A procedure recorded after the new version is saved, on its date, is scored against it.
    later = service.create_procedure(app, NURSE, new(surgery_date=date(2025, 10, 7)))
    assert service.get_procedure(app, QI_LEAD, later).bundle_version == 2


def test_only_qi_lead_and_admin_manage_the_bundle(app: App) -> None:
    for actor in (NURSE, SURGEON, PT):
        with pytest.raises(PermissionDenied):
            service.save_bundle(app, actor, _edited(qi_bundle.example_bundle()), date(2025, 10, 1))
    assert count(app, qm.QiBundleVersion) == 0


def test_bundle_file_problems_are_listed(app: App) -> None:
    with pytest.raises(InvalidInput, match="not valid JSON"):
        service.bundle_from_json("{")
    data = qi_bundle.bundle_to_dict(qi_bundle.example_bundle())
    data["phases"][0]["steps"][0]["applies_to"] = []
    data["phases"][0]["steps"][0]["confirmed"] = None
    with pytest.raises(InvalidInput) as info:
        service.bundle_from_json(json.dumps(data))
    assert len(info.value.problems) == 2


# --------------------------------------------------------------------------------------- procedures


def test_standalone_procedure_with_answers_and_who_confirmed(app: App) -> None:
    pid = service.create_procedure(
        app,
        NURSE,
        new(risk=RiskFactors(age_months=96, gastrostomy=True)),
        {"cefazolin_before_incision": "yes", "hair_clipped": "no", "antibacterial_envelope": "na"},
        confirmed_by="Circulating nurse R. Demo",
    )
    assert pid.startswith("P") and len(pid) == 8
    detail = service.get_procedure(app, PT, pid)
    assert detail.procedure.answers == {
        "cefazolin_before_incision": "yes",
        "hair_clipped": "no",
        "antibacterial_envelope": "na",
    }
    assert {a.confirmed_by for a in detail.answers.values()} == {"Circulating nurse R. Demo"}
    assert detail.procedure.risk.age_months == 96 and detail.procedure.risk.gastrostomy is True
    assert detail.full_compliance is False  # a no, and steps not answered yet
    assert detail.created_by == "user:demo.nurse"
    assert len(audit_rows(app, "qi_step_answers")) == 3
    assert check(app).ok


def test_procedure_linked_to_a_trial_is_prefilled_from_its_patient(app: App) -> None:
    name = demo_files()[0]
    trial_id = import_document(app, os_actor(), load_trial_document(demo_text(name)))
    patient = load_document(app, PT, trial_id).patient
    pid = service.create_procedure(app, SURGEON, new(trial_id=trial_id, risk=RiskFactors(csf_leak=False)))
    risk = service.get_procedure(app, PT, pid).procedure.risk
    assert risk.age_months == age_in_whole_months(patient.birth_date, SURGERY)
    assert risk.weight_kg == patient.weight_kg
    assert risk.gmfcs_level == patient.gmfcs_level
    assert risk.bmi == qi_procedures.bmi_from(patient.weight_kg, patient.height_cm)
    assert risk.csf_leak is False  # what was entered is kept
    assert service.get_procedure(app, PT, pid).procedure.trial_id == trial_id
    assert service.prefill_from_trial(app, PT, trial_id, SURGERY).weight_kg == patient.weight_kg
    with pytest.raises(InvalidInput, match="No trial 'TNOPE'"):
        service.create_procedure(app, SURGEON, new(trial_id="TNOPE"))


def test_bad_procedure_lists_every_problem_and_writes_nothing(app: App, db_path: object) -> None:
    service.create_procedure(app, NURSE, new(procedure_id="KEEP-1"))
    before = file_digest(app.db.path)  # type: ignore[arg-type]
    bad = new(
        procedure_id="KEEP-1",
        kind="implant",
        site=" ",
        surgeon="",
        surgery_date=date.today() + timedelta(days=3),
        risk=RiskFactors(gmfcs_level=7),
    )
    with pytest.raises(InvalidInput) as info:
        service.create_procedure(app, NURSE, bad, {"hair_clipped": "maybe"})
    problems = info.value.problems
    assert len(problems) == 7, problems
    assert any("already on file" in p for p in problems)
    assert any("in the future" in p for p in problems)
    assert any("'maybe' is not an answer" in p for p in problems)
    assert file_digest(app.db.path) == before  # type: ignore[arg-type]


def test_step_not_applying_to_the_kind_is_refused(app: App) -> None:
    pid = service.create_procedure(app, NURSE, new(kind="removal"))
    with pytest.raises(InvalidInput, match="does not apply to a removal"):
        service.record_step_answers(app, NURSE, pid, {"antibacterial_envelope": "no"})
    assert service.record_step_answers(app, NURSE, pid, {"antibacterial_envelope": "na"}) == 1


def test_answers_change_and_clear_with_audit(app: App) -> None:
    pid = service.create_procedure(app, NURSE, new(), {"hair_clipped": "no"})
    assert (
        service.record_step_answers(app, SURGEON, pid, {"hair_clipped": "yes", "double_gloving": "yes"}) == 2
    )
    assert service.record_step_answers(app, SURGEON, pid, {"hair_clipped": "yes"}) == 0  # unchanged
    assert service.record_step_answers(app, QI_LEAD, pid, {"double_gloving": None}) == 1
    detail = service.get_procedure(app, PT, pid)
    assert detail.procedure.answers == {"hair_clipped": "yes"}
    assert detail.answers["hair_clipped"].confirmed_by == SURGEON.display_name
    rows = [(r.action, r.old_value, r.row_id) for r in audit_rows(app, "qi_step_answers")]
    assert rows == [
        ("insert", None, f"{pid}/hair_clipped"),
        ("update", "no", f"{pid}/hair_clipped"),
        ("insert", None, f"{pid}/double_gloving"),
        ("delete", "yes", f"{pid}/double_gloving"),
    ]


def test_who_may_record(app: App) -> None:
    with pytest.raises(PermissionDenied):
        service.create_procedure(app, PT, new())
    with pytest.raises(PermissionDenied):
        service.create_procedure(app, os_actor(), new())  # the command line imports, it does not record
    for actor in (NURSE, SURGEON, QI_LEAD):
        service.create_procedure(app, actor, new())
    assert len(service.list_procedures(app, PT)) == 3


def test_risk_factors_and_corrections(app: App) -> None:
    pid = service.create_procedure(app, NURSE, new())
    service.update_risk_factors(app, QI_LEAD, pid, RiskFactors(prior_revisions_6m=2, csf_leak=True))
    assert service.get_procedure(app, PT, pid).procedure.risk.prior_revisions_6m == 2
    with pytest.raises(InvalidInput, match="GMFCS"):
        service.update_risk_factors(app, QI_LEAD, pid, RiskFactors(gmfcs_level=0))
    with pytest.raises(InvalidInput, match="reason"):
        service.correct_procedure(app, QI_LEAD, pid, reason=" ", kind="removal")
    with pytest.raises(InvalidInput, match="The surgeon is required"):  # blank is refused, not ignored
        service.correct_procedure(app, QI_LEAD, pid, reason="typo", surgeon="  ")
    service.correct_procedure(app, QI_LEAD, pid, reason="typed the wrong kind", kind="pump_replacement")
    assert service.get_procedure(app, PT, pid).procedure.kind == "pump_replacement"
    kinds = [r for r in audit_rows(app, "qi_procedures") if r.field == "kind"]
    assert [(r.old_value, r.new_value, r.reason) for r in kinds] == [
        ("new_implant", "pump_replacement", "typed the wrong kind")
    ]


# ---------------------------------------------------------------------------------------- infections


def test_record_an_infection_and_replace_it_only_with_a_reason(app: App) -> None:
    pid = service.create_procedure(app, NURSE, new())
    with pytest.raises(InvalidInput, match="needs the organism"):
        service.record_ssi(app, SURGEON, pid, "culture_positive", SURGERY + timedelta(days=20))
    with pytest.raises(InvalidInput, match="before the surgery"):
        service.record_ssi(app, SURGEON, pid, "removal_suspected", SURGERY - timedelta(days=1))
    with pytest.raises(InvalidInput, match="not a way to establish"):
        service.record_ssi(app, SURGEON, pid, "fever", SURGERY)
    service.record_ssi(app, SURGEON, pid, "dehiscence_exposed", SURGERY + timedelta(days=20))
    ssi = service.get_procedure(app, PT, pid).procedure.ssi
    assert ssi is not None and (ssi.kind, ssi.criterion) == ("suspected", "dehiscence_exposed")
    with pytest.raises(InvalidInput, match="Give the reason"):
        service.record_ssi(app, SURGEON, pid, "culture_positive", SURGERY + timedelta(days=22), "S. aureus")
    service.record_ssi(
        app,
        SURGEON,
        pid,
        "culture_positive",
        SURGERY + timedelta(days=22),
        "S. aureus",
        reason="culture came back",
    )
    ssi = service.get_procedure(app, PT, pid).procedure.ssi
    assert ssi is not None and (ssi.kind, ssi.organism) == ("culture_positive", "S. aureus")
    with pytest.raises(InvalidInput, match="reason"):
        service.remove_ssi(app, QI_LEAD, pid, "")
    service.remove_ssi(app, QI_LEAD, pid, "wrong procedure")
    assert service.get_procedure(app, PT, pid).procedure.ssi is None
    actions = [(r.action, r.field) for r in audit_rows(app, "qi_procedures") if r.field == "ssi"]
    assert actions == [("insert", "ssi"), ("update", "ssi"), ("delete", "ssi")]


def test_follow_up_list_and_check_ins(app: App) -> None:
    today = date.today()
    recent = service.create_procedure(app, NURSE, new(surgery_date=today - timedelta(days=20)))
    service.create_procedure(app, NURSE, new(surgery_date=today - timedelta(days=200)))  # long closed
    infected = service.create_procedure(app, NURSE, new(surgery_date=today - timedelta(days=10)))
    service.record_ssi(app, SURGEON, infected, "removal_suspected", today - timedelta(days=2))
    items = service.follow_up(app, PT)
    assert [i.procedure.procedure_id for i in items] == [recent]
    assert [c.day for c in items[0].due] == [14]
    service.record_checkin(app, NURSE, recent, 14, today - timedelta(days=5), "wound clean")
    items = service.follow_up(app, PT)
    assert items[0].due == () and items[0].checkins[0].status == "done"
    with pytest.raises(InvalidInput) as info:
        service.record_checkin(app, NURSE, recent, 14, today + timedelta(days=1))
    assert "already recorded" in str(info.value) and "in the future" in str(info.value)
    with pytest.raises(InvalidInput, match="not a follow-up day"):
        service.record_checkin(app, NURSE, recent, 45, today)


def test_site_setting_changes_the_check_in_days(app: App) -> None:
    with app.db.write() as s:
        s.add(m.Setting(key=service.CHECKIN_DAYS_SETTING, value=[7, 30, 90]))
    assert service.checkin_days(app, PT) == (7, 30, 90)
    pid = service.create_procedure(app, NURSE, new(surgery_date=date.today() - timedelta(days=8)))
    assert [c.day for c in service.follow_up(app, PT)[0].due] == [7]
    service.record_checkin(app, NURSE, pid, 7, date.today())


# ------------------------------------------------------------------------------------------ summary


def test_summary_over_the_database_matches_the_domain_rules(app: App) -> None:
    """Four procedures built so that every number is known by hand."""
    as_of = date(2026, 1, 31)
    yes_all = {c: "yes" for c in ("cefazolin_before_incision", "hair_clipped", "surgical_scrub_team")}
    a = service.create_procedure(app, NURSE, new(surgery_date=date(2025, 7, 1)), yes_all)
    b = service.create_procedure(
        app, NURSE, new(surgery_date=date(2025, 7, 2), site="South"), {"cefazolin_before_incision": "no"}
    )
    service.create_procedure(
        app, NURSE, new(surgery_date=date(2025, 8, 1)), {"cefazolin_before_incision": "yes"}
    )
    service.create_procedure(app, NURSE, new(surgery_date=date(2026, 1, 10)))  # open window on as-of
    service.record_ssi(app, SURGEON, b, "culture_positive", date(2025, 9, 29), "E. coli")  # day 89: counted
    service.record_ssi(app, SURGEON, a, "removal_suspected", date(2025, 9, 30))  # day 91: not counted
    data = service.qi_summary_json(app, PT, as_of, "quarter")
    assert data["procedures"] == 4
    assert data["step_compliance"]["cefazolin_before_incision"] == 66.7  # 2 yes, 1 no
    assert data["step_compliance"]["hair_clipped"] == 100.0
    assert data["step_compliance"]["iodophor_drape"] is None
    assert data["full_compliance_pct"] == 0.0  # nobody answered every applicable step
    assert data["ssi"] == {
        "count": 1,
        "eligible": 3,
        "rate_pct": 33.3,
        "open_windows": 1,
        "open_window_infections": 0,
    }
    # all three eligible in 2025-Q3: p = 1/3; p̄ = 1/3; UCL = 1/3 + 3·√((1/3)(2/3)/3) = 0.3333 + 0.8165 → 1
    assert data["p_chart"] == [{"period": "2025-Q3", "n": 3, "ssi": 1, "p": 0.3333, "ucl": 1.0, "lcl": 0.0}]
    south = service.qi_summary_json(app, PT, as_of, "month", QiFilter(site="South"))
    assert south["procedures"] == 1 and south["ssi"]["count"] == 1
    assert south["p_chart"][0]["period"] == "2025-07"
    assert service.filter_choices(app, PT) == (["North", "South"], ["Dr A"])
    with pytest.raises(InvalidInput, match="month or quarter"):
        service.qi_summary(app, PT, as_of, "week")


def test_checklist_saves_answers_and_risk_together_or_not_at_all(app: App) -> None:
    pid = service.create_procedure(app, NURSE, new())
    with pytest.raises(InvalidInput) as info:
        service.update_checklist(app, NURSE, pid, {"hair_clipped": "yes"}, RiskFactors(weight_kg=0.1))
    assert "Weight must be between 1 and 250 kg." in info.value.problems
    assert service.get_procedure(app, PT, pid).procedure.answers == {}  # the valid answer was not kept either
    changed = service.update_checklist(
        app,
        NURSE,
        pid,
        {"hair_clipped": "yes", "double_gloving": "no"},
        RiskFactors(weight_kg=18.5),
        "OR nurse",
    )
    assert changed == 3
    detail = service.get_procedure(app, PT, pid)
    assert detail.procedure.answers == {"hair_clipped": "yes", "double_gloving": "no"}
    assert detail.procedure.risk.weight_kg == 18.5
    assert detail.answers["double_gloving"].confirmed_by == "OR nurse"
