"""App settings the admin edits: the idle-lock minutes, how many automatic backups to keep, the site's
protocol defaults for new trials and the hard ceiling of a screening dose (R8 revision 2).

Stored in the ``settings`` table (key → JSON), like the site settings of ``site_settings.py``. Reading needs
no permission (the lock and the new-trial wizard read them for every user); a change needs ``edit_settings``
and is audited with the old and new value. A trial keeps the settings it was created with: changing the
site's defaults never rewrites a trial.
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from typing import Any, Final, TypeGuard

from sqlalchemy.orm import Session

from trialapp.domain.dosing import DEFAULT_HARD_CEILING_MCG, LADDERS, MAX_HARD_CEILING_MCG
from trialapp.domain.protocol import DEFAULT_SETTINGS, DefaultSetting, protocol_defaults
from trialapp.domain.records import ProtocolSettings
from trialapp.domain.vocabulary import LATE_AFTER_MINUTES
from trialapp.services.context import DEFAULT_BACKUP_KEEP, Actor, App, backup_keep
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.storage import models as m
from trialapp.storage.audit_actions import AuditAction

IDLE_MINUTES: Final = "idle_minutes"
PROTOCOL_DEFAULTS: Final = "protocol_defaults"
BACKUP_KEEP: Final = "backup_keep"  # read at start-up by services.context.backup_keep
HARD_CEILING: Final = "hard_ceiling_mcg"

DEFAULT_IDLE_MINUTES: Final = 5
MIN_IDLE_MINUTES: Final = 1
MAX_IDLE_MINUTES: Final = 60

MIN_BACKUPS_KEPT: Final = 2  # never fewer than two: the newest copy may be the one taken of a damaged file
MAX_BACKUPS_KEPT: Final = 60

MAS_CODINGS: Final = ("cprn", "ordinal05")
REGIONS: Final = ("lower", "upper", "all")
# The protocol fields a site may change (mode and max dose stay the protocol's, RULES.md R8).
EDITABLE_PROTOCOL_FIELDS: Final = (
    "ladder",
    "mas_coding",
    "region",
    "threshold",
    "schedule_hours",
    "late_after_minutes",
)


def read_setting(session: Session, key: str) -> Any:
    row = session.get(m.Setting, key)
    return row.value if row is not None else None


def write_setting(
    app: App, session: Session, actor: Actor, key: str, new: Any, *, reason: str | None = None
) -> None:
    """Store one setting in the open write session, audited with its old and new value (and ``reason``,
    when the change needs one); an unchanged value writes nothing."""
    row = session.get(m.Setting, key)
    old = row.value if row is not None else None
    if old == new:
        return
    if row is None:
        session.add(m.Setting(key=key, value=new))
    else:
        row.value = new
    session.flush()
    app.audit.record(
        session,
        actor=actor.label,
        action=AuditAction.UPDATE,
        table="settings",
        row_id=key,
        field="value",
        old=old,
        new=new,
        reason=reason,
    )


def _whole_number_in(value: object, low: int, high: int) -> TypeGuard[int]:
    """A whole number (not a bool) from ``low`` to ``high``: what a count or minutes setting may be."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


# ------------------------------------------------------------------------------------------- idle lock


def idle_minutes(app: App) -> int:
    """Minutes without keyboard or mouse use before the window locks (default 5)."""
    with app.db.read() as s:
        value = read_setting(s, IDLE_MINUTES)
    if _whole_number_in(value, MIN_IDLE_MINUTES, MAX_IDLE_MINUTES):
        return value
    return DEFAULT_IDLE_MINUTES  # unset, or a hand-edited value out of range


def set_idle_minutes(app: App, actor: Actor, minutes: int) -> int:
    """Store the idle-lock minutes (1–60), audited. Returns the stored value."""
    require(actor, "edit_settings")
    if not _whole_number_in(minutes, MIN_IDLE_MINUTES, MAX_IDLE_MINUTES):
        raise InvalidInput(
            f"The idle lock must be a whole number of minutes from {MIN_IDLE_MINUTES} to {MAX_IDLE_MINUTES} "
            f"(you gave {minutes!r}). {DEFAULT_IDLE_MINUTES} is the usual choice on a ward."
        )
    with app.db.write() as s:
        write_setting(app, s, actor, IDLE_MINUTES, minutes)
    return minutes


# ------------------------------------------------------------------------------------------ hard ceiling


def hard_ceiling_in(session: Session) -> int:
    """The site's hard ceiling of a screening dose in mcg, read in an open session (default 150 mcg).

    A hand-edited value the app cannot use (not a whole number from 1 to 200) gives the default: the
    ceiling must never silently rise."""
    value = read_setting(session, HARD_CEILING)
    if _whole_number_in(value, 1, MAX_HARD_CEILING_MCG):
        return value
    return DEFAULT_HARD_CEILING_MCG


def hard_ceiling(app: App) -> int:
    """The site's hard ceiling of a screening dose in mcg (R8 revision 2; default 150 mcg)."""
    with app.db.read() as s:
        return hard_ceiling_in(s)


def set_hard_ceiling(app: App, actor: Actor, mcg: int) -> int:
    """Store the site's hard ceiling (1–200 mcg), audited; only an admin may. Returns the stored value.

    No dose above the ceiling can be given, whoever orders it and whatever the reason (R8 revision 2)."""
    require(actor, "edit_settings")
    if not _whole_number_in(mcg, 1, MAX_HARD_CEILING_MCG):
        raise InvalidInput(
            f"The hard ceiling must be a whole number of mcg from 1 to {MAX_HARD_CEILING_MCG} (you gave "
            f"{mcg!r}): the app refuses a ceiling above {MAX_HARD_CEILING_MCG} mcg. "
            f"{DEFAULT_HARD_CEILING_MCG} mcg is the published default."
        )
    with app.db.write() as s:
        write_setting(app, s, actor, HARD_CEILING, mcg)
    return mcg


# ------------------------------------------------------------------------------------- automatic backups


def backups_kept(app: App) -> int:
    """How many automatic backups (before an upgrade, first opening of the day) are kept (default 10)."""
    return backup_keep(app.db)


def set_backups_kept(app: App, actor: Actor, count: int) -> int:
    """Store how many automatic backups to keep (2–60), audited. Returns the stored value.

    Older automatic backups beyond this number are deleted at the next daily backup; backups written with
    ``trialapp backup --out`` are never touched.
    """
    require(actor, "edit_settings")
    if not _whole_number_in(count, MIN_BACKUPS_KEPT, MAX_BACKUPS_KEPT):
        raise InvalidInput(
            f"Keep from {MIN_BACKUPS_KEPT} to {MAX_BACKUPS_KEPT} automatic backups (you gave {count!r}). "
            f"{DEFAULT_BACKUP_KEEP} covers about two working weeks of daily backups."
        )
    with app.db.write() as s:
        write_setting(app, s, actor, BACKUP_KEEP, count)
    return count


# ------------------------------------------------------------------------------------ protocol defaults


def _settings_from(value: object) -> ProtocolSettings:
    if not isinstance(value, dict):
        return DEFAULT_SETTINGS
    try:
        changes: dict[str, Any] = {
            k: (tuple(v) if k == "schedule_hours" else v)
            for k, v in value.items()
            if k in EDITABLE_PROTOCOL_FIELDS
        }
        settings = replace(DEFAULT_SETTINGS, **changes)
        return settings if not protocol_problems(settings) else DEFAULT_SETTINGS
    except (TypeError, ValueError):
        return DEFAULT_SETTINGS  # a hand-edited value the app cannot use: fall back to the published ones


def site_protocol_settings(app: App) -> ProtocolSettings:
    """The protocol settings a new trial starts with at this site (the published defaults when unset)."""
    with app.db.read() as s:
        return _settings_from(read_setting(s, PROTOCOL_DEFAULTS))


def protocol_problems(settings: ProtocolSettings) -> dict[str, str]:
    """Field → what is wrong, for protocol settings a site wants as its default (empty when valid)."""
    problems: dict[str, str] = {}
    if settings.ladder not in LADDERS:
        problems["ladder"] = f"Choose a dose ladder: {', '.join(LADDERS)}."
    if settings.mas_coding not in MAS_CODINGS:
        problems["mas_coding"] = "Choose the MAS coding: cprn (1+ counts as 1.5) or ordinal05 (0–5)."
    if settings.region not in REGIONS:
        problems["region"] = "Choose the region: lower, upper or all."
    t = settings.threshold
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or not 0 < t <= 4:
        problems["threshold"] = (
            "The responder threshold is a mean MAS reduction above 0 and at most 4 points."
        )
    hours = settings.schedule_hours
    if not hours:
        problems["schedule_hours"] = (
            "Give at least one reassessment time, in hours after the dose (e.g. 1, 2, 4)."
        )
    elif any(
        isinstance(h, bool) or not isinstance(h, int | float) or not math.isfinite(h) or not 0 < h <= 24
        for h in hours
    ):
        problems["schedule_hours"] = "Each reassessment time is hours after the dose, above 0 and at most 24."
    elif len(set(hours)) != len(hours):
        problems["schedule_hours"] = "A reassessment time is listed twice: give each time once."
    late = settings.late_after_minutes
    lo, hi = LATE_AFTER_MINUTES.lo, LATE_AFTER_MINUTES.hi  # the interchange format's range: files re-import
    if isinstance(late, bool) or not isinstance(late, int) or not lo <= late <= hi:  # type: ignore[operator]
        problems["late_after_minutes"] = f"The late window is a whole number of minutes from {lo} to {hi}."
    return problems


def parse_schedule_hours(text: str) -> tuple[float, ...]:
    """ "1, 2, 4, 6, 8" → (1, 2, 4, 6, 8), sorted; InvalidInput naming the part that is not a number."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    hours: list[float] = []
    for part in parts:
        try:
            value = float(part.strip())
        except ValueError:
            raise InvalidInput(
                f"'{part.strip()}' is not a number of hours. Type the hours after the dose separated by commas, "
                "for example 1, 2, 4, 6, 8."
            ) from None
        hours.append(int(value) if value.is_integer() else value)
    return tuple(sorted(hours))


def set_protocol_defaults(app: App, actor: Actor, settings: ProtocolSettings) -> ProtocolSettings:
    """Store the site's defaults for new trials (audited). Raises InvalidInput listing each problem."""
    require(actor, "edit_settings")
    problems = protocol_problems(settings)
    if problems:
        raise InvalidInput("The protocol defaults were not saved.", list(problems.values()))
    value = {k: v for k, v in asdict(settings).items() if k in EDITABLE_PROTOCOL_FIELDS}
    value["schedule_hours"] = list(settings.schedule_hours)
    with app.db.write() as s:
        write_setting(app, s, actor, PROTOCOL_DEFAULTS, value)
    return settings


def defaults_with_sources(settings: ProtocolSettings) -> tuple[DefaultSetting, ...]:
    """The defaults as ``protocol_defaults`` words them, the source marked where the site changed a value."""
    published = {d.key: d for d in protocol_defaults(DEFAULT_SETTINGS)}
    shown = []
    for item in protocol_defaults(settings):
        base = published.get(item.key)
        if base is not None and base.value != item.value:
            item = DefaultSetting(
                item.key,
                item.label,
                item.value,
                f"Site default set by the admin (published: {base.value}; {base.source})",
            )
        shown.append(item)
    return tuple(shown)
