"""Choices of the projects app: phases, cost categories, member roles, risk fields."""

from django.db import models


class Phase(models.TextChoices):
    INITIATION = "initiation", "Initiation"
    PLANNING = "planning", "Planning"
    EXECUTION = "execution", "Execution"
    MONITORING_CONTROL = "monitoring_control", "Monitoring & control"
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_PHASES = (
    Phase.INITIATION,
    Phase.PLANNING,
    Phase.EXECUTION,
    Phase.MONITORING_CONTROL,
    Phase.CLOSING,
)


class MemberRole(models.TextChoices):
    LEAD = "lead", "Work-stream lead"
    MEMBER = "member", "Team member"
    ANALYST = "analyst", "Analyst"
    REVIEWER = "reviewer", "Reviewer"
    STAKEHOLDER = "stakeholder", "Stakeholder"


class CostCategory(models.TextChoices):
    LABOUR = "labour", "Labour"
    MATERIAL = "material", "Material"
    SERVICE = "service", "Service"
    OTHER = "other", "Other"


class RiskResponse(models.TextChoices):
    AVOID = "avoid", "Avoid"
    MITIGATE = "mitigate", "Mitigate"
    TRANSFER = "transfer", "Transfer"
    ACCEPT = "accept", "Accept"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MONITORING = "monitoring", "Monitoring"
    OCCURRED = "occurred", "Occurred"
    CLOSED = "closed", "Closed"


class Health(models.TextChoices):
    """Portfolio health from SPI and CPI: green ≥ 0.95, amber ≥ 0.85, red below."""

    OK = "ok", "On track"
    WARN = "warn", "At risk"
    BAD = "bad", "Off track"
    UNKNOWN = "unknown", "Not measured"


class HandoffStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


# The transition checklist every handoff starts with (key, label); the PM adds free items.
STANDARD_HANDOFF_CHECKLIST = (
    ("support_trained", "Support team trained"),
    ("knowledge_written", "Runbook and knowledge articles written"),
    ("monitoring", "Monitoring in place"),
    ("known_errors", "Known errors recorded"),
)
