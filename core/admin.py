from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import ApiToken, AuditEvent, Organisation, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Service desk", {"fields": ("role", "organisation", "teams", "manager")}),
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "shared", "email_domain"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead", "email"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: history is never rewritten."""

    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
