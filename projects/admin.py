from django.contrib import admin

from projects.models import (
    Baseline,
    CostEntry,
    Milestone,
    Project,
    ProjectMember,
    Risk,
    Task,
    TimeEntry,
)


class MemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Read-mostly: phase moves only through the lifecycle, so it is not editable here."""

    list_display = ["code", "name", "phase", "manager", "sponsor", "budget", "currency"]
    list_filter = ["phase"]
    search_fields = ["code", "name"]
    readonly_fields = ["phase", "version", "created_at", "updated_at"]
    inlines = [MemberInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "parent", "planned_start", "planned_finish", "planned_cost"]
    list_filter = ["project"]
    readonly_fields = ["version"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "due_date", "completed_on", "waived"]
    list_filter = ["project", "waived"]


@admin.register(Baseline)
class BaselineAdmin(admin.ModelAdmin):
    """Baselines are immutable snapshots: view only."""

    list_display = ["project", "number", "captured_at", "captured_by", "note"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(CostEntry)
class CostEntryAdmin(admin.ModelAdmin):
    list_display = ["project", "incurred_on", "category", "amount", "currency"]
    list_filter = ["category", "project"]


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ["project", "person", "task", "date", "hours", "hourly_rate"]


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = ["project", "description", "probability", "impact", "status"]
    list_filter = ["status"]
