"""The app's data, not code: fonts, icons, demo trials, clinical tables, translations and styles.

Installed as ``trialapp.resources`` (``[tool.setuptools.package-dir]`` in ``pyproject.toml``); read it with
``importlib.resources.files("trialapp.resources")``, never by a path relative to the source tree, so the same
code works from a checkout, an installed wheel and the PyInstaller build.
"""
