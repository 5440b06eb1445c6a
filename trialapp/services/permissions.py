"""Who may do what: one matrix, checked by every service call."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from trialapp.services.context import SYSTEM_ROLE, Actor, registered_session
from trialapp.services.errors import PermissionDenied

if TYPE_CHECKING:
    from sqlalchemy import Connection, Select

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
    """Whether the actor's role shows the action (screens); the services decide with :func:`require`."""
    return actor.role in PERMISSIONS[action]


@cache
def _role_and_active() -> Select[str, bool]:
    # Built once, on the first check (the screens import this module before SQLAlchemy is needed).
    from sqlalchemy import bindparam, select

    from trialapp.storage.models import User

    return select(User.role, User.active).where(User.id == bindparam("user_id"))


NOT_SIGNED_IN = "This was not done by a signed-in user, so nothing was changed. Sign in under your own name, then do it again."


def acting_role(actor: Actor, action: str, within: Connection | None = None) -> str:
    """The role to judge ``actor`` by: from the database the user signed in to, read now (a disabled account or
    a changed role holds at once); PermissionDenied when the actor has no session issued by sign-in.

    ``within``: a write transaction open on that same database, read in it (the role then holds for the very
    write it allows, and the check costs no connection of its own); a connection to another database is not
    used."""
    session = registered_session(actor)
    if session is None:
        raise PermissionDenied(NOT_SIGNED_IN)
    if session.user_id is None:
        if actor.role != SYSTEM_ROLE:
            raise PermissionDenied(NOT_SIGNED_IN)
        return SYSTEM_ROLE
    database = session.database
    if database is None:
        raise PermissionDenied(NOT_SIGNED_IN)
    if within is not None and database.owns(within):
        row = within.execute(_role_and_active(), {"user_id": session.user_id}).one_or_none()
    else:
        with database.engine.connect() as connection:
            row = connection.execute(_role_and_active(), {"user_id": session.user_id}).one_or_none()
    if row is None or not row.active:
        what = ACTION_WORDS.get(action, action.replace("_", " "))
        raise PermissionDenied(
            f"The account '{actor.username}' is disabled, so it may no longer {what}. Ask your admin to enable it."
        )
    return str(row.role)


def require(actor: Actor, action: str, within: Connection | None = None) -> None:
    """Raise PermissionDenied with a plain sentence unless ``actor`` may do ``action``.

    The role and the enabled state come from the database (:func:`acting_role`, ``within`` as there), never
    from the Actor.
    """
    roles = PERMISSIONS[action]
    role = acting_role(actor, action, within)
    if role in roles:
        return
    people = [r for r in roles if r != SYSTEM_ROLE]
    what = ACTION_WORDS.get(action, action.replace("_", " "))
    if not people:
        raise PermissionDenied(f"{_sentence_start(_a(ROLE_NAMES.get(role, role)))} may not {what}: only the command line can.")
    raise PermissionDenied(
        f"{_sentence_start(_a(ROLE_NAMES.get(role, role)))} may not {what}. Ask {roles_in_words(people)} to do it, "
        "signed in under their own name."
    )


def _a(name: str) -> str:
    """The role with its article: "an admin", "a nurse", "a QI lead" (Q is said "kyoo")."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]  # not str.capitalize(): "A QI lead", never "A qi lead"


def roles_in_words(roles: Iterable[str]) -> str:
    """Roles as a person says them: "an admin, a nurse or a QI lead"."""
    spoken = sorted((ROLE_NAMES.get(r) or r for r in roles), key=str.lower)
    names = [_a(name) for name in spoken]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
