"""Dose-response charts (pyqtgraph): the chart panel, the drawings and offscreen export.

Import the submodules you need, and only when a chart is first needed: ``plots``, ``panel`` and
``export`` load pyqtgraph and numpy (DESIGN: heavy modules load lazily). ``theme`` is plain data.
This package's ``__init__`` imports nothing, so importing it costs nothing.
"""
