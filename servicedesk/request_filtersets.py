"""FilterSets of catalog items, requests and improvements, shared by the API and the pages."""

import django_filters as df
from django.db.models import Q
from django.utils import timezone

from core.filtersets import FilterSet, MomentFilter, MultipleChoiceFilter, RelatedFilter
from core.models import Team, User
from servicedesk.choices import (
    ImprovementPriority,
    ImprovementStatus,
    RequestStatus,
)
from servicedesk.filtersets import filter_status_or_open
from servicedesk.models import CatalogItem, Improvement, Service, ServiceRequest
from servicedesk.models.requests import OPEN_REQUEST_STATES
from servicedesk.request_sla import SLA_CHOICES, filter_sla


class CatalogItemFilter(FilterSet):
    service = RelatedFilter(queryset=Service.objects.all())
    q = df.CharFilter(method="filter_q")

    class Meta:
        model = CatalogItem
        fields = ["service", "active", "approval"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(description__icontains=value))


class ServiceRequestFilter(FilterSet):
    status = MultipleChoiceFilter(
        choices=[("open", "Open"), *RequestStatus.choices], method="filter_status"
    )
    service = RelatedFilter(queryset=Service.objects.all())
    catalog_item = RelatedFilter(queryset=CatalogItem.objects.all())
    team = RelatedFilter(queryset=Team.objects.all())
    assignee = RelatedFilter(queryset=User.objects.all())
    requester = RelatedFilter(queryset=User.objects.all())
    approver = RelatedFilter(queryset=User.objects.all())
    opened_after = MomentFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = MomentFilter(field_name="opened_at", lookup_expr="lt")
    q = df.CharFilter(method="filter_q", help_text="Number or item name.")
    sla = df.ChoiceFilter(choices=SLA_CHOICES, method="filter_sla")

    class Meta:
        model = ServiceRequest
        fields = ["status", "service", "catalog_item", "team", "assignee", "requester"]

    def filter_status(self, qs, name, values):
        return filter_status_or_open(qs, values, open_states=OPEN_REQUEST_STATES)

    def filter_sla(self, qs, name, value):
        return filter_sla(qs, value, now=timezone.now())

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(number__iexact=value) | Q(catalog_item__name__icontains=value))


class ImprovementFilter(FilterSet):
    status = MultipleChoiceFilter(choices=ImprovementStatus.choices)
    service = RelatedFilter(queryset=Service.objects.all())
    # The register's select box offers the people who own an improvement (not every user:
    # 20,000 options made an 890 kB page); any user's id still filters.
    owner = RelatedFilter(queryset=User.objects.filter(pk__in=Improvement.objects.values("owner")))
    priority = MultipleChoiceFilter(choices=ImprovementPriority.choices)
    planned_quarter = df.CharFilter(help_text="e.g. 2026-Q2")
    q = df.CharFilter(method="filter_q")

    class Meta:
        model = Improvement
        fields = ["status", "service", "owner", "priority", "planned_quarter"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(problem_statement__icontains=value))
