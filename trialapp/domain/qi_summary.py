"""The whole infection QI summary (R11–R13) over a set of procedures on an as-of date, and its JSON form
(``trialapp qi summary --json``).

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from trialapp.domain.qi_bundle import BundleHistory
from trialapp.domain.qi_charts import PERIODS, PChart, RunChart, compliance_run_chart, p_chart
from trialapp.domain.qi_compliance import (
    FullCompliance,
    PhaseCompliance,
    StepCompliance,
    full_compliance,
    phase_compliance,
    step_compliance,
)
from trialapp.domain.qi_procedures import QiFilter, QiProcedure, round_half_up
from trialapp.domain.qi_surveillance import RiskGroup, SsiRate, risk_breakdown, ssi_rate

# --------------------------------------------------------------------------------------------------
# The whole summary
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QiSummary:
    """R11–R13 over a set of procedures on an as-of date."""

    as_of: date
    period: str
    filter: QiFilter
    procedures: int
    steps: tuple[StepCompliance, ...]
    phases: tuple[PhaseCompliance, ...]
    full: FullCompliance
    ssi: SsiRate
    p_chart: PChart
    run_chart: RunChart
    risk: tuple[RiskGroup, ...]
    bundle_versions: tuple[int, ...]  # the versions the procedures were scored against


def summarize_qi(
    procedures: Iterable[QiProcedure],
    history: BundleHistory,
    as_of: date,
    period: str = "quarter",
    qi_filter: QiFilter | None = None,
) -> QiSummary:
    """R11–R13 for the procedures matching ``qi_filter`` with surgery on or before ``as_of``."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    chosen = qi_filter or QiFilter()
    scope = [p for p in procedures if chosen.matches(p) and p.surgery_date <= as_of]
    steps = step_compliance(scope, history)
    return QiSummary(
        as_of=as_of,
        period=period,
        filter=chosen,
        procedures=len(scope),
        steps=steps,
        phases=phase_compliance(steps),
        full=full_compliance(scope, history),
        ssi=ssi_rate(scope, as_of),
        p_chart=p_chart(scope, as_of, period),
        run_chart=compliance_run_chart(scope, history, as_of, period),
        risk=risk_breakdown(scope, as_of),
        bundle_versions=tuple(sorted({p.scored_against(history).version for p in scope})),
    )


def qi_summary_to_json(summary: QiSummary) -> dict[str, Any]:
    """The ``qi summary --json`` object: percentages with 1 decimal, proportions with 4 decimals."""
    return {
        "procedures": summary.procedures,
        "step_compliance": {s.code: s.pct for s in summary.steps},
        "full_compliance_pct": summary.full.pct,
        "ssi": {
            "count": summary.ssi.count,
            "eligible": summary.ssi.eligible,
            "rate_pct": summary.ssi.pct,
            "open_windows": summary.ssi.open_windows,
            "open_window_infections": len(summary.ssi.open_window_infections),
        },
        "p_chart": [
            {
                "period": pt.period,
                "n": pt.n,
                "ssi": pt.ssi,
                "p": round_half_up(Fraction(pt.ssi, pt.n), 4),
                "ucl": round_half_up(pt.ucl, 4),
                "lcl": round_half_up(pt.lcl, 4),
            }
            for pt in summary.p_chart.points
        ],
    }
