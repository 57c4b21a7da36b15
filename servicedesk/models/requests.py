"""The service catalog's orderable items and the service requests raised from them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.fields import OneLineCharField
from servicedesk.choices import ApprovalDecision, ApproverKind, RequestStatus
from servicedesk.models.attachments import AttachmentBase

__all__ = [
    "CatalogItem",
    "RequestApproval",
    "RequestAttachment",
    "RequestComment",
    "RequestTask",
    "ServiceRequest",
]


class CatalogItem(models.Model):
    """Something requesters can ask for under a live service, with its own form.

    `form_definition` is a list of fields (see servicedesk/catalog_forms.py);
    `fulfilment_checklist` the task titles copied onto every request of the item.
    """

    service = models.ForeignKey(
        "servicedesk.Service", on_delete=models.PROTECT, related_name="catalog_items"
    )
    name = OneLineCharField(max_length=200)
    description = models.TextField(blank=True, max_length=20_000)
    form_definition = models.JSONField(default=list, blank=True)
    fulfilment_team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="catalog_items"
    )
    fulfilment_checklist = models.JSONField(default=list, blank=True)
    approval = models.CharField(
        max_length=16, choices=ApproverKind.choices, default=ApproverKind.NONE
    )
    # Only for approval by a named user.
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="catalog_items_to_approve",
    )
    delivery_days = models.PositiveSmallIntegerField(
        default=5, help_text="Delivery in business days (SLA calendar)."
    )
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service__name", "name"]
        indexes = [models.Index(fields=["service", "active", "name"], name="catitem_service")]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="catitem_name_per_service"),
            models.CheckConstraint(
                condition=~Q(approval="named_user") | Q(approver__isnull=False),
                name="catitem_named_approver",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_approval(self) -> bool:
        return self.approval != ApproverKind.NONE

    def clean(self):
        from servicedesk.catalog_forms import checklist_clean, definition_clean

        errors = {}
        if self.approval == ApproverKind.NAMED_USER and self.approver_id is None:
            errors["approver"] = ["Name the user who approves."]
        try:
            self.form_definition = definition_clean(self.form_definition)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            self.fulfilment_checklist = checklist_clean(self.fulfilment_checklist)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


OPEN_REQUEST_STATES = (
    RequestStatus.SUBMITTED,
    RequestStatus.AWAITING_APPROVAL,
    RequestStatus.APPROVED,
    RequestStatus.IN_FULFILMENT,
)
# The same as plain strings, for index conditions (a migration writes them as they are).
_OPEN = [str(state) for state in OPEN_REQUEST_STATES]


class ServiceRequest(models.Model):
    """A requester's order of a catalog item (ITIL service request), numbered REQ…"""

    number = models.CharField(max_length=16, unique=True, editable=False)
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="requests")
    # Copied from the item at submission: filters and reports stay put if the item moves.
    service = models.ForeignKey(
        "servicedesk.Service", on_delete=models.PROTECT, related_name="requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_requests"
    )
    # Copied from the requester at submission, as for incidents (visibility).
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        editable=False,
    )
    # The designated approver, resolved at submission (named user, manager or service owner).
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests_to_approve",
        editable=False,
    )
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests_assigned",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    first_responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    fulfilled_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # SLA clock: response from the policy; delivery = fulfilment start + delivery_days.
    response_due = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(null=True, blank=True, editable=False)
    # Set once a due time passed while the request still waited for that milestone (the
    # minute scan, or the move that ends the wait late: servicedesk/request_sla.py); never
    # cleared, like an incident's.
    response_breached = models.BooleanField(default=False, editable=False)
    resolution_breached = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-opened_at", "-id"], name="req_status_opened"),
            models.Index(fields=["requester", "-opened_at"], name="req_requester"),
            models.Index(fields=["organisation", "-opened_at"], name="req_org"),
            models.Index(fields=["approver", "status"], name="req_approver_status"),
            models.Index(fields=["service", "status", "-opened_at"], name="req_service_status"),
            models.Index(fields=["team", "status", "-opened_at"], name="req_team_status"),
            models.Index(fields=["assignee", "status", "-opened_at"], name="req_assignee_status"),
            models.Index(fields=["catalog_item", "-opened_at"], name="req_item"),
            models.Index(fields=["-opened_at", "-id"], name="req_opened"),
            # The SLA scan and the `sla` filter: the clocks still running, and the requests
            # once flagged (in the queue's order), each a small part of a large table.
            models.Index(
                fields=["response_due"],
                name="req_unanswered_response_due",
                condition=Q(status__in=_OPEN, first_responded_at__isnull=True),
            ),
            models.Index(
                fields=["resolution_due"],
                name="req_open_resolution_due",
                condition=Q(status__in=_OPEN),
            ),
            models.Index(
                fields=["-opened_at", "-id"],
                name="req_sla_breached",
                condition=Q(response_breached=True) | Q(resolution_breached=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.catalog_item.name if self.catalog_item_id else ''}".strip()

    @property
    def title(self) -> str:
        return self.catalog_item.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATES


class RequestApproval(models.Model):
    """One approver's decision on a request: who, what, why, when (never rewritten)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    comment = models.TextField(blank=True, max_length=5000)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["request", "decided_at"], name="approval_request")]

    def __str__(self) -> str:
        return f"{self.decision} by {self.approver_id}"


class RequestTask(models.Model):
    """One step of the fulfilment checklist; all must be done before `fulfilled`."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(default=0)
    title = OneLineCharField(max_length=200)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["request", "position"], name="reqtask_request")]

    def __str__(self) -> str:
        return self.title


class RequestComment(models.Model):
    """A public reply or an internal note (agents only) on a request."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=50_000)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="req_comment_timeline")]

    def __str__(self) -> str:
        return f"{'Internal note' if self.internal else 'Comment'} on {self.request_id}"


class RequestAttachment(AttachmentBase):
    """A file on a request (optionally on one of its comments)."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    comment = models.ForeignKey(
        RequestComment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )

    class Meta(AttachmentBase.Meta):
        indexes = [models.Index(fields=["request", "created_at"], name="req_attachment")]
