"""``main.py restore FILE|--latest``: put a backup back as the database (the current one is
kept as a backup first)."""

from __future__ import annotations

import argparse
from pathlib import Path

from services import backup
from services.cli.backup import database_file
from services.cli.common import add_db_option
from services.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("restore", help="用备份恢复数据库（当前数据库先另存为备份）")
    add_db_option(p)
    p.add_argument("file", nargs="?", metavar="备份文件", help="要恢复的备份文件")
    p.add_argument("--latest", action="store_true", help="用最近一份完好的自动备份恢复")
    p.set_defaults(handler=run_restore)


def run_restore(args: argparse.Namespace) -> int:
    path = database_file(args)
    if args.latest == bool(args.file):
        raise ValidationError.single("file", "请给出一个备份文件，或使用 --latest（二者选一）。")
    if args.latest:
        info = backup.newest_good_backup(path)
        if info is None:
            raise backup.BackupError(f"没有找到“{path.name}”的完好备份。")
        source = info.path
        print(f"使用备份：{info.label}")
    else:
        source = Path(args.file)
    result = backup.restore_backup(path, source)
    print(result.summary)
    return 0
