"""The data behind every chart of a trial, as plain values (no Qt, no drawing).

Each builder returns a frozen dataclass of tuples of floats (``None`` = nothing measured there) and
strings, so the on-screen charts (pyqtgraph) and the printed ones (reportlab) draw exactly the same
numbers. Every number comes from the rule functions the summary uses — R3 :func:`paired_change`, R4
:func:`day_response`, R9 :func:`vital_alerts` and the MAS coding of R1 — so a chart never disagrees with
the summary.

Chart kinds:

- ``tone``: mean MAS of a region over the hours after each day's dose (reduction or absolute score),
  baseline at 0 h, the response threshold and each day's peak;
- ``muscles``: each muscle-side's grade at the baseline and every reassessment of one day;
- ``rom``: one range-of-motion or Tardieu measure over the hours after each day's dose;
- ``vitals``: heart rate, breathing rate, SpO2, blood pressure and sedation of one day, with the R9
  limits for the child's age and the alerts they raised;
- ``dose-response``: each day's dose against its peak reduction, the threshold, and how long the effect
  lasted.

Every chart says what is missing (``missing``) in words, so an empty or partial chart is never silent.

Each kind lives in its own module (``chart_tone``, ``chart_muscles``, ``chart_rom``, ``chart_vitals``,
``chart_dose_response``; what they share in ``chart_common``); this module names them all and holds
:func:`build_chart`, so callers import from here.
"""

from __future__ import annotations

from trialapp.domain.chart_common import CHART_TITLES as CHART_TITLES
from trialapp.domain.chart_common import MUSCLE_SHORT_LABELS as MUSCLE_SHORT_LABELS
from trialapp.domain.chart_common import NO_DAYS as NO_DAYS
from trialapp.domain.chart_common import SIDE_SHORT as SIDE_SHORT
from trialapp.domain.chart_common import ChartKind as ChartKind
from trialapp.domain.chart_common import ToneMode as ToneMode
from trialapp.domain.chart_common import available_days as available_days
from trialapp.domain.chart_common import day_label as day_label
from trialapp.domain.chart_common import duration_text as duration_text
from trialapp.domain.chart_common import patient_caption as patient_caption
from trialapp.domain.chart_dose_response import DosePoint as DosePoint
from trialapp.domain.chart_dose_response import DoseResponseChart as DoseResponseChart
from trialapp.domain.chart_dose_response import dose_response_chart as dose_response_chart
from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.chart_muscles import MuscleCell as MuscleCell
from trialapp.domain.chart_muscles import MuscleGrid as MuscleGrid
from trialapp.domain.chart_muscles import MuscleRow as MuscleRow
from trialapp.domain.chart_muscles import muscle_grid as muscle_grid
from trialapp.domain.chart_rom import MeasureOption as MeasureOption
from trialapp.domain.chart_rom import MeasureSeries as MeasureSeries
from trialapp.domain.chart_rom import RomChart as RomChart
from trialapp.domain.chart_rom import measure_options as measure_options
from trialapp.domain.chart_rom import rom_chart as rom_chart
from trialapp.domain.chart_tone import ToneChart as ToneChart
from trialapp.domain.chart_tone import ToneDaySeries as ToneDaySeries
from trialapp.domain.chart_tone import tone_chart as tone_chart
from trialapp.domain.chart_vitals import EventMark as EventMark
from trialapp.domain.chart_vitals import VitalAlertMark as VitalAlertMark
from trialapp.domain.chart_vitals import VitalPanel as VitalPanel
from trialapp.domain.chart_vitals import VitalsChart as VitalsChart
from trialapp.domain.chart_vitals import VitalSeries as VitalSeries
from trialapp.domain.chart_vitals import vitals_chart as vitals_chart
from trialapp.domain.records import TrialDocument
from trialapp.domain.vitals import VitalBands

# ---------------------------------------------------------------------------------------------------
# One entry point for every kind

AnyChart = ToneChart | MuscleGrid | RomChart | VitalsChart | DoseResponseChart


def build_chart(
    document: TrialDocument,
    kind: str,
    *,
    region: str | None = None,
    mode: str = "reduction",
    day: int | None = None,
    measure: str | None = None,
    bands: VitalBands | None = None,
) -> AnyChart:
    """The data of chart ``kind`` (one of :data:`CHART_KINDS`) for ``document``.

    ``region`` applies to ``tone``, ``muscles`` and ``dose-response``; ``mode`` to ``tone``; ``day`` to
    ``muscles`` and ``vitals`` (default: the latest day); ``measure`` to ``rom``; ``bands`` to ``vitals``.
    Unknown kinds, regions, modes, days or measures raise :class:`ValueError` saying what is allowed.
    """
    if kind == "tone":
        return tone_chart(document, region, mode)
    if kind == "muscles":
        return muscle_grid(document, day, region)
    if kind == "rom":
        return rom_chart(document, measure)
    if kind == "vitals":
        return vitals_chart(document, day, bands)
    if kind == "dose-response":
        return dose_response_chart(document, region)
    raise ValueError(f'Unknown chart "{kind}". Use one of: {", ".join(CHART_KINDS)}.')
