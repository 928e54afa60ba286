"""``main.py backup [--out PATH] [--list] [--check]``: back the database up, list backups,
or run the start-up check (integrity, then today's automatic backup)."""

from __future__ import annotations

import argparse
from pathlib import Path

from services import backup, paths
from services.cli.common import add_db_option
from services.errors import DatabaseError


def database_file(args: argparse.Namespace) -> Path:
    url = paths.resolve_database_url(getattr(args, "db", None))
    path = paths.sqlite_path(url)
    if path is None:
        raise DatabaseError(paths.SERVER_BACKUP_MESSAGE)
    return path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="备份数据库（可存到 U 盘），列出备份，或检查数据库是否完好")
    add_db_option(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--out", metavar="路径",
                       help="备份到这个文件或文件夹（如 U 盘）；不给时存到数据文件夹的 backups 中")
    group.add_argument("--list", action="store_true", help="列出这个数据库的备份")
    group.add_argument("--check", action="store_true",
                       help="启动检查：检查数据库完整性，完好时做当天的自动备份")
    p.set_defaults(handler=run_backup)


def run_backup(args: argparse.Namespace) -> int:
    path = database_file(args)
    if args.list:
        found = backup.list_backups(path)
        for info in found:
            print(f"{info.label}  {info.path}")
        print(f"共 {len(found)} 份备份，保存在 {paths.backup_dir()}")
        return 0
    if args.check:
        result = backup.startup_check(args.db)
        if not result.ok:
            print(result.message)
            if result.candidate:
                print(f"恢复命令：main.py restore --latest --db \"{path}\"")
            return 1
        print(f"数据库“{path.name}”完好。")
        if result.daily:
            print(f"已做今天的自动备份：{result.daily}")
        if result.message:
            print(result.message)
        return 0
    if not path.exists():
        raise DatabaseError(f"找不到数据库文件“{path}”。")
    target = (backup.manual_backup(path, Path(args.out)) if args.out
              else backup.backup_database(path, "手动"))
    print(f"已备份到：{target}")
    return 0
