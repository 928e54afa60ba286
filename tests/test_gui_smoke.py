"""The main window opens on a small database and lists its needs and experts (pytest-qt).

Qt warnings fail these tests (``qt_log_level_fail = "WARNING"`` in pyproject.toml), and every
table model must pass pytest-qt's model tester.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt

from services import needs
from tests.conftest import County

pytestmark = pytest.mark.usefixtures("qapp")

NEED_TITLES = ("茶园春季修剪与施肥指导", "夏秋茶病虫害绿色防控", "茶叶加工工艺改进", "已删除的需求")


@pytest.fixture
def window(qtbot: Any, db: Any, uow: Any, county: County) -> Iterator[Any]:
    from ui.main_window import MainWindow

    with uow() as u:
        for i, title in enumerate(NEED_TITLES):
            need = needs.create_need(u.session, {
                "title": title, "unit": county.coop if i % 2 == 0 else county.clinic,
                "field": "茶叶", "submitted_on": date(2026, 2, 1 + i),
                "window_start": date(2026, 3 + i, 1), "window_end": date(2026, 3 + i, 28),
            }, u.actor)
            if title == "已删除的需求":
                needs.delete_need(u.session, need.code)
        u.commit()
    main = MainWindow(db, state_path=None)  # state in memory: no file, no saved layout
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()  # closeEvent stops the workers before the database goes


def loaded_page(window: Any, qtbot: Any, key: str) -> Any:
    page = window.show_page(key)
    assert page is not None, f"no page {key!r} in {[s.key for s in window.specs]}"
    qtbot.waitUntil(lambda: page.loaded and not window.tasks.busy, timeout=20_000)
    return page


def column(model: Any, key: str) -> int:
    return [c.key for c in model.columns].index(key)


def shown(model: Any, key: str) -> list[str]:
    col = column(model, key)
    return [model.data(model.index(row, col), Qt.ItemDataRole.DisplayRole)
            for row in range(model.rowCount())]


def test_window_opens_with_navigation(window: Any, qtbot: Any) -> None:
    assert window.isVisible()
    assert window.windowTitle() == "专家服务基层调度"
    keys = [s.key for s in window.specs]
    assert {"needs", "experts"} <= set(keys)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "需求清单" in titles and "专家库" in titles
    assert window.database is not None


def test_needs_list(window: Any, qtbot: Any, qtmodeltester: Any) -> None:
    model = loaded_page(window, qtbot, "needs").model
    assert model.rowCount() == 3  # the deleted need is in the recycle bin, not here
    assert sorted(shown(model, "code")) == ["XQ-2026-0001", "XQ-2026-0002", "XQ-2026-0003"]
    assert set(shown(model, "title")) == set(NEED_TITLES[:3])
    code = column(model, "code")
    assert model.headerData(code, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)

    model.sort(code, Qt.SortOrder.DescendingOrder)
    assert shown(model, "code") == ["XQ-2026-0003", "XQ-2026-0002", "XQ-2026-0001"]
    model.sort(code, Qt.SortOrder.AscendingOrder)
    assert shown(model, "code") == ["XQ-2026-0001", "XQ-2026-0002", "XQ-2026-0003"]
    qtmodeltester.check(model, force_py=True)


def test_experts_list(window: Any, qtbot: Any, qtmodeltester: Any) -> None:
    model = loaded_page(window, qtbot, "experts").model
    assert model.rowCount() == 3
    assert set(shown(model, "name")) == {"张明远", "刘慧", "杨志强"}
    name = column(model, "name")
    model.sort(name, Qt.SortOrder.AscendingOrder)
    ascending = shown(model, "name")
    model.sort(name, Qt.SortOrder.DescendingOrder)
    assert shown(model, "name") == list(reversed(ascending))
    qtmodeltester.check(model, force_py=True)


def test_sorting_through_the_view(window: Any, qtbot: Any) -> None:
    page = loaded_page(window, qtbot, "needs")
    code = column(page.model, "code")
    page.table.sortByColumn(code, Qt.SortOrder.DescendingOrder)
    assert shown(page.model, "code")[0] == "XQ-2026-0003"
    page.table.horizontalHeader().setSortIndicator(code, Qt.SortOrder.AscendingOrder)
    assert shown(page.model, "code")[0] == "XQ-2026-0001"
