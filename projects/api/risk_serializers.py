"""A project's risk register."""

from rest_framework import serializers

from projects.api.serializers import STAFF
from projects.models import Risk


class RiskSerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(read_only=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=STAFF, required=False, allow_null=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "description",
            "probability",
            "impact",
            "score",
            "owner",
            "response",
            "response_plan",
            "status",
            "created_at",
        ]
        read_only_fields = ["created_at"]
