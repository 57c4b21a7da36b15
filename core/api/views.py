from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api.exceptions import validation_error_body
from core.api.serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer
from core.audit import audit_record
from core.models import ApiToken, User
from core.security import client_ip, is_locked


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class TokenObtainView(APIView):
    """Exchange a username and password for an API token (failures are counted)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer})
    def post(self, request):
        """A well-formed request with a wrong username or password answers 401; a malformed
        one 400; a locked account or address 429."""
        username = request.data.get("username") if hasattr(request.data, "get") else None
        # A NUL cannot be a username (PostgreSQL refuses it in a query); the serializer says 400.
        well_formed = isinstance(username, str) and "\x00" not in username
        if well_formed and is_locked(username, client_ip(request)):
            return Response(
                {
                    "detail": "Too many failed logins; try again later.",
                    "code": "locked",
                    "fields": {},
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # Answered here, not raised: a raised error would roll back the failure count.
            codes = serializer.errors.get("non_field_errors", [])
            if any(getattr(e, "code", None) == "invalid_credentials" for e in codes):
                body = {"detail": str(codes[0]), "code": "invalid_credentials", "fields": {}}
                return Response(body, status=401, headers={"WWW-Authenticate": "Token"})
            return Response(validation_error_body(serializer.errors), status=400)
        user = serializer.validated_data["user"]
        token, key = ApiToken.issue(user=user, name=serializer.validated_data["name"])
        audit_record(actor=user, action="token.issued", obj=token)
        return Response({"token": key}, status=status.HTTP_201_CREATED)


class MeView(generics.RetrieveAPIView):
    """The caller: user, role, organisation and teams."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get_object(self):
        # Not type(request.user): with session auth that is a SimpleLazyObject (500).
        return (
            User.objects.select_related("organisation")
            .prefetch_related("teams")
            .get(pk=self.request.user.pk)
        )
