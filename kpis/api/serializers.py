from rest_framework import serializers

from core.params import FIRST_DAY, LAST_DAY, day_in_range
from kpis import registry
from kpis.choices import PeriodKind
from kpis.models import KpiRun, KpiSnapshot, KpiTarget


class KpiValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiSnapshot
        fields = [
            "scope",
            "period_kind",
            "period_start",
            "period_end",
            "value",
            "target",
            "status",
            "extra",
            "computed_at",
        ]
        extra_kwargs = {
            "computed_at": {
                "help_text": "When these figures were last written. A run that finds the same "
                "figures leaves the row as it was; when a KPI was last computed is on its "
                "runs (/api/v1/kpi-runs/)."
            }
        }


class KpiTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiTarget
        fields = ["scope", "target", "tolerance", "updated_at"]
        read_only_fields = ["updated_at"]
        # What a target may be is kpis.actions.kpi_target_refusals's (a 400 naming the field),
        # the rule the Django admin uses too.


class KpiDefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.ChoiceField(choices=["higher", "lower"])
    group = serializers.ChoiceField(choices=["service", "project"])
    scopes = serializers.ListField(child=serializers.CharField())
    default_target = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True)
    tolerance = serializers.DecimalField(max_digits=16, decimal_places=4)
    targets = KpiTargetSerializer(many=True)
    latest = KpiValueSerializer(many=True, help_text="The newest value of every scope.")


class KpiSeriesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    scope = serializers.CharField()
    period = serializers.CharField(help_text="day, week or month")
    start = serializers.DateField()
    end = serializers.DateField()
    points = KpiValueSerializer(many=True)


class CalendarDayField(serializers.DateField):
    """A day a caller may name (core.params): the periods and default ranges around one at
    the ends of Python's calendar overflowed (0001-01-01 minus 90 days was a 500)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not day_in_range(day):
            raise serializers.ValidationError(f"Give a day from {FIRST_DAY} to {LAST_DAY}.")
        return day


class SeriesQuerySerializer(serializers.Serializer):
    scope = serializers.CharField(
        default="global", help_text="global, service:<id>, team:<id>, priority:<n> or project:<id>"
    )
    period = serializers.CharField(default=PeriodKind.DAY, help_text="day, week or month")
    start = CalendarDayField(
        required=False,
        help_text="First period start (default: a "
        "range of 90 days, 26 weeks or 24 months before end).",
    )
    end = CalendarDayField(required=False, help_text="Last period start (default today).")

    def validate_scope(self, value):
        try:
            registry.parse_scope(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate_period(self, value):
        if value not in PeriodKind.values:
            raise serializers.ValidationError("Choose day, week or month.")
        return value

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": ["start is after end."]})
        return attrs


class ComputeRequestSerializer(serializers.Serializer):
    as_of = CalendarDayField(required=False, allow_null=True, default=None)
    codes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(registry.REGISTRY)),
        required=False,
        default=list,
        help_text="KPI codes to compute (default: all).",
    )
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=registry.SCOPE_KINDS),
        required=False,
        default=list,
        help_text="Scope kinds to compute (default: all).",
    )
    backfill_days = serializers.IntegerField(min_value=0, max_value=3660, default=0)


class KpiRunSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = KpiRun
        fields = [
            "id",
            "status",
            "as_of",
            "backfill_days",
            "codes",
            "scopes",
            "trigger",
            "per_kpi",
            "rows_written",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
        ]

    def get_duration_seconds(self, run) -> float | None:
        return None if run.duration is None else round(run.duration.total_seconds(), 3)
