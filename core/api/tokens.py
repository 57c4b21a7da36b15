"""Personal API tokens (every user) and service tokens with a limited role (admins)."""

import secrets

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.permissions import role_required
from core.audit import audit_record
from core.models import ApiToken, User
from core.roles import Role


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


def token_issue(*, actor, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    token, key = ApiToken.issue(user=user, name=name, expires_at=expires_at)
    audit_record(actor=actor, action="token.issued", obj=token)
    return token, key


def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoked", obj=token)
    return token


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
    name = serializers.SlugField(max_length=60)
    role = serializers.ChoiceField(
        choices=[Role.AGENT, Role.MANAGER, Role.REQUESTER], help_text="The service account's role."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ServiceTokenViewSet(viewsets.GenericViewSet):
    """Admins: a token for an integration, acting as a service account with a limited role."""

    permission_classes = [role_required(Role.ADMIN, read_roles=(Role.ADMIN,))]
    serializer_class = ServiceTokenSerializer

    @extend_schema(request=ServiceTokenSerializer, responses={201: NewTokenSerializer})
    def create(self, request):
        serializer = ServiceTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account, created = User.objects.get_or_create(
            username=f"svc-{data['name']}",
            defaults={"role": data["role"], "first_name": data["name"], "last_name": "(service)"},
        )
        if created:
            account.set_unusable_password()
            account.save()
            audit_record(actor=request.user, action="user.service_account_created", obj=account)
        elif account.role != data["role"]:
            raise serializers.ValidationError(
                {"role": [f"{account.username} already has role {account.role}."]}
            )
        token, key = token_issue(
            actor=request.user,
            user=account,
            name=f"service:{secrets.token_hex(2)}",
            expires_at=data.get("expires_at"),
        )
        return Response(
            NewTokenSerializer(token).data | {"key": key}, status=status.HTTP_201_CREATED
        )
