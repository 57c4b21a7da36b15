"""A small world with one object of every kind, owned the way the matrix needs it.

| object            | belongs to                                   |
|-------------------|----------------------------------------------|
| service           | owned by `service_owner`, live               |
| incident          | `requester` (Acme, not shared), has an internal note and a survey |
| shared_incident   | `requester_shared2` (Globex, shared org)      |
| project           | managed by `project_manager`, sponsor `manager`, with a task, a
|                   | dependency, a milestone, a cost, time, a risk, a member |
| webhook           | admin-registered, with one delivery          |
| token             | `requester`'s personal token                 |
| service_token     | the service token `erp` (account `svc-erp`)  |
| kpi run/snapshot  | one finished run, one snapshot               |
| improvements      | on the service: one proposed, one approved   |
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from core.models import ApiToken, CalendarFeed, WebhookDelivery, WebhookEndpoint
from servicedesk.models import (
    Attachment,
    BusinessCalendar,
    IncidentComment,
    Outage,
    ServiceCost,
    SLAPolicy,
    Survey,
)
from tests.servicedesk.factories import IncidentFactory, ServiceFactory, office_calendar, sla_policy

ROLES = [
    "anonymous",
    "requester",
    "requester_other",
    "requester_shared",
    "agent",
    "service_owner",
    "project_manager",
    "manager",
    "admin",
]


@pytest.fixture
def world(people, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    from projects.models import (
        CostEntry,
        Dependency,
        Milestone,
        Project,
        ProjectMember,
        Risk,
        Task,
        TimeEntry,
    )

    w = SimpleNamespace(**{k: v for k, v in people.items()})
    w.service = ServiceFactory(
        name="Mail", owner=people["service_owner"], support_team=people["team"]
    )
    w.incident = IncidentFactory(
        title="Printer on fire",
        requester=people["requester"],
        service=w.service,
        team=people["team"],
    )
    w.shared_incident = IncidentFactory(
        title="Shared VPN down", requester=people["requester_shared2"], service=w.service
    )
    w.public_comment = IncidentComment.objects.create(
        incident=w.incident, author=people["agent"], body="We are on it."
    )
    w.internal_comment = IncidentComment.objects.create(
        incident=w.incident, author=people["agent"], body="SECRET-INTERNAL-NOTE", internal=True
    )
    w.attachment = Attachment.objects.create(
        incident=w.incident,
        file=ContentFile(b"hello", name="note.txt"),
        filename="note.txt",
        content_type="text/plain",
        size=5,
        uploaded_by=people["requester"],
    )
    w.internal_attachment = Attachment.objects.create(
        incident=w.incident,
        comment=w.internal_comment,
        file=ContentFile(b"secret", name="secret.txt"),
        filename="secret.txt",
        content_type="text/plain",
        size=6,
        uploaded_by=people["agent"],
    )
    w.survey = Survey.objects.create(incident=w.incident, requester=people["requester"])
    now = timezone.now()
    w.outage = Outage.objects.create(
        service=w.service, started_at=now - datetime.timedelta(hours=2), ended_at=now
    )
    w.service_cost = ServiceCost.objects.create(
        service=w.service,
        period_month=datetime.date(2026, 1, 1),
        category="licence",
        amount=Decimal("100.00"),
    )
    w.calendar = BusinessCalendar.objects.filter(is_builtin=False).first() or office_calendar()
    w.sla_policy = SLAPolicy.objects.filter(is_default=False).first() or sla_policy(
        "Gold", w.calendar
    )

    w.project = Project.objects.create(
        code="SEC-1",
        name="Secure mail",
        manager=people["project_manager"],
        sponsor=people["manager"],
        budget=Decimal("10000.00"),
        currency="EUR",
        planned_start=datetime.date(2026, 1, 5),
        planned_finish=datetime.date(2026, 6, 30),
    )
    w.task = Task.objects.create(
        project=w.project,
        name="Design",
        planned_start=datetime.date(2026, 1, 5),
        planned_finish=datetime.date(2026, 1, 30),
        planned_cost=Decimal("1000.00"),
    )
    w.task2 = Task.objects.create(
        project=w.project,
        name="Build",
        planned_start=datetime.date(2026, 2, 1),
        planned_finish=datetime.date(2026, 2, 28),
        planned_cost=Decimal("2000.00"),
    )
    w.task3 = Task.objects.create(
        project=w.project,
        name="Run",
        planned_start=datetime.date(2026, 3, 1),
        planned_finish=datetime.date(2026, 3, 31),
        planned_cost=Decimal("500.00"),
    )
    w.dependency = Dependency.objects.create(predecessor=w.task, successor=w.task2)
    w.milestone = Milestone.objects.create(
        project=w.project, name="Design signed off", due_date=datetime.date(2026, 1, 30)
    )
    w.cost = CostEntry.objects.create(
        project=w.project,
        amount=Decimal("50.00"),
        currency="EUR",
        incurred_on=datetime.date(2026, 1, 10),
    )
    w.time_entry = TimeEntry.objects.create(
        project=w.project,
        task=w.task,
        person=people["agent"],
        date=datetime.date(2026, 1, 10),
        hours=Decimal("4"),
        currency="EUR",
    )
    w.risk = Risk.objects.create(
        project=w.project, description="Vendor late", probability=2, impact=3
    )
    w.member = ProjectMember.objects.create(project=w.project, user=people["agent"])

    try:  # the handoff landed after this file; older trees have none
        from projects import handoff_actions
    except ImportError:
        handoff_actions = None
    if handoff_actions is not None:
        w.handoff = handoff_actions.handoff_create(project=w.project, actor=w.project_manager)
        w.handoff_item = handoff_actions.checklist_item_add(
            handoff=w.handoff, actor=w.project_manager, label="Runbook reviewed"
        )

    # Service catalog and requests: `requester` orders an item their manager approves.
    from servicedesk.models import CatalogItem, Improvement, RequestAttachment
    from servicedesk.request_actions import request_submit

    people["requester"].manager = people["manager"]
    people["requester"].save(update_fields=["manager"])
    w.catalog_item = CatalogItem.objects.create(
        service=w.service, name="New laptop", approval="manager", fulfilment_checklist=["Order"]
    )
    w.free_item = CatalogItem.objects.create(service=w.service, name="VPN access")
    w.service_request = request_submit(actor=people["requester"], catalog_item=w.catalog_item)
    w.request_task = w.service_request.tasks.get()
    w.request_attachment = RequestAttachment.objects.create(
        request=w.service_request,
        file=ContentFile(b"quote", name="quote.txt"),
        filename="quote.txt",
        content_type="text/plain",
        size=5,
        uploaded_by=people["requester"],
    )
    w.improvement = Improvement.objects.create(
        title="Fewer mail incidents",
        service=w.service,
        problem_statement="Forty a month.",
        metric="Incidents per month",
        baseline_value=40,
        target_value=10,
        owner=people["agent"],
        planned_quarter="2026-Q3",
    )
    # Approved, so a project can be started from it (POST /api/v1/projects/from-improvement/).
    w.approved_improvement = Improvement.objects.create(
        title="Faster mail search",
        service=w.service,
        problem_statement="Search takes a minute.",
        metric="Seconds",
        baseline_value=60,
        target_value=5,
        owner=people["agent"],
        planned_quarter="2026-Q4",
        status="approved",
    )

    w.webhook = WebhookEndpoint.objects.create(
        name="ci", url="https://hooks.example.com/in", secret="s" * 32, events=["*"]
    )
    w.delivery = WebhookDelivery.objects.create(
        endpoint=w.webhook,
        event_id="00000000-0000-0000-0000-000000000001",
        event="incident.created",
        payload={"event": "incident.created"},
    )
    w.token, w.token_key = ApiToken.issue(user=people["requester"], name="laptop")
    from core.tokens import service_token_issue

    w.service_token, _ = service_token_issue(actor=people["admin"], name="erp", role="agent")
    w.feed = CalendarFeed.reset_for(people["project_manager"])

    from kpis.models import KpiRun, KpiSnapshot

    w.kpi_run = KpiRun.objects.create(as_of=datetime.date(2026, 1, 31), status="ok")
    w.kpi_snapshot = KpiSnapshot.objects.create(
        code="incident_volume",
        scope="global",
        period_kind="month",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        value=Decimal("2"),
    )
    return w
