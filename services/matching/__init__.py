"""Matching and scheduling (供需匹配、订单式选派): the right expert, at the right farming moment,
without double-booking anyone, with the whole season planned at once.

Public API (Qt-free; OR-Tools is imported only when a plan is solved):

- ``rank_experts(session, need, pool=None)`` → ``Ranking``: every eligible expert with a score
  and the reasons per factor, applicants (揭榜) first, alternates after the best; a screen that
  ranks many needs keeps an ``ExpertPool`` (all experts loaded once).
- ``applications``: the published list (榜单) and its CSV export; experts or teams taking a
  need up (``apply``, ``set_status``, ``list_applications``).
- ``plan_season(session, start, end, …)`` → ``Plan``: a proposal (nothing written) with the
  visits, the unplanned needs with reasons, the objective, bound, gap and time; ``replan=True``
  keeps the planned dispatches where it can and lists the changes. ``progress(done, total,
  text)`` and ``cancel()`` callbacks; the time limit returns the best plan so far.
- ``accept_plan(session, plan, actor)`` writes the dispatches and moves needs to ``matched``;
  ``decline_dispatch(session, code, reason, actor)`` frees the need and proposes a replacement.
- ``check_visit`` / ``assign``: the conflict check for a visit entered by hand, as typed
  findings (hard or soft), with an explicit override.
- ``plan_from_snapshot`` / ``loading.load_snapshot``: the same planner on plain data, for a
  worker thread.

Settings (weights and rules) are defined in ``services/matching/config.py``.
"""

from services.matching import applications
from services.matching.conflicts import (
    ConflictCheckError,
    Finding,
    assign,
    check_dispatch,
    check_visit,
)
from services.matching.plan import Change, Plan, PlannedVisit, SolveStats, Unplanned
from services.matching.planner import PlanOptions
from services.matching.ranking import ExpertPool, RankedExpert, Ranking, rank_experts
from services.matching.schedule import (
    accept_plan,
    accept_proposal,
    decline_dispatch,
    discard_proposal,
    get_proposal,
    plan_from_snapshot,
    plan_season,
    save_proposal,
)
from services.matching.snapshot import Visit

__all__ = [
    "Change",
    "ConflictCheckError",
    "ExpertPool",
    "Finding",
    "Plan",
    "PlanOptions",
    "PlannedVisit",
    "RankedExpert",
    "Ranking",
    "SolveStats",
    "Unplanned",
    "Visit",
    "accept_plan",
    "accept_proposal",
    "applications",
    "assign",
    "check_dispatch",
    "check_visit",
    "decline_dispatch",
    "discard_proposal",
    "get_proposal",
    "plan_from_snapshot",
    "plan_season",
    "rank_experts",
    "save_proposal",
]
