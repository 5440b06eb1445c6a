"""The row the home list shows for one trial (``trials.list_trials`` returns them), re-exported for the UI,
which never imports storage."""

from __future__ import annotations

from trialapp.storage.repositories import TrialListing

__all__ = ["TrialListing"]
