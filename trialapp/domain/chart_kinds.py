"""The names of the charts and tone modes, on their own so that the command line's parser can offer them
without importing the chart computations (``trialapp gui`` builds the same parser at start-up)."""

from __future__ import annotations

from typing import Final

CHART_KINDS: Final[tuple[str, ...]] = ("tone", "muscles", "rom", "vitals", "dose-response")
TONE_MODES: Final[tuple[str, ...]] = ("reduction", "absolute")
