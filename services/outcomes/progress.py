"""Steps 6 and 7 of the seven-step method follow from the outcome records: recording a
long-term agreement (受聘签约) for a need's dispatch moves the need 已总结 → 已签约, and a
publicity item (宣传报道) moves it 已总结 / 已签约 → 已宣传.

Only a move listed in services/workflow.py's ``TRANSITIONS`` from the need's current status
is made, through ``needs.set_status`` (so a ``NeedEvent`` records who, when and why). A need
not yet 已总结 (the summary step comes first) or already further along stays where it is:
the need never moves backward, and deleting an agreement or a report does not undo a step.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Dispatch, NeedEvent, NeedStatus
from services import auth, needs, workflow


def advance_need(session: Session, dispatch: Dispatch | None, target: NeedStatus,
                 reason: str) -> NeedEvent | None:
    """Move the need of ``dispatch`` to ``target`` when that is a legal next step from where
    it stands; otherwise leave it. Returns the event written, or None."""
    if dispatch is None or dispatch.need is None:
        return None
    need = dispatch.need
    current = NeedStatus(need.status)
    if not any(t.target == target for t in workflow.allowed_transitions(current)):
        return None
    needs.set_status(session, need.id, target, auth.actor_of(session), reason[:2000])
    return need.events[-1]
