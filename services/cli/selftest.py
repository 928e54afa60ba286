"""``main.py selftest``: checks that the program can run here, prints OK or what failed."""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path

from services.cli.common import add_db_option

MODULES = ("sqlalchemy", "alembic", "reportlab", "dateutil", "platformdirs", "lunar_python",
           "pypinyin", "models", "services.database", "services.needs", "services.experts",
           "services.workflow")


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


def selftest(args: argparse.Namespace) -> int:
    failures: list[str] = []
    for module in MODULES:
        if (err := _check(f"无法加载模块 {module}", lambda m=module: importlib.import_module(m))):
            failures.append(err)
    if args.gui and (
        err := _check("无法加载 Qt", lambda: importlib.import_module("PySide6.QtWidgets"))
    ):
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
