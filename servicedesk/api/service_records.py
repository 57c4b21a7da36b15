"""What a service keeps under /services/{id}/ over the API: its outages and its monthly costs."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, expected_version
from core.api.permissions import role_required
from core.exceptions import NotAllowed
from core.roles import STAFF_ROLES, Role, has_role, is_admin
from servicedesk import outage_actions, service_cost_actions
from servicedesk.api import serializers as s
from servicedesk.filtersets import OutageFilter
from servicedesk.models import Outage, Service, ServiceCost
from servicedesk.queries import services_visible_to

STAFF = tuple(STAFF_ROLES)
SERVICE_PK = OpenApiParameter("service_pk", int, OpenApiParameter.PATH)


class _ServiceNested:
    """Helpers for collections under /services/{service_pk}/."""

    kwargs: dict
    request: object

    def service(self) -> Service:
        if not hasattr(self, "_service"):
            self._service = get_object_or_404(
                services_visible_to(self.request.user), pk=self.kwargs["service_pk"]
            )
        return self._service

    def _check_owner_or_admin(self) -> None:
        user = self.request.user
        service = self.service()
        if is_admin(user):
            return
        if has_role(user, Role.SERVICE_OWNER) and service.owner_id == user.pk:
            return
        raise NotAllowed("Only this service's owner or an admin may do this.")


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PK]),
    create=extend_schema(parameters=[SERVICE_PK]),
    retrieve=extend_schema(parameters=[SERVICE_PK]),
    partial_update=extend_schema(parameters=[SERVICE_PK, IF_MATCH]),
)
class OutageViewSet(
    _ServiceNested,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Outages of one service: staff read (`?state=upcoming` lists maintenance ahead); its
    owner, agents and admins record and end them (PATCH `ended_at`) and cancel one that has
    not started. Requesters get 403."""

    serializer_class = s.OutageSerializer
    permission_classes = [
        role_required(Role.ADMIN, Role.AGENT, Role.SERVICE_OWNER, read_roles=STAFF)
    ]
    filterset_class = OutageFilter
    ordering = ["-started_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Outage.objects.none()
        return Outage.objects.filter(service=self.service()).select_related("incident")

    def _check_outage_writer(self) -> None:
        if not outage_actions.outage_may_write(self.request.user, self.service()):
            raise NotAllowed("Only this service's owner, an agent or an admin may do this.")

    def perform_create(self, serializer):
        self._check_outage_writer()
        serializer.instance = outage_actions.outage_record(
            actor=self.request.user, service=self.service(), **serializer.validated_data
        )

    def partial_update(self, request, *args, **kwargs):
        outage = self.get_object()
        self._check_outage_writer()
        serializer = self.get_serializer(outage, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = outage_actions.outage_update(
            outage=outage,
            actor=request.user,
            changes=serializer.validated_data,
            expected_version=expected_version(request),
        )
        return Response(self.get_serializer(updated).data)

    @extend_schema(
        parameters=[
            SERVICE_PK,
            IF_MATCH,
        ],
        request=s.VersionSerializer,
        responses={
            204: OpenApiResponse(description="Cancelled: the outage is gone, its audit row kept"),
            409: OpenApiResponse(
                description="It has started: `allowed` lists what is left (end, edit)"
            ),
            412: OpenApiResponse(description="Stale version"),
            428: OpenApiResponse(description="Send the outage's version (or If-Match)"),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel an outage that has not started (a maintenance window called off), with its
        `version`: it no longer counts anywhere; the audit trail keeps what it was."""
        outage = self.get_object()
        self._check_outage_writer()
        s.VersionSerializer(data=request.data).is_valid(raise_exception=True)
        outage_actions.outage_cancel(
            outage=outage, actor=request.user, expected_version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PK]),
    create=extend_schema(parameters=[SERVICE_PK]),
    retrieve=extend_schema(parameters=[SERVICE_PK]),
    partial_update=extend_schema(parameters=[SERVICE_PK]),
    destroy=extend_schema(parameters=[SERVICE_PK]),
)
class ServiceCostViewSet(_ServiceNested, viewsets.ModelViewSet):
    """Monthly costs of one service by category: staff read; its owner or an admin writes."""

    serializer_class = s.ServiceCostSerializer
    permission_classes = [role_required(Role.ADMIN, Role.SERVICE_OWNER, read_roles=STAFF)]
    filterset_class = None
    ordering = ["-period_month"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceCost.objects.none()
        return ServiceCost.objects.filter(service=self.service())

    def perform_create(self, serializer):
        self._check_owner_or_admin()
        serializer.instance = service_cost_actions.service_cost_record(
            actor=self.request.user, service=self.service(), **serializer.validated_data
        )

    def partial_update(self, request, *args, **kwargs):
        cost = self.get_object()
        self._check_owner_or_admin()
        serializer = self.get_serializer(cost, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = service_cost_actions.service_cost_update(
            cost=cost, actor=request.user, changes=serializer.validated_data
        )
        return Response(self.get_serializer(updated).data)

    def destroy(self, request, *args, **kwargs):
        cost = self.get_object()
        self._check_owner_or_admin()
        service_cost_actions.service_cost_delete(cost=cost, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
