"""Long work off the GUI thread: the one helper every screen uses.

A screen hands a plain function to ``TaskRunner.run``; the function runs on a worker thread
with a ``TaskControl`` (progress, cancel check, partial results) and never touches a widget.
Its result, partial results, progress and errors come back on the GUI thread, where the
callbacks run. The window never freezes, and a status-bar panel (``ProgressPanel``) shows a
progress bar with a 取消 button for work that asks for one.

This follows Anki's ``CollectionOp`` (work function + success callback on the GUI thread) and
Orange's concurrent helpers (a Qt-free progress callback and cancel check the services take:
pass ``control.progress`` and ``control.cancelled`` straight to a service).

Errors: a ``ServiceError`` is the user's business and its Chinese message is shown as is
(or handed to ``on_error``); anything else is a bug, logged with its traceback and shown as an
internal error with the details folded away.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

_frozen_at_modules = 0


def _freeze_imports() -> None:
    """Move what the program has imported so far out of the garbage collector's sight
    (``gc.freeze``), once new modules came in (the start-up's, then a screen's first use of
    the solver, the PDF and font libraries …).

    Why: a full collection walks every object the collector tracks, and the modules of
    SQLAlchemy, OR-Tools/pandas and reportlab are hundreds of thousands of them. When a worker
    triggers one, it holds the GIL for 100–300 ms and the window freezes. Modules, classes
    and functions live as long as the program, so there is nothing to collect among them.
    The young generations are collected first so that today's garbage is not frozen with
    them; what garbage already sits in the oldest generation stays (a few kB, once per
    burst of imports)."""
    global _frozen_at_modules
    import sys

    if len(sys.modules) - _frozen_at_modules < 20:
        return
    import gc

    _frozen_at_modules = len(sys.modules)
    gc.collect(1)
    gc.freeze()


_import_lock = threading.Lock()


def import_quietly(*modules: str, native: tuple[str, ...] = ()) -> None:
    """Import ``modules`` (a worker's first use of a big library) with the garbage collector
    paused, then freeze what came in; load the extension modules named in ``native`` first
    with the GIL released.

    Why: importing OR-Tools with pandas, or reportlab and pdfium, creates a few hundred
    thousand objects that live as long as the program; while they come in they trigger full
    collections that walk them all with the GIL held (70–250 ms here: the window freezes).
    Paused, nothing is walked; frozen, they are never walked again. Whatever garbage the
    other threads leave during these few hundred ms is frozen with them (small, once).

    An import loads an extension module's shared library holding the GIL; OR-Tools' is
    33 MB and its loading froze the window for 80–115 ms. Loaded beforehand through a plain
    foreign call (``dlopen``/``LoadLibraryExW`` by ctypes, which releases the GIL), the
    import then finds it in memory."""
    import gc
    import importlib
    import sys

    if all(name in sys.modules for name in modules):
        return
    with _import_lock:
        enabled = gc.isenabled()
        gc.disable()
        try:
            for name in native:
                _preload_native(name)
            for name in modules:
                importlib.import_module(name)
        finally:
            gc.freeze()
            if enabled:
                gc.enable()


def _preload_native(name: str) -> None:
    """Load the shared library of extension module ``name`` (and what it links) with the GIL
    released; quietly nothing if it cannot be found or loaded (the import then does it)."""
    import ctypes
    import importlib.util
    import os
    import sys

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    path = spec.origin if spec is not None else None
    if not path or not path.endswith((".so", ".pyd")):
        return
    try:
        if sys.platform == "win32":
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
            load = kernel32.LoadLibraryExW
            load.restype = ctypes.c_void_p
            load.argtypes = [ctypes.c_wchar_p, ctypes.c_void_p, ctypes.c_uint32]
            # LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS: the
            # library's own folder for what it links, as the import would.
            load(path, None, 0x00000100 | 0x00001000)
        else:
            libc = ctypes.CDLL(None)
            dlopen = libc.dlopen
            dlopen.restype = ctypes.c_void_p
            dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
            # The flags the import will use: it then gets the same, loaded, library.
            dlopen(os.fsencode(path), sys.getdlopenflags())
    except (OSError, AttributeError):
        return


def _log() -> Any:
    import logging  # here: the first paint does not wait for the logging package

    return logging.getLogger(__name__)


class TaskCancelled(Exception):
    """Raised inside a work function (by ``TaskControl.progress``/``check``) once the user
    pressed 取消; the task then ends quietly, without its success callback."""


class TaskControl:
    """What a work function receives. Qt-free: services take ``progress`` and ``cancelled``.

    ``progress(done, total, text)`` reports (throttled to a few updates a second) and raises
    ``TaskCancelled`` after a cancel; ``cancelled()`` asks; ``check()`` raises if cancelled;
    ``publish(value)`` delivers a partial result to ``on_partial`` on the GUI thread (a list
    shows its rows while the search index is still being built).
    """

    _INTERVAL = 0.05

    def __init__(self, task: Task) -> None:
        self._task = task
        self._cancel = threading.Event()
        self._last = 0.0

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise TaskCancelled

    def progress(self, done: int, total: int, text: str = "") -> None:
        self.check()
        now = time.monotonic()
        if now - self._last >= self._INTERVAL or done >= total:
            self._last = now
            self._task._emit(self._task._progress, int(done), int(total), str(text))

    def publish(self, value: Any) -> None:
        self.check()
        self._task._emit(self._task._partial, value)


class Task(QObject):
    """One piece of work. Signals: ``progressed(done, total, text)``, ``ended()`` (after the
    callbacks, whatever the outcome). Attributes: ``label``, ``control``, ``show_progress``,
    ``state`` (``running``, ``done``, ``failed``, ``cancelled``)."""

    progressed = Signal(int, int, str)
    ended = Signal()
    # Emitted on the worker thread; received on the GUI thread (queued).
    _progress = Signal(int, int, str)
    _partial = Signal(object)
    _done = Signal(object)
    _failed = Signal(object, str)
    _cancelled = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        fn: Callable[[TaskControl], Any],
        *,
        label: str,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[Exception], bool | None] | None,
        on_partial: Callable[[Any], None] | None,
        owner: QObject | None,
        show_progress: bool,
    ) -> None:
        super().__init__(runner)
        self.runner = runner
        self.fn = fn
        self.label = label
        self.on_done = on_done
        self.on_error = on_error
        self.on_partial = on_partial
        self.owner = owner
        self.show_progress = show_progress
        self.control = TaskControl(self)
        self.state = "running"
        self._progress.connect(self._on_progress)
        self._partial.connect(self._on_partial)
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)
        self._cancelled.connect(self._on_cancelled)

    def cancel(self) -> None:
        self.control.cancel()

    def _emit(self, signal: Any, *args: Any) -> None:
        # RuntimeError: the task object is gone (window closed) and nobody is listening.
        with contextlib.suppress(RuntimeError):
            signal.emit(*args)

    def _owner_alive(self) -> bool:
        if self.owner is None:
            return True
        import shiboken6  # here: importing it at start-up costs the first paint ~0.1 s

        return shiboken6.isValid(self.owner)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progressed.emit(done, total, text)

    @Slot(object)
    def _on_partial(self, value: Any) -> None:
        if self.on_partial is not None and self._owner_alive() and not self.control.cancelled():
            self.on_partial(value)

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        self.state = "done"
        try:
            if self.on_done is not None and self._owner_alive():
                self.on_done(result)
        finally:
            self._finish()

    @Slot(object, str)
    def _on_failed(self, exc: Exception, details: str) -> None:
        self.state = "failed"
        try:
            if self._owner_alive():
                handled = self.on_error(exc) if self.on_error is not None else False
                if not handled:
                    self.runner.report_error(exc, details, self.owner)
        finally:
            self._finish()

    @Slot()
    def _on_cancelled(self) -> None:
        self.state = "cancelled"
        self._finish()

    def _finish(self) -> None:
        _freeze_imports()
        self.runner._forget(self)
        self.ended.emit()
        self.deleteLater()


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task
        self.fn = task.fn
        self.control = task.control

    def run(self) -> None:
        task = self.task
        try:
            self.control.check()
            result = self.fn(self.control)
        except TaskCancelled:
            task._emit(task._cancelled)
        except Exception as exc:
            task._emit(task._failed, exc, traceback.format_exc())
        else:
            if self.control.cancelled():
                task._emit(task._cancelled)
            else:
                task._emit(task._done, result)
        finally:
            self.task = None  # type: ignore[assignment]
            self.fn = None  # type: ignore[assignment]


class TaskRunner(QObject):
    """Runs tasks on its own small thread pool. Signals: ``started(Task)`` and
    ``finished(Task)`` for every task; ``error_reporter`` shows errors nobody handled.

    Each task opens its own session (the database's sessions are per thread); two workers
    let a save go through while a big list is still loading.
    """

    started = Signal(object)
    finished = Signal(object)

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._tasks: list[Task] = []
        self._runnables: dict[Task, _Runnable] = {}
        self.error_reporter: Callable[[Exception, str, QObject | None], None] | None = None

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    @property
    def tasks(self) -> list[Task]:
        return list(self._tasks)

    def run(
        self,
        fn: Callable[[TaskControl], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], bool | None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        label: str = "",
        progress: bool = False,
        owner: QObject | None = None,
    ) -> Task:
        """Start ``fn(control)`` on a worker. ``on_done(result)``, ``on_partial(value)`` and
        ``on_error(exc)`` run on the GUI thread, and only while ``owner`` (a widget) still
        exists. ``on_error`` returns True when it has shown the error itself. ``progress``:
        show the progress panel with 取消."""
        task = Task(self, fn, label=label, on_done=on_done, on_error=on_error,
                    on_partial=on_partial, owner=owner, show_progress=progress)
        runnable = _Runnable(task)
        self._tasks.append(task)
        self._runnables[task] = runnable
        self.started.emit(task)
        self.pool.start(runnable)
        return task

    def _forget(self, task: Task) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        self._runnables.pop(task, None)
        self.finished.emit(task)

    def cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel everything and wait for the workers (before the database closes)."""
        self.cancel_all()
        return self.pool.waitForDone(timeout_ms)

    def report_error(self, exc: Exception, details: str, owner: QObject | None) -> None:
        from services.errors import ServiceError  # light: no SQLAlchemy behind it

        if not isinstance(exc, ServiceError):
            _log().error("后台任务出错：%s\n%s", exc, details)
        if self.error_reporter is not None:
            self.error_reporter(exc, details, owner)


class ProgressPanel(QWidget):
    """The status bar's progress: what runs, a bar, and 取消. Hidden when nothing with
    ``progress=True`` runs; shows the latest such task."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(self.fontMetrics().horizontalAdvance("0") * 24)
        self.bar.setTextVisible(True)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText(self.tr("取消"))
        self.cancel_button.setToolTip(self.tr("停止正在进行的工作"))
        self.cancel_button.clicked.connect(self.cancel_current)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._shown: list[Task] = []
        runner.started.connect(self._on_started)
        runner.finished.connect(self._on_finished)
        self.hide()

    @property
    def current(self) -> Task | None:
        return self._shown[-1] if self._shown else None

    @Slot(object)
    def _on_started(self, task: Task) -> None:
        if not task.show_progress:
            return
        self._shown.append(task)
        task.progressed.connect(self._on_progress)
        self.label.setText(task.label or self.tr("正在处理…"))
        self.bar.setRange(0, 0)  # busy until the first report
        self.cancel_button.setEnabled(True)
        self.show()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, text: str) -> None:
        if self.sender() is not self.current:
            return
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if text:
            self.label.setText(text)

    @Slot(object)
    def _on_finished(self, task: Task) -> None:
        if task in self._shown:
            self._shown.remove(task)
        current = self.current
        if current is None:
            self.hide()
        else:
            self.label.setText(current.label)

    @Slot()
    def cancel_current(self) -> None:
        task = self.current
        if task is not None:
            task.cancel()
            self.label.setText(self.tr("正在取消…"))
            self.cancel_button.setEnabled(False)
