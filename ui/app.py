"""Starting the GUI: the application object, Chinese Qt dialogs, the database, the window."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from services.about import APP_NAME, APP_VERSION
from services.database import open_database
from services.errors import ServiceError


def install_chinese_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own dialogs (file pickers, message box buttons) in Simplified Chinese."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translators = []
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN",):
        translator = QTranslator(app)
        if translator.load(name, path):
            app.installTranslator(translator)
            translators.append(translator)
    return translators


def run_gui(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py", add_help=False)
    parser.add_argument("--db")
    args, _ = parser.parse_known_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(APP_VERSION)
    app.setOrganizationName("ExpertDispatch")
    install_chinese_translations(app)
    try:
        database = open_database(args.db)
    except ServiceError as exc:
        QMessageBox.critical(None, APP_NAME, f"{exc.message}")
        return 2

    from ui.main_window import MainWindow

    window = MainWindow(database)
    window.show()
    return app.exec()
