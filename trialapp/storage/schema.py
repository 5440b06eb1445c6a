"""The whole schema: every table of the app on one ``MetaData``.

The trial tables (``models``), the QI tables (``qi_models``) and the review's kept results
(``review_models``) all build on ``storage.base.Base`` and are registered by importing them here; none imports
another. Whatever needs every
table (Alembic's ``env.py``, schema tests) imports ``metadata`` from here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from trialapp.storage import base, models, presence, qi_models, review_models

metadata: MetaData = base.Base.metadata

__all__ = ["base", "metadata", "models", "presence", "qi_models", "review_models"]
