"""Find ``trialapp.migrations`` where setuptools maps it: the top-level ``migrations/`` folder.

``[tool.setuptools.package-dir]`` maps the package to ``migrations/``; PyInstaller's import graph only
searches ``trialapp/`` for submodules, so without this hook the revisions would not be analysed and the
modules they import (alembic.op, sqlalchemy) could be left out.
"""

from __future__ import annotations

from pathlib import Path

# This file is packaging/hooks/pre_find_module_path/hook-trialapp.migrations.py: the repository is 3 up.
_ROOT = Path(__file__).resolve().parents[3]


def pre_find_module_path(api) -> None:  # type: ignore[no-untyped-def]  # PyInstaller's hook protocol
    if (_ROOT / "migrations" / "__init__.py").is_file():
        api.search_dirs = [str(_ROOT)]
