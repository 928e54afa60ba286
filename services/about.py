"""The program's name and version, read from pyproject.toml in a checkout or from the
installed package's metadata in a bundle."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

APP_NAME = "专家服务基层调度"
APP_NAME_EN = "Expert Dispatch"


def _version() -> str:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        try:
            return metadata.version("expert-dispatch")
        except metadata.PackageNotFoundError:
            return "未知版本"


APP_VERSION = _version()
