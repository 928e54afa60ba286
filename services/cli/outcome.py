"""``main.py outcome list|show|record|attach|verify``: service records, receipts and their
attachments from the command line; ``outcome team|base|workstation|activity …`` the
programme's organisations; ``outcome agreement|publicity add|list|delete`` steps 6 and 7 of
the method (which move the dispatch's need to 已签约 / 已宣传, services/outcomes/progress.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from models import Dispatch
from models.organisations import ACTIVITY_KINDS, BASE_LEVELS, EVALUATION_RESULTS, TEAM_KINDS
from models.outcomes import AGREEMENT_ROLES, ATTACHMENT_KINDS, SATISFACTION_LEVELS
from services import dispatches
from services.cli.common import add_db_option, add_format_option, emit, emit_record, open_db
from services.outcomes import agreements, attachments, publicity, records
from services.outcomes import organisations as org
from services.workflow import status_label

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

    _register_organisations(actions)
    _register_agreements(actions)
    _register_publicity(actions)


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


# -- organisations ------------------------------------------------------------------------------

_EXPERTS_HELP = "专家编号或姓名，多个用逗号或顿号分隔，如 ZJ-0001、ZJ-0002"

# kind → (名称, list, values, create, columns, add options: (option, key, help, choices))
_ORGS: dict[str, tuple[str, Callable[..., list[dict[str, Any]]], Callable[..., dict[str, Any]],
                       Callable[..., Any], tuple[tuple[str, str], ...],
                       tuple[tuple[str, str, str, tuple[str, ...] | None], ...]]] = {
    "team": ("专家服务团", org.list_teams, org.team_values, org.create_team,
             (("code", "编号"), ("name", "名称"), ("kind", "类型"), ("lead", "团长"),
              ("focus", "服务产业"), ("members", "成员数")),
             (("--name", "name", "团队名称（必填）", None),
              ("--kind", "kind", f"类型：{'、'.join(TEAM_KINDS)}", TEAM_KINDS),
              ("--lead", "lead", "团长（领衔专家）的编号或姓名（必填，自动成为成员）", None),
              ("--members", "members", "成员：" + _EXPERTS_HELP, None),
              ("--focus", "focus", "服务产业（文字）", None),
              ("--focus-field", "focus_field", "服务领域（专业领域名称或编号）", None),
              ("--formed", "formed_on", "组建日期，如 2026-03-01", None),
              ("--note", "note", "备注", None))),
    "base": ("专家服务基地", org.list_bases, org.base_values, org.create_base,
             (("code", "编号"), ("name", "名称"), ("level", "级别"), ("host_unit", "依托单位"),
              ("experts", "专家数"), ("evaluation", "最近考核")),
             (("--name", "name", "基地名称（必填）", None),
              ("--level", "level", f"级别（必填）：{'、'.join(BASE_LEVELS)}", BASE_LEVELS),
              ("--host", "host_unit", "依托单位的编号或名称（必填）", None),
              ("--experts", "experts", "专家：" + _EXPERTS_HELP, None),
              ("--established", "established_on", "设立日期", None),
              ("--note", "note", "备注", None))),
    "workstation": ("专家基层科研工作站", org.list_workstations, org.workstation_values,
                    org.create_workstation,
                    (("code", "编号"), ("name", "名称"), ("expert", "专家"),
                     ("host_unit", "建站单位"), ("start_date", "建站"), ("end_date", "期满"),
                     ("days", "服务天数")),
                    (("--name", "name", "工作站名称（必填）", None),
                     ("--expert", "expert", "进站专家的编号或姓名（必填）", None),
                     ("--host", "host_unit", "建站单位的编号或名称（必填）", None),
                     ("--start", "start_date", "建站日期（必填）", None),
                     ("--end", "end_date", "期满日期", None),
                     ("--note", "note", "备注", None))),
    "activity": ("专家服务活动", org.list_activities, org.activity_values, org.create_activity,
                 (("code", "编号"), ("name", "名称"), ("kind", "类型"), ("start_date", "开始"),
                  ("end_date", "结束"), ("places", "地点"), ("experts", "专家数"),
                  ("dispatches", "派遣数")),
                 (("--name", "name", "活动名称（必填）", None),
                  ("--kind", "kind", f"类型：{'、'.join(ACTIVITY_KINDS)}", ACTIVITY_KINDS),
                  ("--start", "start_date", "开始日期（必填）", None),
                  ("--end", "end_date", "结束日期（默认同开始日期）", None),
                  ("--places", "places", "活动地点", None),
                  ("--organiser", "organiser", "主办单位", None),
                  ("--team", "team", "专家服务团编号", None),
                  ("--experts", "experts", "参加专家：" + _EXPERTS_HELP, None),
                  ("--dispatches", "dispatches", "关联的派遣编号，多个用逗号分隔", None),
                  ("--note", "note", "备注", None))),
}
_DELETE = {"team": org.delete_team, "base": org.delete_base,
           "workstation": org.delete_workstation, "activity": org.delete_activity}
_RESTORE = {"team": org.restore_team, "base": org.restore_base,
            "workstation": org.restore_workstation, "activity": org.restore_activity}


def _register_organisations(actions: argparse._SubParsersAction) -> None:
    for kind, (noun, _l, _v, _c, _cols, options) in _ORGS.items():
        parser = actions.add_parser(kind, help=f"{noun}：新建、列出、查看、删除、恢复")
        sub = parser.add_subparsers(title="操作", metavar="操作", required=True)
        p = sub.add_parser("add", help=f"新建{noun}")
        add_db_option(p)
        for option, key, text, choices in options:
            p.add_argument(option, dest=key, help=text, choices=choices)
        p.set_defaults(handler=_org_add, org_kind=kind)
        p = sub.add_parser("list", help=f"列出{noun}")
        add_db_option(p)
        add_format_option(p)
        p.add_argument("--deleted", action="store_true", help="包括已删除的")
        p.set_defaults(handler=_org_list, org_kind=kind)
        p = sub.add_parser("show", help=f"查看一个{noun}")
        add_db_option(p)
        add_format_option(p)
        p.add_argument("code", help="编号")
        p.set_defaults(handler=_org_show, org_kind=kind)
        for action, text, handler in (("delete", "删除（可恢复）", _org_delete),
                                      ("restore", "恢复已删除的", _org_restore)):
            p = sub.add_parser(action, help=f"{text}{noun}")
            add_db_option(p)
            p.add_argument("code", help="编号")
            p.set_defaults(handler=handler, org_kind=kind)
        if kind == "base":
            p = sub.add_parser("evaluate", help="登记（或更正）基地某年度的考核结果")
            add_db_option(p)
            p.add_argument("code", help="基地编号")
            p.add_argument("--year", required=True, help="考核年度，如 2025")
            p.add_argument("--result", required=True, choices=EVALUATION_RESULTS,
                           help=f"考核结果：{'、'.join(EVALUATION_RESULTS)}")
            p.add_argument("--note", default="", help="考核说明")
            p.set_defaults(handler=_base_evaluate)
        if kind == "workstation":
            p = sub.add_parser("log", help="登记专家在工作站的服务天数")
            add_db_option(p)
            p.add_argument("code", help="工作站编号")
            p.add_argument("--date", required=True, help="服务日期，如 2026-04-08")
            p.add_argument("--days", required=True, help="服务天数（1–31）")
            p.add_argument("--note", default="", help="服务内容")
            p.set_defaults(handler=_workstation_log)
        if kind == "activity":
            for action, text, handler in (("link", "把派遣关联到活动", _activity_link),
                                          ("unlink", "取消派遣与活动的关联", _activity_unlink)):
                p = sub.add_parser(action, help=text)
                add_db_option(p)
                p.add_argument("code", help="活动编号，如 HD-2026-0001")
                p.add_argument("dispatch", help="派遣编号，如 PQ-2026-0001")
                p.set_defaults(handler=handler)


def _org_add(args: argparse.Namespace) -> int:
    noun, _list, _values, create, _cols, options = _ORGS[args.org_kind]
    data = {key: getattr(args, key) for _o, key, _t, _c in options
            if getattr(args, key) is not None}
    db = open_db(args)
    with db.unit_of_work() as uow:
        made = create(uow.session, data)
        uow.commit()
        print(f"已新建{noun} {made.code}“{made.name}”。")
    return 0


def _org_list(args: argparse.Namespace) -> int:
    _noun, list_fn, _values, _create, columns, _options = _ORGS[args.org_kind]
    db = open_db(args)
    with db.session() as session:
        rows = list_fn(session, include_deleted=args.deleted)
    emit(rows, columns, args.format)
    return 0


def _org_show(args: argparse.Namespace) -> int:
    _noun, _list, values_fn, _create, _cols, _options = _ORGS[args.org_kind]
    db = open_db(args)
    with db.session() as session:
        values = values_fn(session, args.code)
    pairs: list[tuple[str, object]] = [("编号", values["code"]), ("名称", values["name"])]
    kind = args.org_kind
    if kind == "team":
        pairs += [("类型", values["kind"]), ("服务领域", values["focus_field"]),
                  ("服务产业", values["focus"]), ("成员", "、".join(values["member_names"]))]
    elif kind == "base":
        pairs += [("级别", values["level"]), ("依托单位", values["host_unit"]),
                  ("专家", "、".join(values["expert_names"])),
                  ("考核", "；".join(f"{e['year']} 年{e['result']}" for e in values["evaluations"])
                   or "无")]
    elif kind == "workstation":
        pairs += [("专家", values["expert_name"]), ("建站单位", values["host_unit"]),
                  ("期限", f"{values['start_date']} 至 {values['end_date'] or '长期'}"),
                  ("服务天数", sum(log["days"] for log in values["logs"])),
                  ("服务记录", "；".join(f"{log['served_on']} {log['days']} 天 {log['note']}"
                                         for log in values["logs"]) or "无")]
    else:
        pairs += [("类型", values["kind"]),
                  ("日期", f"{values['start_date']} 至 {values['end_date']}"),
                  ("地点", values["places"]), ("专家", "、".join(values["expert_names"])),
                  ("关联派遣", "、".join(values["dispatches"]) or "无")]
    pairs.append(("备注", values["note"]))
    emit_record(pairs, args.format)
    return 0


def _org_delete(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        done = _DELETE[args.org_kind](uow.session, args.code)
        uow.commit()
        print(f"已删除 {done.code}“{done.name}”（可用 restore 恢复）。")
    return 0


def _org_restore(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        done = _RESTORE[args.org_kind](uow.session, args.code)
        uow.commit()
        print(f"已恢复 {done.code}“{done.name}”。")
    return 0


def _base_evaluate(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        evaluation = org.evaluate_base(uow.session, args.code, args.year, args.result, args.note)
        uow.commit()
        print(f"已登记基地 {args.code.upper()} {evaluation.year} 年考核：{evaluation.result}。")
    return 0


def _workstation_log(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        log = org.add_log(uow.session, args.code, args.date, args.days, args.note)
        total = org.workstation_days(uow.session, args.code)
        uow.commit()
        print(f"已登记工作站 {args.code.upper()} {log.served_on} 起服务 {log.days} 天，"
              f"累计 {total} 天。")
    return 0


def _activity_link(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        activity = org.link_dispatch(uow.session, args.code, args.dispatch)
        codes = [d.code for d in activity.dispatches]
        uow.commit()
        print(f"已把派遣 {args.dispatch.upper()} 关联到活动 {activity.code}；"
              f"该活动现有派遣：{'、'.join(codes)}。")
    return 0


def _activity_unlink(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        activity = org.unlink_dispatch(uow.session, args.code, args.dispatch)
        uow.commit()
        print(f"已取消派遣 {args.dispatch.upper()} 与活动 {activity.code} 的关联。")
    return 0


# -- agreements and publicity -------------------------------------------------------------------


def _need_line(session: Any, dispatch_id: int | None) -> str:
    if dispatch_id is None:
        return ""
    need = session.get(Dispatch, dispatch_id).need
    return f"需求 {need.code} 现为“{status_label(need.status)}”。"


def _register_agreements(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser("agreement", help="受聘签约（七步法第六步）：登记、列出、删除")
    sub = parser.add_subparsers(title="操作", metavar="操作", required=True)
    p = sub.add_parser("add", help="登记一次派遣后的受聘签约（需求已总结时改为“已签约”）")
    add_db_option(p)
    p.add_argument("code", help="派遣编号，如 PQ-2026-0001（专家和聘请单位默认取派遣的）")
    p.add_argument("--role", choices=AGREEMENT_ROLES,
                   help=f"受聘身份：{'、'.join(AGREEMENT_ROLES)}（默认 特聘专家）")
    p.add_argument("--signed", required=True, help="签约日期，如 2026-05-01")
    p.add_argument("--start", help="聘期开始（默认为签约日期）")
    p.add_argument("--end", help="聘期结束（不填为长期）")
    p.add_argument("--unit", help="聘请单位编号（默认为派遣的需求单位）")
    p.add_argument("--note", default="", help="备注")
    p.set_defaults(handler=_agreement_add)
    p = sub.add_parser("list", help="列出受聘签约")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--dispatch", help="只列出这次派遣的")
    p.set_defaults(handler=_agreement_list)
    p = sub.add_parser("delete", help="删除一条受聘签约（需求状态不会倒退）")
    add_db_option(p)
    p.add_argument("id", type=int, help="签约记录编号（见 agreement list）")
    p.set_defaults(handler=_agreement_delete)


def _agreement_add(args: argparse.Namespace) -> int:
    data = {"dispatch": args.code, "role": args.role, "signed_on": args.signed,
            "start_date": args.start, "end_date": args.end, "note": args.note}
    if args.unit:
        data["unit"] = args.unit
    db = open_db(args)
    with db.unit_of_work() as uow:
        deal = agreements.create_agreement(uow.session, data)
        line = _need_line(uow.session, deal.dispatch_id)
        uow.commit()
        print(f"已登记受聘签约（编号 {deal.id}）：{deal.role}，{deal.signed_on} 签约。{line}")
    return 0


def _agreement_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        dispatch_id = None
        if args.dispatch:
            dispatch_id = dispatches.get_dispatch(session, args.dispatch).id
        rows = agreements.list_agreements(session, dispatch_id=dispatch_id)
    emit(rows, (("id", "编号"), ("signed_on", "签约日期"), ("expert", "专家"), ("unit", "聘请单位"),
                ("role", "受聘身份"), ("start_date", "聘期开始"), ("end_date", "聘期结束")),
         args.format)
    return 0


def _agreement_delete(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        agreements.delete_agreement(uow.session, args.id)
        uow.commit()
        print(f"已删除受聘签约（编号 {args.id}）。")
    return 0


def _register_publicity(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser("publicity", help="宣传报道（七步法第七步）：登记、列出、删除")
    sub = parser.add_subparsers(title="操作", metavar="操作", required=True)
    p = sub.add_parser("add", help="登记一篇宣传报道（关于派遣时，需求已总结或已签约则改为“已宣传”）")
    add_db_option(p)
    p.add_argument("code", nargs="?", help="派遣编号，如 PQ-2026-0001")
    p.add_argument("--activity", help="报道的活动编号（报道活动而非某次派遣时）")
    p.add_argument("--outlet", required=True, help="媒体或平台，如 县融媒体中心")
    p.add_argument("--date", required=True, help="发布日期")
    p.add_argument("--title", required=True, help="报道标题")
    p.add_argument("--link", default="", help="链接（http:// 或 https://）")
    p.set_defaults(handler=_publicity_add)
    p = sub.add_parser("list", help="列出宣传报道")
    add_db_option(p)
    add_format_option(p)
    p.set_defaults(handler=_publicity_list)
    p = sub.add_parser("delete", help="删除一篇宣传报道（需求状态不会倒退）")
    add_db_option(p)
    p.add_argument("id", type=int, help="报道编号（见 publicity list）")
    p.set_defaults(handler=_publicity_delete)


def _publicity_add(args: argparse.Namespace) -> int:
    data = {"dispatch": args.code, "activity": args.activity, "outlet": args.outlet,
            "published_on": args.date, "title": args.title, "link": args.link}
    db = open_db(args)
    with db.unit_of_work() as uow:
        item = publicity.create_publicity(uow.session, data)
        line = _need_line(uow.session, item.dispatch_id)
        uow.commit()
        print(f"已登记宣传报道（编号 {item.id}）：{item.outlet}《{item.title}》。{line}")
    return 0


def _publicity_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        rows = publicity.list_publicity(session)
    emit(rows, (("id", "编号"), ("published_on", "发布日期"), ("outlet", "媒体"),
                ("title", "标题"), ("dispatch_code", "派遣"), ("activity_code", "活动"),
                ("link", "链接")), args.format)
    return 0


def _publicity_delete(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        publicity.delete_publicity(uow.session, args.id)
        uow.commit()
        print(f"已删除宣传报道（编号 {args.id}）。")
    return 0
