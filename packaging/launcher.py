"""Entry point of the built program: the same as the ``trialapp`` command (``trialapp.cli:main``)."""

from __future__ import annotations

import multiprocessing

from trialapp.cli import main

if __name__ == "__main__":
    # A frozen program that starts a child process re-runs itself; this makes the child do the child's work.
    multiprocessing.freeze_support()
    raise SystemExit(main())
