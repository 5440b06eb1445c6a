"""The chart panel of the trial workspace: pick a chart, look at it, export it.

Usage from the workspace (no signals to wire)::

    from trialapp.ui.charts.panel import ChartPanel   # import lazily: it loads pyqtgraph
    panel = ChartPanel(theme="light")
    panel.set_trial(document)          # when the trial opens
    panel.set_trial(updated_document)  # after an assessment, dose or event is saved
    panel.set_identification("")       # optional: no name/MRN under exported charts (default: shown)

``set_trial`` keeps the chosen chart, region, mode and day when they still apply, so the view stays put
while the numbers update. ``refresh`` redraws from the current document (e.g. after a theme change).
``reset(document)`` shows another trial with the first chart and the default options (a panel reused
for another trial).

The panel keeps one drawing of each kind it has shown and draws the next chart of that kind in it
(``plots.redraw``): building the plots and axes is most of the cost of a chart.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.chart_series import (
    CHART_KINDS,
    CHART_TITLES,
    AnyChart,
    available_days,
    build_chart,
    day_label,
    measure_options,
    patient_caption,
)
from trialapp.domain.muscles import REGION_LABELS, REGIONS
from trialapp.domain.records import TrialDocument
from trialapp.domain.response import day_dose
from trialapp.domain.vitals import VitalBands
from trialapp.ui.charts.export import DEFAULT_PNG_WIDTH, export_chart
from trialapp.ui.charts.plot_pool import PlotPool
from trialapp.ui.charts.plots import MIN_SIZES, ChartView, make_view, redraw
from trialapp.ui.charts.theme import ChartTheme, theme_named

_USES_REGION = {"tone", "muscles", "dose-response"}
_USES_DAY = {"muscles", "vitals"}


class ChartPanel(QWidget):
    """Chart selector, options, the chart itself and PNG/SVG export buttons."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        theme: str | ChartTheme = "light",
        bands: VitalBands | None = None,
    ) -> None:
        super().__init__(parent)
        self._theme = theme_named(theme) if isinstance(theme, str) else theme
        self._bands = bands
        self._document: TrialDocument | None = None
        self._identification: str | None = None
        self.chart: AnyChart | None = None
        self.view: ChartView | None = None
        self._content: QWidget | None = None
        self._views: dict[str, ChartView] = {}  # one drawing per kind, drawn again for the next chart
        # Plots for the drawings to come, made in idle turns (plot_pool.py: a drawing that takes one asks for
        # another; the workspace asks for them before its first chart).
        self._plots = PlotPool(self)

        self.kind_box = QComboBox()
        self.kind_box.setAccessibleName("Chart")
        for kind in CHART_KINDS:
            self.kind_box.addItem(CHART_TITLES[kind], kind)
        self.region_box = QComboBox()
        self.region_box.setAccessibleName("Region")
        self.region_box.addItem("Trial's region", None)
        for region in REGIONS:
            self.region_box.addItem(REGION_LABELS[region].capitalize(), region)
        self.reduction_button = QRadioButton("Reduction")
        self.reduction_button.setToolTip(
            "Baseline mean minus the mean at each reassessment (the summary's number)"
        )
        self.absolute_button = QRadioButton("Score")
        self.absolute_button.setToolTip("The mean MAS itself")
        self.reduction_button.setChecked(True)
        self._mode_group = QButtonGroup(self)
        self._mode_group.addButton(self.reduction_button)
        self._mode_group.addButton(self.absolute_button)
        self.day_box = QComboBox()
        self.day_box.setAccessibleName("Day")
        self.measure_box = QComboBox()
        self.measure_box.setAccessibleName("Measure")
        self.png_button = QPushButton("Export PNG…")
        self.png_button.setToolTip(f"Picture for printing ({DEFAULT_PNG_WIDTH} pixels wide, 300 dpi)")
        self.svg_button = QPushButton("Export SVG…")
        self.svg_button.setToolTip("Scalable drawing, for reports and slides")

        self._region_label = QLabel("Region")
        self._day_label = QLabel("Day")
        self._measure_label = QLabel("Measure")
        # Two rows (the chart and its export buttons; then the chart's options), so that the panel is no
        # wider than a chart at its smallest legible size and fits beside the timeline on a laptop.
        top = QHBoxLayout()
        top.addWidget(self.kind_box)
        top.addStretch(1)
        top.addWidget(self.png_button)
        top.addWidget(self.svg_button)
        options = QHBoxLayout()
        for widget in (
            self._region_label,
            self.region_box,
            self.reduction_button,
            self.absolute_button,
            self._day_label,
            self.day_box,
            self._measure_label,
            self.measure_box,
        ):
            options.addWidget(widget)
        options.addStretch(1)
        self._region_label.setBuddy(self.region_box)
        self._day_label.setBuddy(self.day_box)
        self._measure_label.setBuddy(self.measure_box)

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(top)
        self._layout.addLayout(options)

        self.kind_box.currentIndexChanged.connect(self.refresh)
        self.region_box.currentIndexChanged.connect(self.refresh)
        self.reduction_button.toggled.connect(self.refresh)
        self.day_box.currentIndexChanged.connect(self.refresh)
        self.measure_box.currentIndexChanged.connect(self.refresh)
        # Bound methods, not lambdas: a lambda holding the panel from a child's connection makes PySide
        # delete the panel from inside that child's destructor when the application shuts down.
        self.png_button.clicked.connect(self._export_png_clicked)
        self.svg_button.clicked.connect(self._export_svg_clicked)
        self.refresh()

    # Public API ------------------------------------------------------------------------------------

    def set_trial(self, document: TrialDocument | None) -> None:
        """Show ``document``'s charts (``None`` clears the panel); the chosen options are kept."""
        self._document = document
        self._fill_days()
        self._fill_measures()
        self.refresh()

    def prepare_plots(self) -> None:
        """Make the plots of the charts to come in the coming idle turns (before the first one is drawn)."""
        self._plots.fill()

    def set_identification(self, text: str | None) -> None:
        """The line printed under exported charts (never shown in the panel). ``None`` (the default)
        prints the patient's name, MRN and birth date; ``""`` prints nothing."""
        self._identification = text

    def set_theme(self, theme: str | ChartTheme) -> None:
        new = theme_named(theme) if isinstance(theme, str) else theme
        if new != self._theme:
            self._theme = new
            self._drop_views()
        self.refresh()

    @property
    def theme(self) -> ChartTheme:
        return self._theme

    def changeEvent(self, event: QEvent) -> None:
        # The app's theme switched (View → Dark theme) while the panel was open: follow it, like every chart.
        # The views are rebuilt after the event, never inside it: Qt is still walking the widgets then.
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, self._follow_app_theme)

    def _follow_app_theme(self) -> None:
        from trialapp.ui.theme import current_theme

        if shiboken6.isValid(self) and theme_named(current_theme()) != self._theme:
            self.set_theme(current_theme())

    def set_vital_bands(self, bands: VitalBands | None) -> None:
        """The R9 limits the vitals chart shades (None: the published ones); used from the next drawing."""
        self._bands = bands

    def reset(self, document: TrialDocument | None) -> None:
        """Show ``document`` with the first chart and the default options, as a new panel would (a panel
        reused for another trial); the identification goes back to the default too."""
        boxes = (self.kind_box, self.region_box, self.day_box, self.measure_box, self.reduction_button)
        for box in boxes:
            box.blockSignals(True)
        try:
            self.kind_box.setCurrentIndex(0)
            self.region_box.setCurrentIndex(0)
            self.reduction_button.setChecked(True)
            self.day_box.clear()
            self.measure_box.clear()
        finally:
            for box in boxes:
                box.blockSignals(False)
        self._identification = None
        self.set_trial(document)

    def needed_width(self) -> int:
        """The width that shows every chart kind at its smallest legible size, with its scroll bar, and
        the controls: below it a chart scrolls sideways."""
        widest = max(width for width, _ in MIN_SIZES.values()) * self._theme.scale
        scroll_bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return max(self.minimumSizeHint().width(), round(widest) + scroll_bar)

    def set_kind(self, kind: str) -> None:
        index = self.kind_box.findData(kind)
        if index < 0:
            raise ValueError(f'Unknown chart "{kind}". Use one of: {", ".join(CHART_KINDS)}.')
        self.kind_box.setCurrentIndex(index)

    @property
    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def refresh(self) -> None:
        """Recompute the chart from the current document and options, and redraw it."""
        kind = self.kind
        self._show_controls(kind)
        self.chart = None
        self.view = None
        if self._document is None:
            placeholder = QLabel("Open a trial to see its charts.")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._set_content(placeholder)
            return
        self.chart = build_chart(
            self._document,
            kind,
            region=self.region_box.currentData(),
            mode="reduction" if self.reduction_button.isChecked() else "absolute",
            day=self.day_box.currentData(),
            measure=self.measure_box.currentData(),
            bands=self._bands,
        )
        view = self._views.get(kind)
        if view is None:
            view = self._views[kind] = make_view(self.chart, self._theme, parent=self, pool=self._plots)
        else:
            redraw(view, self.chart)
        self.view = view
        self._set_content(view)

    def export(self, path: str | Path, *, width_px: int = DEFAULT_PNG_WIDTH) -> Path:
        """Write the chart shown to ``path`` (``.png`` at print resolution or ``.svg``)."""
        if self.chart is None:
            raise ValueError("There is no chart to export: open a trial first.")
        footer = self._identification
        if footer is None and self._document is not None:
            footer = patient_caption(self._document)
        return export_chart(self.chart, Path(path), self._theme, footer=footer or None, width_px=width_px)

    # Internals -------------------------------------------------------------------------------------

    def _set_content(self, widget: QWidget) -> None:
        """Put ``widget`` (a chart or a placeholder) under the controls, replacing what was there."""
        has_chart = isinstance(widget, ChartView)
        self.png_button.setEnabled(has_chart)
        self.svg_button.setEnabled(has_chart)
        scroller = self._content
        if isinstance(scroller, QScrollArea):
            if scroller.widget() is widget:
                return
            old = scroller.takeWidget()
            if isinstance(old, ChartView) and old in self._views.values():
                old.hide()
                old.setParent(self)  # kept for the next chart of its kind
            elif old is not None:
                self._delete(old)
        else:
            # A chart keeps a legible minimum size; in a small panel it scrolls instead of squeezing.
            scroller = QScrollArea()
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QFrame.Shape.NoFrame)
            self._content = scroller
            self._layout.addWidget(scroller, 1)
        scroller.setWidget(widget)
        widget.show()

    def _drop_views(self) -> None:
        """Delete the kept drawings (e.g. for another theme); the one shown goes with the next content."""
        shown = self._content.widget() if isinstance(self._content, QScrollArea) else None
        views, self._views = list(self._views.values()), {}
        for view in views:
            if view is not shown:
                self._delete(view)

    @staticmethod
    def _delete(widget: QWidget) -> None:
        # Deleted now, not later: a chart left pending deletion inside a panel that is itself destroyed
        # first makes Qt warn of a malformed program. Only the panel's own controls call this, never the
        # old chart, so nothing of it is still running.
        widget.hide()
        widget.setParent(None)
        shiboken6.delete(widget)

    def _show_controls(self, kind: str) -> None:
        for widget in (self._region_label, self.region_box):
            widget.setVisible(kind in _USES_REGION)
        for widget in (self.reduction_button, self.absolute_button):
            widget.setVisible(kind == "tone")
        for widget in (self._day_label, self.day_box):
            widget.setVisible(kind in _USES_DAY)
        for widget in (self._measure_label, self.measure_box):
            widget.setVisible(kind == "rom" and self.measure_box.count() > 0)

    def _fill_days(self) -> None:
        chosen = self.day_box.currentData()
        self.day_box.blockSignals(True)
        self.day_box.clear()
        if self._document is not None:
            by_number = {d.day: d for d in self._document.trial.days}
            for number in available_days(self._document):
                dose = day_dose(by_number[number])
                self.day_box.addItem(day_label(number, dose.dose_mcg if dose else None), number)
            # Keep the chosen day; otherwise show the latest (the one being worked on).
            index = self.day_box.findData(chosen) if chosen is not None else -1
            self.day_box.setCurrentIndex(index if index >= 0 else self.day_box.count() - 1)
        self.day_box.blockSignals(False)

    def _fill_measures(self) -> None:
        chosen = self.measure_box.currentData()
        self.measure_box.blockSignals(True)
        self.measure_box.clear()
        if self._document is not None:
            for option in measure_options(self._document):
                self.measure_box.addItem(option.label, option.key)
            index = self.measure_box.findData(chosen) if chosen is not None else -1
            self.measure_box.setCurrentIndex(max(index, 0))
        self.measure_box.blockSignals(False)

    def _export_png_clicked(self) -> None:
        self._ask_and_export(".png")

    def _export_svg_clicked(self) -> None:
        self._ask_and_export(".svg")

    def _ask_and_export(self, suffix: str) -> None:
        if self.chart is None:
            return
        kind = self.kind.replace("-", "_")
        kinds = "PNG picture (*.png)" if suffix == ".png" else "SVG drawing (*.svg)"
        name, _ = QFileDialog.getSaveFileName(self, "Export chart", f"chart_{kind}{suffix}", kinds)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        try:
            self.export(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "The chart was not exported", f"{exc}\nChoose another folder or name.")
