"""Where a chart's labels go: beside the point they name, clear of every marker, every other text and the
plot's edges. Worked out in pixels, because a label keeps its size in pixels whatever the plot's scale (at
the smallest size a label placed by hours and values alone sat on another day's point), and again each
time the plot is resized or its range changes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF

# Tried in this order around the point, above first (below first for a label hanging under its point):
# straight above, the two diagonals above, the two sides, then the same below.
_ABOVE = ((0, -1), (1, -1), (-1, -1), (1, 0), (-1, 0), (0, 1), (1, 1), (-1, 1))
_BELOW = tuple((dx, -dy) for dx, dy in _ABOVE)


@dataclass
class Label:
    """A text to place near ``at`` (data coordinates), naming the markers at ``points`` (the peaks it
    names, each ``radius`` pixels wide from its centre). ``leaders`` join the label to each of its points
    when it had to move away from them (one line item per point)."""

    item: pg.TextItem
    at: tuple[float, float]
    points: Sequence[tuple[float, float]]
    radius: float
    below: bool = False
    leaders: list[pg.PlotDataItem] = field(default_factory=list)


def marker_rects(plot: pg.PlotItem) -> list[QRectF]:
    """Every marker drawn in ``plot`` (line points, ★), as its box in the scene."""
    vb = plot.getViewBox()
    rects = []
    for item in plot.items:
        scatter = item.scatter if isinstance(item, pg.PlotDataItem) else item
        if not (isinstance(scatter, pg.ScatterPlotItem) and scatter.isVisible()):
            continue
        for x, y, size in zip(scatter.data["x"], scatter.data["y"], scatter.data["size"], strict=True):
            side = float(size if size > 0 else scatter.opts["size"])
            centre = vb.mapViewToScene(QPointF(float(x), float(y)))
            rects.append(QRectF(centre.x() - side / 2, centre.y() - side / 2, side, side))
    return rects


def keep_placed(
    plot: pg.PlotItem, groups: list[list[Label]], gap: float, room: Callable[[float], None] | None = None
) -> None:
    """Place each group's labels (see :func:`place_labels`) now and again whenever ``plot``'s scale
    changes (resize, range); first ``room`` is given the plot's height in pixels, to set its range so
    that the labels have room."""
    vb = plot.getViewBox()
    for group in groups:
        for label in group:
            # Where these go depends on the size the plot is laid out at (tests compare them by their words).
            for item in (label.item, *label.leaders):
                item.placed_in_pixels = True
    vb._trialapp_labels = (groups, gap, room)
    if not getattr(vb, "_trialapp_placing", False):
        vb._trialapp_placing = True
        vb.sigTransformChanged.connect(lambda *_: _place_again(plot))
    _place_again(plot)


def _place_again(plot: pg.PlotItem) -> None:
    vb = plot.getViewBox()
    groups, gap, room = vb._trialapp_labels
    if getattr(vb, "_trialapp_busy", False):
        return  # the range set by room() below: placed once, after it
    vb._trialapp_busy = True
    try:
        for _ in range(3):  # a new range can re-lay the plot out at once (ticks, titles): until its height holds
            height = vb.sceneBoundingRect().height()
            if room is not None:
                room(height)
            if vb.sceneBoundingRect().height() == height:
                break
        place_labels(plot, groups, gap)
    finally:
        vb._trialapp_busy = False


def place_labels(plot: pg.PlotItem, groups: Sequence[Sequence[Label]], gap: float) -> None:
    """Show each group as its first label (e.g. the peaks of several days in one label of several lines)
    or, where that finds no room, as its other labels (one per day), each at the first position, stepping
    outward from its point, that is inside the plot and touches no marker and no other text (``gap``
    pixels apart). A label with no such position is hidden (its words are in the legend too, and the
    marker keeps its hover text): covering a point would hide data. A label that ended away from its
    points gets a leader line to each."""
    vb = plot.getViewBox()
    area = vb.sceneBoundingRect().adjusted(1, 1, -1, -1)
    if area.width() < 2 or area.height() < 2:
        return  # not laid out yet: placed when it is
    own = {id(label.item) for group in groups for label in group}
    taken = marker_rects(plot) + [
        t.mapRectToScene(t.boundingRect())
        for t in plot.items
        if isinstance(t, pg.TextItem) and id(t) not in own and t.isVisible() and t.toPlainText()
    ]
    for group in groups:
        first, *parts = group
        placed = _place(vb, first, taken, area, gap)
        for part in parts:
            if placed:
                _hide(part)
            else:
                _place(vb, part, taken, area, gap)


def _place(vb: pg.ViewBox, label: Label, taken: list[QRectF], area: QRectF, gap: float) -> bool:
    size = label.item.boundingRect().size()
    centre = vb.mapViewToScene(QPointF(*label.at))
    rect = _first_clear(_candidates(centre, size.width(), size.height(), label, gap, area), taken, area, gap)
    if rect is None:
        _hide(label)
        return False
    label.item.setVisible(True)
    label.item.setAnchor((0, 0))
    label.item.setPos(vb.mapSceneToView(rect.topLeft()))
    taken.append(rect)
    _lead(vb, label, rect, gap)
    return True


def _hide(label: Label) -> None:
    label.item.setVisible(False)
    for leader in label.leaders:
        leader.setData([], [])


def _candidates(
    centre: QPointF, w: float, h: float, label: Label, gap: float, area: QRectF
) -> Iterator[QRectF]:
    """Boxes of ``w`` × ``h`` around ``centre``, nearest first: straight above (or below), the diagonals,
    the sides…, then the same half a line further out, as far as the plot reaches."""
    start = label.radius + gap
    step = max(h / 2, 2.0)
    steps = int(max(area.width(), area.height()) / step) + 1
    for k in range(steps):
        d = start + k * step
        for dx, dy in _BELOW if label.below else _ABOVE:
            y = centre.y() - h / 2 if dy == 0 else (centre.y() + d if dy > 0 else centre.y() - d - h)
            if dx == 0:
                # Centred on the point, else starting or ending at it (near the plot's sides).
                for left in (centre.x() - w / 2, centre.x() - label.radius, centre.x() + label.radius - w):
                    yield QRectF(left, y, w, h)
            else:
                # Beside the point, or at its corner for a diagonal.
                reach = d if dy == 0 else d * math.sqrt(0.5)
                if dy != 0:
                    y = centre.y() + reach if dy > 0 else centre.y() - reach - h
                yield QRectF(centre.x() + reach if dx > 0 else centre.x() - reach - w, y, w, h)


def _first_clear(
    candidates: Iterator[QRectF], taken: Sequence[QRectF], area: QRectF, gap: float
) -> QRectF | None:
    for rect in candidates:
        padded = rect.adjusted(-gap / 2, -gap / 2, gap / 2, gap / 2)
        if area.contains(rect) and not any(padded.intersects(other) for other in taken):
            return rect
    return None


def _lead(vb: pg.ViewBox, label: Label, rect: QRectF, gap: float) -> None:
    """A thin line from each of the label's points to the label, when the label is not right beside it."""
    for point, leader in zip(label.points, label.leaders, strict=True):
        centre = vb.mapViewToScene(QPointF(*point))
        nearest = QPointF(
            min(max(centre.x(), rect.left()), rect.right()), min(max(centre.y(), rect.top()), rect.bottom())
        )
        dx, dy = nearest.x() - centre.x(), nearest.y() - centre.y()
        length = math.hypot(dx, dy)
        if length <= label.radius + 2 * gap:
            leader.setData([], [])
            continue
        edge = QPointF(centre.x() + dx * label.radius / length, centre.y() + dy * label.radius / length)
        ends = [vb.mapSceneToView(edge), vb.mapSceneToView(nearest)]
        leader.setData([p.x() for p in ends], [p.y() for p in ends])
