"""django-filter sets shared by the API and the HTML lists."""

import django_filters
from django.db.models import Q

from core.filtersets import FilterSet, MultipleChoiceFilter, RelatedFilter, StrictBooleanFilter
from core.models import User
from projects.choices import CostCategory, HandoffStatus, Phase, RiskStatus
from projects.models import CostEntry, Handoff, Milestone, Project, Risk, Task, TimeEntry


class ProjectFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    phase = django_filters.ChoiceFilter(choices=Phase.choices, empty_label="Any phase")
    manager = RelatedFilter(queryset=User.objects.filter(role__in=["project_manager", "admin"]))

    class Meta:
        model = Project
        fields = ["q", "phase", "manager", "sponsor", "service"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class TaskFilterSet(FilterSet):
    class Meta:
        model = Task
        fields = ["parent", "assignee"]


class MilestoneFilterSet(FilterSet):
    open = StrictBooleanFilter(method="filter_open", label="Open")

    class Meta:
        model = Milestone
        fields = ["open", "waived"]

    def filter_open(self, queryset, name, value):
        condition = Q(completed_on__isnull=True, waived=False)
        return queryset.filter(condition) if value else queryset.exclude(condition)


class CostEntryFilterSet(FilterSet):
    category = django_filters.ChoiceFilter(choices=CostCategory.choices)
    incurred_after = django_filters.DateFilter(field_name="incurred_on", lookup_expr="gte")
    incurred_before = django_filters.DateFilter(field_name="incurred_on", lookup_expr="lte")

    class Meta:
        model = CostEntry
        fields = ["category", "task", "incurred_after", "incurred_before"]


class TimeEntryFilterSet(FilterSet):
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = TimeEntry
        fields = ["person", "task", "date_after", "date_before"]


class RiskFilterSet(FilterSet):
    status = MultipleChoiceFilter(choices=RiskStatus.choices)

    class Meta:
        model = Risk
        fields = ["status", "owner"]


class HandoffFilterSet(FilterSet):
    status = MultipleChoiceFilter(choices=HandoffStatus.choices)
    awaiting_me = StrictBooleanFilter(method="filter_awaiting_me", label="Awaiting my acceptance")

    class Meta:
        model = Handoff
        fields = ["status", "project", "service", "awaiting_me"]

    def filter_awaiting_me(self, queryset, name, value):
        from projects.queries import handoffs_awaiting

        if value is None:
            return queryset
        awaiting = handoffs_awaiting(self.request.user).values("pk")
        return queryset.filter(pk__in=awaiting) if value else queryset.exclude(pk__in=awaiting)
