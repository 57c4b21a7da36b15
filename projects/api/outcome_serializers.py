"""What a handed-over project did to its service (see projects/outcome.py)."""

from rest_framework import serializers

from projects.hypercare import HYPERCARE_END, HYPERCARE_LAST_DAY, HYPERCARE_START


class OutcomeIncidentsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_priority = serializers.DictField(
        child=serializers.IntegerField(), help_text='Counts keyed "1" (critical) … "5" (planning).'
    )


class OutcomeAvailabilitySerializer(serializers.Serializer):
    availability_pct = serializers.CharField(allow_null=True)
    agreed_minutes = serializers.CharField()
    downtime_minutes = serializers.CharField()


class OutcomeSlaSerializer(serializers.Serializer):
    resolved = serializers.IntegerField()
    within_target = serializers.IntegerField()
    compliance_pct = serializers.CharField(allow_null=True)


class OutcomeCsatSerializer(serializers.Serializer):
    csat_pct = serializers.CharField(allow_null=True)
    answered = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    sent = serializers.IntegerField()
    response_rate_pct = serializers.CharField(allow_null=True)


class OutcomeWindowSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["hypercare", "after"])
    label = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=["not_started", "running", "complete"])
    measured_until = serializers.DateTimeField(allow_null=True)
    incidents = OutcomeIncidentsSerializer(allow_null=True)
    availability = OutcomeAvailabilitySerializer(allow_null=True)
    sla = OutcomeSlaSerializer(allow_null=True)
    csat = OutcomeCsatSerializer(allow_null=True)


class OutcomeServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class OutcomeImprovementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    metric = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    measured_kind = serializers.ChoiceField(
        choices=["availability", "incidents_per_month"],
        allow_null=True,
        help_text="What the service's data measures; null: only the recorded value.",
    )
    baseline = serializers.CharField(allow_null=True)
    target = serializers.CharField(allow_null=True)
    measured = serializers.CharField(
        allow_null=True, help_text="Computed in the after-hypercare window, else recorded."
    )
    recorded = serializers.CharField(allow_null=True, help_text="The improvement's own value.")
    source = serializers.ChoiceField(choices=["computed", "recorded"], allow_null=True)
    window_status = serializers.CharField(
        allow_null=True, help_text="Of the after-hypercare window: not_started, running, complete."
    )
    measured_until = serializers.DateTimeField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class OutcomeSerializer(serializers.Serializer):
    """The service side of a handed-over project: the hypercare window and the same length
    after it (see projects/outcome.py for every definition)."""

    handed_over = serializers.BooleanField()
    service = OutcomeServiceSerializer(allow_null=True)
    hypercare_start = serializers.DateField(allow_null=True, help_text=HYPERCARE_START)
    hypercare_end = serializers.DateField(allow_null=True, help_text=HYPERCARE_END)
    hypercare_last_day = serializers.DateField(allow_null=True, help_text=HYPERCARE_LAST_DAY)
    windows = OutcomeWindowSerializer(many=True)
    improvement = OutcomeImprovementSerializer(allow_null=True)
