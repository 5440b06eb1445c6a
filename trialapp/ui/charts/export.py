"""Render a chart to a PNG (print resolution) or SVG file, without showing anything on screen.

Works under ``QT_QPA_PLATFORM=offscreen`` (the CLI sets it before the QApplication exists). The chart
is laid out at a fixed logical size per kind (``plots.EXPORT_SIZES``) and drawn at ``width_px`` pixels
for PNG, so text, lines and markers scale together; the PNG records its resolution (300 dpi by
default) so that a printout comes out at the intended size. Files are written beside the target and
renamed into place, so a failed export never leaves half a file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QPoint, QRect, QSize, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication

from trialapp.domain.chart_series import AnyChart
from trialapp.ui.charts.plots import EXPORT_SIZES, ChartView, chart_kind, make_view
from trialapp.ui.charts.theme import ChartTheme
from trialapp.ui.fonts import register_bundled_fonts

PRINT_DPI = 300
DEFAULT_PNG_WIDTH = 2400  # 8 inches at 300 dpi: a landscape page less its margins
EXPORT_SUFFIXES = (".png", ".svg")


def ensure_qt_app() -> QApplication:
    """The running QApplication, or a new one (offscreen when no display platform was chosen)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication(sys.argv[:1])
    register_bundled_fonts()  # the caption's name in any script, as in the window
    return app


def _laid_out(view: ChartView, size: tuple[int, int]) -> None:
    """Give the view its export size and let Qt lay it out, without it appearing on any screen."""
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    view.resize(*size)
    previous = qInstallMessageHandler(_quiet_offscreen)
    try:
        view.show()
        QApplication.processEvents()
    finally:
        qInstallMessageHandler(previous)


def _quiet_offscreen(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # The offscreen platform warns that it cannot size a window it never shows; that is expected here.
    if "propagateSizeHints" in message:
        return
    print(message, file=sys.stderr)


@contextmanager
def _vector_items(view: ChartView) -> Iterator[None]:
    """Ask pyqtgraph items to paint as for an export: markers as shapes, not a cached screen bitmap,
    so they stay sharp at print resolution and are vectors in an SVG."""
    items = [i for i in view.graphics.scene().items() if hasattr(i, "setExportMode")]
    opts = {"antialias": True, "background": QColor(view.theme.background), "resolutionScale": 1.0}
    for item in items:
        item.setExportMode(True, opts)
    try:
        yield
    finally:
        for item in items:
            item.setExportMode(False, opts)


def render_png(view: ChartView, path: Path, *, dpi: int = PRINT_DPI) -> Path:
    """Draw ``view`` pixel for pixel into a PNG at ``path`` that says it is ``dpi`` dots per inch."""
    size = view.size()
    image = QImage(size.width(), size.height(), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(view.theme.background))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    with _vector_items(view):
        view.render(painter, QPoint(0, 0))
    painter.end()
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return _atomic_write(path, lambda tmp: image.save(str(tmp), "PNG"))


def render_svg(view: ChartView, path: Path, *, title: str = "") -> Path:
    """Draw ``view`` as vector graphics into an SVG at ``path``."""
    size = view.size()

    def write(tmp: Path) -> bool:
        generator = QSvgGenerator()
        generator.setFileName(str(tmp))
        generator.setSize(QSize(size.width(), size.height()))
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setResolution(96)
        generator.setTitle(title)
        generator.setDescription("Trial chart exported by trialapp")
        painter = QPainter(generator)
        painter.fillRect(QRect(0, 0, size.width(), size.height()), QColor(view.theme.background))
        with _vector_items(view):
            view.render(painter, QPoint(0, 0))
        return painter.end()

    return _atomic_write(path, write)


def _atomic_write(path: Path, write: Callable[[Path], bool]) -> Path:
    tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        ok = write(tmp)
        if not ok or not tmp.exists():
            raise OSError(f"Qt could not write '{path}'. Check that the folder is writable.")
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def export_chart(
    chart: AnyChart,
    path: Path,
    theme: ChartTheme,
    *,
    footer: str | None = None,
    width_px: int = DEFAULT_PNG_WIDTH,
    size: tuple[int, int] | None = None,
) -> Path:
    """Draw ``chart`` offscreen and write it to ``path`` (``.png`` or ``.svg``, by its suffix)."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ValueError(f"Charts are exported as .png or .svg, not '{path.suffix or path.name}'.")
    ensure_qt_app()
    width, height = size or EXPORT_SIZES[chart_kind(chart)]
    # A PNG is laid out at its full pixel size with every font, line and marker scaled to match, so
    # print resolution means sharper, not smaller; an SVG keeps the logical size (it scales itself).
    scale = width_px / width if suffix == ".png" else 1.0
    view = make_view(chart, theme.scaled(scale) if scale != 1.0 else theme, footer=footer)
    try:
        _laid_out(view, (round(width * scale), round(height * scale)))
        if suffix == ".png":
            return render_png(view, path)
        return render_svg(view, path, title=view.title_label.text())
    finally:
        view.close()
        view.deleteLater()
