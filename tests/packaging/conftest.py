"""The Windows installer checks (``packaging`` marker): slow (they build the installer), so
the everyday ``uv run pytest`` skips them. Run them with

    uv run --group packaging pytest tests/packaging --run-packaging

or with ``EXPERT_DISPATCH_PACKAGING=1`` in the environment. ``--reuse-build`` (or
``EXPERT_DISPATCH_REUSE_BUILD=1``) checks the installer already in dist/ instead of building
it again, e.g. right after ``packaging/build-windows.sh``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# Figures the checks measured, printed at the end of the run (installer and installed size).
REPORT_KEY = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    # Only registered when this folder is named on the command line (an initial conftest):
    # the plain `pytest` run never sees the option, and so skips the folder.
    group = parser.getgroup("packaging", "Windows installer checks")
    group.addoption("--run-packaging", action="store_true", default=False,
                    help="run the Windows installer checks in tests/packaging (builds it)")
    group.addoption("--reuse-build", action="store_true", default=False,
                    help="check the installer already in dist/ instead of building it")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "packaging: builds and inspects the Windows installer (tests/packaging)")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("run_packaging", default=False)
                or os.environ.get("EXPERT_DISPATCH_PACKAGING") == "1")


@pytest.fixture(scope="session")
def reuse_build(pytestconfig: pytest.Config) -> bool:
    return bool(pytestconfig.getoption("reuse_build", default=False)
                or os.environ.get("EXPERT_DISPATCH_REUSE_BUILD") == "1")


@pytest.fixture(scope="session")
def packaging_report(pytestconfig: pytest.Config) -> dict[str, str]:
    return pytestconfig.stash.setdefault(REPORT_KEY, {})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _enabled(config):
        return
    skip = pytest.mark.skip(
        reason="Windows installer checks: uv run --group packaging pytest tests/packaging "
               "--run-packaging")
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    report = config.stash.get(REPORT_KEY, {})
    if report:
        terminalreporter.section("Windows installer")
        for key, value in report.items():
            terminalreporter.write_line(f"{key}: {value}")
