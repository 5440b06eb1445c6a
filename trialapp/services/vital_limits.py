"""The site's vital-sign alert limits (RULES.md R9): the published table shipped with the program, or a
table the admin edited for this site.

The shipped table (``resources/clinical/vital_bands.json``: Fleming 2011 centiles, PALS hypotension) is the
default. An admin may change the numbers (for example to the 10th/90th centiles for earlier warnings) and
make more alerts urgent, with a note saying why; RULES.md R9's urgent alerts (breathing rate below the band,
SpO2 below the limit, UMSS 4) can never be made non-urgent. The edited table is stored in the ``settings``
table, keeps the published citation beside the site's note, and is audited like every setting. Restoring the
published limits removes the site's table.

Every consumer — the alerts written with an assessment, the live alerts of the assessment form, the vitals
chart's shaded bands and the clinical summary — reads the limits here, so they always agree.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Final

from sqlalchemy.orm import Session

from trialapp.domain.numbers import plain_number
from trialapp.domain.vitals import (
    REQUIRED_URGENT_CODES,
    VitalBand,
    VitalBands,
    VitalBandsError,
    bands_from_dict,
    bands_to_dict,
    load_default_bands,
)
from trialapp.services.app_settings import read_setting, write_setting
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require

VITAL_LIMITS: Final = "vital_bands"
MAX_NOTE_CHARS: Final = 500
#: Alert codes a site may add to the urgent ones (R9's own urgent codes are always urgent).
OPTIONAL_URGENT_CODES: Final = ("hr_low", "hr_high", "rr_high", "sbp_low")
SITE_TITLE: Final = "Vital-sign alert limits edited at this site (from the published defaults)"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteVitalLimits:
    """The limits in use, and whether (and why) the site changed the published ones."""

    bands: VitalBands
    edited_at_site: bool
    note: str | None


@cache
def published_limits() -> VitalBands:
    """The published table shipped with the program (read once: it cannot change while running)."""
    return load_default_bands()


def site_limits_in(session: Session) -> SiteVitalLimits:
    """The limits in use, read in an open session."""
    bands = bands_from_stored(read_setting(session, VITAL_LIMITS))
    if bands is published_limits():
        # Unset, or (only by a hand edit of the database) not valid: the published limits, said so.
        return SiteVitalLimits(bands, edited_at_site=False, note=None)
    note = bands.metadata.get("notes")
    return SiteVitalLimits(bands, edited_at_site=True, note=note if isinstance(note, str) else None)


@lru_cache(maxsize=4)
def _parsed(stored_json: str) -> VitalBands | None:
    try:
        return bands_from_dict(json.loads(stored_json))
    except VitalBandsError:
        return None


def bands_from_stored(stored: object) -> VitalBands:
    """The table in force for a stored setting value (None: the published one). A save reads the stored
    value in its own transaction and gets the parsed table from a small cache (the table rarely changes)."""
    if stored is None:
        return published_limits()
    bands = _parsed(json.dumps(stored, sort_keys=True))
    if bands is None:
        log.warning("the site's vital-sign limits are not valid; the published limits are used")
        return published_limits()
    return bands


def site_limits(app: App) -> SiteVitalLimits:
    """The limits in use at this site (no permission needed: every clinician's screen shows alerts)."""
    with app.db.read() as s:
        return site_limits_in(s)


def vital_bands(app: App) -> VitalBands:
    """The R9 table in use at this site."""
    return site_limits(app).bands


def set_site_limits(app: App, actor: Actor, bands: VitalBands, note: str) -> SiteVitalLimits:
    """Store the site's edited limits (admin), audited with the old and new table.

    ``note`` says why the site departs from the published limits; it is required and kept with the table.
    Every problem of the table is listed (InvalidInput) and nothing is stored when there is one.
    """
    require(actor, "edit_settings")
    reason = note.strip()
    if not reason:
        raise InvalidInput(
            "Say why this site changes the published limits (for example 'earlier warnings: 10th/90th "
            "centiles, agreed with anaesthesia 2026-11'). The note is kept with the limits."
        )
    if len(reason) > MAX_NOTE_CHARS:
        raise InvalidInput(f"Keep the note under {MAX_NOTE_CHARS} characters (it has {len(reason)}).")
    missing = REQUIRED_URGENT_CODES - bands.urgent_codes
    if missing:
        raise InvalidInput(
            f"{', '.join(sorted(missing))} must stay urgent (the app's vital-sign alert rule): a low breathing "
            "rate and low SpO2 are signs of baclofen overdose."
        )
    published = published_limits()
    metadata = {**published.metadata, "title": SITE_TITLE, "notes": reason}
    edited = replace(bands, bands=_sourced(bands, published), metadata=metadata)
    document = bands_to_dict(edited)
    try:
        checked = bands_from_dict(document)
    except VitalBandsError as exc:
        plain = [_plain_problem(problem, edited) for problem in exc.problems]
        raise InvalidInput("Nothing was saved:\n• " + "\n• ".join(plain)) from exc
    with app.db.write() as s:
        write_setting(app, s, actor, VITAL_LIMITS, document)
    return SiteVitalLimits(checked, edited_at_site=True, note=reason)


_FIELD_WORDS: Final = {
    "hr_low": "heart rate from",
    "hr_high": "heart rate to",
    "rr_low": "breathing rate from",
    "rr_high": "breathing rate to",
    "sbp_low": "systolic BP at least",
    "spo2_low": "SpO2 limit",
}
_BAND_PATH: Final = re.compile(r"^bands\[(\d+)\]\.(\w+): ")


def _plain_problem(problem: str, bands: VitalBands) -> str:
    """``bands[3].hr_low: must be below hr_high (180)`` → ``2–3 years, heart rate from: must be below …``."""
    found = _BAND_PATH.match(problem)
    if found is None:
        key, _, rest = problem.partition(": ")
        return f"{_FIELD_WORDS.get(key, key)}: {rest}" if rest else problem
    index, key = int(found.group(1)), found.group(2)
    where = bands.bands[index].label if index < len(bands.bands) else f"age band {index + 1}"
    rest = problem[found.end() :]
    for code, words in _FIELD_WORDS.items():
        rest = rest.replace(code, f"'{words}'")
    return f"{where}, {_FIELD_WORDS.get(key, key)}: {rest}"


def _limits_text(band: VitalBand) -> str:
    n = plain_number
    return f"HR {n(band.hr_low)}–{n(band.hr_high)}, RR {n(band.rr_low)}–{n(band.rr_high)}, SBP ≥ {n(band.sbp_low)}"


def _sourced(bands: VitalBands, published: VitalBands) -> tuple[VitalBand, ...]:
    """Each band's source says whether its numbers are the published ones: a changed band names the
    published limits it replaced (its source must not keep citing a centile it no longer is)."""
    by_range = {(b.from_months, b.to_months): b for b in published.bands}
    out = []
    for band in bands.bands:
        original = by_range.get((band.from_months, band.to_months))
        if original is not None and _limits_text(original) == _limits_text(band):
            out.append(replace(band, source=original.source))
        elif original is not None:
            out.append(
                replace(
                    band,
                    source=f"Edited at this site; published: {_limits_text(original)} ({original.source})",
                )
            )
        else:
            out.append(replace(band, source="Edited at this site"))
    return tuple(out)


def restore_published_limits(app: App, actor: Actor, reason: str | None = None) -> SiteVitalLimits:
    """Remove the site's edited limits (admin), audited with ``reason``; the published table is used again."""
    require(actor, "edit_settings")
    with app.db.write() as s:
        write_setting(app, s, actor, VITAL_LIMITS, None, reason=(reason or "").strip() or None)
    return SiteVitalLimits(published_limits(), edited_at_site=False, note=None)
