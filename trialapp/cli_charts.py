"""``trialapp chart TRIAL_ID --out FILE.png|FILE.svg``: draw one chart of a trial, without a display.

The chart is computed by the same domain functions as ``trialapp summary`` and drawn offscreen
(``QT_QPA_PLATFORM=offscreen``), so the command works over SSH and in scripts. Qt and pyqtgraph are
imported only when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from trialapp import cli
from trialapp.domain.chart_kinds import CHART_KINDS, TONE_MODES
from trialapp.domain.muscles import REGIONS

_KIND_OPTIONS = {
    "region": ({"tone", "muscles", "dose-response"}, "--region"),
    "day": ({"muscles", "vitals"}, "--day"),
    "measure": ({"rom"}, "--measure"),
}
MIN_WIDTH, MAX_WIDTH = 400, 10000

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def register(add: AddCommand) -> None:
    p = add(
        "chart",
        cmd_chart,
        "draw one chart of a trial into a PNG (print resolution) or SVG file, without a display",
    )
    p.add_argument("trial_id")
    p.add_argument(
        "--kind",
        choices=CHART_KINDS,
        default="tone",
        help="tone: MAS over time per day (default); muscles: each muscle's grade on one day; rom: a "
        "range-of-motion or Tardieu measure; vitals: one day's vital signs with the R9 limits; "
        "dose-response: dose against peak reduction across days",
    )
    p.add_argument(
        "--region", choices=REGIONS, help="limbs for tone, muscles, dose-response (default: the trial's)"
    )
    p.add_argument(
        "--mode", choices=TONE_MODES, default="reduction", help="tone: reduction (default) or absolute score"
    )
    p.add_argument("--day", type=int, metavar="N", help="day for muscles and vitals (default: the latest)")
    p.add_argument(
        "--measure",
        metavar="KEY",
        help="rom: e.g. rom:popliteal_angle or tardieu_r1:knee_flexors (default: the first recorded)",
    )
    p.add_argument("--theme", choices=("light", "dark"), default="light", help="colours (default: light)")
    p.add_argument(
        "--width",
        type=int,
        default=None,
        metavar="PX",
        help="PNG width in pixels (default 2400: 8 in at 300 dpi)",
    )
    p.add_argument(
        "--no-identifiers",
        action="store_true",
        help="leave the patient's name and MRN off the picture (e.g. for teaching)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write: FILE.png or FILE.svg")
    cli.add_out_force(p)


def _check_arguments(args: argparse.Namespace) -> Path:
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".svg"):
        raise cli.CliError(f"--out must end in .png or .svg, not '{out.name}'. Example: --out chart.png")
    cli.check_out_file(out, args)
    for name, (kinds, flag) in _KIND_OPTIONS.items():
        if getattr(args, name) is not None and args.kind not in kinds:
            allowed = ", ".join(sorted(kinds))
            raise cli.CliError(
                f"{flag} applies to --kind {allowed}, not to --kind {args.kind}. Remove {flag}."
            )
    if args.mode != "reduction" and args.kind != "tone":
        raise cli.CliError(f"--mode applies to --kind tone, not to --kind {args.kind}. Remove --mode.")
    if args.width is not None:
        if out.suffix.lower() != ".png":
            raise cli.CliError(
                "--width applies to PNG files only: an SVG scales to any size. Remove --width."
            )
        if not MIN_WIDTH <= args.width <= MAX_WIDTH:
            raise cli.CliError(f"--width must be from {MIN_WIDTH} to {MAX_WIDTH} pixels, not {args.width}.")
    return out


def cmd_chart(args: argparse.Namespace) -> int:
    out = _check_arguments(args)
    from trialapp.domain.chart_series import build_chart, patient_caption
    from trialapp.services.trials import load_document
    from trialapp.services.vital_limits import vital_bands

    app = cli.open_from_args(args)
    try:
        document = load_document(app, cli.cli_actor(args), args.trial_id)
        bands = vital_bands(app)  # the site's R9 limits, as the workspace shades them
    finally:
        app.close()
    try:
        chart = build_chart(
            document,
            args.kind,
            region=args.region,
            mode=args.mode,
            day=args.day,
            measure=args.measure,
            bands=bands,
        )
    except ValueError as exc:
        raise cli.CliError(str(exc)) from exc

    # Before Qt starts: draw without a display, whatever the session has.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from trialapp.ui.charts.export import DEFAULT_PNG_WIDTH, ensure_qt_app, export_chart
    from trialapp.ui.charts.theme import theme_named

    ensure_qt_app()
    footer = None if args.no_identifiers else patient_caption(document)
    try:
        export_chart(
            chart, out, theme_named(args.theme), footer=footer, width_px=args.width or DEFAULT_PNG_WIDTH
        )
    except OSError as exc:
        raise cli.CliError(f"The chart was not written: {exc}") from exc
    print(f"Wrote {out}", file=sys.stderr)
    print(chart.headline)
    return cli.EXIT_OK
