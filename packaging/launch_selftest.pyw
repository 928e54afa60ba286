"""Start-menu entry 自检: runs ``main.py selftest --gui`` and shows the result in a window.

The self-test runs in a child python.exe (no console window) so that its output is exactly
that of ``main.py selftest`` and a crash in it cannot take this window down. The result is
also written to selftest.log in the data folder, for a phone call with whoever supports the
office.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PKGS = os.path.join(HERE, "pkgs")
sys.path.insert(0, PKGS)
TITLE = "专家服务基层调度 · 自检"


def run_selftest() -> tuple[bool, str]:
    python = os.path.join(os.path.dirname(sys.executable), "python.exe")
    if not os.path.isfile(python):
        python = sys.executable
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUTF8="1")
    try:
        done = subprocess.run(
            [python, os.path.join(PKGS, "main.py"), "selftest", "--gui"],
            capture_output=True, env=env, timeout=600, cwd=HERE,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"无法运行自检：{exc}"
    out = (done.stdout + done.stderr).decode("utf-8", errors="replace").strip()
    return done.returncode == 0, out or f"自检没有输出（退出码 {done.returncode}）"


def save(text: str) -> str:
    try:
        from services.paths import data_dir

        path = data_dir() / "selftest.log"
        path.write_text(text + "\n", encoding="utf-8")
        return str(path)
    except Exception:
        return ""


def show(ok: bool, text: str, log_path: str) -> None:
    headline = "自检通过，程序可以正常使用。" if ok else "自检发现问题，请把下面的内容告诉技术支持人员。"
    body = f"{text}\n\n结果已保存到：{log_path}" if log_path else text
    try:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance() or QApplication(sys.argv[:1])
        box = QMessageBox(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning,
                          TITLE, headline)
        box.setInformativeText(body)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()
        del app
    except Exception:
        # Qt itself may be what is broken: the plain Windows message box still shows it.
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, f"{headline}\n\n{body}", TITLE,
                                         0x40 if ok else 0x30)


def main() -> int:
    ok, text = run_selftest()
    show(ok, text, save(text))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
