"""``dumps_indented`` writes exactly what ``json.dumps(..., ensure_ascii=False, indent=2, allow_nan=False)`` writes
(the dataset export's files are pinned byte for byte)."""

from __future__ import annotations

import json
from enum import IntEnum, StrEnum
from typing import Any

import pytest

from trialapp.domain.records import TrialDocument
from trialapp.interchange.deidentify import Pseudonyms, deidentified_json, scrub
from trialapp.interchange.json_text import dumps_indented
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.demo import demo_files, demo_text


class Grade(IntEnum):
    TWO = 2


class Kind(StrEnum):
    DOSE = "dose"


TRICKY: list[Any] = [
    {},
    [],
    "",
    0,
    -17,
    10**30,
    1.0,
    -0.0,
    1e-07,
    3.141592653589793,
    1e300,
    True,
    False,
    None,
    {"a": {}, "b": [], "c": [[], [{}], {"d": [1, 2.5, None]}]},
    ("tuple", ("nested",)),
    {"ünïcødé": "Chloé — 50 mcg\u2028", "ctl": '\x00\x1f"\\/\t\n\r', "emoji": "\U0001f600"},
    {"enum": Grade.TWO, "kind": Kind.DOSE, Kind.DOSE: [Grade.TWO, True, False]},
    {
        1: "int key",
        2.5: "float key",
        None: "null key",
        False: "bool key",
    },  # json.dumps' own way: the fallback
]


@pytest.mark.parametrize("value", TRICKY, ids=range(len(TRICKY)))
def test_the_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)


@pytest.mark.parametrize("name", demo_files())
def test_the_same_text_for_every_demo_trial_de_identified(name: str) -> None:
    doc: TrialDocument = load_trial_document(demo_text(name))
    deid = scrub(doc, study_id="S7KQ2M9XA", record_id="S7KQ2M9XA-1", pseudonyms=Pseudonyms())
    value = deidentified_json(deid)
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), [1, {"x": float("-inf")}]])
def test_nan_and_infinities_are_refused_as_json_dumps_refuses_them(bad: Any) -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        dumps_indented(bad)


def test_other_types_are_refused_as_json_dumps_refuses_them() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_indented({"when": object()})
