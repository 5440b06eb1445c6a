"""Every window and dialog fits the screen it opens on: a ward laptop is 1366 × 768, and at 150 % scaling
that leaves 911 × 512 logical pixels (less the task bar).

Two helpers, used by every window and dialog instead of fixed sizes:

- ``fit_window(widget, width, height)``: the size the widget would like, but never more than the screen's
  available room; checked again each time it is shown (it may open on another screen), and the window is
  moved back on screen when it would reach past an edge.
- ``fit_dialog(dialog)``: the same for a dialog that sizes itself.
- ``scroll_body(dialog)``: the dialog's content goes into a scroll area and its last row (the buttons)
  stays pinned at the bottom, so a tall form scrolls instead of pushing "Cancel" and "Next" off screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QLayout, QScrollArea, QVBoxLayout, QWidget

from trialapp.ui.accessible import describe_controls

#: The smallest room a window keeps (logical pixels): it fits 1366 × 768 at 150 % with a task bar.
SMALLEST = QSize(640, 400)

#: Room left around a window that is not maximised, for its title bar and frame (logical pixels).
_FRAME = QSize(16, 40)


def available(widget: QWidget | None = None) -> QRect:
    """The room on the screen ``widget`` is on (the primary screen otherwise), task bar excluded."""
    screen = widget.screen() if widget is not None else None
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)


def room(widget: QWidget) -> QSize:
    """The largest size a window's inside may take: the available room less its title bar and frame."""
    space = available(widget).size()
    return QSize(max(1, space.width() - _FRAME.width()), max(1, space.height() - _FRAME.height()))


class _Fitter(QObject):
    """Clamps its window to the screen each time it is shown (``wanted`` None: at its present size), and
    gives its controls the accessible names and descriptions they lack (``ui/accessible.py``)."""

    def __init__(self, widget: QWidget, wanted: QSize | None) -> None:
        super().__init__(widget)
        self.wanted = wanted
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            clamp(watched, self.wanted)
            describe_controls(watched)
        return False


def clamp(widget: QWidget, wanted: QSize | None = None) -> None:
    """Size ``widget`` to ``wanted`` (its present size when None), within the screen, and move it on screen."""
    space = room(widget)
    wanted = wanted if wanted is not None else widget.size()
    minimum = widget.minimumSize()
    if minimum.width() > space.width() or minimum.height() > space.height():
        widget.setMinimumSize(minimum.boundedTo(space))
    if widget.isMaximized() or widget.isFullScreen():
        # The platform sizes it to the screen, after this; without a window manager (a bare X server)
        # "maximised" changes nothing, so look again once it has had its chance.
        QTimer.singleShot(0, widget, lambda: _within(widget))
        return
    size = wanted.boundedTo(space).expandedTo(widget.minimumSize())
    if size != widget.size():
        widget.resize(size)
    area = available(widget)
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.left()), max(area.left(), area.right() + 1 - frame.width()))
    y = min(max(frame.y(), area.top()), max(area.top(), area.bottom() + 1 - frame.height()))
    if (x, y) != (frame.x(), frame.y()):
        widget.move(x, y)


def _within(widget: QWidget) -> None:
    """A maximised window still larger than the screen (no window manager): give it the screen's room."""
    area = available(widget)
    frame = widget.frameGeometry()
    if not area.contains(frame):
        widget.resize(area.width() - (frame.width() - widget.width()), area.height() - (frame.height() - widget.height()))
        widget.move(area.topLeft())  # move() places the frame


def fit_window(widget: QWidget, width: int, height: int, *, smallest: QSize = SMALLEST) -> None:
    """Give ``widget`` (a window or dialog) the size ``width`` × ``height``, or the screen's room if that is
    less, now and each time it is shown; its minimum size never exceeds the screen's room."""
    widget.setMinimumSize(widget.minimumSize().boundedTo(smallest.expandedTo(QSize(1, 1))))
    wanted = QSize(width, height)
    widget.resize(wanted.boundedTo(room(widget)))
    fitter = widget.findChild(_Fitter)
    if fitter is None:
        _Fitter(widget, wanted)
    else:
        fitter.wanted = wanted


def fit_dialog(dialog: QWidget) -> None:
    """For a dialog that sizes itself: kept within the screen each time it is shown."""
    if dialog.findChild(_Fitter) is None:
        _Fitter(dialog, None)


def scroll_body(dialog: QWidget, *, pinned: int = 1) -> QScrollArea:
    """Move the content of ``dialog``'s layout into a scroll area, leaving its last ``pinned`` rows (the
    buttons) below it, where they stay in view however small the screen. Returns the scroll area."""
    outer = dialog.layout()
    if outer is None:
        raise ValueError("scroll_body needs a dialog whose layout is built")
    body = QWidget()
    body.setAccessibleName(dialog.accessibleName() or dialog.windowTitle() or "Content")
    inner = QVBoxLayout(body)
    margins = outer.contentsMargins()
    inner.setContentsMargins(0, margins.top(), 0, 0)
    inner.setSpacing(outer.spacing())
    keep = max(0, outer.count() - pinned)
    for _ in range(keep):
        stretch = outer.stretch(0) if isinstance(outer, QVBoxLayout) else 0
        item = outer.takeAt(0)
        if item is None:
            break
        child_widget = item.widget()
        child_layout = item.layout()
        if child_widget is not None:
            inner.addWidget(child_widget, stretch, item.alignment())
        elif child_layout is not None:
            child_layout.setParent(None)  # type: ignore[call-overload]
            inner.addLayout(child_layout, stretch)
        else:
            inner.addItem(item)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(body)
    if isinstance(outer, QVBoxLayout):
        outer.insertWidget(0, area, 1)
        outer.setContentsMargins(margins.left(), 0, margins.right(), margins.bottom())
    else:
        raise ValueError("scroll_body needs a dialog laid out in a column (QVBoxLayout)")
    outer.setSizeConstraint(QLayout.SizeConstraint.SetDefaultConstraint)
    return area
