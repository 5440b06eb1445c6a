"""The trial interchange format ``itb-trial/1``: import a JSON document as records.

One document is one patient and one trial, complete (``docs/formats.md``). Import validates the whole
document before returning anything: a document with any problem is rejected whole with
:class:`DocumentInvalid`, which lists *every* problem found, each at its JSON path
(``$.trial.days[0].doses[1].dose_mcg``) with a plain message that says what to do.

This module decodes the text (UTF-8, JSON, no repeated keys); :mod:`trialapp.interchange.trial_json_reader`
checks the JSON shape and hands the values to the record rules of the domain
(:mod:`trialapp.domain.validation`), the same rules every write applies. Export is
:mod:`trialapp.interchange.trial_json_export`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from trialapp.domain import vocabulary as v
from trialapp.domain.records import TrialDocument
from trialapp.domain.validation import Problem
from trialapp.domain.value_rules import show
from trialapp.interchange.trial_json_reader import read_document
from trialapp.interchange.trial_json_values import KEY_ORDER, child, item

__all__ = [
    "KEY_ORDER",
    "DocumentInvalid",
    "Problem",
    "load_trial_document",
    "parse_trial_document",
]


#: The most problems a message lists (all stay in :attr:`DocumentInvalid.problems`): a hostile file with a
#: million wrong keys must not make a message of hundreds of megabytes.
MAX_PROBLEMS_SHOWN = 500


class DocumentInvalid(ValueError):
    """The document was rejected; :attr:`problems` lists every problem found, in document order (the
    message lists the first :data:`MAX_PROBLEMS_SHOWN` and says how many more there are)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        shown = "\n".join(str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - MAX_PROBLEMS_SHOWN
        if more > 0:
            shown += (
                f"\n… and {more:,} more problems, not listed (the first {MAX_PROBLEMS_SHOWN} are above): check "
                "that this is an itb-trial/1 export"
            )
        return shown


def parse_trial_document(
    data: object, *, now: datetime | None = None, max_dose_mcg: int = 100
) -> TrialDocument:
    """Validate a decoded ``itb-trial/1`` document and return it as records.

    The whole document is checked first; if anything is wrong, :class:`DocumentInvalid` is raised with
    every problem found (never only the first). ``now`` (local naive time; default
    :func:`datetime.now`) is the moment against which "in the future" is judged. ``max_dose_mcg`` is
    the protocol maximum used by the R8 dose checks and stored in the trial's settings.
    """
    doc, problems = read_document(
        data, now=now if now is not None else datetime.now(), max_dose_mcg=max_dose_mcg
    )
    if problems or doc is None:
        raise DocumentInvalid(problems or [Problem("$", "the document could not be read")])
    return doc


class _DuplicateKeys(dict[str, Any]):
    """A decoded object that had a key more than once (the later value wins, as in :func:`json.loads`)."""

    duplicates: tuple[str, ...] = ()


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) == len(keys):
        return dict(pairs)
    seen: set[str] = set()
    repeated: list[str] = []
    for key in keys:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    out = _DuplicateKeys(pairs)
    out.duplicates = tuple(repeated)
    return out


class _LiteralRefused(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _LiteralRefused(name)


def _find_duplicates(data: object) -> Iterator[tuple[str, str]]:
    """(path, key) of every repeated key in the decoded tree, walked without recursion."""
    stack: list[tuple[object, str]] = [(data, "$")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            if isinstance(value, _DuplicateKeys):
                for key in value.duplicates:
                    yield path, key
            stack.extend((v, child(path, str(k))) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((v, item(path, i)) for i, v in reversed(list(enumerate(value))))


def _size_problems(data: object) -> list[Problem]:
    """Every text (value or key) over ``MAX_STRING_CHARS`` characters and every list or object over
    ``MAX_LIST_ITEMS`` entries, at its JSON path (revision 2, "Sizes"), walked without recursion. Nothing
    inside a refused list or object is looked at, so a million goals are refused at once."""
    out: list[Problem] = []
    limit_text, limit_items = v.MAX_STRING_CHARS, v.MAX_LIST_ITEMS
    stack: list[tuple[object, str]] = [(data, "$")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if len(value) > limit_text:
                out.append(Problem(path, _too_long(value)))
        elif isinstance(value, dict | list) and len(value) > limit_items:
            what = "keys" if isinstance(value, dict) else "entries"
            out.append(
                Problem(
                    path,
                    f"has {len(value):,} {what}; a list or object may have at most {limit_items:,} "
                    "(docs/formats.md, Sizes). Check that this is an itb-trial/1 export",
                )
            )
        elif isinstance(value, dict):
            children: list[tuple[object, str]] = []
            for key, x in value.items():
                if len(key) > limit_text:
                    out.append(Problem(path, f"a key {_too_long(key)}"))
                else:
                    children.append((x, child(path, key)))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((x, item(path, i)) for i, x in reversed(list(enumerate(value))))
    return out


def _too_long(text: str) -> str:
    return (
        f"{show(text)} is longer than {v.MAX_STRING_CHARS:,} characters, the most a text may have "
        "(docs/formats.md, Sizes): shorten it, or check that this is an itb-trial/1 export"
    )


def _value_refused(text: str, exc: ValueError) -> str:
    """Why json refused a value, with its place; for a number too long for Python, without Python's advice."""
    longest = sys.get_int_max_str_digits()
    long_number = re.search(rf"-?\d{{{longest + 1},}}", text)
    if long_number is None:
        return f"not valid JSON: {exc}. Fix the value, or export the file again"
    line = text.count("\n", 0, long_number.start()) + 1
    column = long_number.start() - text.rfind("\n", 0, long_number.start())
    digits = len(long_number.group().lstrip("-"))
    return (
        f"not valid JSON: a number with {digits} digits at line {line}, column {column} (no value in a trial "
        "document has more than a few). Fix the value, or export the file again"
    )


def load_trial_document(text_or_bytes: str | bytes, **kw: Any) -> TrialDocument:
    """Decode JSON text (``str``, or UTF-8 ``bytes``) and validate it with :func:`parse_trial_document`.

    Text that is not UTF-8, not JSON, uses ``NaN``/``Infinity``, or repeats a key in an object is rejected
    with :class:`DocumentInvalid` and a problem at ``$`` saying what to fix. A UTF-8 byte-order mark is
    ignored. Keyword arguments (``now``, ``max_dose_mcg``) go to :func:`parse_trial_document`.
    """
    size = len(text_or_bytes)  # characters of text: at least as many bytes
    if size > v.MAX_DOCUMENT_BYTES:
        raise DocumentInvalid(
            [
                Problem(
                    "$",
                    f"the document has {size:,} bytes; an itb-trial/1 document may have at most "
                    f"{v.MAX_DOCUMENT_BYTES:,} (docs/formats.md, Sizes). Nothing was read: check that this "
                    "is the right file",
                )
            ]
        )
    if isinstance(text_or_bytes, bytes | bytearray):
        raw = bytes(text_or_bytes)
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise DocumentInvalid(
                [
                    Problem(
                        "$",
                        f"the file is not UTF-8 text (byte 0x{bad} at offset {exc.start}): save it as UTF-8 and import it again",
                    )
                ]
            ) from None
    else:
        text = text_or_bytes
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_pairs_hook)
    except json.JSONDecodeError as exc:
        raise DocumentInvalid(
            [
                Problem(
                    "$",
                    f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. Fix the JSON syntax (a missing comma, quote or bracket?)",
                )
            ]
        ) from None
    except _LiteralRefused as exc:
        raise DocumentInvalid(
            [
                Problem(
                    "$",
                    f"{exc.args[0]} is not allowed: numbers must be finite. Write a number, or null when the value was not recorded",
                )
            ]
        ) from None
    except RecursionError:
        raise DocumentInvalid(
            [
                Problem(
                    "$",
                    "the JSON is nested too deeply to be a trial document: check that this is an itb-trial/1 export",
                )
            ]
        ) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise DocumentInvalid([Problem("$", _value_refused(text, exc))]) from None
    sizes = _size_problems(data)
    if sizes:
        raise DocumentInvalid(sizes)
    duplicates = list(_find_duplicates(data))
    if duplicates:
        raise DocumentInvalid(
            [
                Problem("$", f"the key {show(key)} appears more than once in {path}: keep only one of them")
                for path, key in duplicates
            ]
        )
    return parse_trial_document(data, **kw)
