"""Site protocol settings take only values the interchange format accepts, so an exported trial re-imports."""

from __future__ import annotations

import dataclasses

import pytest

from trialapp.domain.protocol import DEFAULT_SETTINGS
from trialapp.domain.vocabulary import LATE_AFTER_MINUTES
from trialapp.services.app_settings import protocol_problems


@pytest.mark.parametrize("minutes", [0, 4, 241])
def test_a_late_window_the_format_refuses_is_refused_in_settings(minutes: int) -> None:
    problems = protocol_problems(dataclasses.replace(DEFAULT_SETTINGS, late_after_minutes=minutes))
    assert problems["late_after_minutes"] == "The late window is a whole number of minutes from 5 to 240."


@pytest.mark.parametrize("minutes", [LATE_AFTER_MINUTES.lo, 30, LATE_AFTER_MINUTES.hi])
def test_the_formats_late_windows_are_taken(minutes: int) -> None:
    settings = dataclasses.replace(DEFAULT_SETTINGS, late_after_minutes=minutes)
    assert "late_after_minutes" not in protocol_problems(settings)
