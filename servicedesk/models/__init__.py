from .attachments import Attachment
from .catalog import Service
from .costs import ServiceCost
from .incidents import Incident, IncidentComment
from .outages import Outage
from .sla import BusinessCalendar, Holiday, IncidentPause, SLAPolicy, SLATarget, WorkingInterval
from .surveys import Survey

__all__ = [
    "Attachment",
    "BusinessCalendar",
    "Holiday",
    "Incident",
    "IncidentComment",
    "IncidentPause",
    "Outage",
    "SLAPolicy",
    "SLATarget",
    "Service",
    "ServiceCost",
    "Survey",
    "WorkingInterval",
]
