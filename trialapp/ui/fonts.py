"""Any name in any script on screen: the fonts bundled in ``resources/fonts`` join the window's fonts.

A ward laptop may have no font for Chinese, Arabic, Hebrew or Korean (a name would show as empty boxes).
The fonts the printouts embed (``reports/scripts.py``: Droid Sans Fallback, Noto Sans Arabic and Hebrew,
NanumGothic) are registered with Qt and set as substitutes of the app's fonts, so Qt falls back to them for
the characters its own font lacks, in every widget: home list, workspace header, history, print preview and
charts. Qt shapes and orders right-to-left text itself (an Arabic name is joined and laid out right to left).

Read by a worker once signing in is possible (:func:`add_bundled_fonts`, ``ui/startup.py``) and set as
substitutes on the GUI thread when read, or at the first sign-in should it come first: the sign-in page
shows no name, and reading 10 MB of fonts must neither delay the window nor the sign-in, nor stall them.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from importlib import resources
from typing import Final

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

#: The fallback fonts, in the order Qt asks them for a character the first font lacks.
FALLBACK_FILES: Final = (
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansHebrew-Bold.ttf",
    "DroidSansFallbackFull.ttf",
    "NanumGothic.ttf",
)
#: The body font of the charts (``ui/charts/theme.py``) and the printouts, bundled too.
BODY_FILES: Final = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


_adding = threading.Lock()


@cache
def _added_fonts() -> tuple[str, ...]:
    folder = resources.files("trialapp.resources").joinpath("fonts")
    fallbacks: list[str] = []
    for name in (*BODY_FILES, *FALLBACK_FILES):
        # Bytes, not a path: works from a wheel, a zip or a frozen app alike.
        font_id = QFontDatabase.addApplicationFontFromData(folder.joinpath(name).read_bytes())
        if font_id < 0:
            log.warning("font %s could not be registered", name)
            continue
        if name in FALLBACK_FILES:
            for family in QFontDatabase.applicationFontFamilies(font_id):
                if family not in fallbacks:
                    fallbacks.append(family)
    return tuple(fallbacks)


def add_bundled_fonts() -> tuple[str, ...]:
    """Read the bundled fonts into Qt's font database (once) and return the fallback families in order.

    Any thread may call it (QFontDatabase's functions are thread-safe): the window has it done by a worker
    once the database is open, so reading 10 MB of fonts neither delays the first paint nor stalls the window."""
    with _adding:
        return _added_fonts()


@cache
def register_bundled_fonts() -> tuple[str, ...]:
    """Register the bundled fonts with Qt (once) and make the fallback families substitutes of the app's
    font and of the charts' font; return the fallback families in order. GUI thread; needs a QGuiApplication."""
    fallbacks = add_bundled_fonts()
    app = QApplication.instance()
    families = {"DejaVu Sans"}
    if isinstance(app, QApplication):
        families |= {app.font().family(), QFontInfo(app.font()).family()}
    # Only real families: for an alias ("Sans Serif") the substitutes would be taken as the font itself,
    # Latin included, instead of as fallbacks (the platform resolves an alias's fallbacks itself).
    for family in sorted(f for f in families if QFontDatabase.hasFamily(f)):
        QFont.insertSubstitutions(family, [f for f in fallbacks if f not in QFont.substitutes(family)])
    log.info("fonts registered: %s", ", ".join(fallbacks))
    return fallbacks
