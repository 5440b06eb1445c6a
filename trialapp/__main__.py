"""``python -m trialapp``: same as the ``trialapp`` command."""

from trialapp.cli import main

raise SystemExit(main())
