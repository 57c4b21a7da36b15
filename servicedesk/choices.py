from django.db import models


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class Criticality(models.IntegerChoices):
    HIGH = 1, "High"
    MEDIUM = 2, "Medium"
    LOW = 3, "Low"


class IncidentStatus(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_INCIDENT_STATES = (
    IncidentStatus.NEW,
    IncidentStatus.ASSIGNED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.ON_HOLD,
)
# What the portal's "Open" tab lists: open, or resolved and waiting for the requester's word.
REQUESTER_ACTIVE_STATES = (*OPEN_INCIDENT_STATES, IncidentStatus.RESOLVED)


class Impact(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


Urgency = Impact


class Priority(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MODERATE = 3, "3 - Moderate"
    LOW = 4, "4 - Low"
    PLANNING = 5, "5 - Planning"


def priority_for(impact: int, urgency: int) -> int:
    """ITIL priority matrix: impact + urgency − 1 (1 critical … 5 planning)."""
    return int(impact) + int(urgency) - 1


class ResolutionCode(models.TextChoices):
    FIXED = "fixed", "Fixed"
    WORKAROUND = "workaround", "Workaround provided"
    CONFIG_CHANGE = "config_change", "Configuration change"
    USER_ERROR = "user_error", "User error / training"
    DUPLICATE = "duplicate", "Duplicate"
    NOT_REPRODUCIBLE = "not_reproducible", "Could not reproduce"
    NO_FAULT = "no_fault", "No fault found"


class Category(models.TextChoices):
    HARDWARE = "hardware", "Hardware"
    SOFTWARE = "software", "Software"
    NETWORK = "network", "Network"
    ACCESS = "access", "Access / accounts"
    EMAIL = "email", "Email"
    OTHER = "other", "Other"


class PauseReason(models.TextChoices):
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"


class OutageKind(models.TextChoices):
    UNPLANNED = "unplanned", "Unplanned"
    PLANNED = "planned", "Planned"


class CostCategory(models.TextChoices):
    RUN = "run", "Run"
    LICENCE = "licence", "Licence"
    LABOUR = "labour", "Labour"
    PROJECT_CAPEX = "project_capex", "Project capex"
    OTHER = "other", "Other"


# Escalation levels of an incident's resolution clock (sla_escalation_level).
SLA_LEVEL_NONE, SLA_LEVEL_WARNED, SLA_LEVEL_BREACHED = 0, 1, 2


# --- Service requests and the CSI register ---------------------------------------------


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    IN_FULFILMENT = "in_fulfilment", "In fulfilment"
    FULFILLED = "fulfilled", "Fulfilled"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class ApproverKind(models.TextChoices):
    NONE = "none", "No approval"
    NAMED_USER = "named_user", "A named user"
    MANAGER = "manager", "The requester's manager"
    SERVICE_OWNER = "service_owner", "The service owner"


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ImprovementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    REJECTED = "rejected", "Rejected"


class ImprovementPriority(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"
