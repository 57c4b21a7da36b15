"""Role × endpoint matrix (ASVS 8.2.2, 8.2.3): every URL pattern of the API and the pages,
every method, every role, one exact status code.

A new URL pattern without a row in RULES fails `test_every_endpoint_has_a_row`, listing what
to add. Each row names the expected code per method and role; the `world` fixture
(tests/security/conftest.py) holds the objects the URLs point at:

- the incident belongs to `requester` (Acme); `requester_other` (Initech) and
  `requester_shared` (Globex, a shared organisation, but not Acme's) must get 404;
- the service is owned by `service_owner`; the project is managed by `project_manager`,
  and `agent` is on its team.

Write bodies are valid unless a row says otherwise, so an allowed role gets 2xx and a
refused one gets the refusal, not a validation error that would hide it.
"""

import re

import pytest

from tests.security.conftest import ROLES
from tests.security.kwargs import kwargs_for
from tests.security.matrix_runner import Row, endpoints, observe

ANON = "anonymous"
REQUESTERS = ("requester", "requester_other", "requester_shared")
STAFF = ("agent", "service_owner", "project_manager", "manager", "admin")
SIGNED_IN = REQUESTERS + STAFF
# Who sees the fixture incident: its requester and staff (others: 404, never 403).
SEES_INCIDENT = ("requester", *STAFF)
TICKET_WORKERS = ("agent", "admin")
SERVICE_RUNNERS = ("service_owner", "admin")  # the service's owner, or an admin
PROJECT_EDITORS = ("project_manager", "admin")  # the project's manager, or an admin
SPONSOR_OR_ADMIN = ("manager", "admin")  # `manager` sponsors the fixture project
KPI_READERS = ("service_owner", "project_manager", "manager", "admin")
ADMINS = ("admin",)


def codes(ok: int, who=SIGNED_IN, *, denied: int = 403, anon: int = 401, **exact) -> dict:
    """`ok` for roles in `who`, `denied` for other signed-in roles, `anon` for anonymous;
    `exact` overrides single roles (role=code)."""
    out = {ANON: anon}
    out |= {role: (ok if role in who else denied) for role in SIGNED_IN}
    return out | exact


def api(ok: int, who=SIGNED_IN, *, denied: int = 403, **exact) -> dict:
    return codes(ok, who, denied=denied, anon=401, **exact)


def page(ok: int, who=SIGNED_IN, *, denied: int = 403, **exact) -> dict:
    """HTML pages: anonymous users are sent to the login page (302)."""
    return codes(ok, who, denied=denied, anon=302, **exact)


def every(code: int) -> dict:
    return dict.fromkeys(ROLES, code)


def incident_api(ok: int, who=SEES_INCIDENT, *, denied: int = 403) -> dict:
    """On the fixture incident: other requesters get 404; staff outside `who` get `denied`."""
    return api(ok, who, denied=denied, requester_other=404, requester_shared=404)


def project_api(ok: int, who=STAFF, *, denied: int = 403) -> dict:
    """Under the fixture project: requesters never see projects (404)."""
    return api(ok, who, denied=denied, **dict.fromkeys(REQUESTERS, 404))


def project_page(ok: int, who=STAFF, *, denied: int = 404) -> dict:
    return page(ok, who, denied=denied, **dict.fromkeys(REQUESTERS, 404))


def post_only_page(ok: int = 302, who=SIGNED_IN, *, denied: int = 404, requesters: int = 404):
    """A POST-only page: GET is 405 for signed-in users; anonymous users go to login."""
    return {
        "GET": page(405),
        "POST": page(ok, who, denied=denied, **dict.fromkeys(REQUESTERS, requesters)),
    }


def project_form(writers=PROJECT_EDITORS, ok: int = 302, **extra) -> Row:
    """A POST-only project form whose writers are not only the project's editors (time, the
    handoff's draft): posted empty, its fields refuse it (400) for every staff member before
    anyone is asked whether they may write; the proof of refusal is that nobody outside
    `writers` wrote an audit row."""
    return Row(expect=post_only_page(ok, STAFF), writers=writers, **extra)


def project_write(writers=PROJECT_EDITORS, ok: int = 302, **extra) -> Row:
    """A project form or button that asks first whether the user may write: `ok` for
    `writers` (302 when it goes through, else the refusal's 400 or 409 with the tab shown
    again), 403 for other staff whatever they posted; nobody outside `writers` writes."""
    return Row(expect=post_only_page(ok, writers, denied=403), writers=writers, **extra)


NOT_ALLOWED = 405
OUTAGE_WRITERS = ("agent", *SERVICE_RUNNERS)  # servicedesk.outage_actions.outage_may_write


def _ongoing_outage_url(w, name: str) -> str:
    """An ongoing outage of the fixture service (the fixture's own has ended): made once
    before the calls, each of which is rolled back, so every role finds it ongoing."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from servicedesk.models import Outage

    ongoing = Outage.objects.create(
        service=w.service, started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    return reverse(name, kwargs={"service_pk": w.service.pk, "outage_pk": ongoing.pk})


def _upcoming_outage(w, name: str, pk: str = "pk") -> str:
    """A planned outage of the fixture service that starts tomorrow (the only kind that can be
    cancelled), made once before the calls, each of which is rolled back."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from servicedesk.models import Outage

    start = timezone.now() + datetime.timedelta(days=1)
    ahead = Outage.objects.create(
        service=w.service,
        kind="planned",
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2),
    )
    return reverse(name, kwargs={"service_pk": w.service.pk, pk: ahead.pk})


def _catalog_item_form(w, **fields) -> dict:
    """The browser's catalog item form for the fixture service, asking nothing."""
    data = {"service": w.service.pk, "approval": "none", "delivery_days": 1, "active": "on"}
    data |= {f"fields-{k}": v for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))}
    return data | fields


def _sla_policy_form(w, **fields) -> dict:
    """The browser's SLA policy form on the fixture calendar: 1 h to respond, 8 h to resolve."""
    data = {"name": "Matrix policy", "calendar": w.calendar.pk}
    data |= {"targets-TOTAL_FORMS": 5, "targets-INITIAL_FORMS": 5}
    for i in range(5):
        data |= {f"targets-{i}-priority": i + 1, f"targets-{i}-response_hours": 1}
        data |= {f"targets-{i}-resolution_hours": 8}
    return data | fields


def _calendar_form(**fields) -> dict:
    """The browser's calendar form: Mondays 09:00–17:00 UTC, no holidays."""
    data = {"name": "Matrix calendar", "time_zone": "UTC"}
    data |= {"hours-TOTAL_FORMS": 1, "hours-INITIAL_FORMS": 0, "hours-0-weekday": 0}
    data |= {"hours-0-start": "09:00", "hours-0-end": "17:00"}
    data |= {"holidays-TOTAL_FORMS": 0, "holidays-INITIAL_FORMS": 0}
    return data | fields


RULES: dict[str, Row] = {
    # --- core pages -------------------------------------------------------------------
    "home": Row(expect={"GET": every(302), "POST": every(302)}),
    "healthz": Row(expect={"GET": every(200), "POST": every(NOT_ALLOWED)}),
    # Signed-in users are sent on from the login page.
    # Signed out: the page (GET) and, posted without a name and password, refused (400).
    "login": Row(
        expect={
            "GET": every(302) | {ANON: 200},
            **{m: every(302) | {ANON: 400} for m in ("POST", "PUT")},
        }
    ),
    "logout": Row(expect={"GET": every(NOT_ALLOWED), "POST": every(302)}),
    # Posted empty, a form is refused by its fields (400), nothing written.
    "api_tokens": Row(expect={"GET": page(200), "POST": page(400)}),
    # The matches of a person box: everyone signed in may ask (what they find is narrowed to
    # whom they may pick, pinned in tests/servicedesk/test_incident_new.py).
    "people_search": Row(expect={"GET": page(200), "POST": page(NOT_ALLOWED)}),
    "notification_settings": Row(expect={"GET": page(200), "POST": page(302)}),
    # Service tokens (admins): the page lists and creates (posted empty: 400), revokes.
    "service_tokens": Row(expect={"GET": page(200, ADMINS), "POST": page(400, ADMINS)}),
    "service_token_revoke": Row(expect={"GET": page(NOT_ALLOWED), "POST": page(302, ADMINS)}),
    # Only the owner (requester) may revoke the token; others get 404, not 403.
    "api_token_revoke": Row(
        expect={"GET": page(NOT_ALLOWED), "POST": page(302, ("requester",), denied=404)}
    ),
    # --- core API -----------------------------------------------------------------------
    "webhook-list": Row(
        expect={"GET": api(200, ADMINS), "POST": api(201, ADMINS)},
        body={
            "POST": {"name": "new", "url": "https://hooks.example.com/b", "events": ["incident.*"]}
        },
    ),
    "webhook-detail": Row(
        expect={
            "GET": api(200, ADMINS),
            "PUT": api(200, ADMINS),
            "PATCH": api(200, ADMINS),
            "DELETE": api(204, ADMINS),
        },
        body={
            "PUT": {"name": "ci", "url": "https://hooks.example.com/c", "events": ["*"]},
            "PATCH": {"active": False},
        },
    ),
    "webhook-deliveries": Row(expect={"GET": api(200, ADMINS)}),
    "webhook-redeliver": Row(expect={"POST": api(202, ADMINS)}),
    "token-list": Row(
        expect={"GET": api(200), "POST": api(201)}, body={"POST": {"name": "script"}}
    ),
    # Someone else's token is invisible: 404.
    "token-detail": Row(expect={"DELETE": api(204, ("requester",), denied=404)}),
    "service-token-list": Row(
        expect={"GET": api(200, ADMINS), "POST": api(201, ADMINS)},
        body={"POST": {"name": "ci-bot", "role": "agent"}},
    ),
    # Revoking a service token: admins only (the fixture's `svc-erp` token).
    "service-token-detail": Row(expect={"DELETE": api(204, ADMINS)}),
    # No session or token is looked at: everyone exchanges a password for a token.
    "api-token": Row(
        expect={"GET": every(NOT_ALLOWED), "POST": every(201)},
        body={"POST": {"username": "req", "password": "demo", "name": "cli"}},
    ),
    "api-me": Row(expect={"GET": api(200)}),
    # --- service desk API ---------------------------------------------------------------
    "incident-export": Row(expect={"GET": api(200)}),
    "request-export": Row(expect={"GET": api(200)}),
    "project-export": Row(expect={"GET": api(200)}),
    "service-list": Row(
        expect={"GET": api(200), "POST": api(201, SERVICE_RUNNERS)},
        body={"POST": {"name": "Matrix service"}},
    ),
    "service-detail": Row(
        expect={
            "GET": api(200),
            "PATCH": api(200, SERVICE_RUNNERS),
            # PUT is not offered: after authentication and role checks, 405.
            "PUT": api(NOT_ALLOWED, SERVICE_RUNNERS),
        },
        body={"PATCH": lambda w: {"version": w.service.version, "description": "Changed"}},
    ),
    "service-availability": Row(expect={"GET": api(200)}),
    "service-transitions": Row(
        expect={"POST": api(200, SERVICE_RUNNERS)}, body={"POST": {"action": "retire"}}
    ),
    "outage-list": Row(
        expect={
            "GET": api(200, STAFF),
            "POST": api(201, ("agent", *SERVICE_RUNNERS)),
        },
        body={"POST": {"started_at": "2026-01-10T10:00:00Z", "kind": "unplanned"}},
    ),
    "outage-detail": Row(
        expect={
            "GET": api(200, STAFF),
            "PATCH": api(200, ("agent", *SERVICE_RUNNERS)),
            "PUT": api(NOT_ALLOWED, ("agent", *SERVICE_RUNNERS)),
        },
        body={"PATCH": lambda w: {"version": w.outage.version, "description": "Mail queue stuck"}},
    ),
    "outage-cancel": Row(
        expect={"POST": api(204, OUTAGE_WRITERS)},
        url=lambda w: _upcoming_outage(w, "outage-cancel"),
        body={"POST": {"version": 1}},
    ),
    "service-cost-list": Row(
        expect={"GET": api(200, STAFF), "POST": api(201, SERVICE_RUNNERS)},
        body={"POST": {"period_month": "2026-02-01", "category": "licence", "amount": "10.00"}},
    ),
    "service-cost-detail": Row(
        expect={
            "GET": api(200, STAFF),
            "PATCH": api(200, SERVICE_RUNNERS),
            "PUT": api(NOT_ALLOWED, SERVICE_RUNNERS),
            "DELETE": api(204, SERVICE_RUNNERS),
        },
        body={"PATCH": {"amount": "20.00"}},
    ),
    "incident-list": Row(
        expect={"GET": api(200), "POST": api(201)},
        body={"POST": lambda w: {"title": "Matrix incident", "service": w.service.pk}},
    ),
    "incident-detail": Row(
        expect={
            "GET": incident_api(200),
            # The requester may retitle their own incident; staff who do not work
            # tickets may not change it.
            "PATCH": incident_api(200, ("requester", *TICKET_WORKERS)),
            "PUT": incident_api(NOT_ALLOWED, SIGNED_IN)
            | {"requester_other": 405, "requester_shared": 405},
        },
        body={"PATCH": lambda w: {"version": w.incident.version, "title": "Renamed"}},
    ),
    "incident-attachments": Row(
        # An empty upload: 400 for whoever sees the incident, 404 for who does not.
        expect={"GET": incident_api(200), "POST": incident_api(400, SEES_INCIDENT)},
    ),
    "incident-comments": Row(
        expect={"GET": incident_api(200), "POST": incident_api(201, SEES_INCIDENT)},
        body={"POST": {"body": "Any news?"}},
    ),
    "incident-history": Row(expect={"GET": incident_api(200)}),
    # Only the incident's requester answers the survey; staff read it; others: 404.
    "incident-survey": Row(
        expect={"GET": incident_api(200), "POST": incident_api(201, ("requester",), denied=404)},
        body={"POST": {"rating": 5, "comment": "Quick fix"}},
    ),
    "incident-transitions": Row(
        expect={"POST": incident_api(200, TICKET_WORKERS)}, body={"POST": {"action": "start"}}
    ),
    "calendar-list": Row(
        expect={"GET": api(200, STAFF), "POST": api(201, ADMINS)},
        body={
            "POST": {
                "name": "Matrix calendar",
                "time_zone": "UTC",
                "intervals": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
            }
        },
    ),
    "calendar-detail": Row(
        expect={
            "GET": api(200, STAFF),
            "PATCH": api(200, ADMINS),
            "PUT": api(NOT_ALLOWED, ADMINS),
            # In use by the fixture SLA policy: 409 even for an admin.
            "DELETE": api(409, ADMINS),
        },
        body={
            "PATCH": lambda w: {"name": "Office hours", "version": w.calendar.version},
            "DELETE": lambda w: {"version": w.calendar.version},
        },
    ),
    "sla-policy-list": Row(
        expect={"GET": api(200, STAFF), "POST": api(201, ADMINS)},
        body={
            "POST": lambda w: {
                "name": "Matrix policy",
                "calendar": w.calendar.pk,
                "targets": [
                    {"priority": p, "response_minutes": 60, "resolution_minutes": 480}
                    for p in range(1, 6)
                ],
            }
        },
    ),
    "sla-policy-detail": Row(
        expect={
            "GET": api(200, STAFF),
            "PATCH": api(200, ADMINS),
            "PUT": api(NOT_ALLOWED, ADMINS),
            "DELETE": api(204, ADMINS),
        },
        body={
            "PATCH": lambda w: {"name": "Platinum", "version": w.sla_policy.version},
            "DELETE": lambda w: {"version": w.sla_policy.version},
        },
    ),
    # --- catalog and service requests (the fixture request awaits `manager`'s approval) ---
    "catalog-item-list": Row(
        expect={"GET": api(200), "POST": api(201, SERVICE_RUNNERS)},
        body={"POST": lambda w: {"service": w.service.pk, "name": "Matrix item"}},
    ),
    "catalog-item-detail": Row(
        expect={
            "GET": api(200),
            "PATCH": api(200, SERVICE_RUNNERS),
            "PUT": api(NOT_ALLOWED, SERVICE_RUNNERS),
        },
        kw=lambda w: {"pk": w.catalog_item.pk},
        body={"PATCH": lambda w: {"version": w.catalog_item.version, "delivery_days": 2}},
    ),
    "request-list": Row(
        expect={"GET": api(200), "POST": api(201)},
        body={"POST": lambda w: {"catalog_item": w.free_item.pk}},
    ),
    "request-detail": Row(
        expect={
            "GET": incident_api(200),
            "PATCH": incident_api(200, TICKET_WORKERS),
            "PUT": incident_api(NOT_ALLOWED, SIGNED_IN)
            | {"requester_other": 405, "requester_shared": 405},
        },
        kw=lambda w: {"pk": w.service_request.pk},
        body={"PATCH": lambda w: {"version": w.service_request.version, "assignee": w.agent.pk}},
    ),
    # The requester or an agent cancels; only the designated approver decides.
    "request-transitions": Row(
        expect={"POST": incident_api(200, ("requester", *TICKET_WORKERS))},
        kw=lambda w: {"pk": w.service_request.pk},
        body={"POST": {"action": "cancel"}},
    ),
    "request-approvals": Row(
        expect={"GET": incident_api(200), "POST": incident_api(201, ("manager",))},
        kw=lambda w: {"pk": w.service_request.pk},
        body={"POST": {"decision": "approved"}},
    ),
    # Agents tick tasks only in fulfilment (400 while awaiting approval); others 403.
    "request-tasks": Row(
        expect={"GET": incident_api(200), "POST": incident_api(400, TICKET_WORKERS)},
        kw=lambda w: {"pk": w.service_request.pk},
        body={"POST": lambda w: {"task": w.request_task.pk, "done": True}},
    ),
    "request-comments": Row(
        expect={"GET": incident_api(200), "POST": incident_api(201, SEES_INCIDENT)},
        kw=lambda w: {"pk": w.service_request.pk},
        body={"POST": {"body": "Any news?"}},
    ),
    "request-attachments": Row(
        expect={"GET": incident_api(200), "POST": incident_api(400, SEES_INCIDENT)},
        kw=lambda w: {"pk": w.service_request.pk},
    ),
    "request-history": Row(
        expect={"GET": incident_api(200)}, kw=lambda w: {"pk": w.service_request.pk}
    ),
    # --- CSI register: staff only (requesters 403) ---------------------------------------------
    "improvement-list": Row(
        expect={"GET": api(200, STAFF), "POST": api(201, STAFF)},
        body={
            "POST": lambda w: {
                "title": "Matrix improvement",
                "service": w.service.pk,
                "problem_statement": "Slow.",
                "metric": "Minutes",
                "baseline_value": "10",
                "target_value": "5",
                "planned_quarter": "2026-Q4",
            }
        },
    ),
    # Edits: the improvement's owner (agent), the service owner, a manager or an admin.
    "improvement-detail": Row(
        expect={
            "GET": api(200, STAFF),
            "PATCH": api(200, ("agent", "service_owner", "manager", "admin")),
            "PUT": api(NOT_ALLOWED, STAFF),
        },
        kw=lambda w: {"pk": w.improvement.pk},
        body={"PATCH": lambda w: {"version": w.improvement.version, "title": "Renamed"}},
    ),
    "improvement-transitions": Row(
        expect={"POST": api(200, ("service_owner", "manager", "admin"))},
        kw=lambda w: {"pk": w.improvement.pk},
        body={"POST": {"action": "approve"}},
    ),
    "improvement-quarters": Row(expect={"GET": api(200, STAFF)}),
    # --- projects API (requesters see no project: 404) ----------------------------------
    "project-milestones-feed": Row(expect={"GET": api(200)}),
    "project-milestones-ics": Row(expect={"GET": project_api(200)}),
    "project-list": Row(
        expect={"GET": api(200), "POST": api(201, PROJECT_EDITORS)},
        body={"POST": {"code": "MTX-1", "name": "Matrix", "budget": "100.00", "currency": "EUR"}},
    ),
    "project-detail": Row(
        expect={
            "GET": project_api(200),
            "PATCH": project_api(200, PROJECT_EDITORS),
            "PUT": api(NOT_ALLOWED, SIGNED_IN),
        },
        body={"PATCH": lambda w: {"version": w.project.version, "name": "Renamed"}},
    ),
    "project-baseline": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={"POST": {"note": "first"}},
    ),
    "project-evm": Row(expect={"GET": project_api(200)}),
    # The service's owner, a manager or an admin start a project from an approved improvement.
    "project-from-improvement": Row(
        expect={"POST": api(201, ("service_owner", "manager", "admin"))},
        body={
            "POST": lambda w: {
                "improvement": w.approved_improvement.pk,
                "code": "SEC-IMP",
                "manager": w.project_manager.pk,
                "sponsor": w.manager.pk,
            }
        },
    ),
    # Gates are signed by the sponsor (`manager`) or an admin, not the project manager;
    # the fixture's initiation gate is unmet, so they get 409.
    "project-transitions": Row(
        expect={"POST": project_api(409, SPONSOR_OR_ADMIN)}, body={"POST": {"action": "plan"}}
    ),
    "project-task-list": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={
            "POST": {
                "name": "Test",
                "planned_start": "2026-04-01",
                "planned_finish": "2026-04-10",
                "planned_cost": "10.00",
            }
        },
    ),
    "project-task-detail": Row(
        expect={
            "GET": project_api(200),
            "PATCH": project_api(200, PROJECT_EDITORS),
            "PUT": api(NOT_ALLOWED, SIGNED_IN),
            "DELETE": project_api(204, PROJECT_EDITORS),
        },
        body={"PATCH": lambda w: {"version": w.task.version, "percent_complete": 50}},
    ),
    "project-dependency-list": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={"POST": lambda w: {"predecessor": w.task2.pk, "successor": w.task3.pk}},
    ),
    "project-dependency-detail": Row(expect={"DELETE": project_api(204, PROJECT_EDITORS)}),
    "project-milestone-list": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={"POST": {"name": "Go-live", "due_date": "2026-06-30"}},
    ),
    "project-milestone-detail": Row(
        expect={
            "GET": project_api(200),
            "PATCH": project_api(200, PROJECT_EDITORS),
            "PUT": api(NOT_ALLOWED, SIGNED_IN),
            "DELETE": project_api(204, PROJECT_EDITORS),
        },
        body={"PATCH": {"name": "Design approved"}},
    ),
    "project-cost-list": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={"POST": {"amount": "10.00", "currency": "EUR", "incurred_on": "2026-01-11"}},
    ),
    "project-cost-detail": Row(expect={"GET": project_api(200)}),
    # Team members (the agent) log their own hours; editors log anyone's.
    "project-time-entry-list": Row(
        expect={"GET": project_api(200), "POST": project_api(201, ("agent", *PROJECT_EDITORS))},
        body={
            "POST": lambda w: {
                "task": w.task.pk,
                "person": w.agent.pk,
                "date": "2026-01-11",
                "hours": "2",
                "currency": "EUR",
            }
        },
    ),
    "project-time-entry-detail": Row(expect={"GET": project_api(200)}),
    "project-risk-list": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={"POST": {"description": "Key person leaves", "probability": 2, "impact": 4}},
    ),
    "project-risk-detail": Row(
        expect={
            "GET": project_api(200),
            "PATCH": project_api(200, PROJECT_EDITORS),
            "PUT": api(NOT_ALLOWED, SIGNED_IN),
        },
        body={"PATCH": {"probability": 1}},
    ),
    "project-member-list": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={"POST": lambda w: {"user": w.agent2.pk, "project_role": "member"}},
    ),
    "project-member-detail": Row(expect={"DELETE": project_api(204, PROJECT_EDITORS)}),
    # --- handoffs (the fixture project has a draft handoff with one free checklist item) ---
    # A project has one handoff: starting a second is 409 for who may start one.
    "project-handoff": Row(expect={"POST": project_api(409, PROJECT_EDITORS)}),
    "project-outcome": Row(expect={"GET": project_api(200)}),
    "handoff-list": Row(expect={"GET": api(200)}),
    "handoff-detail": Row(
        expect={
            "GET": project_api(200),
            "PATCH": project_api(200, PROJECT_EDITORS),
            "PUT": api(NOT_ALLOWED, SIGNED_IN),
        },
        body={"PATCH": lambda w: {"version": w.handoff.version, "service_name": "Mail v2"}},
    ),
    "handoff-checklist": Row(
        expect={"GET": project_api(200), "POST": project_api(201, PROJECT_EDITORS)},
        body={"POST": {"label": "Backups tested"}},
    ),
    "handoff-checklist-item": Row(
        expect={
            "PATCH": project_api(200, PROJECT_EDITORS),
            "DELETE": project_api(204, PROJECT_EDITORS),
        },
        body={"PATCH": {"done": True}},
    ),
    # Submitting a draft without its target's details is refused by the guard (400).
    "handoff-transitions": Row(
        expect={"POST": project_api(400, PROJECT_EDITORS)}, body={"POST": {"action": "submit"}}
    ),
    # --- KPIs API -------------------------------------------------------------------------
    "kpi-list": Row(expect={"GET": api(200, KPI_READERS)}),
    "kpi-compute": Row(
        expect={"GET": api(NOT_ALLOWED, ADMINS), "POST": api(202, ADMINS)},
        body={"POST": {"codes": ["incident_volume"], "scopes": ["global"]}},
    ),
    "kpi-series": Row(expect={"GET": api(200, KPI_READERS)}),
    "kpi-series-csv": Row(expect={"GET": api(200, KPI_READERS)}),
    "kpi-targets": Row(
        expect={"GET": api(200, KPI_READERS), "PUT": api(200, ADMINS)},
        body={"PUT": {"scope": "global", "target": "5"}},
    ),
    "kpi-run-list": Row(expect={"GET": api(200, ("manager", "admin"))}),
    "kpi-run-detail": Row(expect={"GET": api(200, ("manager", "admin"))}),
    # --- schema and docs: public, like the login page ----------------------------------------
    "schema": Row(expect={"GET": every(200)}),
    "api-docs": Row(expect={"GET": every(200)}),
    # --- service desk pages -------------------------------------------------------------------
    "servicedesk:queue": Row(expect={"GET": page(200, STAFF), "POST": page(200, STAFF)}),
    "servicedesk:bulk_assign": Row(
        expect={"GET": page(NOT_ALLOWED, STAFF), "POST": page(302, STAFF)}
    ),
    "servicedesk:incident_detail": Row(expect={"GET": page(200, STAFF), "POST": page(200, STAFF)}),
    # Logging an incident for a requester: those who work tickets (incident_open_for).
    "servicedesk:incident_new": Row(
        expect={"GET": page(200, TICKET_WORKERS), "POST": page(302, TICKET_WORKERS)},
        body={
            "POST": lambda w: {
                "requester": w.requester.username,
                "service": w.service.pk,
                "title": "Caller's printer jams",
                "impact": "2",
                "urgency": "2",
                "category": "hardware",
            }
        },
        json=False,
    ),
    # Posted empty, the side panel and a reply are refused by the form (400) for those who
    # see the ticket; nothing is written.
    "servicedesk:incident_fields": Row(
        expect={"GET": page(NOT_ALLOWED, STAFF), "POST": page(400, STAFF)}
    ),
    "servicedesk:incident_comment": Row(
        expect={
            "GET": page(NOT_ALLOWED),
            "POST": page(400, requester_other=404, requester_shared=404),
        }
    ),
    # Posted empty, the move is one the status does not allow (409); nothing is written.
    "servicedesk:incident_transition": Row(
        expect={
            "GET": page(NOT_ALLOWED),
            "POST": page(409, requester_other=404, requester_shared=404),
        }
    ),
    "servicedesk:portal": Row(expect={"GET": page(200), "POST": page(200)}),
    "servicedesk:portal_report": Row(expect={"GET": page(200), "POST": page(400)}),
    "servicedesk:portal_incident": Row(
        expect={m: page(200, requester_other=404, requester_shared=404) for m in ("GET", "POST")}
    ),
    "servicedesk:attachment_download": Row(
        expect={m: page(200, requester_other=404, requester_shared=404) for m in ("GET", "POST")}
    ),
    "servicedesk:service_list": Row(expect={"GET": page(200), "POST": page(200)}),
    "servicedesk:service_detail": Row(expect={"GET": page(200), "POST": page(200)}),
    # Services in the browser: who may is the services API's rule (servicedesk.lifecycle:
    # admins and service owners add services; the service's owner or an admin change and move
    # it). The fixture service is live, so requesters see it and get 403, not 404.
    "servicedesk:service_new": Row(
        expect={"GET": page(200, SERVICE_RUNNERS), "POST": page(302, SERVICE_RUNNERS)},
        body={"POST": {"name": "Matrix service", "criticality": "2"}},
        json=False,
    ),
    "servicedesk:service_edit": Row(
        expect={"GET": page(200, SERVICE_RUNNERS), "POST": page(302, SERVICE_RUNNERS)},
        kw=lambda w: {"pk": w.service.pk},
        body={
            "POST": lambda w: {
                "version": w.service.version,
                "name": w.service.name,
                "owner": w.service.owner_id,
                "support_team": w.service.support_team_id,
                "criticality": "1",
                "description": "Matrix",
            }
        },
        json=False,
    ),
    # Retiring the live fixture service: its runners go on (302); others get the page again
    # with the reason (403), nothing written.
    "servicedesk:service_transition": Row(
        expect={"GET": page(NOT_ALLOWED), "POST": page(302, SERVICE_RUNNERS)},
        kw=lambda w: {"pk": w.service.pk},
        body={"POST": {"action": "retire"}},
        json=False,
    ),
    # The service page's outage controls: who may is the outage API's rule.
    "servicedesk:outage_record": Row(
        expect={"GET": page(NOT_ALLOWED), "POST": page(302, OUTAGE_WRITERS)},
        kw=lambda w: {"service_pk": w.service.pk},
        body={"POST": {"kind": "unplanned", "started_at": "2026-01-10T10:00"}},
        json=False,
    ),
    "servicedesk:outage_end": Row(
        expect={"GET": page(NOT_ALLOWED), "POST": page(302, OUTAGE_WRITERS)},
        url=lambda w: _ongoing_outage_url(w, "servicedesk:outage_end"),
        body={"POST": {"version": "1"}},
        json=False,
    ),
    "servicedesk:outage_cancel": Row(
        expect={"GET": page(NOT_ALLOWED), "POST": page(302, OUTAGE_WRITERS)},
        url=lambda w: _upcoming_outage(w, "servicedesk:outage_cancel", "outage_pk"),
        body={"POST": {"version": "1"}},
        json=False,
    ),
    "servicedesk:outage_edit": Row(
        expect={"GET": page(200, OUTAGE_WRITERS), "POST": page(302, OUTAGE_WRITERS)},
        kw=lambda w: {"service_pk": w.service.pk, "outage_pk": w.outage.pk},
        body={
            "POST": lambda w: {
                "version": w.outage.version,
                "kind": "unplanned",
                "started_at": "2026-01-10T10:00",
                "ended_at": "2026-01-10T11:00",
                "description": "Mail queue stuck",
            }
        },
        json=False,
    ),
    # SLA policies and calendars in the browser: staff read, admins write (the API's rule,
    # sla_actions.sla_may_write); the fixture calendar is the fixture policy's (409 to delete).
    "servicedesk:sla_overview": Row(expect={"GET": page(200, STAFF), "POST": page(NOT_ALLOWED)}),
    "servicedesk:sla_policy_detail": Row(
        expect={"GET": page(200, STAFF), "POST": page(NOT_ALLOWED)},
        kw=lambda w: {"pk": w.sla_policy.pk},
    ),
    "servicedesk:sla_policy_new": Row(
        expect={"GET": page(200, ADMINS), "POST": page(302, ADMINS)},
        body={"POST": _sla_policy_form},
        json=False,
    ),
    "servicedesk:sla_policy_edit": Row(
        expect={"GET": page(200, ADMINS), "POST": page(302, ADMINS)},
        kw=lambda w: {"pk": w.sla_policy.pk},
        body={"POST": lambda w: _sla_policy_form(w, version=w.sla_policy.version)},
        json=False,
    ),
    "servicedesk:sla_policy_delete": Row(
        expect={"GET": page(NOT_ALLOWED), "POST": page(302, ADMINS)},
        kw=lambda w: {"pk": w.sla_policy.pk},
        body={"POST": lambda w: {"version": w.sla_policy.version}},
        json=False,
    ),
    "servicedesk:calendar_detail": Row(
        expect={"GET": page(200, STAFF), "POST": page(NOT_ALLOWED)},
        kw=lambda w: {"pk": w.calendar.pk},
    ),
    "servicedesk:calendar_new": Row(
        expect={"GET": page(200, ADMINS), "POST": page(302, ADMINS)},
        body={"POST": lambda w: _calendar_form()},
        json=False,
    ),
    "servicedesk:calendar_edit": Row(
        expect={"GET": page(200, ADMINS), "POST": page(302, ADMINS)},
        kw=lambda w: {"pk": w.calendar.pk},
        body={"POST": lambda w: _calendar_form(name="Office hours", version=w.calendar.version)},
        json=False,
    ),
    "servicedesk:calendar_delete": Row(
        expect={"GET": page(NOT_ALLOWED), "POST": page(409, ADMINS)},
        kw=lambda w: {"pk": w.calendar.pk},
        body={"POST": lambda w: {"version": w.calendar.version}},
        json=False,
    ),
    # The unguessable token is the credential; an empty answer is 400.
    "servicedesk:survey": Row(expect={"GET": every(200), "POST": every(400)}, json=False),
    # --- catalog, request and improvement pages ---------------------------------------------
    "servicedesk:catalog": Row(expect={m: page(200) for m in ("GET", "POST")}),
    # Posting the form of an item without questions submits a request.
    "servicedesk:catalog_item": Row(
        expect={"GET": page(200), "POST": page(302)}, kw=lambda w: {"pk": w.free_item.pk}
    ),
    # Catalog items in the browser: who may is the catalog API's rule (the service's owner or
    # an admin); the fixture's items are orderable, so others get 403, not 404.
    "servicedesk:catalog_manage": Row(
        expect={m: page(200, SERVICE_RUNNERS) for m in ("GET", "POST")}
    ),
    "servicedesk:catalog_item_new": Row(
        expect={"GET": page(200, SERVICE_RUNNERS), "POST": page(302, SERVICE_RUNNERS)},
        body={"POST": lambda w: _catalog_item_form(w, name="Matrix item")},
        json=False,
    ),
    "servicedesk:catalog_item_edit": Row(
        expect={"GET": page(200, SERVICE_RUNNERS), "POST": page(302, SERVICE_RUNNERS)},
        kw=lambda w: {"pk": w.free_item.pk},
        body={
            "POST": lambda w: _catalog_item_form(
                w, name="VPN access", delivery_days=2, version=w.free_item.version
            )
        },
        json=False,
    ),
    "servicedesk:my_requests": Row(expect={m: page(200) for m in ("GET", "POST")}),
    "servicedesk:request_detail": Row(
        expect={m: page(200, requester_other=404, requester_shared=404) for m in ("GET", "POST")},
        kw=lambda w: {"number": w.service_request.number},
    ),
    "servicedesk:approval_item": Row(
        expect={m: page(200, requester_other=404, requester_shared=404) for m in ("GET", "POST")},
        kw=lambda w: {"number": w.service_request.number},
    ),
    # Posted empty, the move is one the status does not allow (409); nothing is written.
    "servicedesk:request_transition": Row(
        expect={
            "GET": page(NOT_ALLOWED),
            "POST": page(409, requester_other=404, requester_shared=404),
        },
        kw=lambda w: {"number": w.service_request.number},
    ),
    "servicedesk:request_comment": Row(
        expect={
            "GET": page(NOT_ALLOWED),
            "POST": page(400, requester_other=404, requester_shared=404),
        },
        kw=lambda w: {"number": w.service_request.number},
    ),
    # Unticking a step that is not done: refused for the agents who work the checklist
    # (400, the request page again), 403 for everyone else who sees the request.
    "servicedesk:request_task": Row(
        expect={
            "GET": page(NOT_ALLOWED),
            "POST": page(400, TICKET_WORKERS, requester_other=404, requester_shared=404),
        },
        kw=lambda w: {"number": w.service_request.number, "task_pk": w.request_task.pk},
    ),
    "servicedesk:request_attachment_download": Row(
        expect={m: page(200, requester_other=404, requester_shared=404) for m in ("GET", "POST")},
        kw=lambda w: {"pk": w.request_attachment.pk},
    ),
    "servicedesk:request_queue": Row(expect={m: page(200, STAFF) for m in ("GET", "POST")}),
    "servicedesk:approvals": Row(expect={m: page(200) for m in ("GET", "POST")}),
    "servicedesk:improvements": Row(expect={m: page(200, STAFF) for m in ("GET", "POST")}),
    # An empty proposal is refused by the form (400).
    "servicedesk:improvement_new": Row(expect={"GET": page(200, STAFF), "POST": page(400, STAFF)}),
    "servicedesk:improvement_detail": Row(
        expect={m: page(200, STAFF) for m in ("GET", "POST")},
        kw=lambda w: {"pk": w.improvement.pk},
    ),
    "servicedesk:improvement_edit": Row(
        expect={"GET": page(200, STAFF), "POST": page(400, STAFF)},
        kw=lambda w: {"pk": w.improvement.pk},
    ),
    # Posted empty, the move is one the status does not allow (409); nothing is written.
    "servicedesk:improvement_transition": Row(
        expect={"GET": page(NOT_ALLOWED, STAFF), "POST": page(409, STAFF)},
        kw=lambda w: {"pk": w.improvement.pk},
    ),
    "servicedesk:service_improvements": Row(
        expect={m: page(200, STAFF) for m in ("GET", "POST")},
        kw=lambda w: {"service_pk": w.service.pk},
    ),
    # --- project pages (requesters: 404) ---------------------------------------------------
    "projects:portfolio": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:new": Row(
        expect={
            "GET": project_page(200, PROJECT_EDITORS),
            "POST": project_page(400, PROJECT_EDITORS),
        }
    ),
    "projects:overview": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:edit": Row(
        expect={
            "GET": project_page(200, PROJECT_EDITORS),
            "POST": project_page(400, PROJECT_EDITORS),
        }
    ),
    "projects:transition": project_write(
        SPONSOR_OR_ADMIN, body={"POST": {"action": "cancel", "reason": "Matrix"}}, json=False
    ),
    "projects:member_add": project_write(ok=400),
    "projects:plan": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:task_add": project_write(ok=400),
    "projects:task_progress": project_write(ok=400),
    "projects:dependency_add": project_write(ok=400),
    "projects:baseline_capture": project_write(body={"POST": {"note": "m"}}, json=False),
    "projects:gantt": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:milestones": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:milestone_add": project_write(ok=400),
    "projects:milestone_status": project_write(ok=400),
    "projects:costs": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:cost_add": project_write(ok=400),
    "projects:risks": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:risk_add": project_write(ok=400),
    "projects:risk_status": project_write(ok=400),
    "projects:time": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:time_add": project_form(("agent", *PROJECT_EDITORS), ok=400),
    # Handoff pages: staff read; only the project's manager (or an admin) changes the draft.
    "projects:handoff_inbox": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:handoff": Row(expect={m: project_page(200) for m in ("GET", "POST")}),
    "projects:handoff_start": project_write(ok=409),
    # A name alone is an incomplete draft (no version): 400 for everyone, nothing written.
    "projects:handoff_edit": project_form(
        body={"POST": {"service_name": "Secure mail service"}}, json=False, ok=400
    ),
    "projects:handoff_move": project_write(body={"POST": {"action": "submit"}}, json=False, ok=400),
    # A complete item: the draft's editors add it, other staff are refused (403).
    "projects:handoff_item_add": Row(
        expect=post_only_page(302, PROJECT_EDITORS, denied=403),
        writers=PROJECT_EDITORS,
        body={"POST": {"label": "Backups"}},
        json=False,
    ),
    "projects:handoff_item_toggle": project_write(),
    # The secret token is the credential; the feed is read-only.
    "calendar_feed": Row(expect={"GET": every(200), "POST": every(NOT_ALLOWED)}),
    # --- dashboards ----------------------------------------------------------------------------
    "kpis:dashboard": Row(expect={m: page(200, KPI_READERS) for m in ("GET", "POST")}),
    "kpis:portfolio": Row(expect={m: page(200, KPI_READERS) for m in ("GET", "POST")}),
    "kpis:service_card": Row(expect={m: page(200, KPI_READERS) for m in ("GET", "POST")}),
    "kpis:project_card": Row(expect={m: page(200, KPI_READERS) for m in ("GET", "POST")}),
    "kpis:records": Row(
        expect={m: page(200, KPI_READERS) for m in ("GET", "POST")},
        url=lambda w: (
            "/dashboards/records/?kpi=incident_volume&scope=global&period=month&start=2026-01-01"
        ),
    ),
    "kpis:compute": Row(expect={"GET": page(NOT_ALLOWED), "POST": page(302, ADMINS)}),
}


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    # The matrix sends hundreds of anonymous requests; throttling has its own tests.
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


def _kwarg_names(route: str) -> list[str]:
    if "(?P<" in route:
        return list(re.compile(route.replace("^", "").replace("$", "")).groupindex)
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


ENDPOINTS = {e.key: e for e in endpoints()}


def test_every_endpoint_has_a_row():
    missing = []
    for key, endpoint in ENDPOINTS.items():
        row = RULES.get(key)
        if row is None:
            missing.append(f"{key} ({endpoint.route}): {', '.join(endpoint.methods)}")
            continue
        lacking = sorted(set(endpoint.methods) - set(row.expect))
        if lacking:
            missing.append(f"{key} ({endpoint.route}): {', '.join(lacking)}")
    assert not missing, "Add rows to tests/security/test_matrix.py RULES for:\n" + "\n".join(
        missing
    )


def test_every_row_names_every_role():
    incomplete = [
        f"{key} {method}"
        for key, row in RULES.items()
        for method, by_role in row.expect.items()
        if set(by_role) != set(ROLES)
    ]
    assert not incomplete


@pytest.mark.parametrize("key", sorted(k for k in RULES if k in ENDPOINTS))
def test_role_gets_exact_status(key, world):
    row = RULES[key]
    if row.kw is None and row.url is None:
        names = _kwarg_names(ENDPOINTS[key].route)
        row = Row(
            expect=row.expect,
            kw=lambda w: kwargs_for(key, names, w),
            body=row.body,
            json=row.json,
            writers=row.writers,
        )
    seen, leaks = observe(key, row, world, ROLES)
    wrong = leaks + [
        f"{method} as {role}: {seen[method][role]} (expected {expected})"
        for method, by_role in row.expect.items()
        for role, expected in by_role.items()
        if seen[method][role] != expected
    ]
    assert not wrong, f"{key}:\n" + "\n".join(wrong)
