"""The QI PDF report: the numbers of the summary appear in it, the charts are vector drawings, an empty
programme still prints, and the file is never left half-written."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import sign_in_module_actors
from tests.qi_synthetic import AS_OF, QI_LEAD, SYSTEM, load_synthetic
from trialapp.domain.qi_procedures import QiFilter, format_pct
from trialapp.reports.qi_report import nice_ceiling
from trialapp.services import qi as service
from trialapp.services.context import App
from trialapp.services.qi_report import write_qi_report


@pytest.fixture(autouse=True)
def _actors_signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_module_actors(request, monkeypatch)  # services trust only signed-in sessions (issue 18 §11)


def pdf_text(path: Path) -> tuple[list[str], PdfReader]:
    reader = PdfReader(path)
    return [page.extract_text() for page in reader.pages], reader


def test_report_shows_the_summary_numbers_and_charts(app: App, tmp_path: Path) -> None:
    load_synthetic(app, 80)
    out = tmp_path / "qi.pdf"
    write_qi_report(app, SYSTEM, out, as_of=AS_OF, period="quarter")
    pages, reader = pdf_text(out)
    text = "\n".join(pages)
    summary = service.qi_summary(app, SYSTEM, AS_OF, "quarter")
    assert "Pump-implant infection quality improvement" in pages[0]
    assert f"As of {AS_OF.isoformat()}" in pages[0]
    # key figures
    assert f"{format_pct(summary.ssi.pct)} ({summary.ssi.count} of {summary.ssi.eligible})" in " ".join(
        pages[0].split()
    )
    assert format_pct(summary.full.pct) in pages[0]
    # the p-chart: every period label and the centre line
    for point in summary.p_chart.points:
        assert point.period in pages[0]
    assert summary.p_chart.centre is not None
    assert f"centre {summary.p_chart.centre * 100:.2f} %" in pages[0]
    # the run chart with its median
    assert summary.run_chart.median is not None
    assert f"median {summary.run_chart.median:.1f} %" in text
    # compliance per step: every step in the table, with its percentage and whether it is confirmed
    for step in summary.steps:
        assert step.code in text
        assert format_pct(step.pct) in text
    assert "goal 80 %" in text and "UNCONFIRMED" in text and "confirmed" in text
    assert "Infections by risk factor" in text and "GMFCS level" in text
    # the audit chain head on every page
    head = service.audit_chain_head(app, SYSTEM)
    assert all(head in " ".join(page.split()) for page in pages)
    # charts are drawn, not pasted as pictures
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        assert not any(xobjects[name].get_object().get("/Subtype") == "/Image" for name in xobjects)
    assert not (tmp_path / "qi.pdf.partial").exists()
    # the headings say what is shown; the rule numbers only in "How the numbers are made", for whoever checks
    body, heading, methods = " ".join(text.split()).partition("How the numbers are made")
    assert heading and not re.findall(r"\bR1[1-3]\b", body)
    for words in ("Compliance (rule R11):", "90-day infection rate (rule R12):", "Charts (rule R13):"):
        assert words in methods


def test_hand_computed_figures_appear(app: App, tmp_path: Path) -> None:
    a = service.create_procedure(
        app, QI_LEAD, service.NewProcedure(date(2025, 7, 1), "new_implant", "North", "Dr A")
    )
    service.create_procedure(app, QI_LEAD, service.NewProcedure(date(2025, 7, 2), "removal", "North", "Dr A"))
    service.create_procedure(app, QI_LEAD, service.NewProcedure(date(2025, 8, 1), "removal", "South", "Dr B"))
    service.record_ssi(app, QI_LEAD, a, "culture_positive", date(2025, 7, 20), "S. aureus")
    out = tmp_path / "small.pdf"
    write_qi_report(app, SYSTEM, out, as_of=date(2026, 1, 31), period="month")
    text = " ".join(" ".join(pdf_text(out)[0]).split())
    assert "33.3 % (1 of 3)" in text  # 1 infection in 3 eligible procedures
    # p̄ = 1 ÷ 3; 2025-07: p = 1/2 with UCL 1/3 + 3·√((1/3)(2/3)/2) = 1.33 → capped at 1: no flag listed
    assert "centre 33.33 %" in text and "Flag:" not in text
    assert "2025-07" in text and "2025-08" in text and "n=2" in text and "n=1" in text
    south = tmp_path / "south.pdf"
    write_qi_report(app, SYSTEM, south, as_of=date(2026, 1, 31), qi_filter=QiFilter(site="South"))
    south_text = " ".join(" ".join(pdf_text(south)[0]).split())
    assert "site South" in south_text and "0.0 % (0 of 1)" in south_text


def test_report_names_the_clinic_and_lists_infections_in_open_windows(app: App, tmp_path: Path) -> None:
    """Issue 25: the clinic's name on the QI PDF; R12 revision 2: an infection inside a window still open
    is listed apart, not in the rate."""
    from trialapp.services.context import os_actor
    from trialapp.services.site_settings import CLINIC_NAME, set_site_setting

    set_site_setting(app, os_actor(), CLINIC_NAME, "Children's Spasticity Clinic")
    closed = service.create_procedure(
        app, QI_LEAD, service.NewProcedure(date(2025, 7, 1), "new_implant", "North", "Dr A")
    )
    recent = service.create_procedure(
        app, QI_LEAD, service.NewProcedure(date(2026, 1, 2), "new_implant", "North", "Dr A")
    )
    service.record_ssi(app, QI_LEAD, recent, "culture_positive", date(2026, 1, 12), "S. aureus")
    out = tmp_path / "qi.pdf"
    write_qi_report(app, SYSTEM, out, as_of=date(2026, 1, 31))
    text = " ".join(" ".join(pdf_text(out)[0]).split())
    assert "Children's Spasticity Clinic" in text
    assert "0.0 % (0 of 1)" in text and closed  # the open window's infection is not in the rate yet
    assert "Infections in windows still open (not in the rate yet):" in text
    assert f"{recent} (surgery 2026-01-02): infection on day 10 (2026-01-12), S. aureus" in text


def test_empty_programme_prints_a_report(app: App, tmp_path: Path) -> None:
    out = tmp_path / "empty.pdf"
    write_qi_report(app, SYSTEM, out, as_of=date(2026, 1, 31))
    text = "\n".join(pdf_text(out)[0])
    assert "No eligible procedure yet" in text
    assert "No procedure with checklist answers yet" in text


def test_axis_maximum_is_a_round_number() -> None:
    assert nice_ceiling(0.7) == 1.0
    assert nice_ceiling(13) == 20.0
    assert nice_ceiling(21) == 25.0
    assert nice_ceiling(42) == 50.0
    assert nice_ceiling(50) == 50.0
    assert nice_ceiling(0) == 1.0
