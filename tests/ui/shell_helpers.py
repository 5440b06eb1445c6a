"""Helpers for the application-shell GUI tests: real users and synthetic trials on the test database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import (
    Assessment,
    Catheter,
    Day,
    Decision,
    Dose,
    MasEntry,
    Patient,
    Trial,
    TrialDocument,
)
from trialapp.services import trials, users
from trialapp.services.context import Actor, App, os_actor

PASSWORD = "correct-horse-battery"


@dataclass
class Team:
    admin: Actor
    pt: Actor
    nurse: Actor
    neuro: Actor
    neuro2: Actor
    qi: Actor


def make_team(app: App) -> Team:
    """An admin (the first user) and one clinician per role, all with PASSWORD."""
    users.add_user(app, None, "admin.ada", "admin", "Ada Admin", PASSWORD)
    admin = users.authenticate(app, "admin.ada", PASSWORD)
    people = {}
    for username, role, name in (
        ("pt.jones", "pt", "Pat Jones"),
        ("rn.smith", "nurse", "Nurse Smith"),
        ("dr.lee", "neurosurgeon", "Dr Lee"),
        ("dr.okafor", "neurosurgeon", "Dr Okafor"),
        ("qi.quinn", "qi_lead", "Quinn QI"),
    ):
        users.add_user(app, admin, username, role, name, PASSWORD)
        people[username] = users.authenticate(app, username, PASSWORD)
    return Team(
        admin=admin,
        pt=people["pt.jones"],
        nurse=people["rn.smith"],
        neuro=people["dr.lee"],
        neuro2=people["dr.okafor"],
        qi=people["qi.quinn"],
    )


def mas(grade: str) -> tuple[MasEntry, ...]:
    return tuple(MasEntry(m, s, grade) for m in LOWER_MUSCLES for s in SIDES)


def dosed_trial(
    app: App,
    mrn: str,
    *,
    dose_at: datetime,
    reassessed_after_hours: tuple[float, ...] = (),
    given: str = "Dana",
    family: str = "Synthetic",
    decided: bool = False,
) -> str:
    """Import a synthetic one-day trial: baseline, a 50 mcg dose at ``dose_at``, reassessments after it."""
    start: date = dose_at.date()
    placed = dose_at - timedelta(hours=3)
    assessments = [Assessment("baseline", dose_at - timedelta(hours=1), mas=mas("2"))]
    assessments += [
        Assessment("reassessment", dose_at + timedelta(hours=h), mas=mas("1")) for h in reassessed_after_hours
    ]
    day = Day(
        day=1,
        date=start,
        assessments=tuple(assessments),
        doses=(Dose(dose_at, 50, 50, 1.0, "catheter", "LOT1", "Dr Lee", "Nurse Smith"),),
    )
    trial = Trial(
        started_on=start,
        catheter=Catheter(placed, "catheter", "L3-L4"),
        days=(day,),
        decision=Decision("not_candidate", dose_at + timedelta(hours=9), "Dr Lee", "No response")
        if decided
        else None,
    )
    patient = Patient(
        mrn=mrn, birth_date=date(2015, 5, 1), given_name=given, family_name=family, language="es"
    )
    return trials.import_document(app, os_actor(), TrialDocument(patient=patient, trial=trial))


def signed_in_window(app: App, qtbot, actor: Actor):  # type: ignore[no-untyped-def]
    """The main window, shown, with ``actor`` signed in (the lists of home read)."""
    from trialapp.ui.main_window import MainWindow

    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.sign_in(actor)
    return window
