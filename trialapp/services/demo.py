"""Demo data: the bundled synthetic trials and one demo user per role (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from trialapp.interchange.trial_json import load_trial_document
from trialapp.services import trials, users
from trialapp.services.context import Actor, App
from trialapp.services.permissions import require
from trialapp.storage import repositories as repo

# Synthetic demo accounts: printed by `trialapp demo`. Never use them on a real ward.
DEMO_USERS = (
    ("demo.pt", "pt", "Pat Demo-Therapist (demo)", "demo-pt-2026"),
    ("demo.nurse", "nurse", "Noor Demo-Nurse (demo)", "demo-nurse-2026"),
    ("demo.neuro", "neurosurgeon", "Dr Nik Demo-Surgeon (demo)", "demo-neuro-2026"),
    ("demo.neuro2", "neurosurgeon", "Dr Ana Demo-Second (demo)", "demo-neuro2-2026"),
    ("demo.qi", "qi_lead", "Quinn Demo-QI (demo)", "demo-qi-2026"),
    ("demo.admin", "admin", "Ada Demo-Admin (demo)", "demo-admin-2026"),
)


@dataclass(frozen=True)
class DemoResult:
    trials: list[tuple[str, str, bool]]  # (file name, trial id, newly imported)
    users: list[tuple[str, str, str, bool]]  # (username, role, password, newly created)


def demo_files() -> list[str]:
    folder = resources.files("trialapp.resources").joinpath("demo")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))


def demo_text(name: str) -> str:
    return resources.files("trialapp.resources").joinpath("demo", name).read_text(encoding="utf-8")


def load_demo(app: App, actor: Actor) -> DemoResult:
    """Import each demo trial once (by MRN) and create each demo user once."""
    require(actor, "load_demo")
    imported: list[tuple[str, str, bool]] = []
    for name in demo_files():
        doc = load_trial_document(demo_text(name))
        with app.db.read() as s:
            patient = repo.find_patient_by_mrn(s, doc.patient.mrn)
            existing = patient.trials[0].public_id if patient is not None and patient.trials else None
        if existing is not None:
            imported.append((name, existing, False))
        else:
            imported.append((name, trials.import_document(app, actor, doc), True))
    known = {u.username for u in users.list_users(app)}
    created: list[tuple[str, str, str, bool]] = []
    for username, role, full_name, password in DEMO_USERS:
        new = username not in known
        if new:
            users.add_user(app, actor, username, role, full_name, password)
        created.append((username, role, password, new))
    return DemoResult(imported, created)
