"""Starting the GUI: the application object (high-DPI aware), Qt's own dialogs in Chinese, the
window on screen first, then the database opened on a worker.

Nothing heavy is imported here (no SQLAlchemy, no reportlab, no OR-Tools): the first paint
must not wait for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from services.about import APP_NAME, APP_VERSION


def install_chinese_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own dialogs (file pickers, message box buttons, context menus) in Simplified
    Chinese, from the qtbase_zh_CN catalogue PySide6 ships."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translators = []
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN",):
        translator = QTranslator(app)
        if translator.load(name, path):
            app.installTranslator(translator)
            translators.append(translator)
    return translators


def make_application(argv: list[str] | None = None) -> QApplication:
    """The application object, made once: Chinese dialogs, the program's name.

    High DPI: Qt 6 scales by the screen's factor without rounding (a 150 % laptop gets
    150 %, not 200 %: ``HighDpiScaleFactorRoundingPolicy.PassThrough``, the Qt 6 default,
    which tests/test_ui_main_window.py checks). It is not set here because touching PySide6's
    ``Qt`` namespace costs the first paint ~0.1 s. Layouts, font metrics and the style's
    icons keep every screen sharp at any factor; no size is given in device pixels.
    """
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(APP_VERSION)
    app.setOrganizationName("ExpertDispatch")
    icon = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app.png"
    if icon.exists():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    install_chinese_translations(app)
    return app


def start_gui(argv: list[str]) -> tuple[QApplication, object]:
    """The application and the main window on screen; the database opens once the event loop
    runs (``run_gui`` then calls ``app.exec()``)."""
    app = make_application()
    from ui.main_window import MainWindow  # Qt only; the services load after the first paint

    window = MainWindow()
    size = window.state.get("font_size")
    if isinstance(size, int) and 8 <= size <= 24:
        font = app.font()
        font.setPointSize(size)
        app.setFont(font)
    window.open_database_after_paint(database_argument(argv))
    window.show()
    return app, window


def database_argument(argv: list[str]) -> str | None:
    """``--db PATH`` or ``--db=PATH`` (argparse would cost the first paint its import)."""
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg.split("=", 1)[1]
    return None


def run_gui(argv: list[str]) -> int:
    import logging

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic reports every migration context at INFO; that says nothing to an office user.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app, _window = start_gui(argv)
    return app.exec()
