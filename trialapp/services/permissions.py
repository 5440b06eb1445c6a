"""Who may do what: one matrix, checked by every service call."""

from __future__ import annotations

from trialapp.services.context import SYSTEM_ROLE, Actor
from trialapp.services.errors import PermissionDenied

CLINICIANS = frozenset({"pt", "nurse", "neurosurgeon"})

# action -> roles allowed. "system" is the command line run by the machine's own user (trusted: it has the
# database file anyway), which may import, export and administer but never sign a clinical act.
PERMISSIONS: dict[str, frozenset[str]] = {
    "view_trials": frozenset({"pt", "nurse", "neurosurgeon", "qi_lead", "admin", SYSTEM_ROLE}),
    "import_trial": frozenset({"neurosurgeon", "admin", SYSTEM_ROLE}),
    "export_trial": frozenset({"pt", "nurse", "neurosurgeon", "qi_lead", "admin", SYSTEM_ROLE}),
    "export_dataset": frozenset({"neurosurgeon", "qi_lead", "admin", SYSTEM_ROLE}),
    "create_trial": frozenset({"pt", "neurosurgeon"}),
    "record_assessment": frozenset({"pt", "nurse"}),
    "record_vitals": frozenset({"pt", "nurse", "neurosurgeon"}),
    "record_adverse_event": frozenset({"pt", "nurse", "neurosurgeon"}),
    "acknowledge_alert": frozenset({"pt", "nurse", "neurosurgeon"}),
    "give_dose": frozenset({"neurosurgeon"}),
    "check_dose": frozenset({"pt", "nurse", "neurosurgeon"}),
    "record_day_plan": frozenset({"pt", "nurse", "neurosurgeon"}),
    "sign_decision": frozenset({"neurosurgeon"}),
    "correct_signed_record": frozenset({"neurosurgeon"}),
    "manage_users": frozenset({"admin", SYSTEM_ROLE}),
    "edit_settings": frozenset({"admin", SYSTEM_ROLE}),
    "load_demo": frozenset({"admin", SYSTEM_ROLE}),
    "print_summary": frozenset({"pt", "nurse", "neurosurgeon", "qi_lead", "admin", SYSTEM_ROLE}),
    "view_qi": frozenset({"pt", "nurse", "neurosurgeon", "qi_lead", "admin", SYSTEM_ROLE}),
    "record_qi": frozenset({"neurosurgeon", "nurse", "qi_lead"}),
    "import_qi": frozenset({"qi_lead", "admin", SYSTEM_ROLE}),
    "manage_qi_bundle": frozenset({"qi_lead", "admin", SYSTEM_ROLE}),
    "view_review": frozenset({"neurosurgeon", "qi_lead", "admin", SYSTEM_ROLE}),
}

ROLE_NAMES = {
    "pt": "physical therapist",
    "nurse": "nurse",
    "neurosurgeon": "neurosurgeon",
    "qi_lead": "QI lead",
    "admin": "admin",
    SYSTEM_ROLE: "command-line user",
}

ACTION_WORDS = {
    "view_trials": "view trials",
    "import_trial": "import a trial",
    "export_trial": "export a trial",
    "export_dataset": "export the de-identified dataset",
    "create_trial": "start a trial",
    "record_assessment": "record an assessment",
    "record_vitals": "record vital signs",
    "record_adverse_event": "record an adverse event",
    "acknowledge_alert": "acknowledge an alert",
    "give_dose": "give and sign a dose",
    "check_dose": "be the second checker of a dose",
    "record_day_plan": "record the day's plan",
    "sign_decision": "sign the candidacy decision",
    "correct_signed_record": "correct a signed record",
    "manage_users": "manage users",
    "edit_settings": "change the site settings",
    "load_demo": "load the demo data",
    "print_summary": "print a summary",
    "view_qi": "view the infection QI data",
    "record_qi": "record QI procedures and infections",
    "import_qi": "import QI data",
    "manage_qi_bundle": "edit the QI bundle checklist",
    "view_review": "view the dose-response review across trials",
}


def allowed(actor: Actor, action: str) -> bool:
    return actor.role in PERMISSIONS[action]


def require(actor: Actor, action: str) -> None:
    """Raise PermissionDenied with a plain sentence unless ``actor`` may do ``action``."""
    roles = PERMISSIONS[action]
    if actor.role in roles:
        return
    who = ", ".join(sorted(ROLE_NAMES[r] for r in roles if r != SYSTEM_ROLE)) or "the command line"
    what = ACTION_WORDS.get(action, action.replace("_", " "))
    raise PermissionDenied(
        f"A {ROLE_NAMES.get(actor.role, actor.role)} may not {what}. Ask a {who} to do it, "
        "signed in under their own name."
    )
