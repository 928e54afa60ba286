"""Start-menu and desktop shortcut: opens the program (pythonw.exe, no console window).

Installed beside pkgs/ (the app and its libraries) and Python/ (the embedded interpreter).
"""

import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "pkgs"))


def _log_file() -> str:
    try:
        from services.paths import data_dir

        return str(data_dir() / "program.log")
    except Exception:
        return os.path.join(os.environ.get("TEMP", HERE), "expert-dispatch.log")


def _show_error(text: str) -> None:
    # Qt may be the thing that failed to load: the plain Windows message box always works.
    try:
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, text, "专家服务基层调度", 0x10)
    except Exception:
        pass


def main() -> int:
    log_path = _log_file()
    # pythonw.exe has no console: anything printed goes to the log in the data folder.
    log = open(log_path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
    sys.stdout = sys.stderr = log
    try:
        import main as app

        return app.main(sys.argv[1:])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        log.flush()
        _show_error(f"程序无法启动。详细信息已写入：\n{log_path}\n\n请运行开始菜单中的“自检”。")
        return 1


if __name__ == "__main__":
    sys.exit(main())
