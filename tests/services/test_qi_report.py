"""Printing the QI report through the audited service: one transaction for everything the report reads,
one ``print`` row with the filter, and nothing recorded when the PDF cannot be written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.helpers import sign_in_module_actors
from trialapp.domain.qi_procedures import QiFilter
from trialapp.services import qi as service
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.history import _People, _words
from trialapp.services.qi_report import qi_report_pdf, write_qi_report
from trialapp.storage import models as m

QI_LEAD = Actor("demo.qi", "qi_lead", "Quinn Demo-QI")


@pytest.fixture(autouse=True)
def _actors_signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_module_actors(request, monkeypatch)  # services trust only signed-in sessions (issue 18 §11)


def print_rows(app: App) -> list[m.AuditEntry]:
    with app.db.read() as s:
        return list(
            s.execute(
                select(m.AuditEntry).where(
                    m.AuditEntry.table_name == "qi_procedures", m.AuditEntry.action == "print"
                )
            ).scalars()
        )


@pytest.fixture
def programme(app: App) -> App:
    for day, site in ((date(2025, 7, 1), "North"), (date(2025, 8, 1), "South")):
        service.create_procedure(
            app, QI_LEAD, service.NewProcedure(day, "new_implant", site, "Dr A"), {"hair_clipped": "yes"}
        )
    return app


@pytest.fixture
def transactions() -> Iterator[list[Session]]:
    """Every session transaction begun while the test runs (SQLAlchemy's after_begin event)."""
    begun: list[Session] = []

    def count(session: Session, _transaction: object, _connection: object) -> None:
        begun.append(session)

    event.listen(Session, "after_begin", count)
    yield begun
    event.remove(Session, "after_begin", count)


def test_one_print_is_one_transaction_and_one_audit_row(programme: App, transactions: list[Session]) -> None:
    pdf = qi_report_pdf(programme, QI_LEAD, as_of=date(2026, 1, 31), qi_filter=QiFilter(site="North"))
    assert pdf.startswith(b"%PDF")
    assert len(transactions) == 1  # the history, the procedures, the audit row and the chain head together
    rows = print_rows(programme)
    assert len(rows) == 1 and rows[0].actor == QI_LEAD.label
    new = json.loads(rows[0].new_value or "{}")
    assert new == {"kind": "qi_report", "filter": "site North", "as_of": "2026-01-31", "period": "quarter"}
    # The history says it in words (services/history.py).
    assert _words(rows[0], _People([]))[0] == "printed the QI report (site North)"


def test_a_report_that_cannot_be_written_is_not_recorded(programme: App, tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "qi.pdf"
    with pytest.raises(OSError):
        write_qi_report(programme, QI_LEAD, missing, as_of=date(2026, 1, 31))
    assert print_rows(programme) == []
    written = write_qi_report(programme, QI_LEAD, tmp_path / "qi.pdf", as_of=date(2026, 1, 31))
    assert written.read_bytes().startswith(b"%PDF") and len(print_rows(programme)) == 1
    assert not (tmp_path / "qi.pdf.partial").exists()


def test_a_refused_print_records_nothing(programme: App) -> None:
    with pytest.raises(InvalidInput, match="month or quarter"):
        qi_report_pdf(programme, QI_LEAD, period="week")
    assert print_rows(programme) == []
