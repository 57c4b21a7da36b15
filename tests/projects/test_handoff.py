"""The handoff from a project to a service: its table, who may do what, the checklist, what
acceptance does on both sides, and the closing gate."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import history_for
from core.exceptions import GateNotMet, InvalidTransition, NotAllowed
from core.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from core.roles import Role
from projects import handoff_actions
from projects.actions import project_transition
from projects.choices import HandoffStatus, Phase
from projects.handoff_lifecycle import HANDOFF_LIFECYCLE
from projects.models import Handoff, Project
from servicedesk.models import Service
from tests.conftest import assert_status
from tests.core.factories import TeamFactory, UserFactory
from tests.projects.factories import MilestoneFactory, ProjectFactory
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(people):
    return TeamFactory(name="Payroll support", email="payroll-support@example.com")


@pytest.fixture
def service(people):
    return ServiceFactory(name="Payroll", status="planned", owner=people["service_owner"])


@pytest.fixture
def project(people, service):
    return ProjectFactory(
        code="PAY",
        name="Payroll v2",
        manager=people["project_manager"],
        sponsor=people["manager"],
        service=service,
    )


def _url(handoff, suffix=""):
    return f"/api/v1/handoffs/{handoff.pk}/{suffix}"


def _draft(people, project, **fields) -> Handoff:
    return handoff_actions.handoff_create(
        project=project, actor=people["project_manager"], **fields
    )


def _ready(people, project, support, **fields) -> Handoff:
    """A draft with its terms set and every checklist item done."""
    fields = {"support_team": support, "go_live_on": datetime.date(2026, 3, 2), **fields}
    handoff = _draft(people, project, **fields)
    for item in handoff.checklist.all():
        handoff_actions.checklist_item_update(item=item, actor=people["project_manager"], done=True)
    return handoff


def _move(handoff, action, actor, note=""):
    return handoff_actions.handoff_transition(
        handoff=handoff, action=action, actor=actor, note=note
    )


# ---------------------------------------------------------------- the table


def test_the_handoff_table_is_draft_submitted_accepted_or_rejected_and_back_to_draft():
    moves = {(t.action, tuple(sorted(t.sources)), t.target) for t in HANDOFF_LIFECYCLE.transitions}
    assert moves == {
        ("submit", ("draft",), "submitted"),
        ("accept", ("submitted",), "accepted"),
        ("reject", ("submitted",), "rejected"),
        ("redraft", ("rejected",), "draft"),
    }
    assert HANDOFF_LIFECYCLE.get("accept").event == "handoff.accepted"


def test_an_action_not_allowed_from_the_state_answers_409_with_the_allowed_ones(
    people, project, support
):
    handoff = _ready(people, project, support)
    response = assert_status(
        people["service_owner"], "POST", _url(handoff, "transitions/"), 409, {"action": "accept"}
    )
    assert response.data["allowed"] == ["submit"]
    with pytest.raises(InvalidTransition):
        _move(handoff, "redraft", people["project_manager"])


def test_a_draft_starts_from_the_project_service_with_the_standard_checklist(people, project):
    response = assert_status(
        people["project_manager"], "POST", f"/api/v1/projects/{project.pk}/handoff/", 201, {}
    )
    body = response.data
    assert body["status"] == "draft"
    assert body["new_service"] is False
    assert body["service"] == project.service_id
    assert body["target_owner"] == people["service_owner"].pk
    assert body["hypercare_days"] == 30
    assert [i["label"] for i in body["checklist"]] == [
        "Support team trained",
        "Runbook and knowledge articles written",
        "Monitoring in place",
        "Known errors recorded",
    ]
    assert body["allowed_actions"] == ["submit"]
    # One handoff per project.
    again = assert_status(
        people["project_manager"], "POST", f"/api/v1/projects/{project.pk}/handoff/", 409, {}
    )
    assert again.data["code"] == "handoff_conflict"


def test_a_project_without_a_service_drafts_a_new_service_named_after_it(people):
    project = ProjectFactory(name="Intranet", manager=people["project_manager"])
    handoff = _draft(people, project)
    assert handoff.new_service and handoff.service_name == "Intranet" and handoff.service is None


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("requester", 404),
        ("agent", 403),
        ("service_owner", 403),
        ("manager", 403),
        ("other_pm", 403),
        ("project_manager", 201),
        ("admin", 201),
    ],
)
def test_who_drafts_a_handoff(people, project, role, expected):
    people["other_pm"] = UserFactory(username="pm2", role=Role.PROJECT_MANAGER)
    assert_status(people[role], "POST", f"/api/v1/projects/{project.pk}/handoff/", expected, {})


@pytest.mark.parametrize(
    ("role", "submit", "accept"),
    [
        ("requester", 404, 404),
        ("agent", 403, 403),
        ("manager", 403, 403),
        ("other_owner", 403, 403),  # sees the handoff (staff read projects) but may not decide
        ("project_manager", 200, 403),  # a PM cannot accept their own handoff
        ("service_owner", 403, 200),
    ],
)
def test_the_pm_submits_and_only_the_target_service_owner_accepts(
    people, project, support, role, submit, accept
):
    people["other_owner"] = UserFactory(username="owner2", role=Role.SERVICE_OWNER)
    ServiceFactory(name="Email", owner=people["other_owner"])
    handoff = _ready(people, project, support)
    user = people[role]
    assert_status(user, "POST", _url(handoff, "transitions/"), submit, {"action": "submit"})
    if submit != 200:
        _move(handoff, "submit", people["project_manager"])
    assert_status(user, "POST", _url(handoff, "transitions/"), accept, {"action": "accept"})
    handoff.refresh_from_db()
    assert handoff.status == ("accepted" if accept == 200 else "submitted")


def test_an_admin_may_act_as_either_side(people, project, support):
    handoff = _ready(people, project, support)
    admin = people["admin"]
    assert_status(admin, "POST", _url(handoff, "transitions/"), 200, {"action": "submit"})
    assert_status(admin, "POST", _url(handoff, "transitions/"), 200, {"action": "accept"})


def test_the_designated_owner_of_a_new_service_decides_it(people, support):
    project = ProjectFactory(name="Intranet", manager=people["project_manager"])
    owner = people["service_owner"]
    handoff = _ready(people, project, support, service_owner=owner)
    _move(handoff, "submit", people["project_manager"])
    someone_else = UserFactory(role=Role.SERVICE_OWNER)
    assert_status(someone_else, "POST", _url(handoff, "transitions/"), 403, {"action": "accept"})
    assert_status(owner, "POST", _url(handoff, "transitions/"), 200, {"action": "accept"})


def test_only_the_pm_edits_a_draft_and_only_while_it_is_a_draft(people, project, support):
    handoff = _ready(people, project, support)
    body = {"hypercare_days": 45, "version": handoff.version}
    assert_status(people["service_owner"], "PATCH", _url(handoff), 403, body)
    response = assert_status(people["project_manager"], "PATCH", _url(handoff), 200, body)
    assert response.data["hypercare_days"] == 45
    assert_status(people["project_manager"], "PATCH", _url(handoff), 412, body)  # stale
    _move(handoff, "submit", people["project_manager"])
    handoff.refresh_from_db()
    later = {"hypercare_days": 10, "version": handoff.version}
    assert assert_status(people["project_manager"], "PATCH", _url(handoff), 409, later)


def test_a_patch_of_the_documents_needs_each_one_whole(people, project, support):
    """A PATCH may leave out the handoff's fields, not a document's title or link."""
    handoff = _draft(people, project)
    pm = people["project_manager"]
    body = {"version": handoff.version, "documents": [{"title": "Runbook"}]}
    assert "url" in str(assert_status(pm, "PATCH", _url(handoff), 400, body).data)
    handoff.refresh_from_db()
    assert handoff.documents == []
    body["documents"] = [{"title": "Runbook", "url": "https://wiki.example/runbook"}]
    assert assert_status(pm, "PATCH", _url(handoff), 200, body).data["documents"] == [
        {"title": "Runbook", "url": "https://wiki.example/runbook"}
    ]


def test_a_reject_needs_a_note_and_the_pm_redrafts(people, project, support):
    handoff = _ready(people, project, support)
    _move(handoff, "submit", people["project_manager"])
    owner = people["service_owner"]
    assert_status(owner, "POST", _url(handoff, "transitions/"), 400, {"action": "reject"})
    response = assert_status(
        owner,
        "POST",
        _url(handoff, "transitions/"),
        200,
        {"action": "reject", "note": "No runbook for month-end."},
    )
    assert response.data["status"] == "rejected"
    assert response.data["decision_note"] == "No runbook for month-end."
    assert_status(owner, "POST", _url(handoff, "transitions/"), 403, {"action": "redraft"})
    assert_status(
        people["project_manager"], "POST", _url(handoff, "transitions/"), 200, {"action": "redraft"}
    )


# ---------------------------------------------------------------- checklist


def test_submitting_with_open_checklist_items_answers_409_naming_them(people, project, support):
    pm = people["project_manager"]
    handoff = _draft(people, project, support_team=support, go_live_on=datetime.date(2026, 3, 2))
    extra = assert_status(
        pm, "POST", _url(handoff, "checklist/"), 201, {"label": "Licences transferred"}
    )
    first = handoff.checklist.get(key="support_trained")
    done = assert_status(pm, "PATCH", _url(handoff, f"checklist/{first.pk}/"), 200, {"done": True})
    assert done.data["done_by"] == "pm" and done.data["done_at"]
    response = assert_status(pm, "POST", _url(handoff, "transitions/"), 409, {"action": "submit"})
    assert response.data["code"] == "gate_not_met"
    assert response.data["unmet"] == [
        "Runbook and knowledge articles written",
        "Monitoring in place",
        "Known errors recorded",
        "Licences transferred",
    ]
    for item in handoff.checklist.exclude(pk=first.pk):
        assert_status(pm, "PATCH", _url(handoff, f"checklist/{item.pk}/"), 200, {"done": True})
    assert_status(pm, "DELETE", _url(handoff, f"checklist/{first.pk}/"), 400)  # standard item
    assert_status(pm, "DELETE", _url(handoff, f"checklist/{extra.data['id']}/"), 204)
    assert_status(pm, "POST", _url(handoff, "transitions/"), 200, {"action": "submit"})


def test_submitting_without_support_team_or_go_live_answers_400_naming_the_fields(people, project):
    handoff = _draft(people, project)
    response = assert_status(
        people["project_manager"], "POST", _url(handoff, "transitions/"), 400, {"action": "submit"}
    )
    assert set(response.data["fields"]) == {"support_team", "go_live_on"}


def test_a_new_service_name_must_be_free_and_its_owner_a_service_owner(people):
    project = ProjectFactory(manager=people["project_manager"])
    ServiceFactory(name="Taken")
    handoff = _draft(people, project)
    pm = people["project_manager"]
    r = assert_status(pm, "PATCH", _url(handoff), 400, {"service_name": "taken", "version": 1})
    assert "service_name" in r.data["fields"]
    r = assert_status(
        pm, "PATCH", _url(handoff), 400, {"service_owner": people["agent"].pk, "version": 1}
    )
    assert "service_owner" in r.data["fields"]


# ---------------------------------------------------------------- acceptance


def test_acceptance_puts_the_service_live_with_its_terms_and_records_hypercare(
    people, project, support, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    monkeypatch.setattr("core.webhooks.dispatch", lambda delivery_id: None)  # no sending
    WebhookEndpoint.objects.create(
        name="ops", url="https://hooks.example.com/x", secret="s" * 32, events=["handoff.*"]
    )
    calendar = office_calendar("London office")
    policy = sla_policy("Gold", calendar)
    handoff = _ready(
        people, project, support, sla_policy=policy, service_hours=calendar, hypercare_days=14
    )
    _move(handoff, "submit", people["project_manager"])
    owner = people["service_owner"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = _move(handoff, "accept", owner, note="Welcome aboard.")
    assert accepted.status == HandoffStatus.ACCEPTED
    assert accepted.decided_by == owner and accepted.decision_note == "Welcome aboard."

    service = Service.objects.get(pk=project.service_id)
    assert service.status == "live"
    assert (service.sla_policy, service.service_hours, service.support_team) == (
        policy,
        calendar,
        support,
    )
    project.refresh_from_db()
    assert project.hypercare_start == datetime.date(2026, 3, 2)
    assert project.hypercare_end == datetime.date(2026, 3, 16)

    # Audit on both sides, and the handoff's own move.
    assert [e.action for e in history_for(service)][-3:] == [
        "service.updated",
        "service.go_live",
        "service.handed_over",
    ]
    assert "project.handed_over" in [e.action for e in history_for(project)]
    assert [e.action for e in history_for(accepted)][-1] == "handoff.accept"
    # The support team hears about it; the integration gets handoff.accepted.
    assert [m.to for m in mailoutbox] == [["payroll-support@example.com"]]
    assert "Payroll is live" in mailoutbox[0].subject
    events = set(WebhookDelivery.objects.values_list("event", flat=True))
    assert events == {"handoff.transitioned", "handoff.accepted"}


def test_acceptance_of_a_new_service_creates_it_in_the_catalog(people, support):
    project = ProjectFactory(name="Intranet", manager=people["project_manager"])
    handoff = _ready(
        people,
        project,
        support,
        service_owner=people["service_owner"],
        service_description="The staff intranet.",
        criticality=1,
    )
    _move(handoff, "submit", people["project_manager"])
    _move(handoff, "accept", people["service_owner"])
    service = Service.objects.get(name="Intranet")
    assert (service.status, service.owner, service.criticality) == (
        "live",
        people["service_owner"],
        1,
    )
    project.refresh_from_db()
    assert project.service == service
    assert [e.action for e in history_for(service)][:2] == ["service.created", "service.go_live"]


def test_a_refusal_on_the_service_side_changes_nothing(people, support):
    """The new service's name was taken after submission: the whole acceptance rolls back."""
    project = ProjectFactory(name="Intranet", manager=people["project_manager"])
    handoff = _ready(people, project, support, service_owner=people["service_owner"])
    _move(handoff, "submit", people["project_manager"])
    ServiceFactory(name="Intranet")
    before = AuditEvent.objects.count()
    assert_status(
        people["service_owner"], "POST", _url(handoff, "transitions/"), 400, {"action": "accept"}
    )
    handoff.refresh_from_db()
    project.refresh_from_db()
    assert handoff.status == "submitted" and project.hypercare_start is None
    assert AuditEvent.objects.count() == before


# ---------------------------------------------------------------- the closing gate


def _closing(project):
    MilestoneFactory(project=project, completed_on=datetime.date(2026, 2, 1))
    Project.objects.filter(pk=project.pk).update(phase=Phase.CLOSING, lessons_learned="Test early.")
    project.refresh_from_db()
    return project


def test_closing_needs_an_accepted_handoff_when_the_project_has_a_service(people, project, support):
    project = _closing(project)
    with pytest.raises(GateNotMet) as info:
        project_transition(project=project, action="close", actor=people["manager"])
    assert info.value.unmet == ["The service owner accepted the handoff (if it delivers a service)"]
    handoff = _ready(people, project, support)
    _move(handoff, "submit", people["project_manager"])
    _move(handoff, "accept", people["service_owner"])
    project.refresh_from_db()
    assert project_transition(project=project, action="close", actor=people["manager"]).phase == (
        Phase.CLOSED
    )


def test_a_project_with_no_service_closes_without_a_handoff(people):
    project = _closing(ProjectFactory(manager=people["project_manager"], sponsor=people["manager"]))
    assert project_transition(project=project, action="close", actor=people["manager"]).phase == (
        Phase.CLOSED
    )


def test_a_project_drafting_a_new_service_needs_it_accepted_to_close(people):
    project = _closing(ProjectFactory(manager=people["project_manager"], sponsor=people["manager"]))
    _draft(people, project)
    with pytest.raises(GateNotMet):
        project_transition(project=project, action="close", actor=people["manager"])


def test_a_closed_project_cannot_start_a_handoff(people, project):
    Project.objects.filter(pk=project.pk).update(phase=Phase.CLOSED)
    assert_status(
        people["project_manager"], "POST", f"/api/v1/projects/{project.pk}/handoff/", 409, {}
    )
    with pytest.raises(NotAllowed):
        handoff_actions.handoff_create(project=project, actor=people["agent"])


# ---------------------------------------------------------------- lists and inbox


def test_the_awaiting_filter_lists_what_each_owner_decides_in_pinned_queries(
    people, support, django_assert_max_num_queries
):
    owner = people["service_owner"]
    for n in range(6):
        service = ServiceFactory(name=f"S{n}", owner=owner if n % 2 else None, status="planned")
        project = ProjectFactory(manager=people["project_manager"], service=service)
        handoff = _ready(people, project, support)
        _move(handoff, "submit", people["project_manager"])
    from tests.conftest import client_for

    client = client_for(owner)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/handoffs/?awaiting_me=true")
    assert response.status_code == 200
    assert len(response.data["results"]) == 3
    with django_assert_max_num_queries(6):
        everything = client.get("/api/v1/handoffs/")
    assert len(everything.data["results"]) == 6
    assert assert_status(people["requester"], "GET", "/api/v1/handoffs/", 200).data["results"] == []


def test_the_list_costs_the_same_for_many_handoffs(people, support):
    from tests.conftest import client_for

    def count(n):
        for _ in range(n):
            project = ProjectFactory(manager=people["project_manager"])
            _ready(people, project, support, service_owner=people["service_owner"])
        client_for(people["manager"]).get("/api/v1/handoffs/")  # warm the kept catalogue rows
        with CaptureQueriesContext(connection) as ctx:
            client_for(people["manager"]).get("/api/v1/handoffs/")
        return len(ctx)

    assert count(2) == count(5)


class _RefusingMailServer:
    """A mail backend whose server refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the message")


def test_a_mail_that_cannot_go_out_does_not_fail_the_acceptance(
    people, project, support, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}._RefusingMailServer"
    handoff = _ready(people, project, support)
    _move(handoff, "submit", people["project_manager"])
    with django_capture_on_commit_callbacks(execute=True):
        accepted = _move(handoff, "accept", people["service_owner"])
    assert accepted.status == HandoffStatus.ACCEPTED
    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.ACCEPTED
    assert "Notification" in caplog.text and "failed" in caplog.text
