"""API of the continual-improvement (CSI) register. Staff only: requesters get 403."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, VersionField, etag_for, expected_version
from core.api.permissions import role_required
from core.api.serializers import UserBriefSerializer
from core.models import User
from core.roles import STAFF_ROLES
from servicedesk import improvement_actions as actions
from servicedesk.improvement_actions import IMPROVEMENT_FIELDS
from servicedesk.models import Improvement
from servicedesk.models.improvements import QUARTER
from servicedesk.request_filtersets import ImprovementFilter
from servicedesk.request_queries import improvements_by_quarter, improvements_visible_to

STAFF = tuple(STAFF_ROLES)


def quarter_field(**kwargs) -> serializers.RegexField:
    """`planned_quarter` with its pattern in the schema (the model's check, restated)."""
    return serializers.RegexField(
        QUARTER.pattern,
        max_length=7,
        help_text="The quarter it is planned for, e.g. 2026-Q2.",
        error_messages={"invalid": "Write the quarter as YYYY-Qn, e.g. 2026-Q2."},
        **kwargs,
    )


class ImprovementSerializer(serializers.ModelSerializer):
    planned_quarter = quarter_field()
    owner_detail = UserBriefSerializer(source="owner", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    service_name = serializers.CharField(source="service.name", read_only=True)
    source_incident_number = serializers.CharField(
        source="source_incident.number", read_only=True, default=None, allow_null=True
    )
    source_request_number = serializers.CharField(
        source="source_request.number", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Improvement
        fields = [
            "id",
            *IMPROVEMENT_FIELDS,
            "service_name",
            "measured_value",
            "owner_detail",
            "target_date",
            "status",
            "rejection_reason",
            "source_incident_number",
            "source_request_number",
            "created_at",
            "implemented_at",
            "updated_at",
            "version",
        ]
        read_only_fields = [
            "measured_value",
            "target_date",
            "status",
            "rejection_reason",
            "created_at",
            "implemented_at",
            "updated_at",
            "version",
        ]


class ImprovementUpdateSerializer(ImprovementSerializer):
    version = VersionField(help_text="Or send If-Match.")
    planned_quarter = quarter_field(required=False)

    class Meta(ImprovementSerializer.Meta):
        read_only_fields = [
            f for f in ImprovementSerializer.Meta.read_only_fields if f != "version"
        ]
        extra_kwargs = {name: {"required": False} for name in ImprovementSerializer.Meta.fields}


class ImprovementTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "start", "implement", "reject"])
    measured_value = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, help_text="implement: the value after."
    )
    reason = serializers.CharField(
        required=False, max_length=5000, allow_blank=True, help_text="reject: why."
    )


class QuarterCountSerializer(serializers.Serializer):
    planned_quarter = serializers.CharField()
    planned = serializers.IntegerField(help_text="Not rejected (proposed … implemented).")
    implemented = serializers.IntegerField()
    rejected = serializers.IntegerField()


class ImprovementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The CSI register: staff read and propose; the service owner, managers and admins
    approve or reject; the improvement's owner moves the work on. Requesters: 403."""

    permission_classes = [role_required(*STAFF, read_roles=STAFF)]
    filterset_class = ImprovementFilter
    serializer_class = ImprovementSerializer
    ordering_fields = ["created_at", "planned_quarter", "priority", "status"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return improvements_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "partial_update":
            return ImprovementUpdateSerializer
        return ImprovementSerializer

    def _detail(self, obj, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        response = Response(ImprovementSerializer(fresh).data, status=code)
        response["ETag"] = etag_for(fresh)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = ImprovementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = actions.improvement_create(actor=request.user, **serializer.validated_data)
        return self._detail(created, status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = ImprovementUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        updated = actions.improvement_update(
            improvement=obj,
            actor=request.user,
            expected_version=expected_version(request),
            changes=changes,
        )
        return self._detail(updated)

    @extend_schema(request=ImprovementTransitionSerializer, responses=ImprovementSerializer)
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        """approve, start, implement (needs measured_value), reject (needs reason)."""
        obj = self.get_object()
        serializer = ImprovementTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        verb = data.pop("action")
        moved = actions.improvement_transition(
            improvement=obj, action=verb, actor=request.user, data=data
        )
        return self._detail(moved)

    @extend_schema(responses=QuarterCountSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def quarters(self, request):
        """Planned vs implemented per planned quarter, for the filtered register."""
        rows = improvements_by_quarter(self.filter_queryset(self.get_queryset()))
        return Response(QuarterCountSerializer(rows, many=True).data)
