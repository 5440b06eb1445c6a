"""``trialapp chart``: real PNG and SVG files, drawn offscreen by a separate process; bad options are refused
with a message and write nothing."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from trialapp.cli import main
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.context import open_app, os_actor
from trialapp.services.demo import demo_text
from trialapp.services.trials import import_document

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def trial_id(db_path: Path) -> str:
    """The responder demo trial in a fresh database (closed again, so a CLI process can open it)."""
    app = open_app(db_path)
    try:
        return import_document(app, os_actor(), load_trial_document(demo_text("demo_responder.json")))
    finally:
        app.close()


def run_process(db_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it: a new process, with no Qt platform chosen (no display either)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "-m", "trialapp", "--db", str(db_path), "chart", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def png_header(path: Path) -> tuple[int, int, int | None]:
    """(width, height, dots per inch from pHYs) read from the file's own chunks."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, "not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    dpi = None
    at = data.find(b"pHYs")
    if at > 0:
        per_metre_x, _, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
        dpi = round(per_metre_x * 0.0254) if unit == 1 else None
    assert data.endswith(b"IEND\xaeB`\x82"), "PNG is truncated"
    return width, height, dpi


def test_png_export_offscreen_is_a_print_resolution_png(db_path: Path, trial_id: str, tmp_path: Path) -> None:
    out = tmp_path / "tone.png"
    result = run_process(db_path, trial_id, "--out", str(out))
    assert result.returncode == 0, result.stderr
    width, height, dpi = png_header(out)
    assert (width, dpi) == (2400, 300)
    assert height > 1000  # a chart, laid out in proportion, not an empty strip
    assert out.stat().st_size > 50_000
    # The headline says which dose worked, when it peaked and how long it lasted.
    assert "Day 2 · 75 mcg worked: peak reduction 1.25 at 4 h, effect lasted to 6 h." in result.stdout
    assert f"Wrote {out}" in result.stderr
    assert not list(tmp_path.glob("*.partial*")), "no half-written file is left behind"


def test_svg_export_offscreen_is_valid_svg_with_the_chart_text(
    db_path: Path, trial_id: str, tmp_path: Path
) -> None:
    out = tmp_path / "dose.svg"
    result = run_process(db_path, trial_id, "--kind", "dose-response", "--theme", "dark", "--out", str(out))
    assert result.returncode == 0, result.stderr
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [e.text for e in root.iter() if e.tag.endswith("text") and e.text]
    assert "Dose response across days" in texts
    assert "75 mcg" in texts and "100 mcg" in texts
    assert any("DEMO-0001" in t for t in texts), "a printed chart names its patient"
    assert not any(e.tag.endswith("image") for e in root.iter()), "markers are drawn as shapes, not bitmaps"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "chart.jpg"], "--out must end in .png or .svg"),
        (["--kind", "tone", "--day", "2", "--out", "chart.png"], "--day applies to --kind muscles, vitals"),
        (["--kind", "vitals", "--day", "9", "--out", "chart.png"], "This trial has no day 9"),
        (["--kind", "rom", "--measure", "rom:elbow_extension", "--out", "chart.png"], "Recorded measures:"),
        (["--kind", "vitals", "--mode", "absolute", "--out", "chart.png"], "--mode applies to --kind tone"),
        (["--width", "50", "--out", "chart.png"], "--width must be from 400 to 10000"),
        (["--width", "900", "--out", "chart.svg"], "--width applies to PNG files only"),
        (["--out", "missing-folder/chart.png"], "does not exist"),
    ],
)
def test_bad_options_exit_2_say_why_and_write_nothing(
    capsys, db_path: Path, trial_id: str, tmp_path: Path, monkeypatch, argv, message
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.chdir(out_dir)
    code = main(["--db", str(db_path), "chart", trial_id, *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert list(out_dir.iterdir()) == []


def test_unknown_trial_exits_2(capsys, db_path: Path, trial_id: str, tmp_path: Path) -> None:
    code = main(["--db", str(db_path), "chart", "NOSUCH00", "--out", str(tmp_path / "x.png")])
    assert code == 2 and "NOSUCH00" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
