"""Admin for the service-level reference data (calendars, policies) and service costs.

Incidents are not edited here: their status and clocks move only through actions.
"""

from django.contrib import admin

from servicedesk.models import (
    BusinessCalendar,
    Holiday,
    Outage,
    ServiceCost,
    SLAPolicy,
    SLATarget,
    Survey,
    WorkingInterval,
)


class WorkingIntervalInline(admin.TabularInline):
    model = WorkingInterval
    extra = 0
    min_num = 1  # a calendar without working time would give no due time at all
    validate_min = True


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_builtin", "updated_at"]
    inlines = [WorkingIntervalInline, HolidayInline]

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_builtin) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_builtin) and super().has_delete_permission(request, obj)


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0
    max_num = 5


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "calendar", "is_default", "updated_at"]
    inlines = [SLATargetInline]


@admin.register(ServiceCost)
class ServiceCostAdmin(admin.ModelAdmin):
    list_display = ["service", "period_month", "category", "amount", "currency", "note"]
    list_filter = ["category", "currency", "service"]
    date_hierarchy = "period_month"


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ["service", "kind", "started_at", "ended_at", "description"]
    list_filter = ["kind", "service"]
    raw_id_fields = ["incident"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["incident", "requester", "rating", "created_at", "answered_at"]
    list_filter = ["rating"]
    raw_id_fields = ["incident", "requester"]
    readonly_fields = ["incident", "requester", "token", "rating", "comment", "answered_at"]
