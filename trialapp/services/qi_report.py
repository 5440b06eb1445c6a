"""Printing the infection QI report (PDF), audited like the trial summaries (``services/reports.py``).

One call is one print, in one transaction: it reads the bundle history and the procedures, computes the
R11–R13 summary, records the print in the audit trail (action ``print`` on ``qi_procedures``, with the
filter, the as-of date and the period), reads the audit chain head that now includes that row, and builds
the PDF. If the PDF cannot be built, nothing is recorded. The dashboard and ``trialapp qi report`` both
print through here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from trialapp.domain.qi_procedures import QiFilter
from trialapp.services.context import Actor, App
from trialapp.services.permissions import require
from trialapp.services.qi import check_period, history_in, summary_in
from trialapp.services.site_settings import site_settings_in
from trialapp.storage.audit import chain_head
from trialapp.storage.audit_actions import AuditAction

#: What the audit row's ``new`` value says was printed (the history reads it).
REPORT_KIND = "qi_report"

T = TypeVar("T")


def qi_report_pdf(
    app: App,
    actor: Actor,
    *,
    as_of: date | None = None,
    period: str = "quarter",
    qi_filter: QiFilter | None = None,
    now: datetime | None = None,
) -> bytes:
    """Print the QI report for the procedures matching ``qi_filter`` on ``as_of`` (default today), charts
    by ``period`` (month or quarter), and return the PDF bytes (audited as a ``print``). ``now`` fixes the
    printed time (tests)."""
    return _print(app, actor, as_of, period, qi_filter, now, lambda pdf: pdf)


def write_qi_report(
    app: App,
    actor: Actor,
    path: Path,
    *,
    as_of: date | None = None,
    period: str = "quarter",
    qi_filter: QiFilter | None = None,
) -> Path:
    """Print the report (as :func:`qi_report_pdf`) to ``path``: written beside it first and then moved, so
    a reader never sees half a file. An OSError (a missing or read-only folder, a full disk) reaches the
    caller, which says it in words; the print is then not recorded either."""

    def write(pdf: bytes) -> Path:
        partial = path.with_name(path.name + ".partial")
        try:
            partial.write_bytes(pdf)
            partial.replace(path)
        except OSError:
            with suppress(OSError):  # the first error is the one to report
                partial.unlink(missing_ok=True)
            raise
        return path

    return _print(app, actor, as_of, period, qi_filter, None, write)


def _print(
    app: App,
    actor: Actor,
    as_of: date | None,
    period: str,
    qi_filter: QiFilter | None,
    now: datetime | None,
    deliver: Callable[[bytes], T],
) -> T:
    require(actor, "view_qi")
    check_period(period)
    # reportlab is heavy: loaded with the first print, not with the services.
    from trialapp.reports.qi_report import build_qi_report

    chosen = qi_filter or QiFilter()
    day = as_of or date.today()
    with app.db.write() as s:
        history = history_in(s)
        summary = summary_in(s, history, day, period, chosen)
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.PRINT,
            table="qi_procedures",
            new={"kind": REPORT_KIND, "filter": chosen.describe(), "as_of": day, "period": period},
        )
        confirmed = {}
        for code in history.step_codes():
            step = history.step_info(code)
            confirmed[code] = bool(step and step.confirmed)
        pdf = build_qi_report(
            summary,
            clinic=site_settings_in(s).clinic_name,
            confirmed=confirmed,
            bundle_notes=history.current.bundle.notes,
            # Read after the print row: the head on the page is the one `trialapp check` shows next.
            chain_head=chain_head(s),
            generated=now.replace(second=0, microsecond=0) if now else None,
        )
        # Inside the transaction: a PDF that cannot be built or written leaves no print row behind.
        return deliver(pdf)
