"""A clinical team of real users on the test database, and a started trial."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import Assessment, Catheter, Goal, MasEntry, Patient, ProtocolSettings
from trialapp.services import users
from trialapp.services.context import Actor, os_actor

PASSWORD = "correct-horse-battery"


@dataclass
class Team:
    pt: Actor
    nurse: Actor
    neuro: Actor
    neuro2: Actor
    qi: Actor
    admin: Actor

    def all(self) -> list[Actor]:
        return [self.pt, self.nurse, self.neuro, self.neuro2, self.qi, self.admin]


@pytest.fixture
def team(app) -> Team:
    made = {}
    for username, role in [
        ("pt.jones", "pt"),
        ("rn.smith", "nurse"),
        ("dr.lee", "neurosurgeon"),
        ("dr.okafor", "neurosurgeon"),
        ("qi.lead", "qi_lead"),
        ("admin", "admin"),
    ]:
        users.add_user(app, os_actor(), username, role, username.replace(".", " ").title(), PASSWORD)
        made[username] = users.authenticate(app, username, PASSWORD)
    return Team(
        made["pt.jones"], made["rn.smith"], made["dr.lee"], made["dr.okafor"], made["qi.lead"], made["admin"]
    )


PATIENT = Patient(
    mrn="SYN-1001",
    birth_date=date(2016, 4, 12),
    given_name="Syn",
    family_name="Thetic",
    sex="female",
    weight_kg=24.5,
)
START = date(2026, 11, 2)
NOW = datetime(2026, 11, 20, 12, 0)  # after the whole synthetic trial


def mas(grade_for: dict[str, str] | str) -> tuple[MasEntry, ...]:
    """All 16 lower-limb muscle-sides at one grade (or per muscle)."""
    if isinstance(grade_for, str):
        return tuple(MasEntry(mu, side, grade_for) for mu in LOWER_MUSCLES for side in SIDES)
    return tuple(MasEntry(mu, side, grade_for[mu]) for mu in LOWER_MUSCLES for side in SIDES)


def assessment(kind: str, at: datetime, grade: str) -> Assessment:
    return Assessment(kind=kind, at=at, mas=mas(grade))


@pytest.fixture
def trial_id(app, team: Team) -> str:
    from trialapp.services.trials import start_trial

    return start_trial(
        app,
        team.pt,
        PATIENT,
        started_on=START,
        catheter=Catheter(datetime(2026, 11, 2, 7, 40), "catheter", "L3-L4"),
        settings=ProtocolSettings(),
        goals=(Goal("g1", "Sit in wheelchair for 2 hours", -1),),
        now=NOW,
    )
