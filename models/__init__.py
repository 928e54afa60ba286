"""The schema (SQLAlchemy 2.x typed models) and the database session; nothing else.

Importing this package registers every table on ``Base.metadata``.
"""

from models.audit import AuditEntry
from models.base import Base, RecordMixin, SoftDeleteMixin
from models.calendar import HOLIDAY_KINDS, CropPhase, Holiday
from models.dispatches import Dispatch, DispatchStatus
from models.experts import GENDERS, HONOURS, TITLES, Expert, ExpertUnavailability, expert_specialty
from models.fields import FIELD_LEVELS, Field
from models.matching import (
    Application,
    ApplicationStatus,
    PlanProposal,
    ProposalStatus,
    application_member,
)
from models.needs import TITLE_LEVELS, Need, NeedEvent, NeedStatus
from models.places import Township, Village
from models.settings import Setting
from models.units import UNIT_TYPES, Unit

__all__ = [
    "FIELD_LEVELS",
    "GENDERS",
    "HOLIDAY_KINDS",
    "HONOURS",
    "TITLES",
    "TITLE_LEVELS",
    "UNIT_TYPES",
    "Application",
    "ApplicationStatus",
    "AuditEntry",
    "Base",
    "CropPhase",
    "Dispatch",
    "DispatchStatus",
    "Expert",
    "ExpertUnavailability",
    "Field",
    "Holiday",
    "Need",
    "NeedEvent",
    "NeedStatus",
    "PlanProposal",
    "ProposalStatus",
    "RecordMixin",
    "Setting",
    "SoftDeleteMixin",
    "Township",
    "Unit",
    "Village",
    "application_member",
    "expert_specialty",
]
