"""The packaged build's plan, checked without building (fast): spec, data files, imports, icons, desktop entry,
and the smoke test's own parsing. The build itself is checked by ``make package-test``."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import struct
import sys
import tomllib
import xml.etree.ElementTree as ET
from importlib.metadata import version as installed_version
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _load(path: Path, name: str) -> ModuleType:
    # packaging/ is not a Python package on purpose (it would shadow the `packaging` library): load by path.
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def plan() -> ModuleType:
    return _load(PACKAGING / "bundle_plan.py", "trialapp_bundle_plan_under_test")


@pytest.fixture(scope="module")
def smoke() -> ModuleType:
    return _load(PACKAGING / "smoke_test.py", "trialapp_smoke_test_under_test")


def _pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# ------------------------------------------------------------------------------------------- the spec


def test_spec_is_valid_python_and_a_one_folder_build() -> None:
    source = (PACKAGING / "trialapp.spec").read_text(encoding="utf-8")
    tree = ast.parse(source, filename="trialapp.spec")
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    # One folder: the executable excludes the libraries and COLLECT gathers them beside it.
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= called
    exe_call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "EXE"
    )
    keywords = {kw.arg: kw.value for kw in exe_call.keywords}
    assert (
        isinstance(keywords["exclude_binaries"], ast.Constant) and keywords["exclude_binaries"].value is True
    )
    assert isinstance(keywords["upx"], ast.Constant) and keywords["upx"].value is False
    # The version comes from pyproject.toml through the plan, never typed into the spec.
    assert "project_version()" in source
    assert _pyproject()["project"]["version"] not in source


def test_version_is_pyprojects_and_the_installed_metadata_agrees(plan: ModuleType) -> None:
    expected = _pyproject()["project"]["version"]
    assert plan.project_version() == expected
    # The build copies the installed metadata: it must be current.
    assert installed_version("trialapp") == expected
    # trialapp.__version__ is trialapp/_version.py, read at start-up instead of the metadata (0.1 s).
    import trialapp

    assert trialapp.__version__ == expected


def test_project_version_refuses_a_pyproject_without_one(plan: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = ""\n', encoding="utf-8")
    with pytest.raises(ValueError, match="version"):
        plan.project_version(tmp_path)


def test_package_extra_brings_pyinstaller() -> None:
    extras = _pyproject()["project"]["optional-dependencies"]
    assert any(req.replace(" ", "").lower().startswith("pyinstaller>=6") for req in extras["package"])


# ------------------------------------------------------------------------------------------- data files


def test_every_runtime_data_file_is_bundled_where_the_app_reads_it(plan: ModuleType) -> None:
    bundled = {(Path(src).resolve(), dest) for src, dest in plan.data_files()}
    data = ROOT / "resources"
    expected = {(p.resolve(), "trialapp/resources/clinical") for p in (data / "clinical").glob("*.json")}
    expected |= {(p.resolve(), "trialapp/resources/demo") for p in (data / "demo").glob("*.json")}
    expected |= {(p.resolve(), "trialapp/resources/fonts") for p in (data / "fonts").glob("*.ttf")}
    expected |= {(p.resolve(), "trialapp/resources/styles") for p in (data / "styles").glob("*")}
    expected |= {(p.resolve(), "trialapp/resources/icons") for p in (data / "icons").glob("*")}
    names = {p.name for p, _ in expected}
    assert {"vital_bands.json", "protocol_defaults.json", "qi_bundle_example.json", "DejaVuSans.ttf"} <= names
    assert {"app.qss", "colors.json", "trialapp.svg"} <= names
    # Its __init__ too: without it the frozen app reads trialapp.resources as a namespace package, whose
    # files() cannot join two names at once (Python 3.11).
    assert ((ROOT / "resources" / "__init__.py").resolve(), "trialapp/resources") in bundled
    assert len([n for n in names if n.startswith("demo_")]) >= 3
    assert expected <= bundled, sorted(str(p) for p, _ in expected - bundled)
    assert all(Path(src).is_file() for src, _ in plan.data_files())


def test_migrations_are_bundled_as_files_where_alembic_looks(plan: ModuleType) -> None:
    from trialapp.storage.migrate import known_revisions, migrations_dir

    bundled = {(Path(src).name, dest) for src, dest in plan.data_files()}
    # migrate.migrations_dir() is Path(trialapp.migrations.__file__).parent: trialapp/migrations in the bundle.
    source = migrations_dir()
    for path in source.glob("*.py"):
        assert (path.name, "trialapp/migrations") in bundled
    assert ("script.py.mako", "trialapp/migrations") in bundled
    revisions = [p for p in (source / "versions").glob("*.py") if p.name != "__init__.py"]
    assert len(revisions) == len(known_revisions()) >= 1
    for path in revisions:
        assert (path.name, "trialapp/migrations/versions") in bundled


def test_migrations_hook_points_the_import_graph_at_the_mapped_folder() -> None:
    hook = _load(
        PACKAGING / "hooks" / "pre_find_module_path" / "hook-trialapp.migrations.py",
        "trialapp_migrations_hook",
    )
    api = SimpleNamespace(search_dirs=[str(ROOT / "trialapp")])
    hook.pre_find_module_path(api)
    mapped = _pyproject()["tool"]["setuptools"]["package-dir"]["trialapp.migrations"]
    assert [Path(d) / mapped for d in api.search_dirs] == [ROOT / mapped]


# ------------------------------------------------------------------------------------------- imports


def test_the_ward_server_driver_is_in_the_build(plan: ModuleType) -> None:
    extras = _pyproject()["project"]["optional-dependencies"]
    assert any(req.replace(" ", "").startswith("psycopg[binary]>=3") for req in extras["server"])
    # SQLAlchemy imports the driver by name from the URL, so the import graph cannot see it.
    assert {"psycopg", "sqlalchemy.dialects.postgresql"} <= set(plan.DYNAMIC_PACKAGES)


def test_modules_loaded_by_name_are_collected(plan: ModuleType) -> None:
    from trialapp import cli

    assert {"trialapp", "trialapp.migrations"} <= set(plan.DYNAMIC_PACKAGES)
    for name in cli.COMMAND_MODULES:
        assert name.startswith("trialapp."), name
    fhir_source = (ROOT / "trialapp" / "interchange" / "fhir.py").read_text(encoding="utf-8")
    if "fhir.resources.R4B" in fhir_source:
        assert "fhir.resources.R4B" in plan.DYNAMIC_PACKAGES


def _imported_modules(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_nothing_the_app_imports_is_excluded(plan: ModuleType) -> None:
    imported = _imported_modules(ROOT / "trialapp") | _imported_modules(ROOT / "migrations")
    assert "reportlab.platypus" in imported  # the scan sees the app's imports, lazy ones included
    clashes = sorted(
        name
        for name in imported
        for excluded in plan.EXCLUDES
        if name == excluded or name.startswith(excluded + ".")
    )
    assert clashes == []


# ------------------------------------------------------------------------------------------- icon, desktop


def test_icon_files_hold_the_sizes_each_platform_needs(plan: ModuleType) -> None:
    icons = plan.ICON_DIR
    assert icons == ROOT / "resources" / "icons"
    svg = ET.parse(icons / "trialapp.svg").getroot()
    assert svg.get("viewBox") == "0 0 256 256"
    assert _png_size((icons / "trialapp.png").read_bytes()) == (256, 256)

    ico = (icons / "trialapp.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 4
    sizes = set()
    for i in range(count):
        width, height, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i])
        size = _png_size(ico[offset : offset + length])
        assert size == ((width or 256), (height or 256))
        sizes.add(size[0])
    assert {16, 32, 48, 256} <= sizes

    icns = (icons / "trialapp.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic08" in icns  # 256 px

    assert plan.icon_file("win32").endswith("trialapp.ico")
    assert plan.icon_file("darwin").endswith("trialapp.icns")
    assert plan.icon_file("linux") is None


def test_desktop_entry_starts_the_app_with_its_icon(plan: ModuleType) -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(PACKAGING / "trialapp.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"].split()[0] == "trialapp"
    assert section["Terminal"] == "false"
    assert section["Categories"].endswith(";")
    share = dict((relative, source) for source, relative in plan.linux_share_files())
    assert "share/applications/trialapp.desktop" in share
    icon_names = {Path(r).stem for r in share if r.startswith("share/icons/")}
    assert icon_names == {section["Icon"]}
    assert all(source.is_file() for source in share.values())


# ------------------------------------------------------------------------------------------- smoke test


def test_smoke_test_finds_every_command_in_the_real_help(smoke: ModuleType) -> None:
    from trialapp.cli import build_parser

    listed = smoke.commands_in_help(build_parser().format_help())
    assert set(smoke.REQUIRED_COMMANDS) <= listed
    assert "positional" not in listed and "options" not in listed


def test_smoke_test_flags_a_broken_build(smoke: ModuleType) -> None:
    assert smoke.problems_in_output("Wrote family.pdf\n") == []
    broken = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'trialapp.cli_charts'"
    assert {"Traceback (most recent call last)", "ModuleNotFoundError", "No module named"} <= set(
        smoke.problems_in_output(broken)
    )
    qt = 'qt.qpa.plugin: Could not load the Qt platform plugin "offscreen" in "" even though it was found.'
    assert smoke.problems_in_output(qt)


def test_smoke_test_reads_the_chain_head_only_as_the_last_line(smoke: ModuleType) -> None:
    head = "ab" * 32
    assert smoke.chain_head(f"Database sound; audit trail verified (15 rows).\n{head}\n") == head
    assert smoke.chain_head(f"{head}\nProblems found\n") is None
    assert smoke.chain_head(head[:-1] + "\n") is None
    assert smoke.chain_head("") is None


# ------------------------------------------------------------------------------------------- Windows


def test_windows_version_resource_carries_the_version(plan: ModuleType) -> None:
    assert plan.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert plan.version_tuple("2.10.3rc1") == (2, 10, 3, 0)
    assert plan.version_tuple("1.2.3.4.5") == (1, 2, 3, 4)
    text = plan.windows_version_info("2.10.3rc1")
    tree = ast.parse(text, mode="eval")  # PyInstaller evaluates this text with its version classes
    ffi = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FixedFileInfo"
    )
    keywords = {kw.arg: ast.literal_eval(kw.value) for kw in ffi.keywords}
    assert keywords["filevers"] == keywords["prodvers"] == (2, 10, 3, 0)
    strings = {
        node.args[0].value: node.args[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StringStruct"
    }
    assert strings["ProductVersion"] == strings["FileVersion"] == "2.10.3rc1"
    assert strings["OriginalFilename"] == "trialapp.exe"
