"""Any name in any script on screen (issue 20 item 1, the window's side): the fonts in resources/fonts are
registered with Qt and set as fallbacks of the app's and the charts' fonts, so a patient named in Chinese,
Arabic, Hebrew, Korean or accented Latin shows real glyphs (not the missing-glyph box) in the workspace
header and on a chart's caption, and an Arabic name is laid out right to left.

The PNGs are written to /work/notes/r3/shots/charts-*.png when that folder exists, to be looked at.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QFontMetrics, QImage, QTextLayout
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.test_charts import MISSING_CASES, _document
from trialapp.domain.chart_series import build_chart, patient_caption
from trialapp.ui.fonts import register_bundled_fonts
from trialapp.ui.workspace.header import TrialHeader
from trialapp.ui.workspace.state import header_info

SHOTS = Path("/work/notes/r3/shots")
# Two different names per script (given, family): the same script, so a box for every glyph would draw
# both alike.
NAMES = {
    "chinese": (("小龙", "李"), ("明", "王")),
    "arabic": (("محمد", "العلي"), ("فاطمة", "حسن")),
    "hebrew": (("נועה", "כהן"), ("יוסף", "לוי")),
    "korean": (("지민", "김"), ("서연", "박")),
    "latin": (("Thị Ánh", "Nguyễn"), ("José", "Muñoz")),
}
WRITING_SYSTEMS = {
    "chinese": QFontDatabase.WritingSystem.SimplifiedChinese,
    "arabic": QFontDatabase.WritingSystem.Arabic,
    "hebrew": QFontDatabase.WritingSystem.Hebrew,
    "korean": QFontDatabase.WritingSystem.Korean,
}
NOW = datetime(2026, 11, 2, 12, 0)


@pytest.fixture(autouse=True)
def _fonts(qapp) -> None:
    register_bundled_fonts()


def _doc(given: str, family: str):
    doc = _document(MISSING_CASES["single day"][0])
    return replace(doc, patient=replace(doc.patient, given_name=given, family_name=family))


def _save(image: QImage, name: str) -> None:
    if SHOTS.is_dir():
        image.save(str(SHOTS / f"charts-{name}.png"))


def test_the_bundled_fonts_are_the_fallbacks_of_the_app_and_chart_fonts() -> None:
    families = register_bundled_fonts()
    assert families == ("Noto Sans Arabic", "Noto Sans Hebrew", "Droid Sans Fallback", "NanumGothic")
    shown = QFontInfo(QApplication.font()).family()  # the family the app's font resolves to
    for font_family in (shown, "DejaVu Sans"):
        substitutes = [s.lower() for s in QFont.substitutes(font_family)]
        assert substitutes[: len(families)] == [f.lower() for f in families], font_family
    for script, system in WRITING_SYSTEMS.items():
        assert any(system in QFontDatabase.writingSystems(f) for f in families), script


def _header_name(qtbot, given: str, family: str) -> tuple[TrialHeader, QImage]:
    header = TrialHeader()
    qtbot.addWidget(header)
    header.set_info(header_info(_doc(given, family), NOW), NOW)
    header.resize(900, 160)
    header.show()
    qtbot.waitExposed(header)
    return header, header.name_label.grab().toImage()


def _label_image(qtbot, text: str, font: QFont) -> QImage:
    label = QLabel(text)
    qtbot.addWidget(label)
    label.setFont(font)
    label.resize(600, 60)
    return label.grab().toImage()


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_any_script_shows_real_glyphs_in_the_workspace_header(qtbot, script: str) -> None:
    (given, family), (other_given, other_family) = NAMES[script]
    header, image = _header_name(qtbot, given, family)
    assert header.name_label.text() == f"{given} {family}"
    _save(header.grab().toImage(), f"header-{script}")
    _kept, other = _header_name(qtbot, other_given, other_family)
    assert image != other, "two different names drew alike: boxes instead of glyphs"
    # The missing-glyph box: characters no font has (private use), as many as the name has.
    name = f"{given} {family}"
    boxes = "".join(" " if c == " " else chr(0xE000 + i) for i, c in enumerate(name))
    assert image != _label_image(qtbot, boxes, header.name_label.font())
    metrics = QFontMetrics(header.name_label.font())
    assert all(metrics.inFontUcs4(ord(c)) for c in name if c != " ")


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_any_script_shows_on_an_exported_charts_caption(qtbot, script: str) -> None:
    from trialapp.ui.charts.plots import make_view
    from trialapp.ui.charts.theme import theme_named

    images = []
    for given, family in NAMES[script]:
        doc = _doc(given, family)
        view = make_view(build_chart(doc, "tone"), theme_named("light"), footer=patient_caption(doc))
        qtbot.addWidget(view)
        view.resize(900, 600)
        view.show()
        qtbot.waitExposed(view)
        assert f"{given} {family}" in view.footer_label.text()
        assert view.footer_label.text().startswith("\u200e")  # an English line, whatever the name's script
        images.append(view.footer_label.grab().toImage())
        if len(images) == 1:
            _save(view.grab().toImage(), f"chart-{script}")
    assert images[0] != images[1]


def test_an_arabic_name_is_laid_out_right_to_left(qtbot) -> None:
    (given, family), _other = NAMES["arabic"]
    header, _image = _header_name(qtbot, given, family)
    name = header.name_label.text()
    layout = QTextLayout(name, header.name_label.font())
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(1000)
    layout.endLayout()

    def x(position: int) -> float:
        found = line.cursorToX(position)
        return float(found[0] if isinstance(found, tuple) else found)

    # The first letter is the rightmost, the last the leftmost (the reading order of Arabic).
    assert x(0) > x(len(given)) > x(len(name))


@pytest.mark.parametrize("script", ["chinese", "arabic", "korean"])
def test_a_name_in_any_script_shows_real_glyphs_in_the_home_list(app, qtbot, script: str) -> None:
    from datetime import timedelta

    from PySide6.QtCore import Qt

    from tests.ui.shell_helpers import dosed_trial, make_team
    from trialapp.ui.views.home import HomeView

    team = make_team(app)
    for n, (given, family) in enumerate(NAMES[script]):
        dosed_trial(app, f"SCR-{n}", dose_at=NOW - timedelta(days=2 + n), given=given, family=family)
    view = HomeView(app, team.pt)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    qtbot.waitExposed(view)
    model, table = view.model, view.table
    cells = {}
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text = str(model.data(index, Qt.ItemDataRole.DisplayRole) or "")
            for given, family in NAMES[script]:
                if given in text and family in text:
                    cells[given] = table.viewport().grab(table.visualRect(index)).toImage()
    assert len(cells) == 2, "each name is listed"
    first, second = cells.values()
    assert first != second, "two different names drew alike: boxes instead of glyphs"
    _save(view.grab().toImage(), f"home-{script}")


@pytest.mark.parametrize("script", ["chinese", "arabic"])
def test_the_print_preview_draws_the_name_in_its_script(app, qtbot, script: str) -> None:
    import io
    from datetime import timedelta

    from pypdf import PdfReader

    from tests.ui.shell_helpers import dosed_trial, make_team
    from trialapp.ui.views.print_dialog import PrintSummaryDialog

    (given, family), _other = NAMES[script]
    team = make_team(app)
    trial_id = dosed_trial(app, "SCR-P", dose_at=NOW - timedelta(days=2), given=given, family=family)
    dialog = PrintSummaryDialog(app, team.nurse, trial_id)
    qtbot.addWidget(dialog)
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: not dialog.busy)  # made off the GUI thread
    assert dialog.pages, "the preview shows pages"
    reader = PdfReader(io.BytesIO(dialog.pdf))
    # The pages shown are drawn from this PDF: the name is there as text, in a font that has its glyphs.
    # (Arabic is stored shaped, in presentation forms: NFKC gives the letters back.)
    text = unicodedata.normalize("NFKC", " ".join((reader.pages[0].extract_text() or "").split()))
    assert given in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages[:1]
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    wanted = "DroidSansFallback" if script == "chinese" else "NotoSansArabic"
    assert any(wanted in name for name in fonts), fonts
    _save(dialog.pages[0], f"preview-{script}")


def test_the_fonts_are_read_off_the_gui_thread_and_set_on_it() -> None:
    # The window has the worker that opens the database read the fonts (no stall, no slower first paint);
    # the substitutes are then set on the GUI thread. A fresh process, so nothing is registered before.
    import subprocess
    import sys

    script = (
        "import threading\n"
        "from PySide6.QtGui import QFont\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from trialapp.ui import fonts\n"
        "app = QApplication([])\n"
        "worker = threading.Thread(target=fonts.add_bundled_fonts)\n"
        "worker.start(); worker.join()\n"
        "print(','.join(fonts.register_bundled_fonts()))\n"
        "print(','.join(QFont.substitutes('DejaVu Sans')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    registered, substitutes = done.stdout.strip().splitlines()
    assert registered == "Noto Sans Arabic,Noto Sans Hebrew,Droid Sans Fallback,NanumGothic"
    assert substitutes.startswith(registered.lower())  # Qt keeps substitutes in lower case
