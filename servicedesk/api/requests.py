"""API of the service catalog and service requests: thin viewsets over request_actions."""

from django.db.models import F
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, VersionField, etag_for, expected_version
from core.api.permissions import role_required
from core.api.serializers import UserBriefSerializer
from core.audit import history_for
from core.exceptions import NotAllowed
from core.models import Team, User
from core.roles import Role, is_staff_member
from servicedesk import request_actions as actions
from servicedesk.api.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    HistoryEventSerializer,
)
from servicedesk.choices import ApprovalDecision
from servicedesk.models import (
    CatalogItem,
    RequestApproval,
    RequestAttachment,
    RequestComment,
    RequestTask,
    ServiceRequest,
)
from servicedesk.request_actions import CATALOG_ITEM_FIELDS
from servicedesk.request_filtersets import CatalogItemFilter, ServiceRequestFilter
from servicedesk.request_queries import (
    catalog_approvers,
    catalog_items_visible_to,
    request_attachments_visible_to,
    request_comments_visible_to,
    request_for_whom,
    request_list_for,
)
from servicedesk.request_sla import request_breaches

# --- serializers ---------------------------------------------------------------------------


class CatalogItemSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    form_definition = serializers.JSONField(
        required=False,
        help_text="A list of fields: {name, label, type: text|number|date|choice|user|boolean, "
        "required, help_text, choices (choice only), min, max, integer (number only: the "
        "bounds of an answer, and true for whole numbers; each optional, min <= max)}.",
    )
    fulfilment_checklist = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False
    )

    class Meta:
        model = CatalogItem
        fields = ["id", *CATALOG_ITEM_FIELDS, "service_name", "version", "created_at"]
        read_only_fields = ["version", "created_at"]
        # Uniqueness is checked by full_clean in the action (one answer shape for both).
        validators: list = []
        extra_kwargs = {
            "approver": {
                "help_text": "For approval by a named user: an active user's id (null: none)."
            }
        }

    def validate_approver(self, approver):
        """Anyone active (request_queries.catalog_approvers, the editor's rule); the item's
        own approver may stay while other fields change."""
        kept_id = self.instance.approver_id if self.instance is not None else None
        if approver is None or approver.pk == kept_id:
            return approver
        if not catalog_approvers().filter(pk=approver.pk).exists():
            raise serializers.ValidationError("Name an active person to approve.")
        return approver


class CatalogItemUpdateSerializer(CatalogItemSerializer):
    version = VersionField(help_text="Or send If-Match.")

    class Meta(CatalogItemSerializer.Meta):
        read_only_fields = ["created_at"]
        extra_kwargs = {
            name: {"required": False, **CatalogItemSerializer.Meta.extra_kwargs.get(name, {})}
            for name in CatalogItemSerializer.Meta.fields
        }


class RequestApprovalSerializer(serializers.ModelSerializer):
    approver = UserBriefSerializer(read_only=True)

    class Meta:
        model = RequestApproval
        fields = ["id", "approver", "decision", "comment", "decided_at"]
        read_only_fields = fields


class RequestTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestTask
        fields = ["id", "position", "title", "done", "done_by", "done_at"]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    requester = UserBriefSerializer(read_only=True)
    approver = UserBriefSerializer(read_only=True, allow_null=True)
    catalog_item_name = serializers.CharField(source="catalog_item.name", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    answers = serializers.JSONField(
        read_only=True, help_text="{field name: answer} per the item's form, as submitted."
    )
    for_whom = serializers.SerializerMethodField(
        help_text="The id of the person the order is for when the item's form asks For whom "
        "(field `for_whom`): the one named, else the requester (an order for oneself); null "
        "when the form does not ask."
    )
    response_breached = serializers.SerializerMethodField(
        help_text="The response was (or is) later than response_due: first response, "
        "fulfilment or cancellation after it, or none yet and it has passed."
    )
    resolution_breached = serializers.SerializerMethodField(
        help_text="The delivery was (or is) later than resolution_due: fulfilled or "
        "cancelled after it, or still open and it has passed."
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "number",
            "catalog_item",
            "catalog_item_name",
            "service",
            "service_name",
            "requester",
            "organisation",
            "answers",
            "for_whom",
            "status",
            "approver",
            "team",
            "assignee",
            "opened_at",
            "first_responded_at",
            "decided_at",
            "fulfilled_at",
            "closed_at",
            "response_due",
            "resolution_due",
            "response_breached",
            "resolution_breached",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def _breaches(self, obj) -> tuple[bool, bool]:
        # One moment for the whole page, and both flags from one look at the row.
        if not hasattr(self, "_now"):
            self._now = self.context.get("now") or timezone.now()
        cached = getattr(obj, "_sla_breaches", None)
        if cached is None:
            cached = obj._sla_breaches = request_breaches(obj, now=self._now)
        return cached

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_for_whom(self, obj) -> int | None:
        return request_for_whom(obj)

    @extend_schema_field(serializers.BooleanField())
    def get_response_breached(self, obj) -> bool:
        return self._breaches(obj)[0]

    @extend_schema_field(serializers.BooleanField())
    def get_resolution_breached(self, obj) -> bool:
        return self._breaches(obj)[1]


class RequestDetailSerializer(RequestSerializer):
    approvals = RequestApprovalSerializer(many=True, read_only=True)
    tasks = RequestTaskSerializer(many=True, read_only=True)

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "approvals", "tasks"]
        read_only_fields = fields


class RequestCreateSerializer(serializers.Serializer):
    catalog_item = serializers.PrimaryKeyRelatedField(queryset=CatalogItem.objects.all())
    answers = serializers.DictField(
        required=False,
        default=dict,
        help_text="{field name: answer} per the item's form. A number lies within its field's "
        "min and max (whole with integer); a person (user id) is you or, for a requester, an "
        "active person of your organisation (staff: anyone active).",
    )
    requester = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="Agents only: order on behalf of."
    )


class RequestUpdateSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    version = VersionField(help_text="Or send If-Match.")


class RequestTransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=40)
    comment = serializers.CharField(
        required=False, max_length=5000, allow_blank=True, help_text="Approvals: why."
    )


class ApprovalDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    comment = serializers.CharField(
        required=False, max_length=5000, allow_blank=True, help_text="Required to reject."
    )


class RequestTaskUpdateSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    done = serializers.BooleanField()


class RequestAttachmentSerializer(AttachmentSerializer):
    class Meta(AttachmentSerializer.Meta):
        model = RequestAttachment

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, obj) -> str:
        return reverse("servicedesk:request_attachment_download", args=[obj.pk])


class RequestCommentSerializer(CommentSerializer):
    attachments = RequestAttachmentSerializer(many=True, read_only=True)

    class Meta(CommentSerializer.Meta):
        model = RequestComment


# --- viewsets ------------------------------------------------------------------------------


class CatalogItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Catalog items: everyone reads those of live services; the service owner and admins
    write. A bad form definition answers 400 naming the field."""

    serializer_class = CatalogItemSerializer
    filterset_class = CatalogItemFilter
    permission_classes = [role_required(Role.ADMIN, Role.SERVICE_OWNER)]
    # Keyset pages read the position from each row, so the service's name is annotated.
    ordering = ["service_sort", "name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return catalog_items_visible_to(self.request.user).annotate(service_sort=F("service__name"))

    def get_serializer_class(self):
        return (
            CatalogItemUpdateSerializer
            if self.action == "partial_update"
            else super().get_serializer_class()
        )

    def create(self, request, *args, **kwargs):
        serializer = CatalogItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = actions.catalog_item_create(actor=request.user, **serializer.validated_data)
        return Response(CatalogItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        # The item as the instance: its own approver may stay (validate_approver).
        serializer = CatalogItemUpdateSerializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        updated = actions.catalog_item_update(
            item=item,
            actor=request.user,
            expected_version=expected_version(request),
            changes=changes,
        )
        return Response(CatalogItemSerializer(updated).data)


class ServiceRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Service requests, visible per user (another organisation's is a 404). Approvers see
    the requests awaiting them; only the designated approver decides (others 403)."""

    permission_classes = [IsAuthenticated]
    filterset_class = ServiceRequestFilter
    ordering_fields = ["opened_at", "number", "updated_at", "status", "resolution_due"]
    ordering = ["-opened_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = request_list_for(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("approvals__approver", "tasks")
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return RequestCreateSerializer
        if self.action == "partial_update":
            return RequestUpdateSerializer
        if self.action == "retrieve":
            return RequestDetailSerializer
        return RequestSerializer

    def _detail(self, request_obj, code=status.HTTP_200_OK, *, fresh=False) -> Response:
        """The request object; one just written is read again with its approvals and tasks
        unless it was read that way (`fresh`)."""
        if not fresh:
            request_obj = (
                request_list_for(self.request.user)
                .prefetch_related("approvals__approver", "tasks")
                .get(pk=request_obj.pk)
            )
        response = Response(RequestDetailSerializer(request_obj).data, status=code)
        response["ETag"] = etag_for(request_obj)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), fresh=True)

    @extend_schema(request=RequestCreateSerializer, responses={201: RequestDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = RequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = get_object_or_404(catalog_items_visible_to(request.user), pk=data["catalog_item"].pk)
        created = actions.request_submit(
            actor=request.user,
            catalog_item=item,
            answers=data.get("answers"),
            requester=data.get("requester"),
        )
        return self._detail(created, status.HTTP_201_CREATED)

    @extend_schema(
        request=RequestUpdateSerializer,
        responses=RequestDetailSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = RequestUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        updated = actions.request_update(
            request=obj,
            actor=request.user,
            expected_version=expected_version(request),
            changes=changes,
        )
        return self._detail(updated)

    @extend_schema(request=RequestTransitionSerializer, responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        """approve / reject (designated approver; reject needs a comment), start_fulfilment,
        fulfil (409 naming open tasks), close, cancel (while open)."""
        obj = self.get_object()
        serializer = RequestTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        verb = data.pop("action")
        moved = actions.request_transition(request=obj, action=verb, actor=request.user, data=data)
        return self._detail(moved)

    @extend_schema(methods=["get"], responses=RequestApprovalSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=ApprovalDecisionSerializer,
        responses={201: RequestDetailSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def approvals(self, request, pk=None):
        """The decisions taken; POST decides (the designated approver only)."""
        obj = self.get_object()
        if request.method == "GET":
            rows = obj.approvals.select_related("approver")
            return Response(RequestApprovalSerializer(rows, many=True).data)
        serializer = ApprovalDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        verb = "approve" if serializer.validated_data["decision"] == "approved" else "reject"
        moved = actions.request_transition(
            request=obj,
            action=verb,
            actor=request.user,
            data={"comment": serializer.validated_data.get("comment", "")},
        )
        return self._detail(moved, status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=RequestTaskSerializer(many=True))
    @extend_schema(
        methods=["post"], request=RequestTaskUpdateSerializer, responses=RequestTaskSerializer
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def tasks(self, request, pk=None):
        """The fulfilment checklist; POST {task, done} ticks one (agents, in fulfilment)."""
        obj = self.get_object()
        if request.method == "GET":
            return Response(RequestTaskSerializer(obj.tasks.all(), many=True).data)
        serializer = RequestTaskUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = get_object_or_404(obj.tasks.all(), pk=serializer.validated_data["task"])
        done = actions.request_task_set(
            task=task, actor=request.user, done=serializer.validated_data["done"]
        )
        return Response(RequestTaskSerializer(done).data)

    @extend_schema(methods=["get"], responses=RequestCommentSerializer(many=True))
    @extend_schema(
        methods=["post"], request=CommentCreateSerializer, responses={201: RequestCommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def comments(self, request, pk=None):
        obj = self.get_object()
        if request.method == "GET":
            comments = request_comments_visible_to(request.user, obj)
            return Response(RequestCommentSerializer(comments, many=True).data)
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = actions.request_comment_add(
            request=obj, actor=request.user, **serializer.validated_data
        )
        return Response(RequestCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=RequestAttachmentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: RequestAttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def attachments(self, request, pk=None):
        obj = self.get_object()
        if request.method == "GET":
            rows = request_attachments_visible_to(request.user, obj)
            return Response(RequestAttachmentSerializer(rows, many=True).data)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = None
        if serializer.validated_data.get("comment"):
            comment = get_object_or_404(
                request_comments_visible_to(request.user, obj),
                pk=serializer.validated_data["comment"],
            )
            if comment.author_id != request.user.pk:
                raise NotAllowed("You may attach files only to your own comments.")
        attachment = actions.request_attachment_add(
            request=obj,
            actor=request.user,
            upload=serializer.validated_data["file"],
            comment=comment,
        )
        return Response(
            RequestAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=HistoryEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        obj = self.get_object()
        events = history_for(obj, include_internal=is_staff_member(request.user))
        return Response(HistoryEventSerializer(events, many=True).data)
