"""Admin API for webhook endpoints and their delivery log."""

import secrets

from django.utils.functional import lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api.pagination import KeysetPagination
from core.api.permissions import role_required
from core.audit import audit_record
from core.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.roles import Role
from core.webhooks import known_events, redeliver, subscribable


def _events_help() -> str:
    return (
        'Event types to receive: any of these, "<object>.*" for all of one object\'s, or "*" '
        "for all: " + ", ".join(known_events()) + "."
    )


class WebhookEndpointSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(
        write_only=True,
        required=False,
        min_length=16,
        max_length=128,
        help_text="HMAC key; generated when omitted and shown once in the create response.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "name",
            "url",
            "secret",
            "events",
            "include_internal",
            "active",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"events": {"help_text": lazy(_events_help, str)()}}

    def validate_url(self, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise serializers.ValidationError("Use an http(s) URL.")
        return value

    def validate_events(self, value):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError("A non-empty list of event types.")
        unknown = sorted(set(value) - subscribable())
        if unknown:
            raise serializers.ValidationError(
                f"Unknown event types: {', '.join(unknown)}. "
                f"Known: {', '.join(known_events())}, <object>.* or *."
            )
        return value


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "error", "duration_ms"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    tries = WebhookAttemptSerializer(many=True, read_only=True)
    next_attempt_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When a pending delivery is tried (again); null once delivered or given up.",
    )
    state = serializers.SerializerMethodField(
        help_text="In words: delivered, waiting to be sent, failed and retrying at <time>, "
        "or given up after <n> attempts."
    )

    def get_state(self, delivery) -> str:
        if delivery.status == WebhookDelivery.DELIVERED:
            return f"delivered at {delivery.delivered_at.isoformat()}"
        if delivery.status == WebhookDelivery.FAILED:
            return f"given up after {delivery.attempts} attempts ({delivery.last_error})"
        if not delivery.attempts:
            return "waiting to be sent"
        if delivery.next_attempt_at is None:
            return f"failed ({delivery.last_error}); waiting for a re-send"
        return f"failed ({delivery.last_error}); retrying at {delivery.next_attempt_at.isoformat()}"

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event",
            "status",
            "attempts",
            "state",
            "last_error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "payload",
            "tries",
        ]


class WebhookEndpointViewSet(viewsets.ModelViewSet):
    """Admins register receivers; every delivery and attempt is kept and can be re-sent."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    permission_classes = [role_required(Role.ADMIN, read_roles=(Role.ADMIN,))]
    filterset_fields = ["active"]
    ordering = ["name"]

    def perform_create(self, serializer):
        secret = serializer.validated_data.pop("secret", None) or secrets.token_hex(32)
        endpoint = serializer.save(secret=secret, created_by=self.request.user)
        audit_record(actor=self.request.user, action="webhook.created", obj=endpoint)
        self._new_secret = secret

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data["secret"] = self._new_secret
        return response

    def perform_update(self, serializer):
        endpoint = serializer.save()
        audit_record(actor=self.request.user, action="webhook.updated", obj=endpoint)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], filterset_fields=[])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        paginator = KeysetPagination()
        paginator.ordering = ("-created_at", "-id")
        page = paginator.paginate_queryset(endpoint.deliveries.prefetch_related("tries"), request)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>\d+)/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = get_object_or_404(endpoint.deliveries, pk=delivery_id)
        redeliver(delivery)
        audit_record(
            actor=request.user,
            action="webhook.redelivered",
            obj=endpoint,
            changes={"delivery": [None, delivery.pk]},
        )
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=202)
