from django import forms
from django.contrib import admin

from kpis import actions
from kpis.models import KpiRun, KpiSnapshot, KpiTarget


class KpiTargetForm(forms.ModelForm):
    """Refuses, beside the field, what the API refuses (kpis.actions.kpi_target_refusals): a
    code no KPI has, a scope it is not measured for or that names nothing, a target or
    tolerance its values cannot be measured against."""

    class Meta:
        model = KpiTarget
        fields = ["code", "scope", "target", "tolerance"]

    def clean(self):
        cleaned = super().clean()
        # On a change the code and scope are read-only (not in the form): the stored ones.
        code = cleaned.get("code", self.instance.code if self.instance.pk else None)
        scope = cleaned.get("scope", self.instance.scope if self.instance.pk else None)
        if code is None or scope is None:
            return cleaned  # already refused as missing
        refusals = actions.kpi_target_refusals(
            code=code, scope=scope, target=cleaned.get("target"), tolerance=cleaned.get("tolerance")
        )
        if "code" in refusals:  # nothing else can be judged without a KPI
            refusals = {"code": refusals["code"]}
        for field, messages in refusals.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


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
        actions.kpi_targets_delete(targets=KpiTarget.objects.filter(pk=obj.pk), actor=request.user)

    def delete_queryset(self, request, queryset):
        actions.kpi_targets_delete(targets=queryset, actor=request.user)


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
