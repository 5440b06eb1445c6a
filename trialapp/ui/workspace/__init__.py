"""The trial workspace (header, day timelines, forms, dose dialog, day review, decision).

The home screen opens it with ``TrialWorkspace(app, actor, trial_id)``; ``closing()`` keeps drafts and
returns False only when something cannot be kept.
"""

from trialapp.ui.workspace.workspace import TrialWorkspace

__all__ = ["TrialWorkspace"]
