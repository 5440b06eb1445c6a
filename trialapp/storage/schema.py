"""The whole schema: every table of the app on one ``MetaData``.

The trial tables (``models``) and the QI tables (``qi_models``) both build on ``storage.base.Base`` and are
registered by importing both here; neither imports the other. Whatever needs every
table (Alembic's ``env.py``, schema tests) imports ``metadata`` from here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from trialapp.storage import base, models, qi_models

metadata: MetaData = base.Base.metadata

__all__ = ["base", "metadata", "models", "qi_models"]
