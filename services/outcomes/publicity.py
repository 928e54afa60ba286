"""Publicity (宣传报道, step 7 of the method): a report about a dispatch or an activity in the
press or online — outlet, date, title, link."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, NeedStatus
from models.organisations import Activity
from models.outcomes import Publicity
from services import dispatches
from services import validation as v
from services.errors import NotFoundError, ValidationError
from services.outcomes.progress import advance_need
from services.records import apply, check_version, get_record

EDITABLE = ("dispatch_id", "activity_id", "outlet", "published_on", "title", "link")
_LINK = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    c = v.Collector()
    dispatch: Dispatch | None = None
    activity: Activity | None = None
    key = data.get("dispatch_id") or data.get("dispatch")
    if key not in (None, ""):
        try:
            dispatch = dispatches.get_dispatch(session, key)
        except NotFoundError as exc:
            c.add("dispatch_id", exc.message)
    key = data.get("activity_id") or data.get("activity")
    if key not in (None, ""):
        try:
            activity = get_record(session, Activity, key, "活动")
        except NotFoundError as exc:
            c.add("activity_id", exc.message)
    if dispatch is None and activity is None and not c.errors:
        c.add("dispatch_id", "请选择报道的派遣或活动。")
    outlet = c.check(v.required, "outlet", "媒体或平台", data.get("outlet"), 100)
    title = c.check(v.required, "title", "报道标题", data.get("title"), 200)
    published = c.check(v.parse_date, data.get("published_on"), "published_on", "发布日期")
    if published is None and "published_on" not in c.errors:
        c.add("published_on", "请填写发布日期。")
    elif published is not None and published > date.today():
        c.add("published_on", f"发布日期（{published}）晚于今天，请核对。")
    link = v.normalize_code(data.get("link"))
    if link and (len(link) > 500 or not _LINK.match(link)):
        c.add("link", "链接应以 http:// 或 https:// 开头（最多 500 个字符），如 https://www.example.gov.cn/…")
    c.raise_if_any()
    return {"dispatch_id": dispatch.id if dispatch else None,
            "activity_id": activity.id if activity else None, "outlet": outlet,
            "published_on": published, "title": title, "link": link}


def _advance(session: Session, item: Publicity) -> None:
    """Step 7 of the method: the need of the dispatch goes 已总结 / 已签约 → 已宣传
    (progress.py). A report on an activity alone moves no need."""
    if item.dispatch_id is not None:
        advance_need(session, session.get(Dispatch, item.dispatch_id), NeedStatus.PUBLICISED,
                     f"登记宣传报道：{item.outlet}《{item.title}》")


def create_publicity(session: Session, data: dict[str, Any]) -> Publicity:
    item = Publicity(**_values(session, data))
    session.add(item)
    session.flush()
    _advance(session, item)
    return item


def get_publicity(session: Session, publicity_id: int) -> Publicity:
    item = session.get(Publicity, publicity_id)
    if item is None:
        raise NotFoundError(f"找不到宣传报道（编号 {publicity_id}），可能已被删除。")
    return item


def update_publicity(session: Session, publicity_id: int, changes: dict[str, Any],
                     expected_version: int | None = None) -> Publicity:
    item = get_publicity(session, publicity_id)
    check_version(item, expected_version, "宣传报道")
    current = {k: getattr(item, k) for k in EDITABLE}
    for name in ("dispatch", "activity"):
        if name in changes:
            current.pop(f"{name}_id")
    apply(item, _values(session, current | changes))
    session.flush()
    _advance(session, item)
    return item


def delete_publicity(session: Session, publicity_id: int) -> None:
    session.delete(get_publicity(session, publicity_id))
    session.flush()


def list_publicity(session: Session, *, dispatch_id: int | None = None,
                   activity_id: int | None = None) -> list[dict[str, Any]]:
    stmt = (select(Publicity.id, Publicity.outlet, Publicity.published_on, Publicity.title,
                   Publicity.link, Publicity.dispatch_id, Publicity.activity_id,
                   Publicity.version, Dispatch.code.label("dispatch_code"),
                   Activity.code.label("activity_code"))
            .outerjoin(Dispatch, Publicity.dispatch_id == Dispatch.id)
            .outerjoin(Activity, Publicity.activity_id == Activity.id)
            .order_by(Publicity.published_on, Publicity.id))
    if dispatch_id is not None:
        stmt = stmt.where(Publicity.dispatch_id == dispatch_id)
    if activity_id is not None:
        stmt = stmt.where(Publicity.activity_id == activity_id)
    return [dict(r._mapping) for r in session.execute(stmt)]


def check(session: Session, data: dict[str, Any]) -> dict[str, str]:
    try:
        _values(session, data)
    except ValidationError as exc:
        return exc.errors
    return {}


def publicity_values(session: Session, publicity_id: int) -> dict[str, Any]:
    """The stored values of a publicity item, for its edit form."""
    item = get_publicity(session, publicity_id)
    return {k: getattr(item, k) for k in EDITABLE} | {"id": item.id, "version": item.version}
