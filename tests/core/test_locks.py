"""A change to a row someone deleted a moment before (between the page's read and the
action's lock) answers 404, never an unhandled DoesNotExist."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from core.audit import versioned_update
from servicedesk import outage_actions, sla_actions
from servicedesk.models import Outage, ServiceCost
from servicedesk.service_cost_actions import service_cost_update
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db


def gone(instance):
    """`instance` as a view read it, its row deleted since by another request."""
    type(instance).objects.filter(pk=instance.pk).delete()
    return instance


def test_a_second_cancel_of_an_outage_is_404(people):
    start = timezone.now() + timedelta(days=2)
    outage = Outage.objects.create(
        service=ServiceFactory(), started_at=start, ended_at=start + timedelta(hours=1)
    )
    outage_actions.outage_cancel(outage=outage, actor=people["admin"], expected_version=1)
    with pytest.raises(Http404, match="no longer exists"):
        outage_actions.outage_cancel(outage=outage, actor=people["admin"], expected_version=1)
    with pytest.raises(Http404):
        outage_actions.outage_end(outage=outage, actor=people["admin"], ended_at=start)


def test_saving_or_deleting_a_deleted_calendar_or_policy_is_404(people):
    calendar = office_calendar("Spare")
    policy = sla_policy("Spare", office_calendar("Other"))
    gone(policy)
    with pytest.raises(Http404):
        sla_actions.sla_policy_delete(policy=policy, actor=people["admin"])
    with pytest.raises(Http404):
        sla_actions.sla_policy_save(policy=policy, actor=people["admin"], name="Back")
    gone(calendar)
    with pytest.raises(Http404):
        sla_actions.calendar_delete(calendar=calendar, actor=people["admin"])
    with pytest.raises(Http404):
        sla_actions.calendar_save(calendar=calendar, actor=people["admin"], name="Back")


def test_an_edit_of_a_deleted_row_is_404_and_writes_nothing(people):
    cost = ServiceCost.objects.create(
        service=ServiceFactory(), period_month=timezone.localdate().replace(day=1), amount="10"
    )
    gone(cost)
    with pytest.raises(Http404):
        service_cost_update(cost=cost, actor=people["admin"], changes={"amount": "20"})
    with pytest.raises(Http404):
        versioned_update(
            model=ServiceCost,
            pk=cost.pk,
            actor=people["admin"],
            action="cost.updated",
            changes={"amount": "20"},
            allowed=["amount"],
        )
    assert not ServiceCost.objects.exists()
