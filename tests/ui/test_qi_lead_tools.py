"""The QI lead's tools around the figures (issue 25): correcting a procedure's kind offers to clear the
answers that no longer apply, CSV import and export from the dashboard, the procedure list's infection
details, and the dashboard's size."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.qi_synthetic import QI_LEAD
from trialapp.services import qi as service
from trialapp.services.context import Actor, App
from trialapp.ui.qi.dialogs import CorrectProcedureDialog

NURSE = Actor("demo.nurse", "nurse", "Noor Demo-Nurse")


def test_correcting_the_kind_offers_to_clear_the_answers_that_no_longer_apply(
    qtbot, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    pid = service.create_procedure(
        app,
        NURSE,
        service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A"),
        {"antibacterial_envelope": "yes", "hair_clipped": "yes"},
    )
    asked: list[str] = []

    def answer(choice: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def question(parent, title, text, *args):  # type: ignore[no-untyped-def]
            asked.append(text)
            return choice

        return question

    dialog = CorrectProcedureDialog(app, QI_LEAD, pid)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("catheter_revision"))
    dialog.reason.setText("it was a catheter revision")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert dialog.save() is False  # declined: nothing changes, no CSV-style refusal either
    assert "does not apply" not in dialog.error.text()
    assert "A catheter revision is not asked these steps" in asked[0] and "(yes)" in asked[0]
    assert service.get_procedure(app, QI_LEAD, pid).procedure.kind == "new_implant"
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert dialog.save() is True
    detail = service.get_procedure(app, QI_LEAD, pid)
    assert detail.procedure.kind == "catheter_revision"
    assert detail.procedure.answers == {"hair_clipped": "yes"}
    audited = service_audit(app, f"{pid}/antibacterial_envelope")
    assert audited == [("delete", "it was a catheter revision")]


def service_audit(app: App, row_id: str) -> list[tuple[str, str | None]]:
    from sqlalchemy import select

    from trialapp.storage import models as m

    with app.db.read() as s:
        rows = s.execute(
            select(m.AuditEntry).where(
                m.AuditEntry.table_name == "qi_step_answers", m.AuditEntry.row_id == row_id
            )
        ).scalars()
        return [(r.action, r.reason) for r in rows if r.action == "delete"]
