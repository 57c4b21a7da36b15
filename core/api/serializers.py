from django.contrib.auth import authenticate
from rest_framework import serializers
from rest_framework.fields import empty

from core.models import Organisation, Team, User


class WholeItem:
    """Mixin for the item serializer of a nested list (`many=True`) written in one piece.

    DRF lets a PATCH of the parent skip whatever it leaves out, inside the list's items too:
    an item without a required field reached the code that saves it (a KeyError, a 500) or
    was stored incomplete. An item is always whole: its required fields are required and its
    defaults applied, whether the parent is created, replaced or patched."""

    def to_internal_value(self, data):
        attrs = super().to_internal_value(data)
        if not getattr(self.root, "partial", False):
            return attrs
        missing = {}
        for field in self._writable_fields:
            if field.source in attrs:
                continue
            if field.default is not empty:
                attrs[field.source] = field.default() if callable(field.default) else field.default
            elif field.required:
                missing[field.field_name] = [field.error_messages["required"]]
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "shared"]


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "email", "lead"]


class UserBriefSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role"]


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    organisation = OrganisationSerializer(read_only=True, allow_null=True)
    teams = TeamSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "organisation",
            "teams",
        ]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, default="API")

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                "Unable to log in with these credentials.", code="invalid_credentials"
            )
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
