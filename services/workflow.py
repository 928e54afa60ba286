"""The seven-step method (七步法) as a state machine over a need's status.

Every legal move is listed in ``TRANSITIONS`` with the action's Chinese name and whether a
reason is mandatory; anything not listed is refused. Each move writes a ``NeedEvent``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Need, NeedEvent, NeedStatus
from services.errors import IllegalTransitionError, ValidationError
from services.validation import normalize_text

S = NeedStatus

STATUS_LABELS: dict[NeedStatus, str] = {
    S.SUBMITTED: "已申报",
    S.REVIEWED: "已论证",
    S.MATCHED: "已匹配",
    S.SERVED: "已服务",
    S.SUMMARISED: "已总结",
    S.CONTRACTED: "已签约",
    S.PUBLICISED: "已宣传",
    S.REJECTED: "已驳回",
    S.WITHDRAWN: "已撤回",
}

STEP_NAMES: dict[NeedStatus, str] = {
    S.SUBMITTED: "广泛发动、提前申报",
    S.REVIEWED: "上下联动、周密论证",
    S.MATCHED: "持续对接、供需匹配",
    S.SERVED: "基层一线、实地帮扶",
    S.SUMMARISED: "总结交流、建言献策",
    S.CONTRACTED: "受聘签约、长效机制",
    S.PUBLICISED: "宣传报道、讲好故事",
}


@dataclass(frozen=True)
class Transition:
    source: NeedStatus
    target: NeedStatus
    action: str  # what the button says
    reason_required: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.SUBMITTED, S.REVIEWED, "论证通过"),
    Transition(S.SUBMITTED, S.REJECTED, "驳回", reason_required=True),
    Transition(S.SUBMITTED, S.WITHDRAWN, "撤回", reason_required=True),
    Transition(S.REVIEWED, S.MATCHED, "确定专家"),
    Transition(S.REVIEWED, S.WITHDRAWN, "撤回", reason_required=True),
    Transition(S.MATCHED, S.SERVED, "完成服务"),
    Transition(S.MATCHED, S.REVIEWED, "取消匹配", reason_required=True),
    Transition(S.MATCHED, S.WITHDRAWN, "撤回", reason_required=True),
    Transition(S.SERVED, S.SUMMARISED, "总结"),
    Transition(S.SUMMARISED, S.CONTRACTED, "受聘签约"),
    Transition(S.SUMMARISED, S.PUBLICISED, "宣传报道"),
    Transition(S.CONTRACTED, S.PUBLICISED, "宣传报道"),
    Transition(S.REJECTED, S.SUBMITTED, "重新申报", reason_required=True),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def status_label(status: NeedStatus | str) -> str:
    return STATUS_LABELS[NeedStatus(status)]


def parse_status(text: str) -> NeedStatus:
    """A status from its English value or its Chinese label (``reviewed`` or ``已论证``)."""
    clean = normalize_text(text)
    for status, label in STATUS_LABELS.items():
        if clean in (status.value, label, label.removeprefix("已")):
            return status
    options = "、".join(f"{s.value}（{label}）" for s, label in STATUS_LABELS.items())
    raise ValidationError.single("status", f"没有“{text}”这个状态。可选：{options}。")


def allowed_transitions(status: NeedStatus) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == status]


def transition(
    session: Session, need: Need, target: NeedStatus, actor: str, reason: str = ""
) -> NeedEvent:
    """Move a need to ``target`` or raise; records who, when and why."""
    source = NeedStatus(need.status)
    move = _BY_PAIR.get((source, target))
    if move is None:
        allowed = "、".join(f"{t.action}（→{status_label(t.target)}）"
                           for t in allowed_transitions(source))
        hint = f"当前可以：{allowed}。" if allowed else "该需求已结束，不能再改变状态。"
        raise IllegalTransitionError(
            f"需求 {need.code} 当前为“{status_label(source)}”，不能改为“{status_label(target)}”。{hint}"
        )
    reason = normalize_text(reason)
    if move.reason_required and not reason:
        raise ValidationError.single("reason", f"“{move.action}”必须填写原因。")
    if len(reason) > 2000:
        raise ValidationError.single("reason", "原因最多 2000 个字。")
    need.status = target
    event = NeedEvent(from_status=source, to_status=target, actor=actor, reason=reason)
    need.events.append(event)
    session.flush()
    return event
