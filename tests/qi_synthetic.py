"""A synthetic QI data set (no real patients): procedures over two years at two sites, compliance improving,
infections near 6 %, risk factors for the breakdown. Deterministic for a given seed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from trialapp.domain.qi_bundle import example_bundle
from trialapp.domain.qi_procedures import RiskFactors
from trialapp.interchange.qi_csv import expected_header
from trialapp.services.context import Actor, App

QI_LEAD = Actor(username="demo.qi", role="qi_lead", full_name="Quinn Demo-QI (synthetic)")
SYSTEM = Actor(username="tester", role="system", full_name="tester (command line)")
START = date(2024, 1, 8)
AS_OF = date(2026, 3, 31)
KINDS = (
    ("new_implant",) * 5
    + ("pump_replacement",) * 3
    + ("catheter_revision",) * 2
    + ("wound_revision", "removal")
)


def synthetic_csv(count: int = 120, seed: int = 7) -> tuple[str, dict[str, RiskFactors]]:
    """CSV text for ``count`` procedures from START, and risk factors by procedure id."""
    rng = random.Random(seed)
    bundle = example_bundle()
    codes = bundle.codes
    lines = [",".join(expected_header(codes))]
    risks: dict[str, RiskFactors] = {}
    span = (AS_OF - START).days - 10
    for i in range(count):
        surgery = START + timedelta(days=round(i * span / count))
        kind = rng.choice(KINDS)
        progress = i / count  # compliance improves over the programme
        cells = []
        for step in bundle.steps:
            if not step.applies(kind):
                cells.append("")
            elif rng.random() < 0.05:
                cells.append("na")
            else:
                cells.append("yes" if rng.random() < 0.72 + 0.25 * progress else "no")
        infected = rng.random() < (0.08 if progress < 0.25 else 0.035)
        ssi_date = surgery + timedelta(days=rng.randint(5, 80))
        if infected and ssi_date <= AS_OF:
            if rng.random() < 0.6:
                ssi = ["culture_positive", ssi_date.isoformat(), "Staphylococcus aureus"]
            else:
                ssi = ["suspected", ssi_date.isoformat(), ""]
        else:
            ssi = ["none", "", ""]
        pid = f"S{i + 1:04d}"
        site = "North" if i % 3 else "South"
        surgeon = ("Dr Demo-A", "Dr Demo-B", "Dr Demo-C")[i % 3 if site == "North" else 2]
        lines.append(",".join([pid, site, surgery.isoformat(), kind, surgeon, *cells, *ssi]))
        risks[pid] = RiskFactors(
            age_months=rng.randint(30, 216),
            weight_kg=round(rng.uniform(11, 60), 1),
            bmi=round(rng.uniform(12, 24), 1),
            gmfcs_level=rng.choice((3, 4, 4, 5, 5)),
            gastrostomy=rng.random() < 0.4,
            prior_revisions_6m=rng.choice((0, 0, 0, 1, 2)),
            csf_leak=rng.random() < 0.15,
        )
    return "\n".join(lines) + "\n", risks


def load_synthetic(app: App, count: int = 120, seed: int = 7, with_risk: bool = True) -> list[str]:
    """Import the synthetic set into ``app`` (and its risk factors); returns the procedure ids."""
    from tests.helpers import signed_in
    from trialapp.services import qi as qi_service

    text, risks = synthetic_csv(count, seed)
    result = qi_service.import_csv(app, signed_in(app, SYSTEM), text, today=AS_OF)
    if with_risk:
        lead = signed_in(app, QI_LEAD)
        for pid, risk in risks.items():
            qi_service.update_risk_factors(app, lead, pid, risk)
    return list(result.added)
