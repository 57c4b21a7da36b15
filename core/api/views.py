from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api.serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer
from core.audit import audit_record
from core.models import ApiToken


class TokenObtainView(APIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, key = ApiToken.issue(user=user, name=serializer.validated_data["name"])
        audit_record(actor=user, action="token.issued", obj=token)
        return Response({"token": key}, status=status.HTTP_201_CREATED)


class MeView(generics.RetrieveAPIView):
    """The caller: user, role, organisation and teams."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get_object(self):
        return (
            type(self.request.user)
            .objects.select_related("organisation")
            .prefetch_related("teams")
            .get(pk=self.request.user.pk)
        )
