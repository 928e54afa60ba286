"""专家服务基层调度 (Expert Dispatch).

With no arguments: opens the desktop window. With a subcommand: runs the same services from
the command line (``main.py --help`` lists them).
"""

from __future__ import annotations

import contextlib
import sys


def _utf8_streams() -> None:
    # A Windows console or a pipe may default to a legacy code page; Chinese must survive.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(OSError, ValueError):
                reconfigure(encoding="utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _utf8_streams()
    if not argv or argv[0] == "gui" or (argv[0].startswith("--db") and len(argv) <= 2):
        from ui.app import run_gui  # Qt is imported only when a window is wanted

        return run_gui(argv[1:] if argv and argv[0] == "gui" else argv)
    from services.cli import run

    return run(argv, launch_gui=_launch_gui)


def _launch_gui(argv: list[str]) -> int:
    from ui.app import run_gui

    return run_gui(argv)


if __name__ == "__main__":
    sys.exit(main())
