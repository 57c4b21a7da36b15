from django import forms
from django.contrib import admin

from kpis import actions, registry
from kpis.models import KpiRun, KpiSnapshot, KpiTarget


class KpiTargetForm(forms.ModelForm):
    """Refuses, beside the field, a code no KPI has and a scope that is none (the action
    would raise on them: a 500)."""

    class Meta:
        model = KpiTarget
        fields = ["code", "scope", "target", "tolerance"]

    def clean_code(self):
        code = self.cleaned_data["code"]
        if registry.get(code) is None:
            raise forms.ValidationError("No KPI has this code.")
        return code

    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        try:
            registry.parse_scope(scope)
        except ValueError:
            raise forms.ValidationError(
                "A scope is global, or a kind and a number (service:3)."
            ) from None
        return scope


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ["code", "scope", "target", "tolerance", "updated_at", "updated_by"]
    list_filter = ["code"]
    form = KpiTargetForm
    fields = ["code", "scope", "target", "tolerance"]

    def get_readonly_fields(self, request, obj=None):
        # A target is its KPI and scope (kpi_target_set keys on them): editing one changes
        # its values; a target for another KPI or scope is added, this one deleted.
        return ["code", "scope"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the action (who and when; stored values re-judged against the new target).
        # On a change obj.code and obj.scope are the stored ones: read-only above.
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
