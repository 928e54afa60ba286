"""``main.py selftest``: checks that the program can run here, prints OK or what failed."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import tempfile
from pathlib import Path

from services.cli.common import add_db_option

# Libraries the program loads, named by the module it imports: a Windows bundle missing a
# DLL fails here, with the library's name, instead of halfway through a user's work.
MODULES = ("sqlalchemy", "alembic", "reportlab", "reportlab.pdfbase.ttfonts", "PIL.Image",
           "dateutil", "platformdirs", "lunar_python", "pypinyin", "openpyxl", "python_calamine",
           "pypdfium2", "numpy", "pandas", "ortools.sat.python.cp_model", "psycopg", "sqlite3",
           "models")
# Every module of these packages is imported too (features are found, not listed by hand).
PACKAGES = ("services",)
# With --gui: Qt's modules the windows use, then every window module.
GUI_MODULES = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets")
GUI_PACKAGES = ("ui",)


def package_modules(package: str) -> list[str]:
    """``package`` and every module below it, by name, without importing them."""
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        names.append(info.name)
    return names


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("selftest", help="自检：检查依赖、数据库创建与迁移，输出 OK 或问题所在")
    add_db_option(p)
    p.add_argument("--gui", action="store_true", help="同时检查图形界面组件（Qt）能否加载")
    p.set_defaults(handler=selftest)


def _check(name: str, fn) -> str | None:  # type: ignore[no-untyped-def]
    try:
        fn()
    except Exception as exc:
        return f"{name}：{type(exc).__name__}: {exc}"
    return None


def _import(name: str) -> None:
    importlib.import_module(name)


def _qt_application() -> None:
    """The platform plugin (qwindows.dll on Windows) and its DLLs load: a QApplication can be
    made. Through importlib, like the imports above: services/ never imports Qt itself."""
    widgets = importlib.import_module("PySide6.QtWidgets")
    if widgets.QApplication.instance() is None:
        app = widgets.QApplication(["selftest"])
        app.processEvents()


def selftest(args: argparse.Namespace) -> int:
    failures: list[str] = []
    modules = list(MODULES)
    for package in PACKAGES:
        if (err := _check(f"无法加载模块 {package}",
                          lambda p=package: modules.extend(package_modules(p)))):
            failures.append(err)
    for module in dict.fromkeys(modules):
        if (err := _check(f"无法加载模块 {module}", lambda m=module: _import(m))):
            failures.append(err)
    if args.gui:
        gui_modules = list(GUI_MODULES)
        for package in GUI_PACKAGES:
            if (err := _check(f"无法加载模块 {package}",
                              lambda p=package: gui_modules.extend(package_modules(p)))):
                failures.append(err)
        for module in dict.fromkeys(gui_modules):
            if (err := _check(f"无法加载 Qt 模块 {module}", lambda m=module: _import(m))):
                failures.append(err)
        if not failures and (err := _check("无法启动 Qt 图形界面", _qt_application)):
            failures.append(err)

    def fonts() -> None:
        from services.documents.fonts import font_set

        assert font_set().has_glyph("派", "fangsong"), "打印字体缺少汉字"

    def solver() -> None:
        from ortools.sat.python import cp_model

        model = cp_model.CpModel()
        x = model.new_int_var(0, 3, "x")
        model.maximize(x)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(model) == cp_model.OPTIMAL and solver.value(x) == 3, "排程求解器异常"

    for name, check in (("无法载入打印字体", fonts), ("排程求解器（OR-Tools）无法运行", solver)):
        if (err := _check(name, check)):
            failures.append(err)

    def fresh_database() -> None:
        from sqlalchemy import select

        from models import Field, NeedStatus
        from services import needs, places, units
        from services.database import current_revision, head_revision, open_database

        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(str(Path(tmp) / "selftest.db"))
            try:
                assert current_revision(db.engine) == head_revision(), "迁移未到最新版本"
                with db.unit_of_work("自检") as uow:
                    s = uow.session
                    assert s.scalars(select(Field)).first() is not None, "专业领域未载入"
                    places.create_township(s, {"name": "自检镇"})
                    unit = units.create_unit(s, {"name": "自检单位", "township": "自检镇"})
                    need = needs.create_need(
                        s, {"title": "自检需求", "unit": unit.code, "field": "茶叶"}, uow.actor
                    )
                    needs.set_status(s, need.code, NeedStatus.REVIEWED, uow.actor)
                    uow.commit()
            finally:
                db.close()

    if (err := _check("无法创建和迁移数据库", fresh_database)):
        failures.append(err)
    if args.db:
        def existing() -> None:
            from services.database import open_database

            open_database(args.db).close()

        if (err := _check(f"无法打开数据库 {args.db}", existing)):
            failures.append(err)
    if failures:
        print("自检发现问题：")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print("OK")
    return 0
