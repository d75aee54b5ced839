from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from qudao.accounts.models import ApiToken, AuthEvent, Role, User
from qudao.core.admin import AuditedAdminMixin


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ("username", "display_name", "mobile", "is_active", "is_staff")
    search_fields = ("username", "display_name", "mobile")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Qudao", {"fields": ("display_name", "mobile")}),
    )
    audit_prefix = "user"
    audit_fields = (
        "username",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
    )


@admin.register(Role)
class RoleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "org_kinds")
    audit_prefix = "role"
    audit_fields = ("code", "name", "org_kinds", "permissions")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_hash", "prefix")


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin):
    """The login log, read-only: rows are written by the login flow alone."""

    list_display = ("created_at", "kind", "login", "user", "ip_address", "request_id")
    list_filter = ("kind",)
    search_fields = ("login", "ip_address", "request_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
