"""The schema (SQLAlchemy 2.x typed models) and the database session; nothing else.

Importing this package registers every table on ``Base.metadata``.
"""

from models.audit import AuditEntry
from models.base import Base, RecordMixin, SoftDeleteMixin
from models.calendar import HOLIDAY_KINDS, CropPhase, Holiday
from models.dispatches import Dispatch, DispatchStatus
from models.experts import GENDERS, HONOURS, TITLES, Expert, ExpertUnavailability, expert_specialty
from models.fields import FIELD_LEVELS, Field
from models.funds import CARD_KINDS, CARD_STATUSES, EXPENSE_CATEGORIES, Budget, Expense, TalentCard
from models.matching import (
    Application,
    ApplicationStatus,
    PlanProposal,
    ProposalStatus,
    application_member,
)
from models.needs import TITLE_LEVELS, Need, NeedEvent, NeedStatus
from models.organisations import (
    ACTIVITY_KINDS,
    BASE_LEVELS,
    EVALUATION_RESULTS,
    TEAM_KINDS,
    Activity,
    BaseEvaluation,
    ServiceBase,
    Team,
    Workstation,
    WorkstationLog,
    activity_dispatch,
    activity_expert,
    base_expert,
    team_member,
)
from models.outcomes import (
    AGREEMENT_ROLES,
    ATTACHMENT_KINDS,
    SATISFACTION_LEVELS,
    Agreement,
    Attachment,
    Publicity,
    ServiceRecord,
)
from models.places import Township, Village
from models.settings import Setting
from models.units import UNIT_TYPES, Unit
from models.users import ROLES, User

__all__ = [
    "ACTIVITY_KINDS",
    "AGREEMENT_ROLES",
    "ATTACHMENT_KINDS",
    "BASE_LEVELS",
    "CARD_KINDS",
    "CARD_STATUSES",
    "EVALUATION_RESULTS",
    "EXPENSE_CATEGORIES",
    "FIELD_LEVELS",
    "GENDERS",
    "HOLIDAY_KINDS",
    "HONOURS",
    "ROLES",
    "SATISFACTION_LEVELS",
    "TEAM_KINDS",
    "TITLES",
    "TITLE_LEVELS",
    "UNIT_TYPES",
    "Activity",
    "Agreement",
    "Application",
    "ApplicationStatus",
    "Attachment",
    "AuditEntry",
    "Base",
    "BaseEvaluation",
    "Budget",
    "CropPhase",
    "Dispatch",
    "DispatchStatus",
    "Expense",
    "Expert",
    "ExpertUnavailability",
    "Field",
    "Holiday",
    "Need",
    "NeedEvent",
    "NeedStatus",
    "PlanProposal",
    "ProposalStatus",
    "Publicity",
    "RecordMixin",
    "ServiceBase",
    "ServiceRecord",
    "Setting",
    "SoftDeleteMixin",
    "TalentCard",
    "Team",
    "Township",
    "Unit",
    "User",
    "Village",
    "Workstation",
    "WorkstationLog",
    "activity_dispatch",
    "activity_expert",
    "application_member",
    "base_expert",
    "expert_specialty",
    "team_member",
]
