"""The family texts as gettext catalogues (issue 20 item 5): the template is extracted from the code, every
language is complete or refused with the list of what is missing, plural forms and the language's number and
date formats come from Babel, and a pseudo-locale proves no family text bypasses the catalogue."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date, datetime
from importlib import resources
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from pypdf import PdfReader

from tests.helpers import demo_json
from trialapp.domain.summary import summarize_trial
from trialapp.interchange.trial_json import parse_trial_document
from trialapp.reports import family
from trialapp.reports.catalog import (
    IncompleteCatalogue,
    Texts,
    compile_catalog,
    extract,
    languages,
    po_bytes,
    source_messages,
    texts,
)
from trialapp.reports.layout import ClinicContact

CLINIC = ClinicContact("Riverside Children's Hospital", "+1 (555) 010-4477", "911")
FOLDER = resources.files("trialapp.resources").joinpath("translations")


def _read(name: str, locale: str | None = None) -> Catalog:
    return read_po(io.BytesIO(FOLDER.joinpath(name).read_bytes()), locale=locale)


def _ids(catalog: Catalog) -> set[tuple[Any, Any]]:
    return {(m.context, m.id) for m in catalog if m.id}


def test_the_template_is_extracted_from_the_code() -> None:
    """family.pot is what `python -m trialapp.reports.catalog extract` writes from text_en: never stale."""
    assert _ids(_read("family.pot")) == _ids(extract())


@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_language_has_every_message_of_the_template(lang: str) -> None:
    assert _ids(_read(f"{lang}.po", lang)) == _ids(extract())
    assert texts(lang).lang == lang  # complete: it loads


def test_languages_come_from_the_catalogues() -> None:
    assert languages() == ("en", "es")
    assert family.LANGUAGES == ("en", "es")
    with pytest.raises(ValueError, match="Use one of: en, es"):
        texts("fr")


def _es_po_without(blank: str, drop: str) -> bytes:
    catalog = _read("es.po", "es")
    message = next(m for m in catalog if m.context == blank)
    message.string = ""
    catalog.delete(next(m for m in catalog if m.context == drop).id, context=drop)
    return po_bytes(catalog)


def test_an_incomplete_catalogue_is_refused_with_the_list_of_missing_messages() -> None:
    with pytest.raises(IncompleteCatalogue) as caught:
        compile_catalog(_es_po_without("what_mcg", "side_effect.headache"), "es")
    assert caught.value.missing == ("what_mcg", "side_effect.headache")
    assert "Missing or wrong messages: what_mcg, side_effect.headache." in str(caught.value)


def test_a_fuzzy_or_misspelt_placeholder_is_refused() -> None:
    catalog = _read("es.po", "es")
    next(m for m in catalog if m.context == "day_dose").string = "{nombre} recibió {dose} a las {time}."
    next(m for m in catalog if m.context == "questions").flags.add("fuzzy")
    with pytest.raises(IncompleteCatalogue) as caught:
        compile_catalog(po_bytes(catalog), "es")
    assert caught.value.missing == ("day_dose (unknown placeholder)", "questions")


def test_plural_forms_numbers_and_dates_follow_the_language() -> None:
    en, es = texts("en"), texts("es")
    assert [en.hours_words(h) for h in (0.2, 1, 2)] == ["less than 1 hour", "1 hour", "2 hours"]
    assert [es.hours_words(h) for h in (0.2, 1, 6)] == ["menos de 1 hora", "1 hora", "6 horas"]
    assert es.hours_words(6, about=True) == "cerca de 6 horas"
    assert (en.number_words(1.25), es.number_words(1.25), es.number_words(2.0)) == ("1.25", "1,25", "2")
    day = date(2026, 11, 2)
    assert en.date_words(day) == "Monday 2 November 2026"
    assert es.date_words(day) == "lunes 2 de noviembre de 2026"
    assert es.short_date(day) == "2 de noviembre de 2026"
    at = datetime(2026, 11, 2, 15, 30)
    assert (en.time_words(at), es.time_words(at)) == ("3:30 PM", "15:30")


# ------------------------------------------------------------------------------------------ pseudo-locale

_PSEUDO = dict(zip("abcdefghijklmnopqrstuvwxyz", "áƀçďéƒĝĥíĵķĺṁñöþǫŕšţüṽŵẋýž", strict=True))
_PSEUDO.update({k.upper(): v.upper() for k, v in _PSEUDO.items()})


def _pseudo(text: str) -> str:
    """Every letter outside a {placeholder} swapped for an accented one, the whole between ⟦ ⟧."""
    parts = re.split(r"(\{\w+\})", text)
    return (
        "⟦" + "".join(p if p.startswith("{") else "".join(_PSEUDO.get(c, c) for c in p) for p in parts) + "⟧"
    )


def _pseudo_texts() -> Texts:
    catalog = Catalog(locale="en", domain="family")
    for message in extract():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            string: Any = tuple(_pseudo(x) for x in message.id)
        elif str(message.context).startswith("format."):
            string = f"'⟦'{message.id}'⟧'"  # a date pattern stays a pattern; its literal marks it
        else:
            string = _pseudo(message.id)
        catalog.add(message.id, string, context=message.context)
    return compile_catalog(po_bytes(catalog), "pseudo")


def _strings(node: Any, skip: frozenset[str]) -> list[str]:
    if isinstance(node, str):
        return [node]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return [
            s
            for f in dataclasses.fields(node)
            if f.name not in skip
            for s in _strings(getattr(node, f.name), skip)
        ]
    if isinstance(node, (tuple, list)):
        return [s for item in node for s in _strings(item, skip)]
    return []


@pytest.fixture
def pseudo(monkeypatch: pytest.MonkeyPatch) -> Texts:
    made = _pseudo_texts()
    monkeypatch.setattr(family, "LANGUAGES", (*family.LANGUAGES, "pseudo"))
    monkeypatch.setattr(family, "catalog_texts", lambda code: made if code == "pseudo" else texts(code))
    return made


@pytest.mark.parametrize("name", ["demo_responder.json", "demo_nonresponder.json", "demo_small_child.json"])
def test_no_family_text_bypasses_the_catalogue(pseudo: Texts, name: str) -> None:
    doc = parse_trial_document(demo_json(name))
    summary = summarize_trial(doc.trial)
    content = family.family_content(doc, summary, lang="pseudo", clinic=CLINIC)
    # Every sentence, heading and label is one message (with values inside): it opens and closes with ⟦ ⟧.
    data_fields = frozenset({"lang", "name", "goal", "chart_bars"})
    texts_found = _strings(content, data_fields)
    assert len(texts_found) > 40
    for text in texts_found:
        assert text.startswith("⟦") and text.endswith("⟧"), text
    # And on paper: outside the messages only the record's own words remain (names, goals, clinic, units,
    # and the month and weekday names, which come from the language's locale data through the catalogue).
    pdf = family.build_family_pdf(doc, summary, lang="pseudo", clinic=CLINIC)
    printed = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    allowed = {
        w.lower()
        for source in [
            doc.patient.given_name or "",
            CLINIC.clinic_name or "",
            *(g.text for g in doc.trial.goals),
            "mcg Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
            "January February March April May June July August September October November December AM PM",
        ]
        for w in re.findall(r"[A-Za-z]+", source)
    }
    stray = {w for w in re.findall(r"[A-Za-z]+", printed) if w.lower() not in allowed}
    assert stray == set(), sorted(stray)[:20]


def test_the_pseudo_check_can_fail(pseudo: Texts, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sentence written in the code instead of the catalogue is caught."""
    original = family._decision_sentences

    def leaky(*args: Any) -> tuple[str, ...]:
        return (*original(*args), "The team wrote this in the code.")

    monkeypatch.setattr(family, "_decision_sentences", leaky)
    doc = parse_trial_document(demo_json())
    content = family.family_content(doc, summarize_trial(doc.trial), lang="pseudo", clinic=CLINIC)
    leaks = [t for t in _strings(content, frozenset({"lang", "name", "goal", "chart_bars"})) if "⟦" not in t]
    assert leaks == ["The team wrote this in the code."]


def test_source_messages_have_unique_keys_across_kinds() -> None:
    keys = list(source_messages())
    assert len(keys) == len(set(keys)) > 100
