"""Personal API tokens (every user) and service tokens with a limited role (admins)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.permissions import role_required
from core.models import ApiToken
from core.roles import Role
from core.tokens import (
    SERVICE_ROLES,
    service_token_issue,
    service_token_revoke,
    service_tokens,
    token_issue,
    token_revoke,
)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Choose a time in the future.")
        return value


class NewTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own API tokens: create (the key is shown once), list with last use, revoke."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields: list = []
    ordering = ["-created_at"]

    queryset = ApiToken.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(responses={201: NewTokenSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = token_issue(actor=request.user, user=request.user, **serializer.validated_data)
        body = NewTokenSerializer(token).data | {"key": key}
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceTokenSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=60, help_text="What will use it, e.g. erp (letters, digits, - and _)."
    )
    role = serializers.ChoiceField(choices=SERVICE_ROLES, help_text="The service account's role.")
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ServiceTokenListSerializer(serializers.ModelSerializer):
    """A service token as listed: never its key, only the prefix that tells keys apart."""

    account = serializers.CharField(source="user.username", read_only=True)
    role = serializers.CharField(source="user.role", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "account",
            "role",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class NewServiceTokenSerializer(ServiceTokenListSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ServiceTokenListSerializer.Meta):
        fields = [*ServiceTokenListSerializer.Meta.fields, "key"]


class ServiceTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Admins: tokens for integrations, each acting as a service account with a limited role;
    list them (name, role, created, last used, expiry; never the key) and revoke them."""

    permission_classes = [role_required(Role.ADMIN, read_roles=(Role.ADMIN,))]
    serializer_class = ServiceTokenListSerializer
    filterset_fields: list = []
    ordering = ["-created_at"]
    queryset = ApiToken.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return service_tokens()

    @extend_schema(request=ServiceTokenSerializer, responses={201: NewServiceTokenSerializer})
    def create(self, request):
        serializer = ServiceTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = service_token_issue(actor=request.user, **serializer.validated_data)
        return Response(
            NewServiceTokenSerializer(token).data | {"key": key}, status=status.HTTP_201_CREATED
        )

    def destroy(self, request, *args, **kwargs):
        """Revoke the token (it stays listed, marked revoked); 204."""
        service_token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
