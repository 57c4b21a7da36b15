from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.fields import OneLineCharField
from projects.choices import OPEN_PHASES, MemberRole, Phase

__all__ = ["Project", "ProjectMember"]


class Project(models.Model):
    """A temporary endeavour with a charter, a plan, a budget and a sponsor who signs its gates."""

    code = models.CharField(max_length=20, unique=True)
    name = OneLineCharField(max_length=200)
    description = models.TextField(blank=True)
    # The charter: what the initiation gate asks for.
    objectives = models.TextField(blank=True)
    scope = models.TextField(blank=True)
    success_criteria = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects_managed"
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects_sponsored",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProjectMember", related_name="project_memberships"
    )
    budget = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    planned_start = models.DateField(null=True, blank=True)
    planned_finish = models.DateField(null=True, blank=True)
    service = models.ForeignKey(
        "servicedesk.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        help_text="The service this project delivers or changes.",
    )
    # The CSI improvement this project carries (PROTECT: the register keeps its history).
    improvement = models.ForeignKey(
        "servicedesk.Improvement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        help_text="The continual-improvement item this project delivers.",
    )
    # Set when the service owner accepts the handoff: [start, end) of the hypercare window.
    hypercare_start = models.DateField(null=True, blank=True, editable=False)
    hypercare_end = models.DateField(null=True, blank=True, editable=False)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.INITIATION)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["phase", "code"]), models.Index(fields=["manager"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="project_budget_gte_0"),
            models.CheckConstraint(
                condition=models.Q(planned_finish__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__gte=models.F("planned_start")),
                name="project_finish_after_start",
            ),
            # PAY-01 and pay-01 are one project to the people who type them.
            models.UniqueConstraint(
                Lower("code"),
                name="project_code_unique_ignoring_case",
                violation_error_message="Project codes are unique whatever their case.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        # In words beside the field, before the database's project_finish_after_start.
        if self.planned_start and self.planned_finish and self.planned_finish < self.planned_start:
            raise ValidationError(
                {"planned_finish": "The planned finish is before the planned start."}
            )

    @property
    def is_open(self) -> bool:
        return self.phase in OPEN_PHASES


class ProjectMember(models.Model):
    """A person on the project team and the role they play in it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_roles"
    )
    role = models.CharField(max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)

    class Meta:
        ordering = ["project", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.project.code}"
