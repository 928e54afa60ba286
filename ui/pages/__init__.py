"""The screens of the main window's navigation, as a registry.

Each screen is a module that defines ``PAGE = PageSpec(...)``; ``PAGE_MODULES`` lists them.
The navigation shows only the screens present in this build (a module that does not exist is
skipped, like the CLI's subcommands), ordered by ``order``, so a later feature plugs its screen
in by adding one module name — no empty placeholder pages.

Orders in use: 10 工作台, 20 需求清单, 30 专家库, 40 需求单位, 50 乡镇与村, 60 农时日历,
70 调度计划, 80 派遣单, 84 服务成效, 86 团队与基地, 88 经费, 90 统计报表, 95 审计日志,
100 设置.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QStyle, QWidget

if TYPE_CHECKING:
    from ui.context import AppContext

PAGE_MODULES = (
    "ui.pages.dashboard",
    "ui.pages.needs",
    "ui.pages.experts",
    "ui.pages.units",
    "ui.pages.places",
    # Screens of later features; skipped while their module does not exist.
    "ui.pages.calendar",
    "ui.pages.planning",
    "ui.pages.dispatches",
    "ui.pages.outcomes",
    "ui.pages.organisations",
    "ui.pages.funds",
    "ui.pages.reports",
    "ui.pages.audit",
    "ui.pages.settings",
)


@dataclass(frozen=True)
class PageSpec:
    """One screen: ``key`` (stable, used in saved state and ``AppContext.show_page``),
    ``title`` (the navigation's Chinese label), ``order``, ``factory`` (builds the widget from
    the context; called the first time the screen is shown), ``icon`` (a standard icon),
    ``shortcut`` (e.g. "Ctrl+2")."""

    key: str
    title: str
    order: int
    factory: Callable[[AppContext], QWidget]
    icon: QStyle.StandardPixmap = QStyle.StandardPixmap.SP_FileIcon
    shortcut: str = ""


def load_pages(modules: tuple[str, ...] = PAGE_MODULES) -> list[PageSpec]:
    specs: list[PageSpec] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # a screen not in this build
            raise
        spec = getattr(module, "PAGE", None)
        if isinstance(spec, PageSpec):
            specs.append(spec)
    return sorted(specs, key=lambda s: s.order)


class Page(QWidget):
    """Base of a screen. Hooks the main window calls: ``activate(argument)`` each time the
    screen is shown (with what another screen asked for, e.g. a status to filter by),
    ``save_state()`` before the window closes, ``new_record()`` (菜单“新建”),
    ``focus_search()`` (Ctrl+F), ``refresh()`` (F5), ``can_close()``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def activate(self, argument: Any = None) -> None:
        pass

    def save_state(self) -> None:
        pass

    def new_record(self) -> None:
        pass

    def focus_search(self) -> None:
        pass

    def refresh(self) -> None:
        pass
