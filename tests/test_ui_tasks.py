"""ui/tasks.py: work off the GUI thread with results, partial results, progress, cancel and
errors coming back on the GUI thread; the status-bar progress panel."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QWidget

from services.errors import ServiceError
from ui.tasks import ProgressPanel, TaskCancelled, TaskControl, TaskRunner


def gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_result_and_partial_results_arrive_on_the_gui_thread(qtbot) -> None:
    runner = TaskRunner()
    seen: list[tuple[str, object, bool]] = []

    def work(control: TaskControl) -> int:
        assert threading.current_thread() is not threading.main_thread()
        control.publish("rows")
        return 42

    runner.run(work, on_partial=lambda v: seen.append(("partial", v, gui_thread())),
               on_done=lambda v: seen.append(("done", v, gui_thread())))
    qtbot.waitUntil(lambda: not runner.busy)
    assert seen == [("partial", "rows", True), ("done", 42, True)]
    assert runner.shutdown()


def test_progress_shows_in_the_panel_and_cancel_stops_the_work(qtbot) -> None:
    runner = TaskRunner()
    panel = ProgressPanel(runner)
    qtbot.addWidget(panel)
    panel.show()
    started = threading.Event()
    done: list[object] = []

    def work(control: TaskControl) -> str:
        for i in range(1000):
            control.progress(i, 1000, f"第 {i} 项")
            started.set()
            time.sleep(0.01)
        return "finished"

    task = runner.run(work, on_done=done.append, label="正在测试…", progress=True)
    qtbot.waitUntil(lambda: panel.isVisible() and panel.bar.maximum() == 1000)
    assert panel.current is task and "项" in panel.label.text()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert task.state == "cancelled" and done == []
    assert not panel.isVisible()


def test_service_errors_go_to_on_error_or_the_reporter(qtbot) -> None:
    runner = TaskRunner()
    reported: list[tuple[str, str]] = []
    runner.error_reporter = lambda exc, details, owner: reported.append(
        (type(exc).__name__, str(exc)))

    def fail(_control: TaskControl) -> None:
        raise ServiceError("数据库正被其他程序占用。")

    handled: list[str] = []
    runner.run(fail, on_error=lambda exc: handled.append(str(exc)) or True)
    runner.run(fail)

    def bug(_control: TaskControl) -> None:
        raise ZeroDivisionError("division by zero")

    runner.run(bug)
    qtbot.waitUntil(lambda: not runner.busy)
    assert handled == ["数据库正被其他程序占用。"]
    assert sorted(reported) == [("ServiceError", "数据库正被其他程序占用。"),
                                ("ZeroDivisionError", "division by zero")]  # two workers


def test_callbacks_are_skipped_once_the_owner_is_gone(qtbot) -> None:
    runner = TaskRunner()
    owner = QWidget()
    gate = threading.Event()
    called: list[object] = []
    runner.run(lambda _c: gate.wait(5), on_done=called.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(owner))
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert called == []


def test_check_raises_after_cancel() -> None:
    class Fake:
        def _emit(self, *args: object) -> None:
            pass

        _progress = _partial = None

    control = TaskControl(Fake())  # type: ignore[arg-type]
    control.check()
    control.cancel()
    assert control.cancelled()
    try:
        control.progress(1, 2)
    except TaskCancelled:
        pass
    else:  # pragma: no cover
        raise AssertionError("progress after cancel must raise")
