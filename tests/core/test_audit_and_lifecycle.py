import pytest

from core.audit import audit_record, history_for
from core.exceptions import InvalidTransition, NotAllowed
from core.models import AppendOnlyError, AuditEvent
from servicedesk.actions import service_create, service_transition
from servicedesk.lifecycle import SERVICE_LIFECYCLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(people):
    return service_create(actor=people["admin"], name="Email", owner=people["service_owner"])


def test_audit_events_cannot_be_rewritten_or_deleted(people, service):
    event = audit_record(actor=people["admin"], action="x.y", obj=service, changes={"a": [1, 2]})
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x.y"


def test_owner_takes_service_live_and_the_move_is_audited(people, service):
    live = service_transition(service=service, action="go_live", actor=people["service_owner"])
    assert live.status == "live"
    assert live.version == 2
    last = list(history_for(service))[-1]
    assert last.action == "service.go_live"
    assert last.actor == people["service_owner"]
    assert last.changes == {"status": ["planned", "live"]}


def test_move_not_in_the_table_lists_allowed_actions_and_changes_nothing(people, service):
    with pytest.raises(InvalidTransition) as info:
        service_transition(service=service, action="retire", actor=people["admin"])
    assert info.value.allowed == ["go_live"]
    service.refresh_from_db()
    assert service.status == "planned"
    assert not history_for(service).filter(action__startswith="service.retire").exists()


def test_someone_elses_service_cannot_be_moved(people, service):
    with pytest.raises(NotAllowed):
        service_transition(service=service, action="go_live", actor=people["agent"])
    service.refresh_from_db()
    assert service.status == "planned"


def test_buttons_show_only_moves_the_actor_may_make(people, service):
    assert [t.action for t in SERVICE_LIFECYCLE.allowed_for(service, people["admin"])] == [
        "go_live"
    ]
    assert SERVICE_LIFECYCLE.allowed_for(service, people["requester"]) == []
