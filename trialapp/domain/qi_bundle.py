"""The infection QI bundle checklist as data, validated and versioned.

The checklist (``trialapp-qi-bundle/1``, example in ``resources/clinical/qi_bundle_example.json``) groups
steps in three phases, each with a code, a text, the procedure kinds it applies to, and whether a published
source confirmed it. The QI lead edits it; every edit is a new version. A procedure is scored against
the version in force on its surgery date when it was recorded, and keeps that version (stored with it):
a later version never re-scores a recorded procedure.

Pure Python: no Qt, no SQL. Facts: REFERENCE.md §6 and §8.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

BUNDLE_FORMAT = "trialapp-qi-bundle/1"

#: Procedure kinds (code → words).
PROCEDURE_KINDS: dict[str, str] = {
    "new_implant": "new implant",
    "pump_replacement": "pump replacement",
    "catheter_revision": "catheter revision",
    "wound_revision": "wound revision",
    "removal": "removal",
    "other": "other",
}

#: The three phases of the bundle, in order (code → name used by the CPRN registry reports).
PHASES: dict[str, str] = {
    "pre_op": "Pre-op",
    "prep": "Pre-prep, prep and scrubbing",
    "procedure": "Procedure and post-op",
}

#: Step answers: yes, no, not applicable.
ANSWERS: dict[str, str] = {"yes": "yes", "no": "no", "na": "not applicable"}

#: CSV columns that a step code must not shadow.
RESERVED_CODES = frozenset({"procedure_id", "site", "date", "kind", "surgeon", "ssi", "ssi_date", "organism"})

_STEP_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)

# --------------------------------------------------------------------------------------------------
# The bundle: steps as data, validated, versioned
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleStep:
    """One checklist step: ``code`` (also its CSV column), ``phase`` (a key of PHASES), ``text``, the
    procedure kinds it applies to, whether a published source confirmed it, and that source."""

    code: str
    phase: str
    text: str
    applies_to: frozenset[str]
    confirmed: bool
    source: str

    def applies(self, kind: str) -> bool:
        """Whether the step is asked for a procedure of ``kind``."""
        return kind in self.applies_to


@dataclass(frozen=True)
class Bundle:
    """The whole checklist: steps in phase order, a title and notes (kept with every version)."""

    steps: tuple[BundleStep, ...]
    title: str = ""
    notes: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.steps)

    def step(self, code: str) -> BundleStep | None:
        """The step with ``code``, or None."""
        for s in self.steps:
            if s.code == code:
                return s
        return None

    def applicable(self, kind: str) -> tuple[BundleStep, ...]:
        """The steps asked for a procedure of ``kind``, in checklist order."""
        return tuple(s for s in self.steps if s.applies(kind))


class BundleError(ValueError):
    """A bundle that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("The bundle checklist is not valid:\n- " + "\n- ".join(self.problems))


def bundle_from_dict(data: object) -> Bundle:
    """Build and validate a bundle from its JSON shape (that of ``qi_bundle_example.json``).

    Raises BundleError listing every problem: the three phases in order, each step with a unique code
    (lower-case letters, digits and ``_``, starting with a letter, at most 40 characters, not a CSV column
    name), a text, at least one procedure kind it applies to, ``confirmed`` true or false, and a source.
    """
    problems: list[str] = []
    if not isinstance(data, dict):
        raise BundleError(["The bundle must be a JSON object with 'format', 'title' and 'phases'."])
    if data.get("format") != BUNDLE_FORMAT:
        problems.append(f"'format' must be \"{BUNDLE_FORMAT}\" (found {data.get('format')!r}).")
    for key in sorted(set(data) - {"format", "title", "notes", "phases"}):
        problems.append(f"Unknown key {key!r} at the top level: use format, title, notes and phases.")
    title = data.get("title", "")
    notes = data.get("notes", "")
    if not isinstance(title, str):
        problems.append("'title' must be text.")
        title = ""
    if not isinstance(notes, str):
        problems.append("'notes' must be text.")
        notes = ""
    phases = data.get("phases")
    steps: list[BundleStep] = []
    if not isinstance(phases, list):
        problems.append(f"'phases' must be a list of the three phases: {', '.join(PHASES)}.")
        raise BundleError(problems)
    codes = [p.get("code") if isinstance(p, dict) else None for p in phases]
    if codes != list(PHASES):
        problems.append(
            f"'phases' must list the three phases in this order: {', '.join(PHASES)} (found {codes})."
        )
    seen: set[str] = set()
    for i, phase in enumerate(phases):
        where = f"phases[{i}]"
        if not isinstance(phase, dict):
            problems.append(f"{where} must be an object with code, name and steps.")
            continue
        phase_code = phase.get("code")
        for key in sorted(set(phase) - {"code", "name", "steps"}):
            problems.append(f"Unknown key {key!r} in {where}: use code, name and steps.")
        raw_steps = phase.get("steps")
        if not isinstance(raw_steps, list):
            problems.append(f"{where}.steps must be a list (it may be empty).")
            continue
        for j, raw in enumerate(raw_steps):
            step = _step_from_dict(raw, f"{where}.steps[{j}]", phase_code, seen, problems)
            if step is not None:
                steps.append(step)
    if not steps and not problems:
        problems.append("The bundle has no steps: add at least one.")
    if problems:
        raise BundleError(problems)
    return Bundle(steps=tuple(steps), title=title.strip(), notes=notes.strip())


def _step_from_dict(
    raw: object, where: str, phase: object, seen: set[str], problems: list[str]
) -> BundleStep | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} must be an object with code, text, applies_to, confirmed and source.")
        return None
    before = len(problems)
    allowed = {"code", "text", "applies_to", "confirmed", "source"}
    for key in sorted(set(raw) - allowed):
        problems.append(f"Unknown key {key!r} in {where}: use {', '.join(sorted(allowed))}.")
    code = raw.get("code")
    if not isinstance(code, str) or not _STEP_CODE.fullmatch(code):
        problems.append(
            f"{where}.code {code!r} is not a step code: use lower-case letters, digits and '_', starting "
            "with a letter, at most 40 characters (for example hair_clipped)."
        )
    elif code in RESERVED_CODES:
        problems.append(f"{where}.code {code!r} is the name of a CSV column: choose another code.")
    elif code in seen:
        problems.append(f"{where}.code {code!r} is used twice: every step needs its own code.")
    else:
        seen.add(code)
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 300:
        problems.append(f"{where}.text must say what is done, in 1 to 300 characters.")
    applies = raw.get("applies_to")
    if (
        not isinstance(applies, list)
        or not applies
        or not all(isinstance(k, str) and k in PROCEDURE_KINDS for k in applies)
    ):
        problems.append(
            f"{where}.applies_to must list at least one procedure kind among: {', '.join(PROCEDURE_KINDS)}."
        )
    confirmed = raw.get("confirmed")
    if not isinstance(confirmed, bool):
        problems.append(f"{where}.confirmed must be true (a published source confirms it) or false.")
    source = raw.get("source", "")
    if not isinstance(source, str):
        problems.append(f"{where}.source must be text (where the step comes from).")
    if len(problems) > before or phase not in PHASES:
        return None
    assert isinstance(code, str) and isinstance(text, str) and isinstance(applies, list)
    assert isinstance(confirmed, bool) and isinstance(source, str) and isinstance(phase, str)
    return BundleStep(
        code=code,
        phase=phase,
        text=" ".join(text.split()),
        applies_to=frozenset(applies),
        confirmed=confirmed,
        source=source.strip(),
    )


def bundle_to_dict(bundle: Bundle) -> dict[str, Any]:
    """The bundle in its JSON shape (steps in checklist order, kinds in the order of PROCEDURE_KINDS)."""
    return {
        "format": BUNDLE_FORMAT,
        "title": bundle.title,
        "notes": bundle.notes,
        "phases": [
            {
                "code": phase,
                "name": name,
                "steps": [
                    {
                        "code": s.code,
                        "text": s.text,
                        "applies_to": [k for k in PROCEDURE_KINDS if k in s.applies_to],
                        "confirmed": s.confirmed,
                        "source": s.source,
                    }
                    for s in bundle.steps
                    if s.phase == phase
                ],
            }
            for phase, name in PHASES.items()
        ],
    }


def example_bundle() -> Bundle:
    """The example bundle shipped with the app (HCRN-confirmed and commonly described steps)."""
    text = (
        resources.files("trialapp.resources")
        .joinpath("clinical", "qi_bundle_example.json")
        .read_text(encoding="utf-8")
    )
    return bundle_from_dict(json.loads(text))


@dataclass(frozen=True)
class BundleVersion:
    """A saved version of the bundle, in force from ``effective_from``."""

    version: int
    effective_from: date
    bundle: Bundle
    note: str = ""
    created_by: str = ""


@dataclass(frozen=True)
class BundleHistory:
    """Every saved version, oldest first."""

    versions: tuple[BundleVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a bundle history needs at least one version")

    @property
    def current(self) -> BundleVersion:
        """The newest version (the one an edit starts from)."""
        return max(self.versions, key=lambda v: v.version)

    @property
    def first(self) -> BundleVersion:
        return min(self.versions, key=lambda v: v.version)

    def starts_on(self, version: BundleVersion) -> date | None:
        """The date from which ``version`` is in force; None for the first version, which is the checklist
        the site started with and covers every procedure before the next version."""
        return None if version.version == self.first.version else version.effective_from

    def in_force(self, on: date) -> BundleVersion:
        """The version a procedure on ``on`` is scored against: the one with the latest start on or before
        that date (ties: the higher version); the first version has no start (it covers the time before
        every other version)."""
        candidates = [v for v in self.versions if (start := self.starts_on(v)) is None or start <= on]
        return max(candidates, key=lambda v: (self.starts_on(v) or date.min, v.version))

    def version(self, number: int) -> BundleVersion | None:
        """The saved version ``number``, or None."""
        return next((v for v in self.versions if v.version == number), None)

    def version_for(self, on: date, pinned: int | None) -> BundleVersion:
        """The version a procedure with surgery on ``on`` is scored against: the one it was recorded
        against (``pinned``, stored with it) when known, else the one in force on ``on``."""
        kept = None if pinned is None else self.version(pinned)
        return kept if kept is not None else self.in_force(on)

    def latest_start(self) -> date | None:
        """The latest start of a version after the first (a new version may not start before it)."""
        starts = [d for v in self.versions if (d := self.starts_on(v)) is not None]
        return max(starts) if starts else None

    def step_codes(self) -> tuple[str, ...]:
        """Every step code ever used: the current version's in checklist order, then retired ones
        (newest version first)."""
        codes: list[str] = []
        for v in sorted(self.versions, key=lambda v: -v.version):
            codes.extend(c for c in v.bundle.codes if c not in codes)
        return tuple(codes)

    def step_info(self, code: str) -> BundleStep | None:
        """The step as the newest version that has it describes it."""
        for v in sorted(self.versions, key=lambda v: -v.version):
            step = v.bundle.step(code)
            if step is not None:
                return step
        return None
