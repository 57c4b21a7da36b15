from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import (
    ApiToken,
    AuditEvent,
    InboundEmail,
    Organisation,
    Team,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.webhooks import redeliver


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


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "include_internal", "created_at"]
    list_filter = ["active"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempted_at", "status_code", "error", "duration_ms"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Every delivery with its attempts; failed ones can be re-sent from here."""

    list_display = ["created_at", "event", "endpoint", "status", "attempts", "delivered_at"]
    list_filter = ["status", "event", "endpoint"]
    readonly_fields = [
        "endpoint",
        "event_id",
        "event",
        "payload",
        "status",
        "attempts",
        "created_at",
        "delivered_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    @admin.action(description="Re-send selected deliveries")
    def resend(self, request, queryset):
        for delivery in queryset:
            redeliver(delivery)
        self.message_user(request, f"Queued {queryset.count()} deliveries again.")

    def has_add_permission(self, request):
        return False


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Incoming mail and what became of it; quarantined mail keeps its raw source."""

    list_display = ["received_at", "sender", "subject", "status", "reason"]
    list_filter = ["status"]
    search_fields = ["sender", "subject", "message_id"]
    readonly_fields = [
        "message_id",
        "received_at",
        "sender",
        "subject",
        "status",
        "reason",
        "content_type",
        "object_id",
    ]
    exclude = ["raw"]
