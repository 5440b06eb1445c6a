"""Helpers for the trial-workspace tests: a clinical team of real users, a started trial, a settable clock.

Synthetic data only. Times are in 2025 so that they are in the past for the services' "not in the future"
checks, whatever day the tests run on.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import date, datetime

from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import Assessment, Catheter, Goal, MasEntry, Patient, ProtocolSettings
from trialapp.services import trials, users
from trialapp.services.context import Actor, App, os_actor

PASSWORD = "correct-horse-battery"
START = date(2025, 3, 3)
CATHETER_AT = datetime(2025, 3, 3, 7, 40)
PATIENT = Patient(
    mrn="SYN-2001",
    birth_date=date(2016, 4, 12),
    given_name="Sam",
    family_name="Synthetic",
    sex="female",
    weight_kg=24.5,
    gmfcs_level=4,
    allergies=("cefazolin",),
)
GOALS = (Goal("g1", "Sit in wheelchair for 2 hours", -1), Goal("g2", "Easier dressing", -2))


class Clock:
    """The workspace's clock, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


@dataclass
class Team:
    pt: Actor
    nurse: Actor
    neuro: Actor
    neuro2: Actor
    qi: Actor


def make_team(app: App) -> Team:
    made = {}
    for username, role, name in (
        ("pt.jones", "pt", "Pat Jones"),
        ("rn.smith", "nurse", "Nurse Smith"),
        ("dr.lee", "neurosurgeon", "Dr Lee"),
        ("dr.okafor", "neurosurgeon", "Dr Okafor"),
        ("qi.quinn", "qi_lead", "Quinn QI"),
    ):
        users.add_user(app, os_actor(), username, role, name, PASSWORD)
        made[username] = users.authenticate(app, username, PASSWORD)
    return Team(made["pt.jones"], made["rn.smith"], made["dr.lee"], made["dr.okafor"], made["qi.quinn"])


def start_trial(app: App, team: Team) -> str:
    return trials.start_trial(
        app,
        team.pt,
        PATIENT,
        started_on=START,
        catheter=Catheter(CATHETER_AT, "catheter", "L3-L4"),
        settings=ProtocolSettings(),
        goals=GOALS,
        now=datetime(2025, 3, 10, 8, 0),  # the days are judged "not in the future" against this
    )


def day_at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 2 + day, hour, minute)


def all_lower(grade: str) -> tuple[MasEntry, ...]:
    return tuple(MasEntry(m, s, grade) for m in LOWER_MUSCLES for s in SIDES)


def mas_assessment(kind: str, at: datetime, grade: str) -> Assessment:
    return Assessment(kind=kind, at=at, mas=all_lower(grade))


def fill_mas(qtbot, page, grade_keys: str) -> None:
    """Type one keystroke (e.g. "2", "+", "n") into every lower-limb cell of an assessment page."""
    for muscle in LOWER_MUSCLES:
        for side in SIDES:
            cell = page.mas_cells[(muscle, side)]
            cell.setFocus()
            qtbot.keyClicks(cell, grade_keys)


@dataclass
class Bed:
    """A started trial on the test database, its team and the workspace clock."""

    app: App
    team: Team
    trial_id: str
    clock: Clock


def make_bed(app: App, at: datetime | None = None) -> Bed:
    team = make_team(app)
    return Bed(app, team, start_trial(app, team), Clock(at or day_at(1, 8, 20)))


# A started trial is built once per test session and copied for each test: creating the schema, the
# users and the trial takes about a second, copying the file a few milliseconds. Each test still gets its
# own database file, home folder and audit key (a copy of the template's, which the chain is keyed with).
_TEMPLATE: dict[str, object] = {}


def _template(factory) -> dict[str, object]:
    if not _TEMPLATE:
        from trialapp.config import Paths
        from trialapp.services.context import open_app
        from trialapp.storage.audit import KEY_FILE_NAME

        root = factory.mktemp("workspace-template")
        paths = Paths(
            data_dir=root / "data",
            config_dir=root / "config",
            log_dir=root / "logs",
            database=str(root / "template.sqlite"),
            portable=False,
        )
        app = open_app(paths=paths)
        team = make_team(app)
        trial_id = start_trial(app, team)
        app.close()
        _TEMPLATE.update(
            db=paths.database, key=paths.config_dir / KEY_FILE_NAME, team=team, trial_id=trial_id
        )
    return _TEMPLATE


def copy_bed(tmp_path, factory, at: datetime | None = None) -> Bed:
    """A fresh copy of the template trial (same team and trial id) on this test's own database file."""
    import shutil
    import sqlite3

    from trialapp.config import ensure_default_dirs, resolve_paths
    from trialapp.services.context import open_app
    from trialapp.storage.audit import KEY_FILE_NAME

    template = _template(factory)
    db = tmp_path / "workspace.sqlite"
    source = sqlite3.connect(str(template["db"]))
    target = sqlite3.connect(str(db))
    source.backup(target)
    source.close()
    target.close()
    paths = resolve_paths(str(db))
    ensure_default_dirs(paths)
    shutil.copy(str(template["key"]), paths.config_dir / KEY_FILE_NAME)
    app = open_app(paths=paths)
    team = _signed_in_to(app, template["team"])  # type: ignore[arg-type]
    return Bed(app, team, str(template["trial_id"]), Clock(at or day_at(1, 8, 20)))


def _signed_in_to(app: App, team: Team) -> Team:
    """The template's team with sessions on this copy (the same users, ids and roles): the services read the
    role from the database the session was issued for (issue 18 §11), and Argon2 is too slow to sign in again."""
    from dataclasses import fields

    from trialapp.services.context import issue_session

    return Team(*(issue_session(getattr(team, f.name), app.db) for f in fields(team)))


def open_workspace(qtbot, bed: Bed, actor: Actor):
    from trialapp.ui.workspace import TrialWorkspace

    workspace = TrialWorkspace(bed.app, actor, bed.trial_id, clock=bed.clock)
    qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    workspace.activateWindow()  # keyboard focus needs an active window
    qtbot.waitUntil(workspace.isActiveWindow, timeout=2000)
    return workspace


def count_rows(app: App, model) -> int:
    from sqlalchemy import func, select

    with app.db.read() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def give_dose_via_service(bed: Bed, day: int, mcg: int, at: datetime) -> None:
    from trialapp.services import dosing

    order = dosing.DoseOrder(bed.trial_id, day, mcg, 50, mcg / 50, at, "catheter", "L2291")
    # Some tests give a dose with no baseline (R8 revision 2 warns): each warning gets a reason.
    warnings = dosing.preview_dose(bed.app, bed.team.neuro, order).warnings
    order = dataclasses.replace(order, warning_reasons={w.code: "test" for w in warnings})
    dosing.give_dose(
        bed.app, bed.team.neuro, PASSWORD, order, dosing.BlindCheck("rn.smith", PASSWORD, mcg, 50)
    )


def run_day(bed: Bed, day: int, mcg: int, grades: dict[int, str]) -> None:
    """Baseline (all lower-limb muscle-sides 2) at 08:30, the dose at 09:00, then a reassessment at each
    hour in ``grades`` (all muscle-sides at that grade)."""
    from trialapp.services import assessments

    assessments.record_assessment(
        bed.app, bed.team.pt, bed.trial_id, day, mas_assessment("baseline", day_at(day, 8, 30), "2")
    )
    give_dose_via_service(bed, day, mcg, day_at(day, 9))
    for hours, grade in grades.items():
        at = day_at(day, 9 + hours)
        assessments.record_assessment(
            bed.app, bed.team.pt, bed.trial_id, day, mas_assessment("reassessment", at, grade)
        )


def identified(dialog) -> None:
    """Wait until the dose dialog has the outcome of the second clinician's password check (made off the
    GUI thread)."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + 60  # a hang guard, not a timing check
    while dialog.identifying:
        assert time.monotonic() < deadline, "the checker's password was never checked"
        QCoreApplication.processEvents()
        time.sleep(0.001)


def identify(dialog) -> None:
    """The second clinician identifies in the dose dialog; returns once the outcome is shown."""
    dialog.identify()
    identified(dialog)
