from django.contrib import admin

from kpis import actions
from kpis.models import KpiRun, KpiSnapshot, KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ["code", "scope", "target", "tolerance", "updated_at", "updated_by"]
    list_filter = ["code"]
    fields = ["code", "scope", "target", "tolerance"]

    def save_model(self, request, obj, form, change):
        # Through the action: stored values are re-judged against the new target.
        saved = actions.kpi_target_set(
            code=obj.code,
            scope=obj.scope,
            target=obj.target,
            tolerance=obj.tolerance,
            actor=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        # Through the action: stored values are re-judged without the target.
        actions.kpi_targets_delete(targets=KpiTarget.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        actions.kpi_targets_delete(targets=queryset)


@admin.register(KpiRun)
class KpiRunAdmin(admin.ModelAdmin):
    """Every run with its duration and per-KPI outcome (read-only: runs are history)."""

    list_display = [
        "id",
        "status",
        "as_of",
        "backfill_days",
        "trigger",
        "started_at",
        "duration",
        "rows_written",
        "requested_by",
    ]
    list_filter = ["status", "trigger"]
    readonly_fields = [f.name for f in KpiRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    list_display = ["code", "scope", "period_kind", "period_start", "value", "target", "status"]
    list_filter = ["code", "period_kind", "status"]
    search_fields = ["scope"]
    readonly_fields = [f.name for f in KpiSnapshot._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
