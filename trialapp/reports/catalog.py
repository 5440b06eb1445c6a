"""The family summary's words as gettext catalogues (``resources/translations``), read with Babel.

The English texts in :mod:`trialapp.reports.text_en` are the message ids; each message's context
(``msgctxt``) is its key there, so two keys with the same English words can be translated apart.
``family.pot`` is extracted from that module (``python -m trialapp.reports.catalog extract``); each language
has ``<lang>.po``, which an interpreter service edits. The ``.po`` is compiled to ``.mo`` in memory the
first time a summary in that language is made (:func:`texts`), which works the same from a source tree, a
wheel or the frozen app (the ``.po`` files are package data, read through importlib.resources).

A language whose catalogue lacks a message, or has a fuzzy or wrongly filled one, is refused with the list
(:class:`IncompleteCatalogue`): a family copy never mixes English into another language. Numbers, dates and
times are written by Babel in the language's own way, from patterns the catalogue also holds; durations
in hours use the catalogue's plural forms.
"""

from __future__ import annotations

import gettext
import io
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Final

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal

from trialapp.reports import text_en

DOMAIN: Final = "family"
SOURCE_LANGUAGE: Final = "en"
_FIELD: Final = re.compile(r"\{(\w+)\}")
#: Placeholders a translation may use besides its English text's own (the child's grammar).
GRAMMAR_FIELDS: Final = frozenset({"name", "Name", "name_possessive", "their", "Their", "limbs", "rigid"})


def source_messages() -> dict[str, str]:
    """Every family text by its context key, in English: what ``family.pot`` is extracted from."""
    out: dict[str, str] = dict(text_en.STRINGS)
    out.update({f"side_effect.{k}": v for k, v in text_en.SIDE_EFFECTS.items()})
    out.update({f"severity.{k}": v for k, v in text_en.SEVERITY.items()})
    out.update(text_en.GRAMMAR)
    out.update(text_en.FORMATS)
    return out


#: Messages with plural forms: key → (singular, plural) in English; ``{n}`` is the number.
PLURALS: Final[Mapping[str, tuple[str, str]]] = text_en.PLURALS


def extract() -> Catalog:
    """The template catalogue (``family.pot``) from the English source texts."""
    catalog = Catalog(project="trialapp", domain=DOMAIN, fuzzy=False)
    for key, text in source_messages().items():
        catalog.add(text, context=key, auto_comments=[f"key: {key}"])
    for key, forms in PLURALS.items():
        catalog.add(forms, context=key, auto_comments=[f"key: {key} (plural: {{n}} is the number)"])
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=False)
    return out.getvalue()


class IncompleteCatalogue(ValueError):
    """A language's catalogue misses messages: no family copy is made in it."""

    def __init__(self, lang: str, missing: tuple[str, ...]) -> None:
        self.lang = lang
        self.missing = missing
        super().__init__(
            f"The '{lang}' family texts are incomplete, so no family summary is made in that language. "
            f"Missing or wrong messages: {', '.join(missing)}."
        )


def _problems(catalog: Catalog) -> tuple[str, ...]:
    """Keys of the template's messages that ``catalog`` lacks, leaves empty or fuzzy, or fills with an
    unknown placeholder."""
    problems: list[str] = []
    for key, text in source_messages().items():
        message = catalog.get(text, context=key)
        translated = message.string if message is not None else ""
        if message is None or not translated or message.fuzzy:
            problems.append(key)
            continue
        allowed = GRAMMAR_FIELDS | set(_FIELD.findall(text))
        if not set(_FIELD.findall(str(translated))) <= allowed:
            problems.append(f"{key} (unknown placeholder)")
    for key, forms in PLURALS.items():
        message = catalog.get(forms[0], context=key)
        strings = message.string if message is not None and isinstance(message.string, tuple | list) else ()
        if message is None or message.fuzzy or not strings or not all(strings):
            problems.append(key)
    return tuple(problems)


@dataclass(frozen=True)
class Texts:
    """One language's family texts: the messages by key, the child's grammar and number/date formats."""

    lang: str
    locale: Locale
    translations: gettext.GNUTranslations

    def __call__(self, key: str) -> str:
        return self.translations.pgettext(key, source_messages()[key])

    @property
    def STRINGS(self) -> Mapping[str, str]:  # the shape text_en's dict has
        return {key: self(key) for key in text_en.STRINGS}

    def side_effect(self, kind: str) -> str:
        return self(f"side_effect.{kind}" if kind in text_en.SIDE_EFFECTS else "side_effect.other")

    def severity(self, severity: str) -> str:
        return self(f"severity.{severity}") if severity in text_en.SEVERITY else severity

    def grammar_fields(self, given_name: str | None, sex: str | None, region: str) -> dict[str, str]:
        """The placeholders that depend on the child: name (or "your child"), possessive, limbs and the
        adjective that agrees with them; "other" and "unknown" get the neutral forms, never a guess."""
        who = sex if sex in ("female", "male") else "other"
        given = given_name.strip() if given_name and given_name.strip() else ""
        name = given or self(f"child.{who}")
        where = region if region in ("lower", "upper") else "all"
        their = self(f"their.{who}")
        possessive = self("name_possessive").format(name=name)
        return {
            "name": name,
            "Name": name[:1].upper() + name[1:],
            "name_possessive": possessive[:1].upper() + possessive[1:],
            "their": their,
            "Their": their[:1].upper() + their[1:],
            "limbs": self(f"limbs.{where}"),
            "rigid": self(f"rigid.{where}"),
        }

    def date_words(self, day: date) -> str:
        """A date as a family reads it, e.g. "Monday 2 November 2026", "lunes 2 de noviembre de 2026"."""
        return format_date(day, self("format.date_long"), locale=self.locale)

    def short_date(self, day: date) -> str:
        return format_date(day, self("format.date_short"), locale=self.locale)

    def time_words(self, at: datetime) -> str:
        return format_time(at, self("format.time"), locale=self.locale)

    def number_words(self, value: float) -> str:
        """A score or a change in score, with the language's decimal mark: "1.25", "1,25"."""
        return format_decimal(round(value, 2), format="#,##0.##", locale=self.locale)

    def hours_words(self, hours: float, *, about: bool = False) -> str:
        """A duration in whole hours with the language's plural; under half an hour "less than 1 hour"."""
        whole = int(hours + 0.5)
        if whole < 1:
            return self("hours_less_than_one")
        singular, plural = PLURALS["hours"]
        text = self.translations.npgettext("hours", singular, plural, whole).format(n=whole)
        return self("hours_about").format(hours=text) if about else text


def compile_catalog(po: bytes, lang: str) -> Texts:
    """Texts from a ``.po`` file's bytes; IncompleteCatalogue when a message is missing."""
    catalog = read_po(io.BytesIO(po), locale=lang if lang != "pseudo" else SOURCE_LANGUAGE, domain=DOMAIN)
    missing = _problems(catalog)
    if missing:
        raise IncompleteCatalogue(lang, missing)
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return Texts(lang, catalog.locale or Locale.parse(SOURCE_LANGUAGE), gettext.GNUTranslations(mo))


def _folder() -> resources.abc.Traversable:
    return resources.files("trialapp.resources").joinpath("translations")


def languages() -> tuple[str, ...]:
    """The languages with a catalogue (``<lang>.po``), English first."""
    found = sorted(f.name[:-3] for f in _folder().iterdir() if f.name.endswith(".po"))
    return tuple(sorted(found, key=lambda code: code != SOURCE_LANGUAGE))


@cache
def texts(lang: str) -> Texts:
    """The family texts in ``lang``, compiled from its catalogue on first use (then kept)."""
    if lang not in languages():
        raise ValueError(f"No family summary in '{lang}'. Use one of: {', '.join(languages())}.")
    return compile_catalog(_folder().joinpath(f"{lang}.po").read_bytes(), lang)


def _extract_command(folder: str) -> None:
    """Write ``family.pot`` and bring every ``.po`` in ``folder`` up to date with it (new messages empty)."""
    from pathlib import Path

    from babel.messages.catalog import Catalog as _Catalog

    template = extract()
    base = Path(folder)
    (base / f"{DOMAIN}.pot").write_bytes(po_bytes(template))
    for po in sorted(base.glob("*.po")):
        catalog: _Catalog = read_po(io.BytesIO(po.read_bytes()), locale=po.stem)
        catalog.update(template, no_fuzzy_matching=True)
        po.write_bytes(po_bytes(catalog))


if __name__ == "__main__":  # python -m trialapp.reports.catalog extract [resources/translations]
    if sys.argv[1:2] == ["extract"]:
        _extract_command(sys.argv[2] if len(sys.argv) > 2 else "resources/translations")
    else:
        print("usage: python -m trialapp.reports.catalog extract [resources/translations]")
