"""The about dialog: the program, its version, what it runs on, where its data is."""

from __future__ import annotations

import platform
import sys
from typing import Any

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from services import paths
from services.about import APP_NAME, APP_NAME_EN, APP_VERSION
from ui.widgets import heading


class AboutDialog(QDialog):
    def __init__(self, database: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("关于{0}").format(APP_NAME))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        title = heading(f"{APP_NAME}", self, scale=1.6)
        version = QLabel(self.tr("版本 {0}").format(APP_VERSION), self)
        version.setObjectName("version")
        text = QLabel(self)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        database_name = database.display_name if database is not None else self.tr("（未打开）")
        text.setText(self.tr(
            "{0}（{1}）\n\n"
            "县人力资源和社会保障局专家服务基层工作用：基层需求清单、专家库、需求单位、"
            "按“七步法”办理，农时日历、匹配调度、派遣单和统计上报。数据保存在本机，离线可用。\n\n"
            "数据库：{2}\n数据文件夹：{3}\n\n"
            "Python {4} · Qt {5} · PySide6 {6} · {7}").format(
                APP_NAME, APP_NAME_EN, database_name, paths.data_dir(),
                platform.python_version(), qVersion(), PySide6.__version__,
                platform.platform(terse=True) or sys.platform))
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(version)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 34, self.sizeHint().height())
