"""Site settings printed on summaries: the clinic's name, its phone number and the emergency number.

They live in the ``settings`` table (key → JSON value), one row per key. Reading needs no permission (the
values are printed for families); every change is audited with the old and the new value. An unset value is
``None``: the family summary then tells the family to ask the care team, and the clinical summary flags it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialapp.services.app_settings import write_setting
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.storage import models as m

CLINIC_NAME: Final = "clinic_name"
CLINIC_PHONE: Final = "clinic_phone"
EMERGENCY_NUMBER: Final = "emergency_number"

#: The keys this module owns, with what each one is, for messages and ``settings show``.
SITE_KEYS: Final[dict[str, str]] = {
    CLINIC_NAME: "the clinic's name, printed at the top of both summaries",
    CLINIC_PHONE: "the phone number families call with questions or warning signs",
    EMERGENCY_NUMBER: "the local emergency number (for example 911, 112 or 999)",
}

_MAX_NAME = 120
_MAX_PHONE = 40
# Digits with the usual separators, and an optional extension ("ext. 4321" or "x4321").
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*(?:\s*(?:ext\.?|x)\s*[0-9]+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class SiteSettings:
    """The values printed on summaries; ``None`` when the admin has not set them."""

    clinic_name: str | None = None
    clinic_phone: str | None = None
    emergency_number: str | None = None

    def missing(self) -> tuple[str, ...]:
        """The keys of the settings that are not set, in :data:`SITE_KEYS` order."""
        return tuple(key for key in SITE_KEYS if getattr(self, key) is None)


def _stored(session: Session) -> dict[str, object]:
    rows = session.execute(select(m.Setting).where(m.Setting.key.in_(tuple(SITE_KEYS)))).scalars()
    return {row.key: row.value for row in rows}


def _as_text(value: object) -> str | None:
    # A hand-edited database could hold any JSON; anything but a non-empty string counts as unset.
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def site_settings_in(session: Session) -> SiteSettings:
    """The site settings read inside an open session (for services that already hold one)."""
    stored = _stored(session)
    return SiteSettings(**{key: _as_text(stored.get(key)) for key in SITE_KEYS})


def read_site_settings(app: App) -> SiteSettings:
    """The site settings as stored now."""
    with app.db.read() as s:
        return site_settings_in(s)


def validate_setting(key: str, value: str | None) -> str | None:
    """Return the value to store (trimmed; ``None`` clears), or raise InvalidInput saying how to fix it."""
    if key not in SITE_KEYS:
        known = ", ".join(SITE_KEYS)
        raise InvalidInput(f"There is no site setting '{key}'. Use one of: {known}.")
    if value is None or not value.strip():
        return None
    text = " ".join(value.split())
    if any(ord(c) < 32 for c in value if c not in "\t\n\r"):
        raise InvalidInput(f"The {key.replace('_', ' ')} contains control characters. Type it again.")
    if key == CLINIC_NAME:
        if len(text) > _MAX_NAME:
            raise InvalidInput(f"The clinic name is {len(text)} characters long; use at most {_MAX_NAME}.")
        return text
    what = "clinic phone" if key == CLINIC_PHONE else "emergency number"
    digits = sum(c.isdigit() for c in text)
    if len(text) > _MAX_PHONE or not _PHONE.match(text) or digits < 2:
        raise InvalidInput(
            f"'{text}' is not a phone number. Type the {what} with digits, spaces, '+', '-', '(' ')' or '.', "
            "and an optional extension, for example +1 (555) 010-4477 ext. 12, or 112."
        )
    return text


def set_site_setting(app: App, actor: Actor, key: str, value: str | None) -> SiteSettings:
    """Store one site setting (``None`` or blank clears it), audited with the old and new value.

    Only an admin (or the command line) may change site settings; an unchanged value writes nothing.
    """
    require(actor, "edit_settings")
    new = validate_setting(key, value)
    with app.db.write() as s:
        write_setting(app, s, actor, key, new)
        return site_settings_in(s)
