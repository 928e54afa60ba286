"""Pictures of the screens: ``python -m ui.screenshot --db demo.db --out docs/`` opens the
main window on a database, shows each screen (the first record selected), and saves
``screen-<page>.png``. Under a real X server (Xvfb in CI) the picture is taken from the
screen itself, so it shows what a person would see; with ``--check`` it exits non-zero when a
picture is blank or no Chinese font is installed. The README's screenshots are made with it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DEFAULT_PAGES = ("dashboard", "needs", "experts", "units", "places", "settings")


def image_is_blank(image: object, *, min_colours: int = 16) -> bool:
    """True when an image is (nearly) one colour: nothing was painted."""
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    if image.isNull() or image.width() < 10 or image.height() < 10:
        return True
    colours: set[int] = set()
    step_x = max(1, image.width() // 120)
    step_y = max(1, image.height() // 80)
    for y in range(0, image.height(), step_y):
        for x in range(0, image.width(), step_x):
            colours.add(image.pixel(x, y))
            if len(colours) >= min_colours:
                return False
    return True


def chinese_fonts() -> list[str]:
    from PySide6.QtGui import QFontDatabase

    return QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)


def expert_form_picture(window: object, settle: object) -> object:
    """The expert form of the first expert with a 17-digit ID number typed in: the service's
    message shows under the field before anything is saved."""
    page = window.show_page("experts")  # type: ignore[attr-defined]
    settle(window)  # type: ignore[operator]
    form = page.open_editor(page.model.row_id(0))
    settle(window)  # type: ignore[operator]
    number = form.fields["id_number"].widget
    number.setText("52010219700512131")
    form._edited("id_number")
    deadline = time.monotonic() + 10
    while not form.field_error("id_number") and time.monotonic() < deadline:
        settle(window, 100)  # type: ignore[operator]
    form.resize(760, 960)
    settle(window, 300)  # type: ignore[operator]
    image = form.grab().toImage()
    form._closing = True
    form.reject()
    return image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshot",
                                     description="把各个界面保存为 PNG 图片。")
    parser.add_argument("--db", required=True, help="数据库文件")
    parser.add_argument("--out", default="docs", help="图片保存的文件夹（默认 docs）")
    parser.add_argument("--pages", default=",".join(DEFAULT_PAGES),
                        help="要截图的界面，逗号分隔")
    parser.add_argument("--size", default="1400x880", help="窗口大小，如 1400x880")
    parser.add_argument("--form", action="store_true",
                        help="再截一张专家表单的图：身份证号填错时，提示显示在该项旁边")
    parser.add_argument("--check", action="store_true",
                        help="图片为空白或没有中文字体时返回非零")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QTableView

    from ui.app import make_application

    app = make_application([sys.argv[0]])
    from services.database import open_database
    from ui.main_window import MainWindow
    from ui.state import UiState

    def settle(window: MainWindow, extra_ms: int = 300) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if not window.tasks.busy:
                break
            time.sleep(0.02)
        end = time.monotonic() + extra_ms / 1000
        while time.monotonic() < end:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    database = open_database(args.db)
    window = MainWindow(database, state=UiState(None))
    window.resize(width, height)
    window.move(0, 0)
    window.show()
    window.raise_()
    window.activateWindow()
    settle(window)
    fonts = chinese_fonts()
    failures = []
    if not fonts:
        failures.append("没有安装中文字体，界面上的中文会显示成方框（请安装 fonts-wqy-microhei）。")
    real_screen = app.platformName() not in ("offscreen", "minimal")
    for key in [k.strip() for k in args.pages.split(",") if k.strip()]:
        page = window.show_page(key)
        if page is None:
            continue
        settle(window)
        table = page.findChild(QTableView)
        if table is not None and table.model() is not None and table.model().rowCount() > 0:
            table.selectRow(0)
            settle(window, 500)
        if real_screen:
            screen = window.screen()
            image = screen.grabWindow(window.winId()).toImage()
        else:
            image = window.grab().toImage()
        path = out / f"screen-{key}.png"
        image.save(str(path))
        blank = image_is_blank(image)
        print(f"{path}  {image.width()}×{image.height()}  {'空白！' if blank else '有内容'}")
        if blank:
            failures.append(f"{path} 是空白的。")
    if args.form:
        path = out / "screen-expert-form.png"
        image = expert_form_picture(window, settle)
        image.save(str(path))
        print(f"{path}  {image.width()}×{image.height()}")
    print("中文字体：" + ("、".join(fonts[:3]) if fonts else "无"))
    window.close()
    database.close()
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if (args.check and failures) else 0


if __name__ == "__main__":
    sys.exit(main())
