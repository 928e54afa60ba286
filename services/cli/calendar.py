"""``main.py calendar terms|days|phases|upcoming|holidays|holiday-add|holiday-delete``.

``terms`` and ``days`` print CSV in a fixed form that scripts rely on (see docs/calendar.md).
``days`` and ``phases`` read the database only if one already exists (for the office's own
holidays, its region and its edited phases); they never create one.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import inspect

from services import paths
from services.calendar import (
    DEFAULT_REGION,
    HolidayCalendar,
    days_between,
    load_catalogue,
    occurrence,
    parse_spec,
    phases_upcoming,
    solar_terms,
    statutory_calendar,
    store,
)
from services.cli.common import add_db_option, add_format_option, emit, open_db
from services.database import Database, open_database
from services.errors import CalendarError, ServiceError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calendar", help="农时日历：节气、农历、节假日、农时")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("terms", help="某年二十四节气的交节时刻（北京时间，CSV）")
    p.add_argument("year", metavar="YEAR", help="公历年份，1900—2100")
    p.set_defaults(handler=print_terms)

    p = actions.add_parser("days", help="逐日农历、节气、节假日（CSV）")
    add_db_option(p)
    p.add_argument("start", metavar="START", help="开始日期，如 2026-05-01")
    p.add_argument("end", metavar="END", help="结束日期（含），如 2026-05-31")
    p.set_defaults(handler=print_days)

    p = actions.add_parser("phases", help="某农业区的农时及其日期")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--region", help="农业区，如 西南（默认：设置中的本县农业区）")
    p.add_argument("--crop", help="只列出该产业，如 茶叶")
    p.add_argument("--year", help="年份（默认今年）")
    p.set_defaults(handler=print_phases)

    p = actions.add_parser("upcoming", help="正在进行或即将开始的农时")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--region", help="农业区（默认：设置中的本县农业区）")
    p.add_argument("--crop", help="只看该产业")
    p.add_argument("--days", default="30", help="往后看多少天（默认 30）")
    p.add_argument("--date", help="从哪天算起（默认今天）")
    p.set_defaults(handler=print_upcoming)

    p = actions.add_parser("holidays", help="某年的法定节假日、调休上班日和本单位自定义节假日")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("year", metavar="YEAR", help="公历年份")
    p.set_defaults(handler=print_holidays)

    p = actions.add_parser("holiday-add", help="增加本单位自定义的放假日或上班日")
    add_db_option(p)
    p.add_argument("date", metavar="DATE", help="日期，如 2026-07-15")
    p.add_argument("name", metavar="NAME", help="名称，如 县庆")
    p.add_argument("--workday", action="store_true", help="这一天上班（默认：放假）")
    p.add_argument("--note", default="", help="说明")
    p.set_defaults(handler=add_holiday)

    p = actions.add_parser("holiday-delete", help="删除本单位自定义的节假日")
    add_db_option(p)
    p.add_argument("date", metavar="DATE", help="日期")
    p.set_defaults(handler=delete_holiday)


# -- argument parsing (Chinese errors, never a traceback) ---------------------------------------


def parse_year(text: str | None, default: int | None = None) -> int:
    if text is None or str(text).strip() == "":
        if default is None:
            raise CalendarError("请给出年份。")
        return default
    try:
        return int(str(text).strip())
    except ValueError:
        raise CalendarError(f"年份“{text}”不是数字，请写成如 2026。") from None


def parse_iso_date(text: str, label: str = "日期") -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise CalendarError(f"{label}“{text}”格式不对，应为 YYYY-MM-DD，如 2026-05-01。") from None


def parse_days(text: str) -> int:
    try:
        days = int(str(text).strip())
    except ValueError:
        raise CalendarError(f"天数“{text}”不是整数。") from None
    if not 0 <= days <= 366:
        raise CalendarError("天数应在 0 到 366 之间。")
    return days


# -- the existing database, if any ---------------------------------------------------------------


@contextmanager
def existing_database(args: argparse.Namespace) -> Iterator[Database | None]:
    """The database the program would open, if it already exists; never creates one.

    Opened without upgrading or syncing: these commands only read, and an older database
    simply lacks the calendar tables (then the bundled data is used).
    """
    db_arg = getattr(args, "db", None)
    url = paths.resolve_database_url(db_arg)
    file = paths.sqlite_path(url)
    if file is not None and not file.is_file():
        if db_arg:
            raise CalendarError(f"找不到数据库文件“{file}”。")
        yield None
        return
    try:
        database = open_database(url, upgrade=False, sync_reference=False)
    except ServiceError as exc:
        sys.stderr.write(f"提示：无法读取数据库（{exc.message}），只使用程序自带的数据。\n")
        yield None
        return
    try:
        yield database
    finally:
        database.close()


def _has_table(database: Database, name: str) -> bool:
    return inspect(database.engine).has_table(name)


def _holidays_from(database: Database | None) -> HolidayCalendar:
    if database is None or not _has_table(database, "holiday"):
        return statutory_calendar()
    with database.session() as session:
        return store.holiday_calendar(session)


def _region(database: Database | None, given: str | None) -> str:
    if given:
        load_catalogue().check_region(given.strip())
        return given.strip()
    if database is None:
        return DEFAULT_REGION
    with database.session() as session:
        return store.county_region(session)


def _phases(database: Database | None, region: str, crop: str | None) -> list:  # type: ignore[type-arg]
    if database is not None and _has_table(database, "crop_phase"):
        with database.session() as session:
            rows = store.list_phases(session, region, crop)
        if rows:
            return rows
    return load_catalogue().phases_for(region, crop)


# -- handlers -----------------------------------------------------------------------------------


def print_terms(args: argparse.Namespace) -> int:
    terms = solar_terms(parse_year(args.year))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["term", "moment"])
    for term in terms:
        writer.writerow([term.name, term.moment.strftime("%Y-%m-%d %H:%M:%S")])
    return 0


def print_days(args: argparse.Namespace) -> int:
    start = parse_iso_date(args.start, "开始日期")
    end = parse_iso_date(args.end, "结束日期")
    days_between(start, start)  # range checks before touching any database
    days_between(end, end)
    if end < start:
        raise CalendarError(f"结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}，请检查。")
    with existing_database(args) as database:
        holidays = _holidays_from(database)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["date", "lunar_month", "lunar_day", "is_leap", "solar_term", "holiday"])
    for cell in days_between(start, end, holidays=holidays):
        writer.writerow(
            [
                cell.date.isoformat(),
                cell.lunar.month,
                cell.lunar.day,
                int(cell.lunar.is_leap),
                cell.solar_term or "",
                cell.holiday_name,
            ]
        )
    return 0


PHASE_COLUMNS = (
    ("key", "键"),
    ("crop", "产业"),
    ("name", "农时"),
    ("start", "开始"),
    ("end", "结束"),
    ("rule", "规则"),
    ("ideal", "最佳时点"),
    ("help", "所需帮扶"),
    ("edited", "已修改"),
)


def print_phases(args: argparse.Namespace) -> int:
    year = parse_year(args.year, dt.date.today().year)
    with existing_database(args) as database:
        region = _region(database, args.region)
        phases = _phases(database, region, args.crop)
    if args.crop and not phases:
        raise CalendarError(f"农业区“{region}”的农时目录中没有产业“{args.crop}”。")
    rows = []
    for phase in phases:
        occ = occurrence(phase, year)
        rows.append(
            {
                "key": phase.key,
                "crop": phase.crop,
                "name": phase.name,
                "start": occ.start,
                "end": occ.end,
                "rule": f"{parse_spec(phase.start_spec).describe()} 至 "
                f"{parse_spec(phase.end_spec).describe()}",
                "ideal": occ.ideal,
                "help": list(phase.help),
                "edited": bool(getattr(phase, "user_edited", False)),
            }
        )
    emit(rows, PHASE_COLUMNS, args.format)
    return 0


def print_upcoming(args: argparse.Namespace) -> int:
    today = parse_iso_date(args.date, "日期") if args.date else dt.date.today()
    days = parse_days(args.days)
    with existing_database(args) as database:
        region = _region(database, args.region)
        phases = _phases(database, region, args.crop)
    rows = [
        {
            "key": o.phase.key,
            "crop": o.phase.crop,
            "name": o.phase.name,
            "start": o.start,
            "end": o.end,
            "state": "进行中" if o.is_active(today) else f"{o.days_until_start(today)}天后开始",
            "help": list(o.phase.help),
        }
        for o in phases_upcoming(region, today, days, crop=args.crop, phases=phases)
    ]
    emit(
        rows,
        (("key", "键"), ("crop", "产业"), ("name", "农时"), ("start", "开始"), ("end", "结束"),
         ("state", "状态"), ("help", "所需帮扶")),
        args.format,
    )  # fmt: skip
    return 0


def print_holidays(args: argparse.Namespace) -> int:
    year = parse_year(args.year)
    days_between(dt.date(year, 1, 1), dt.date(year, 1, 1))  # range check
    with existing_database(args) as database:
        calendar = _holidays_from(database)
    note = calendar.announcement_note(year)
    if note and args.format == "text":
        print(note)
    rows = [
        {
            "date": e.date,
            "name": e.name,
            "kind": "放假" if e.kind == "holiday" else "上班",
            "source": "本单位" if e.source == "user" else "国务院",
            "note": e.note,
        }
        for e in calendar.entries_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
    ]
    emit(
        rows,
        (("date", "日期"), ("name", "名称"), ("kind", "放假/上班"), ("source", "来源"),
         ("note", "说明")),
        args.format,
    )  # fmt: skip
    return 0


def add_holiday(args: argparse.Namespace) -> int:
    data = {
        "date": args.date,
        "name": args.name,
        "kind": "workday" if args.workday else "holiday",
        "note": args.note,
    }
    with open_db(args).unit_of_work() as uow:
        row = store.add_holiday(uow.session, data)
        uow.commit()
        kind = "上班" if row.kind == "workday" else "放假"
        print(f"已增加自定义节假日：{row.date.isoformat()} {row.name}（{kind}）")
    return 0


def delete_holiday(args: argparse.Namespace) -> int:
    with open_db(args).unit_of_work() as uow:
        row = store.get_holiday(uow.session, args.date)
        label = f"{row.date.isoformat()} {row.name}"
        store.delete_holiday(uow.session, row.id)
        uow.commit()
    print(f"已删除自定义节假日：{label}")
    return 0
