"""The program's name and version, read from pyproject.toml in a checkout or from the
installed package's metadata in a bundle."""

from __future__ import annotations

import re
from pathlib import Path

APP_NAME = "专家服务基层调度"
APP_NAME_EN = "Expert Dispatch"


def _version() -> str:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        text = ""
    # The [project] table's version line, read without a TOML parser: the window's first
    # paint waits for this module, and tomllib costs it ~15 ms.
    found = re.search(r'^\[project\][^\[]*?^version\s*=\s*"([^"]+)"', text, re.M | re.S)
    if found:
        return found[1]
    try:
        import tomllib

        return tomllib.loads(text)["project"]["version"]
    except (KeyError, ValueError):
        # Imported only here: importlib.metadata costs ~0.1 s, and the window's first paint
        # waits for this module.
        from importlib import metadata

        try:
            return metadata.version("expert-dispatch")
        except metadata.PackageNotFoundError:
            return "未知版本"


APP_VERSION = _version()
