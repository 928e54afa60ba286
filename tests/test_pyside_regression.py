"""The known trap: PySide6 6.12.0 on Python 3.11 drops one reference to ``None`` on every Qt
method that returns nothing; after a few thousand calls the process dies with "Fatal Python
error: none_dealloc". Python 3.12+ hides it (None is immortal there). An upgrade that brings
the bug back must fail here, in a child process so that a crash cannot take pytest down."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import PySide6

from tests.conftest import PROJECT_ROOT

CALLS = 20_000
MARKER = "PYSIDE-VOID-CALLS-OK"

SCRIPT = textwrap.dedent(f"""
    import sys
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(["regression"])
    label = QLabel()
    immortal = sys.version_info >= (3, 12)
    before = sys.getrefcount(None)
    for _ in range({CALLS}):
        label.setText("专家")
        label.resize(10, 10)
        label.setToolTip("")
    after = sys.getrefcount(None)
    # Without the bug the count barely moves; with it, it falls by three per loop.
    if not immortal and before - after > 100:
        print(f"None lost {{before - after}} references", file=sys.stderr)
        sys.exit(3)
    label.deleteLater()
    del label
    app.processEvents()
    print("{MARKER}", before, after)
""")


def test_pyside_version_is_safe() -> None:
    if sys.version_info < (3, 12):
        assert PySide6.__version__ != "6.12.0", (
            "PySide6 6.12.0 leaks references to None on Python 3.11 (none_dealloc); "
            "pin another version in pyproject.toml")


def test_void_qt_calls_keep_the_process_healthy(subprocess_env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT,
                            env=subprocess_env, capture_output=True, text=True,
                            encoding="utf-8", timeout=300)
    assert "none_dealloc" not in result.stderr, result.stderr
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert result.stdout.split()[0] == MARKER, result.stdout
