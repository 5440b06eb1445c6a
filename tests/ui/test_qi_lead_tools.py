"""The QI lead's tools around the figures (issue 25): correcting a procedure's kind offers to clear the
answers that no longer apply, CSV import and export from the dashboard, the procedure list's infection
details, and the dashboard's size."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.helpers import sign_in_module_actors
from tests.qi_synthetic import QI_LEAD
from trialapp.services import qi as service
from trialapp.services.context import Actor, App
from trialapp.ui.qi.dialogs import CorrectProcedureDialog


@pytest.fixture(autouse=True)
def _actors_signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_module_actors(request, monkeypatch)  # services trust only signed-in sessions (issue 18 §11)


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
            select(m.AuditEntry)
            .where(m.AuditEntry.table_name == "qi_step_answers", m.AuditEntry.row_id == row_id)
            .order_by(m.AuditEntry.id)
        ).scalars()
        return [(r.action, r.reason) for r in rows if r.action == "delete"]


def _dashboard(qtbot, app: App, actor: Actor | None = None):  # type: ignore[no-untyped-def]
    from trialapp.ui.qi.dashboard import QiDashboard

    d = QiDashboard(app, actor or QI_LEAD, as_of=date(2026, 1, 31))  # QI_LEAD read now: signed in per test
    qtbot.addWidget(d)
    return d


def test_csv_export_and_import_from_the_dashboard(
    qtbot, app: App, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from trialapp.services.context import open_app

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "information", lambda parent, title, text, *a: shown.append((title, text))
    )
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    pid = service.create_procedure(
        app,
        NURSE,
        service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A"),
        {"hair_clipped": "no"},
    )
    d = _dashboard(qtbot, app)
    out = tmp_path / "procedures.csv"
    assert d.export_csv(out) is True
    assert pid in out.read_text(encoding="utf-8")
    # Into another database, from its dashboard.
    other = open_app(tmp_path / "other.sqlite")
    try:
        d2 = _dashboard(qtbot, other)
        assert d2.import_csv(out) is True
        assert shown[-1] == (
            "Import procedures",
            "Imported 1 new procedure(s) from procedures.csv; 0 already on file were left as they were.",
        )
        assert [p.procedure_id for p in service.list_procedures(other, QI_LEAD)] == [pid]
        assert d2.procedures.table.rowCount() == 1
        # A file that is not UTF-8 is refused in words.
        latin = tmp_path / "latin.csv"
        latin.write_bytes("procedure_id,site\nP1,Málaga\n".encode("latin-1"))
        assert d2.import_csv(latin) is False
        assert "is not UTF-8 text" in shown[-1][1]
        d2.close()
    finally:
        other.close()
    assert d.procedures.import_button.isEnabled()
    nurse_view = _dashboard(qtbot, app, NURSE)
    assert not nurse_view.procedures.import_button.isEnabled()


def test_the_procedure_list_shows_the_organism_and_the_infections_day(qtbot, app: App) -> None:  # type: ignore[no-untyped-def]
    pid = service.create_procedure(
        app, NURSE, service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A")
    )
    service.record_ssi(app, NURSE, pid, "culture_positive", date(2025, 9, 21), "Staphylococcus aureus")
    d = _dashboard(qtbot, app)
    cell = d.procedures.table.item(0, 6)
    assert cell is not None
    assert cell.text() == "culture-positive, day 20 (2025-09-21), Staphylococcus aureus"


def test_follow_up_text_has_a_tooltip_and_a_day_60_check_in_clears_days_14_and_30(qtbot, app: App) -> None:  # type: ignore[no-untyped-def]
    surgery = date.today() - timedelta(days=65)
    pid = service.create_procedure(app, NURSE, service.NewProcedure(surgery, "new_implant", "North", "Dr A"))
    service.record_checkin(app, NURSE, pid, 60, surgery + timedelta(days=61))
    from trialapp.ui.qi.dashboard import QiDashboard

    d = QiDashboard(app, QI_LEAD)
    qtbot.addWidget(d)
    assert d.follow_up.table.rowCount() == 1 and "0 with a check-in due" in d.follow_up.caption.text()
    cell = d.follow_up.table.item(0, 5)
    assert cell is not None and cell.toolTip() == cell.text() and "check-in due" not in cell.text()


def test_the_dashboard_fits_a_1366_by_768_screen(qtbot, app: App) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSize

    from trialapp.ui.fit_screen import room
    from trialapp.ui.qi.dashboard import DEFAULT_SIZE

    d = _dashboard(qtbot, app)
    assert d.width() <= 1366 and d.height() <= 768 - 80  # room for the title bar and the task bar
    # Its own size, unless the test screen is smaller (ui/fit_screen.py; tests/ui/test_fits_screen.py
    # opens it on a 1366 × 768 screen at 100, 125 and 150 %).
    assert d.size() == QSize(*DEFAULT_SIZE).boundedTo(room(d))
    d.show()
    qtbot.waitExposed(d)
    assert d.minimumSizeHint().width() <= 1366 and d.minimumSizeHint().height() <= 768 - 80


def _eleven_step_bundle() -> object:
    from trialapp.domain import qi_bundle

    data = qi_bundle.bundle_to_dict(qi_bundle.example_bundle())
    data["phases"][2]["steps"].append(
        {
            "code": "vanc_powder",
            "text": "Vancomycin powder in the pump pocket before closure",
            "applies_to": ["new_implant"],
            "confirmed": False,
            "source": "local protocol",
        }
    )
    return qi_bundle.bundle_from_dict(data)


def test_eleven_steps_keep_readable_labels_and_step_texts(qtbot, app: App) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFontMetrics

    from trialapp.ui.qi import charts as qi_chart_module
    from trialapp.ui.qi.bundle_editor import STEP_TEXT_WIDTH

    service.save_bundle(app, QI_LEAD, _eleven_step_bundle(), date(2025, 1, 1))  # type: ignore[arg-type]
    service.create_procedure(
        app,
        NURSE,
        service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A"),
        {"vanc_powder": "yes"},
    )
    d = _dashboard(qtbot, app)
    d.show()
    qtbot.waitExposed(d)
    rows = len(d.charts.compliance_rows)
    assert rows == 3 + 11
    view = d.charts.compliance_plot.getPlotItem().getViewBox()
    line = QFontMetrics(qi_chart_module._small_font()).height()
    assert view.height() / rows >= line  # one label per row, no overlap
    d.tabs.setCurrentWidget(d.bundle)
    assert d.bundle.table.columnWidth(2) >= STEP_TEXT_WIDTH  # the step text is not squeezed
