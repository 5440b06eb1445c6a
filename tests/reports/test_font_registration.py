"""The PDF fonts are registered once per process even when several threads ask at the same time (the GUI
makes its summaries on a worker thread): a font registered again would replace the one a PDF being drawn
on another thread holds."""

from __future__ import annotations

import subprocess
import sys

# A fresh process (nothing registered yet); registering is slowed down so that the threads all ask while
# the first is still registering.
SCRIPT = """
import collections, threading, time
from reportlab.pdfbase import pdfmetrics
from trialapp.reports import layout, qi_report, scripts

calls = collections.Counter()
real = pdfmetrics.registerFont

def slow(font):
    calls[font.fontName] += 1
    time.sleep(0.02)
    real(font)

pdfmetrics.registerFont = slow
start = threading.Barrier(8)

def ask():
    start.wait()
    assert layout.register_fonts() == layout.FONT
    assert scripts.load(scripts.ARABIC_FONT) == scripts.ARABIC_FONT
    qi_report._register_fonts()

threads = [threading.Thread(target=ask) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(calls.items()))
"""


def test_fonts_are_registered_once_whichever_threads_ask() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert out.strip() == str(
        sorted(
            (name, 1)
            for name in (
                "TrialSans",
                "TrialSans-Bold",
                "TrialSans-Oblique",
                "TrialArabic",
                "TrialArabic-Bold",
                "QiReportSans",
                "QiReportSans-Bold",
            )
        )
    )
