"""The main window. This first version lists needs and experts; the full navigation, forms
and workflow actions arrive with the GUI issue."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTableView, QTabWidget

from services import experts, needs
from services.about import APP_NAME, APP_VERSION
from services.database import Database
from ui.table_model import RowTableModel

NEED_COLUMNS = (
    ("code", "编号"), ("title", "标题"), ("status_label", "状态"), ("unit", "需求单位"),
    ("township", "乡镇"), ("village", "村"), ("field", "专业领域"),
    ("window_start", "开始日期"), ("window_end", "结束日期"), ("experts_wanted", "专家人数"),
    ("priority", "重点帮扶"),
)
EXPERT_COLUMNS = (
    ("code", "编号"), ("name", "姓名"), ("gender", "性别"), ("title", "职称级别"),
    ("title_name", "职称"), ("employer", "工作单位"), ("specialties", "专业"),
    ("honours", "荣誉"), ("phone", "电话"),
)


class MainWindow(QMainWindow):
    """Attributes: ``database``, ``needs_model``, ``experts_model``."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self.setWindowTitle(self.tr("专家服务基层调度"))
        self.resize(1200, 760)

        self.needs_model = RowTableModel(NEED_COLUMNS, self)
        self.experts_model = RowTableModel(EXPERT_COLUMNS, self)
        tabs = QTabWidget(self)
        tabs.addTab(self._table(self.needs_model), self.tr("需求清单"))
        tabs.addTab(self._table(self.experts_model), self.tr("专家库"))
        self.setCentralWidget(tabs)

        menu = self.menuBar().addMenu(self.tr("文件(&F)"))
        refresh = QAction(self.tr("刷新(&R)"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.reload)
        menu.addAction(refresh)
        quit_action = QAction(self.tr("退出(&X)"), self)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        about = QAction(self.tr("关于(&A)"), self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

        self.counts = QLabel(self)
        self.statusBar().addWidget(QLabel(self.tr("数据库：") + database.display_name, self))
        self.statusBar().addPermanentWidget(self.counts)
        self.reload()

    def _table(self, model: RowTableModel) -> QTableView:
        view = QTableView(self)
        view.setModel(model)
        view.setSortingEnabled(True)
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.setAlternatingRowColors(True)
        view.verticalHeader().setVisible(False)
        return view

    def reload(self) -> None:
        with self.database.session() as session:
            self.needs_model.set_rows(needs.list_needs(session))
            self.experts_model.set_rows(experts.list_experts(session))
        self.counts.setText(
            self.tr("需求 {0} 条，专家 {1} 名").format(
                self.needs_model.rowCount(), self.experts_model.rowCount()
            )
        )

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("关于"),
            self.tr("{0}\n版本 {1}\n\n县人社局专家服务基层：需求清单、专家库、农时日历、匹配调度、派遣单与统计上报。").format(
                APP_NAME, APP_VERSION
            ),
        )
