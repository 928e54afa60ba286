"""``main.py export needs|experts|units|dispatches --out F.xlsx [--full]``."""

from __future__ import annotations

import argparse

from models import NeedStatus
from services import workflow
from services.cli.common import add_db_option, open_db
from services.exchange.export import export_list, list_rows
from services.exchange.schema import KINDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="把需求、专家、单位或派遣清单导出为 Excel（.xlsx）")
    p.add_argument("kind", choices=tuple(KINDS), metavar="清单",
                   help="needs（需求）、experts（专家）、units（需求单位）或 dispatches（派遣）")
    p.add_argument("--out", required=True, metavar="文件", help="保存为（.xlsx）")
    add_db_option(p)
    p.add_argument("--full", action="store_true",
                   help="导出完整的身份证号和电话（默认遮盖中间几位）；此操作记入操作日志")
    p.add_argument("--anonymise", action="store_true",
                   help="脱敏导出（发往局外）：姓名只留姓和末字（张*明），身份证号、电话遮盖，出生日期只留年份")
    p.add_argument("--status", help="只导出该状态的需求（如 reviewed 或 已论证）")
    p.add_argument("--deleted", action="store_true", help="包括已删除的记录")
    p.set_defaults(handler=export)


def export(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            ids = None
            description = ""
            if args.status:
                if args.kind != "needs":
                    from services.errors import ValidationError

                    raise ValidationError.single("status", "--status 只用于导出需求。")
                status: NeedStatus = workflow.parse_status(args.status)
                label = workflow.status_label(status)
                ids = [r["id"] for r in list_rows(uow.session, "needs",
                                                  include_deleted=args.deleted)
                       if r["status"] == label]
                description = f"状态为“{label}”"
            if args.anonymise:
                from services.privacy import export_anonymised

                result = export_anonymised(uow.session, args.kind, args.out, ids=ids,
                                           description=description)
            else:
                result = export_list(uow.session, args.kind, args.out, ids=ids,
                                     reveal_personal=args.full, include_deleted=args.deleted,
                                     actor=uow.actor, description=description)
            uow.commit()
    finally:
        db.close()
    print(result.summary)
    return 0
