"""``main.py outcome list|show|record|attach|verify``: service records, receipts and their
attachments from the command line."""

from __future__ import annotations

import argparse
import sys

from models.outcomes import ATTACHMENT_KINDS, SATISFACTION_LEVELS
from services.cli.common import add_db_option, add_format_option, emit, emit_record, open_db
from services.outcomes import agreements, attachments, publicity, records

LIST_COLUMNS = (
    ("code", "派遣编号"),
    ("need_title", "需求"),
    ("expert", "专家"),
    ("unit", "需求单位"),
    ("start_date", "开始日期"),
    ("status_label", "派遣状态"),
    ("record_label", "成效登记"),
    ("people_trained", "培训人次"),
    ("problems_solved", "解决问题"),
    ("attachments", "附件"),
)

# option → (service field, help)
_RECORD_OPTIONS = (
    ("--start", "actual_start", "实际开始日期，如 2026-04-08（默认为派遣开始日期）"),
    ("--end", "actual_end", "实际结束日期"),
    ("--days", "days_served", "服务天数（默认为实际开始到结束的天数）"),
    ("--trainings", "trainings", "培训场次"),
    ("--trained", "people_trained", "培训人次"),
    ("--problems", "problems_solved", "解决问题数"),
    ("--beneficiaries", "beneficiaries", "惠及群众人数"),
    ("--benefit", "economic_benefit", "经济效益（元，估算）"),
    ("--satisfaction", "satisfaction", "满意度 1–5 或 非常满意/满意/基本满意/不太满意/不满意"),
    ("--feedback", "feedback", "服务对象意见"),
    ("--suggestions", "suggestions", "建言献策"),
    ("--summary", "summary", "服务总结"),
    ("--receipt-date", "receipt_received_on", "回执收回日期（填写后，已确认的派遣自动改为已完成）"),
    ("--signed-by", "receipt_signed_by", "回执签字人"),
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("outcome", help="服务成效：服务记录、回执、附件")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("list", help="列出已开展的派遣及其成效登记情况")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--state", choices=tuple(records.RECORD_STATES),
                   help="只列出：none 未登记、recorded 已登记、receipt 已收回执")
    p.set_defaults(handler=list_outcomes)

    p = actions.add_parser("show", help="查看一次派遣的服务记录、回执、附件、签约和宣传报道")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("code", help="派遣编号，如 PQ-2026-0001")
    p.set_defaults(handler=show_outcome)

    p = actions.add_parser("record", help="登记或修改一次派遣的服务记录和回执（只改给出的项）")
    add_db_option(p)
    p.add_argument("code", help="派遣编号")
    for option, dest, text in _RECORD_OPTIONS:
        p.add_argument(option, dest=dest, help=text)
    p.add_argument("--problem", dest="problem_list", action="append", metavar="问题",
                   help="解决的一个问题（可重复给出多次）")
    p.set_defaults(handler=record_outcome)

    p = actions.add_parser("attach", help="给服务记录添加附件（文件复制到数据文件夹并记录校验码）")
    add_db_option(p)
    p.add_argument("code", help="派遣编号")
    p.add_argument("file", help="文件路径")
    p.add_argument("--kind", default="其他", choices=ATTACHMENT_KINDS,
                   help=f"附件类别：{'、'.join(ATTACHMENT_KINDS)}（默认 其他）")
    p.add_argument("--note", default="", help="说明")
    p.set_defaults(handler=attach_file)

    p = actions.add_parser("verify", help="检查全部附件文件是否完好（校验码）")
    add_db_option(p)
    add_format_option(p)
    p.set_defaults(handler=verify_files)


def list_outcomes(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        rows = records.list_rows(session, state=args.state).dicts()
    emit(rows, LIST_COLUMNS, args.format)
    return 0


def show_outcome(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        values = records.form_values(session, args.code)
        has_record = values["version"] is not None
        files = attachments.list_attachments(session, values["dispatch_id"])
        deals = agreements.list_agreements(session, dispatch_id=values["dispatch_id"])
        reports = publicity.list_publicity(session, dispatch_id=values["dispatch_id"])
    pairs: list[tuple[str, object]] = [
        ("派遣编号", values["dispatch_code"]),
        ("需求", f"{values['need_title']}（{values['need_code']}）"),
        ("专家", values["expert"]),
        ("派遣日期", f"{values['start_date']} 至 {values['end_date']}"),
        ("派遣状态", values["status_label"]),
    ]
    if not has_record:
        pairs.append(("服务记录", "未登记（用 outcome record 登记）"))
    else:
        satisfaction = values["satisfaction"]
        pairs += [
            ("实际日期", f"{values['actual_start']} 至 {values['actual_end']}"),
            ("服务天数", values["days_served"]),
            ("培训场次", values["trainings"]),
            ("培训人次", values["people_trained"]),
            ("解决问题数", values["problems_solved"]),
            ("解决的问题", values["problem_list"]),
            ("惠及群众（人）", values["beneficiaries"]),
            ("经济效益（元）", values["economic_benefit"]),
            ("满意度", SATISFACTION_LEVELS.get(satisfaction, "") if satisfaction else "未填"),
            ("服务对象意见", values["feedback"]),
            ("建言献策", values["suggestions"]),
            ("服务总结", values["summary"]),
            ("回执", f"{values['receipt_received_on']} 收回，签字人 {values['receipt_signed_by']}"
             if values["receipt_received_on"] else "未收回"),
        ]
    file_lines = [f"[{f['kind']}] {f['file_name']}（{f['size']} 字节，{f['state_label']}）"
                  for f in files]
    deal_lines = [f"{d['signed_on']} {d['unit']} 聘 {d['expert']} 为{d['role']}"
                  f"（{d['start_date']} 至 {d['end_date'] or '长期'}）" for d in deals]
    report_lines = [f"{r['published_on']} {r['outlet']}《{r['title']}》{r['link']}"
                    for r in reports]
    if args.format == "json":
        pairs += [("附件", file_lines), ("受聘签约", deal_lines), ("宣传报道", report_lines)]
        emit_record(pairs, "json")
        return 0
    for label, lines in (("附件", file_lines), ("受聘签约", deal_lines),
                         ("宣传报道", report_lines)):
        pairs.append((label, "\n    " + "\n    ".join(lines) if lines else "无"))
    emit_record(pairs, args.format)
    return 0


def record_outcome(args: argparse.Namespace) -> int:
    db = open_db(args)
    data = {dest: getattr(args, dest) for _, dest, _ in _RECORD_OPTIONS
            if getattr(args, dest) is not None}
    if args.problem_list:
        data["problem_list"] = args.problem_list
    with db.unit_of_work() as uow:
        existed = records.record_of(uow.session, args.code) is not None
        record = records.save_record(uow.session, args.code, data)
        status = record.dispatch.status
        uow.commit()
        done = "已修改" if existed else "已登记"
        print(f"{done}派遣 {args.code.upper()} 的服务记录：服务 {record.days_served} 天，"
              f"培训 {record.people_trained} 人次，解决问题 {record.problems_solved} 个。")
        if record.receipt_received_on and status.value == "completed":
            print(f"回执已于 {record.receipt_received_on} 收回，派遣为“已完成”。")
    return 0


def attach_file(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        a = attachments.add_attachment(uow.session, args.code, args.file, args.kind, args.note)
        uow.commit()
        print(f"已添加附件“{a.file_name}”（{a.kind}，{a.size} 字节，SHA-256 {a.sha256[:12]}…），"
              f"保存在 {attachments.stored_path(a.stored_name)}")
    return 0


def verify_files(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        checks = attachments.verify(session)
    rows = [{"dispatch": c.dispatch_code, "file_name": c.file_name, "kind": c.kind,
             "state": attachments.CHECK_LABELS[c.state], "message": c.message} for c in checks]
    bad = [c for c in checks if not c.ok]
    if args.format != "text":
        emit(rows, (("dispatch", "派遣编号"), ("file_name", "文件名"), ("kind", "类别"),
                    ("state", "状态"), ("message", "说明")), args.format)
    else:
        for c in bad:
            sys.stdout.write(c.message + "\n")
        print(f"共检查附件 {len(checks)} 个：完好 {len(checks) - len(bad)} 个"
              + (f"，有问题 {len(bad)} 个。" if bad else "，全部完好。"))
    return 1 if bad else 0
