"""The app's version: the ``[project] version`` of pyproject.toml, kept here so that start-up does not read
the installed metadata (``importlib.metadata`` costs about 0.1 s). tests/packaging/test_spec.py checks that
it agrees with pyproject.toml and with the installed distribution."""

__version__ = "0.1.0"
