"""The whole schema: every table of the app on one ``MetaData``.

The trial tables (``models``) and the QI tables (``qi_models``, which builds on ``models.Base``) are
registered by importing both here; ``models`` no longer imports ``qi_models`` back. Whatever needs every
table (Alembic's ``env.py``, schema tests) imports ``metadata`` from here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from trialapp.storage import models, qi_models

metadata: MetaData = models.Base.metadata

__all__ = ["metadata", "models", "qi_models"]
