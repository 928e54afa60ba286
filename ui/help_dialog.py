"""帮助 › 使用说明 (F1): the Chinese user guide ``docs/user-guide.md`` with its screenshots,
shown with ``QTextBrowser.setMarkdown``. Images are resolved from the ``docs`` folder, found
relative to the program's root so it also works from an installed copy (a frozen build keeps
its data beside the executable or in ``sys._MEIPASS``)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

GUIDE = "user-guide.md"


def project_root() -> Path:
    """The folder holding ``docs/`` and ``resources/``: the source tree, or a frozen build's
    data folder."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def docs_dir() -> Path:
    return project_root() / "docs"


def guide_path() -> Path:
    return docs_dir() / GUIDE


class HelpDialog(QDialog):
    """The guide in a browser; links to other places open outside. Attribute ``browser``."""

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("使用说明"))
        path = path or guide_path()
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(path.parent)])
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path.parent) + "/"))
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = self.tr("找不到使用说明文件：{0}").format(str(path))
        self.browser.setMarkdown(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 64, self.fontMetrics().height() * 44)
