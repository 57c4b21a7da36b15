from .attachments import Attachment
from .catalog import Service
from .costs import ServiceCost
from .improvements import Improvement
from .incidents import Incident, IncidentComment
from .outages import Outage
from .requests import (
    CatalogItem,
    RequestApproval,
    RequestAttachment,
    RequestComment,
    RequestTask,
    ServiceRequest,
)
from .sla import BusinessCalendar, Holiday, IncidentPause, SLAPolicy, SLATarget, WorkingInterval
from .surveys import Survey

__all__ = [
    "Attachment",
    "BusinessCalendar",
    "CatalogItem",
    "Holiday",
    "Improvement",
    "Incident",
    "IncidentComment",
    "IncidentPause",
    "Outage",
    "RequestApproval",
    "RequestAttachment",
    "RequestComment",
    "RequestTask",
    "SLAPolicy",
    "SLATarget",
    "Service",
    "ServiceCost",
    "ServiceRequest",
    "Survey",
    "WorkingInterval",
]
