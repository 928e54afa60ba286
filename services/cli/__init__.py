"""The command line: the same services as the GUI, without a screen.

Each module listed in ``COMMAND_MODULES`` has ``register(subparsers)``, which adds its
subcommand and sets ``handler`` (``args -> exit code``). Service errors print their Chinese
message on stderr and exit 2; argparse's own messages are Chinese too.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from services.errors import ServiceError

COMMAND_MODULES = (
    "demo", "needs", "experts", "units", "places", "calendar", "match", "schedule", "print",
    "template", "importer", "export", "package", "backup", "restore", "selftest",
    "outcome", "report", "ledger", "users", "audit", "dispatches",
)

_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "expected one argument": "需要一个参数",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "选项不明确：%(option)s 可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
}


def _translate(message: str) -> str:
    return _ARGPARSE_ZH.get(message, message)


# argparse looks its messages up through its module-level gettext alias.
argparse._ = _translate  # type: ignore[attr-defined]


class ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n请用 --help 查看用法。\n")


def build_parser() -> ChineseArgumentParser:
    parser = ChineseArgumentParser(
        prog="main.py",
        description="专家服务基层调度。不带参数运行时打开图形界面；子命令在命令行完成同样的工作。",
    )
    parser.add_argument("--version", action="version", version=_version(), help="显示版本号并退出")
    sub = parser.add_subparsers(title="子命令", metavar="命令", parser_class=ChineseArgumentParser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"services.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"services.cli.{name}":
                continue  # a feature not in this build
            raise
        module.register(sub)
    return parser


def _version() -> str:
    from services.about import APP_VERSION

    return f"专家服务基层调度 {APP_VERSION}"


def run(argv: Sequence[str], launch_gui: Callable[[list[str]], int] | None = None) -> int:
    """Run one subcommand. ``launch_gui`` (given by main.py) opens the window for commands
    that end in it (``demo --open``); this package never imports Qt itself."""
    parser = build_parser()
    args = parser.parse_args(list(argv))
    args.launch_gui = launch_gui
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except ServiceError as exc:
        sys.stderr.write(f"错误：{exc.message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("已取消。\n")
        return 130
    except BrokenPipeError:
        return 0
