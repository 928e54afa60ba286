"""The window's remembered layout: size and position, splitters, columns, the page last
shown. Plain JSON in the data folder (``ui-state.json``), never pickled or opaque Qt blobs
(``saveGeometry`` bytes, pickled ``QByteArray``s) that break when Qt is upgraded. A damaged
or unreadable file is ignored: the layout is a convenience, never a reason not to start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _log() -> Any:
    import logging  # here: the first paint does not wait for the logging package

    return logging.getLogger(__name__)


FILE_NAME = "ui-state.json"
VERSION = 1


def default_path() -> Path:
    from services import paths  # light: platformdirs only

    return paths.data_dir() / FILE_NAME


class UiState:
    """Attributes: ``path`` (None keeps the state in memory only, as tests may want)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._data: dict[str, Any] = {}
        if path is not None:
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict) and loaded.get("version") == VERSION:
                    self._data = loaded
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                _log().warning("界面布局文件 %s 无法读取，使用默认布局：%s", path, exc)

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        json.dumps(value)  # only plain JSON values may go in
        self._data[key] = value

    def save(self) -> None:
        if self.path is None:
            return
        self._data["version"] = VERSION
        tmp = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(self._data, ensure_ascii=False, indent=1),
                           encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            _log().warning("界面布局未能保存到 %s：%s", self.path, exc)
