"""The Qt-free rule: models/ and services/ never import a Qt binding, so every feature works
from a script, the command line and the tests without a display."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

QT_PACKAGES = {"PySide6", "PySide2", "shiboken6", "shiboken2", "PyQt5", "PyQt6", "qtpy"}
LAYERS = ("models", "services")


def python_files() -> list[Path]:
    files = [p for layer in LAYERS for p in sorted((PROJECT_ROOT / layer).rglob("*.py"))]
    return [p for p in files if "__pycache__" not in p.parts]


def qt_imports(source: str, filename: str) -> list[str]:
    """Modules from ``QT_PACKAGES`` that ``source`` imports with an import statement, at any
    depth (inside functions too). Strings and comments that mention Qt do not count, nor does
    ``selftest --gui`` asking importlib whether Qt can be loaded at all."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in QT_PACKAGES]
    return found


def test_the_layers_have_files() -> None:
    names = {p.relative_to(PROJECT_ROOT).as_posix() for p in python_files()}
    assert {"models/__init__.py", "services/needs.py", "services/cli/__init__.py"} <= names


@pytest.mark.parametrize("path", python_files(),
                         ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_no_qt_import(path: Path) -> None:
    imports = qt_imports(path.read_text(encoding="utf-8"), str(path))
    assert imports == [], f"{path.relative_to(PROJECT_ROOT)} imports {imports}"


def test_the_checker_sees_imports_and_ignores_strings() -> None:
    source = '''
import os
import PySide6.QtCore
from PyQt6 import QtWidgets
import json, PySide6 as qt
def later():
    from shiboken6 import isValid
    class Inner:
        from PySide6.QtGui import QColor
MESSAGE = "import PySide6 only in ui/"
# from PySide6 import QtCore
from .PySide6 import thing
'''
    assert qt_imports(source, "<test>") == [
        "PySide6.QtCore", "PyQt6", "PySide6", "shiboken6", "PySide6.QtGui"]


def test_services_load_without_qt(subprocess_env: dict[str, str]) -> None:
    script = """
import sys
import services.cli
import services.needs
import services.experts
import services.database
services.cli.build_parser()  # imports every subcommand module
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6", "ui"))
print("QT:", ",".join(loaded))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT,
                            env=subprocess_env, capture_output=True, text=True,
                            encoding="utf-8", timeout=180)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "QT:", result.stdout
